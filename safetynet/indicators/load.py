"""The indicators' source frames from the database: a handful of set-based queries.

Everything is restricted to the region's tree (:func:`safetynet.security.scope.within`) and
to the scheme year (the ledger's ``settlement.year``, enrollment's ``year``); earlier years
come summed per person, for the accumulated balance. Rows are pulled with
:func:`safetynet.store.fetch.fetch_frame` (COPY on PostgreSQL, the cursor on SQLite).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import Connection, Engine, String, func, select, type_coerce
from sqlalchemy.orm import Session

from safetynet.codes import PovertyStatus
from safetynet.derived.frames import (
    DEFAULT_PRIORITY,
    ENROLLMENT_SCHEMA,
    ENTRY_SCHEMA,
    LAYER_SCHEMA,
    PAYER_COLUMNS,
    PERSON_SCHEMA,
    PRIOR_PAID_SCHEMA,
    PRIOR_RAISED_SCHEMA,
    REGION_SCHEMA,
    IndicatorFrames,
    SourceFrames,
    assemble,
)
from safetynet.derived.layers import PolicyLookup
from safetynet.policy.contribution import (
    load_contribution_policy,
    shipped_contribution_policies,
)
from safetynet.registry.status import PERIOD_SCHEMA
from safetynet.security.scope import within
from safetynet.store.fetch import fetch_frame
from safetynet.store.models import (
    Enrollment,
    Person,
    PovertyStatusPeriod,
    Region,
    Settlement,
    SettlementLayer,
)

Bind = Engine | Connection | Session


def _text(col):  # type: ignore[no-untyped-def]
    """An enum column read as its stored text."""
    return type_coerce(col, String).label(col.key)


def load_sources(conn: Connection, region_code: str, year: int) -> SourceFrames:
    """Every source frame of the region (and everything under it) for the scheme year."""
    in_scope = within(Person.region_code, region_code)
    jan1 = date(year, 1, 1)
    regions = select(Region.code, Region.name, _text(Region.level), Region.parent_code)
    persons = select(
        Person.id, Person.household_id, Person.region_code, Person.birth_date, Person.deceased_on
    ).where(in_scope)
    payer_cols = [getattr(Enrollment, c) for c in PAYER_COLUMNS]
    enrollment = (
        select(Enrollment.person_id, _text(Enrollment.category), *payer_cols)
        .join(Person, Person.id == Enrollment.person_id)
        .where(Enrollment.year == year, in_scope)
    )
    households = select(Person.household_id).where(in_scope)
    P = PovertyStatusPeriod
    statuses = select(
        P.id, P.household_id, P.person_id, _text(P.status), P.valid_from, P.valid_to
    ).where(
        P.household_id.in_(households),
        P.valid_from <= jan1,
        (P.valid_to.is_(None)) | (P.valid_to > jan1),
    )
    S = Settlement
    person_ids = select(Person.id).where(in_scope)
    entries = select(
        S.id, S.claim_id, _text(S.entry_kind), S.person_id, S.policy_id, S.claim_date,
        _text(S.kind), _text(S.level), S.in_county, S.total_fen, S.compliant_fen,
        S.deducted_fen, S.paid_fen, S.out_of_pocket_fen,
    ).where(S.year == year, S.person_id.in_(person_ids))  # fmt: skip
    L = SettlementLayer
    year_ids = select(S.id).where(S.year == year, S.person_id.in_(person_ids))
    layers = select(L.settlement_id, L.layer_id, L.paid_fen).where(
        L.paid_fen != 0, L.settlement_id.in_(year_ids)
    )
    prior_raised = (
        select(Enrollment.person_id, func.sum(sum(payer_cols[1:], payer_cols[0])))
        .join(Person, Person.id == Enrollment.person_id)
        .where(Enrollment.year < year, in_scope)
        .group_by(Enrollment.person_id)
    )
    prior_paid = (
        select(S.person_id, S.policy_id, L.layer_id, func.sum(L.paid_fen))
        .join(S, S.id == L.settlement_id)
        .join(Person, Person.id == S.person_id)
        .where(S.year < year, in_scope, L.paid_fen != 0)
        .group_by(S.person_id, S.policy_id, L.layer_id)
    )
    return SourceFrames(
        regions=fetch_frame(conn, regions, REGION_SCHEMA),
        persons=fetch_frame(conn, persons, PERSON_SCHEMA),
        enrollment=fetch_frame(conn, enrollment, ENROLLMENT_SCHEMA),
        statuses=fetch_frame(conn, statuses, PERIOD_SCHEMA),
        entries=fetch_frame(conn, entries, ENTRY_SCHEMA),
        layers=fetch_frame(conn, layers, LAYER_SCHEMA),
        prior_raised=fetch_frame(conn, prior_raised, PRIOR_RAISED_SCHEMA),
        prior_paid=fetch_frame(conn, prior_paid, PRIOR_PAID_SCHEMA),
    )


def category_priority(region_code: str, year: int) -> list[PovertyStatus]:
    """Who counts as what when not enrolled: the priority of the shipped contribution policy
    for the region and year (the most specific), else :data:`DEFAULT_PRIORITY`."""
    best = None
    for path in shipped_contribution_policies().values():
        policy = load_contribution_policy(path)
        fits = policy.year == year and region_code.startswith(policy.region)
        if fits and (best is None or len(policy.region) > len(best.region)):
            best = policy
    return list(best.priority) if best is not None else list(DEFAULT_PRIORITY)


def load_frames(
    bind: Bind, region_code: str, year: int, *, lookup: PolicyLookup | None = None
) -> IndicatorFrames:
    """The indicator frames of a region and year, read in one transaction: cut from the
    current snapshot of a large ledger (:mod:`safetynet.derived`, remembered per snapshot
    version), else read with :func:`load_sources`."""
    if isinstance(bind, Session):
        return _frames(bind.connection(), region_code, year, lookup)
    if isinstance(bind, Connection):
        return _frames(bind, region_code, year, lookup)
    with bind.connect() as conn:
        return _frames(conn, region_code, year, lookup)


def _frames(
    conn: Connection, region_code: str, year: int, lookup: PolicyLookup | None
) -> IndicatorFrames:
    from safetynet.derived.memo import remembered
    from safetynet.derived.snapshot import current
    from safetynet.derived.views import indicator_frames, indicator_sources, regions_frame

    snap = current(conn)
    if snap is None:
        return _assembled(load_sources(conn, region_code, year), region_code, year, lookup)
    regions = regions_frame(conn)
    priority = category_priority(region_code, year)
    url = conn.engine.url.render_as_string(hide_password=True)
    key = ("frames", url, snap.version, hash(tuple(regions.rows())), region_code, year)

    def build() -> IndicatorFrames:
        if lookup is not None:
            src = indicator_sources(snap, regions, region_code, year)
            return _assembled(src, region_code, year, lookup)
        return indicator_frames(snap, regions, region_code, year, priority)

    if lookup is not None:  # a caller's own policies: nothing remembered
        return build()
    return remembered(key, lambda: replace(build(), version=key))


def _assembled(
    src: SourceFrames, region_code: str, year: int, lookup: PolicyLookup | None
) -> IndicatorFrames:
    return assemble(
        src,
        region_code=region_code,
        year=year,
        lookup=lookup,
        priority=category_priority(region_code, year),
    )
