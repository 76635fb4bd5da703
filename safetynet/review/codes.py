"""The review's states, decisions and kinds: stable values stored in the database."""

from __future__ import annotations

from enum import StrEnum


class CaseState(StrEnum):
    SUBMITTED = "submitted"  # opened on a settled claim, waiting for the institution
    SELF_CHECKED = "self_checked"  # the institution's office has checked it
    REVIEWED = "reviewed"  # every line decided; the institution may appeal until the deadline
    APPEALED = "appealed"  # waiting for the second decision
    CLOSED = "closed"  # final
    VOID = "void"  # the claim's settlement was refunded: nothing left to review


class Outcome(StrEnum):
    APPROVED = "approved"
    ADJUSTED = "adjusted"
    REJECTED = "rejected"


class LineDecision(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    ADJUSTED = "adjusted"
    REJECTED = "rejected"


class DeductionKind(StrEnum):
    DECISION = "decision"  # a first-round line decision (or its change)
    APPEAL = "appeal"  # the second decision changed the line
    SPOT_CHECK = "spot_check"  # extrapolated recovery of a spot check (no line)
    REFUND = "refund"  # the claim's settlement was refunded: the deductions are undone


class SuspensionScope(StrEnum):
    DEPARTMENT = "department"  # an institution's department (art. 38, 40): 6–12 months
    PERSON = "person"  # a person's direct settlement (art. 41): 3–12 months


class SanctionState(StrEnum):
    OPEN = "open"  # something outstanding
    SETTLED = "settled"  # loss and fine recovered in full
