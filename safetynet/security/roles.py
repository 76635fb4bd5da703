"""What each role may do. One table, checked by the services and the web routes alike.

The user's region limits *where* (see :mod:`safetynet.security.scope`); this table says *what*.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from safetynet.store.models.security import Role


class Permission(StrEnum):
    PERSON_READ = "person.read"  # a person's unmasked page: IDs, names, history, claims
    PERSON_READ_MASKED = "person.read_masked"  # lists with masked names and IDs
    CLAIM_SETTLE = "claim.settle"  # preview, settle, print the slip
    CLAIM_REFUND = "claim.refund"
    REPORT_READ = "report.read"  # overview, indicators, exports
    AUDIT_READ = "audit.read"
    USER_ADMIN = "user.admin"
    SUPERVISION_READ = "supervision.read"  # screening hits and risk scores (the bureau)
    # claim review: a user bound to an institution is its medical-insurance office
    # (self-check, appeal); any other holder a township or county reviewer (decisions)
    REVIEW_CLAIMS = "review.claims"
    REVIEW_INSPECT = "review.inspect"  # spot checks, sanction cases, suspensions (the bureau)
    # the programme's pages: the "three batches" patients and their steps, the family-doctor
    # contracts' worklist and the services recorded (village doctors, the township's
    # reviewers, the bureau); never a user bound to an institution
    PROGRAMME_WORK = "programme.work"
    FAMILY_DOCTOR = "programme.work"  # the same permission under its older name (an alias)
    FUNDS_READ = "funds.read"  # fund accounts, alarms, statements of institutions (the bureau)
    FUNDS_PAY = "funds.pay"  # payment rounds of institutions: make, approve, release (bureau)
    # re-assistance rounds of households: draft, approve, pay, cancel (the bureau, at the county)
    REASSIST_PAY = "reassist.pay"
    # the steps of an early warning's workflow: visit, hand-over, measures, follow-ups,
    # closing (the bureau)
    WARNING_WORK = "early_warning.work"
    # reading early warnings of households (the monitoring list, one warning, its hand-over
    # packet; with person.read) and re-assistance rounds (with report.read; members masked
    # without person.read): the township's and the bureau's work, never a hospital's
    WARNING_READ = "early_warning.read"


_ALL = frozenset(Permission)
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: _ALL,
    Role.BUREAU: _ALL - {Permission.USER_ADMIN, Permission.AUDIT_READ},
    Role.CLERK: frozenset(
        {
            Permission.PERSON_READ,
            Permission.PERSON_READ_MASKED,
            Permission.CLAIM_SETTLE,
            Permission.CLAIM_REFUND,
        }
    ),
    Role.REVIEWER: frozenset(
        {
            Permission.PERSON_READ,
            Permission.PERSON_READ_MASKED,
            Permission.CLAIM_REFUND,
            Permission.REPORT_READ,
            Permission.REVIEW_CLAIMS,
            Permission.WARNING_READ,
            Permission.PROGRAMME_WORK,
        }
    ),
    Role.ANALYST: frozenset(
        {Permission.PERSON_READ_MASKED, Permission.REPORT_READ, Permission.WARNING_READ}
    ),
    Role.AUDITOR: frozenset(
        {
            Permission.PERSON_READ,
            Permission.PERSON_READ_MASKED,
            Permission.REPORT_READ,
            Permission.AUDIT_READ,
            Permission.WARNING_READ,
        }
    ),
    Role.VILLAGE_DOCTOR: frozenset({Permission.PROGRAMME_WORK, Permission.PERSON_READ_MASKED}),
}


# what a user bound to an institution (a hospital's window clerk or its medical-insurance
# office) never holds, whatever the role: the township's and the bureau's work on households
# and the programme's casework, and every figure of more institutions than its own — the
# region's reports, indicators, dashboards and notices (``report.read``), the supervision
# scorecard, inspections and sanctions, the funds' statements and payment rounds, the
# region's audit log (every institution's users' reads and changes) — whose page, answer
# and export are all of the region's institutions (403 before anything is read). What it
# reads is its own institution's: its review cases (the queue is the institution's), its
# claims on a person's page, the settlements it made.
AT_INSTITUTION_WITHHELD = frozenset(
    {
        Permission.WARNING_READ,
        Permission.WARNING_WORK,
        Permission.REASSIST_PAY,
        Permission.PROGRAMME_WORK,
        Permission.REPORT_READ,
        Permission.SUPERVISION_READ,
        Permission.REVIEW_INSPECT,
        Permission.FUNDS_READ,
        Permission.FUNDS_PAY,
        Permission.AUDIT_READ,
    }
)


class Holder(Protocol):
    """A user as the permission check sees it (the stored row or the web's view of it)."""

    @property
    def role(self) -> Role: ...
    @property
    def institution_code(self) -> str | None: ...


def allows(role: Role, permission: Permission) -> bool:
    """Whether the role grants ``permission`` (a user: :func:`user_allows`)."""
    return permission in PERMISSIONS[role]


def user_allows(user: Holder, permission: Permission) -> bool:
    """Whether the user holds ``permission``: their role grants it, and it is not withheld
    from a user bound to an institution (:data:`AT_INSTITUTION_WITHHELD`)."""
    if user.institution_code and permission in AT_INSTITUTION_WITHHELD:
        return False
    return allows(user.role, permission)
