"""What the bureau's pages read, cut from a current :class:`~safetynet.derived.snapshot.Snapshot`.

Each function here answers the same question as a set of SQL statements elsewhere (named in
its docstring) and returns the same frame, so the computation downstream is shared and the
tests compare the two: the indicators' source frames (``load.load_sources``), the
overview's figures (``reports.overview``), a month's public notice entries and layer
payments (``reports.notice``), the years and policies of the ledger. Regions and
institutions are small and always read live.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import polars as pl
from sqlalchemy import Connection, String, select, type_coerce

from safetynet.clock import stored_range
from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus, code
from safetynet.derived.frames import (
    ENTRY_SCHEMA,
    LAYER_SCHEMA,
    PAY_COLUMNS,
    PAYER_COLUMNS,
    PRIOR_PAID_SCHEMA,
    REGION_KEYS,
    REGION_SCHEMA,
    IndicatorFrames,
    SourceFrames,
    _persons,
    region_index,
)
from safetynet.derived.layers import layer_types
from safetynet.derived.memo import keep, recall, remembered
from safetynet.derived.snapshot import Snapshot
from safetynet.store.fetch import fetch_frame
from safetynet.store.models import Institution, Region

INDICATOR_ENTRY_COLUMNS = [
    "settlement_id", "claim_id", "entry_kind", "person_id", "policy_id", "claim_date", "kind",
    "level", "in_county", "total_fen", "compliant_fen", "deducted_fen", "paid_fen",
    "out_of_pocket_fen",
]  # fmt: skip
REVERSAL = "reversal"


def regions_frame(conn: Connection) -> pl.DataFrame:
    query = select(
        Region.code, Region.name, type_coerce(Region.level, String).label("level"),
        Region.parent_code,
    )  # fmt: skip
    return fetch_frame(conn, query, REGION_SCHEMA)


def scope_codes(regions: pl.DataFrame, region_code: str) -> list[str]:
    """The region's code and every code under it (``safetynet.regions.descendants``)."""
    children: dict[str | None, list[str]] = {}
    for c, p in regions.select("code", "parent_code").iter_rows():
        children.setdefault(p, []).append(c)
    if region_code not in set(regions["code"].to_list()):
        return []
    out, stack = [region_code], [region_code]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in out:
                out.append(child)
                stack.append(child)
    return out


def persons_in(snap: Snapshot, codes: list[str]) -> pl.DataFrame:
    return snap.registry.persons.filter(pl.col("region_code").is_in(codes))


def _of(frame: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    return frame.join(persons.select("person_id"), on="person_id", how="semi")


def _registry_sources(
    snap: Snapshot, regions: pl.DataFrame, persons: pl.DataFrame, year: int
) -> SourceFrames:
    """The source frames of the persons, without the year's entries and layers."""
    enrollment = _of(snap.registry.enrollment, persons)
    prior = (
        _of(snap.ledger.facts.filter(pl.col("year") < year), persons)
        .select("settlement_id", "person_id", "policy_id")
    )  # fmt: skip
    paid_layers = snap.ledger.layers.filter(pl.col("paid_fen") != 0)
    prior_paid = (
        paid_layers.join(prior, on="settlement_id", how="inner")
        .group_by("person_id", "policy_id", "layer_id")
        .agg(pl.col("paid_fen").sum())
        if not prior.is_empty()
        else pl.DataFrame(schema=PRIOR_PAID_SCHEMA)
    )
    prior_raised = (
        enrollment.filter(pl.col("year") < year)
        .group_by("person_id")
        .agg(pl.sum_horizontal(PAYER_COLUMNS).sum().alias("raised_fen"))
    )
    jan1 = date(year, 1, 1)
    statuses = snap.registry.statuses.join(
        persons.select("household_id").unique(), on="household_id", how="semi"
    ).filter(
        (pl.col("valid_from") <= jan1)
        & (pl.col("valid_to").is_null() | (pl.col("valid_to") > jan1))
    )
    return SourceFrames(
        regions=regions,
        persons=persons.select(
            "person_id", "household_id", "region_code", "birth_date", "deceased_on"
        ),
        enrollment=enrollment.filter(pl.col("year") == year).drop("year"),
        statuses=statuses,
        entries=pl.DataFrame(schema=ENTRY_SCHEMA),
        layers=pl.DataFrame(schema=LAYER_SCHEMA),
        prior_raised=prior_raised,
        prior_paid=prior_paid.select("person_id", "policy_id", "layer_id", "paid_fen"),
    )


def indicator_sources(
    snap: Snapshot, regions: pl.DataFrame, region_code: str, year: int
) -> SourceFrames:
    """:func:`safetynet.indicators.load.load_sources`, from the snapshot."""
    persons = persons_in(snap, scope_codes(regions, region_code))
    src = _registry_sources(snap, regions, persons, year)
    entries = _of(snap.ledger.entries.filter(pl.col("year") == year), persons)
    paid_layers = snap.ledger.layers.filter(pl.col("paid_fen") != 0)
    layers = paid_layers.join(entries.select("settlement_id"), on="settlement_id", how="semi")
    return replace(
        src,
        entries=entries.select(INDICATOR_ENTRY_COLUMNS),
        layers=layers.select("settlement_id", "layer_id", "paid_fen"),
    )


def of_year(frame: pl.DataFrame, year: int) -> pl.DataFrame:
    """The rows of the year (the frame itself when it holds no other year: no copy)."""
    years = frame["year"]
    if years.len() and years.min() == year and years.max() == year:
        return frame
    return frame.filter(pl.col("year") == year)


def indicator_frames(
    snap: Snapshot,
    regions: pl.DataFrame,
    region_code: str,
    year: int,
    priority: list[PovertyStatus],
) -> IndicatorFrames:
    """``assemble(indicator_sources(...))`` — the same frames but for the entries' order —,
    with the entries taken from the snapshot's precomputed facts."""
    index = region_index(regions, region_code)
    facts = of_year(snap.ledger.facts, year)
    earlier = snap.ledger.facts.filter(pl.col("year") < year)["settlement_id"]
    key = ("persons", snap.registry.token, hash(tuple(index.rows())), region_code, year,
           earlier.len(), earlier.sum(), tuple(priority))  # fmt: skip

    def people_of() -> tuple[pl.DataFrame, set[str]]:
        persons = persons_in(snap, index["code"].to_list())
        src = _registry_sources(snap, regions, persons, year)
        prior = set(src.prior_paid["policy_id"].unique().to_list())
        return _persons(src, index, year, layer_types(prior), priority), prior

    people, prior = remembered(key, people_of)  # the same registry and earlier years
    used = set(facts["policy_id"].unique().to_list()) | prior
    if used & snap.ledger.unknown:
        layer_types(used)  # raises UnknownPolicy, naming the policy
    who = people.select("person_id", *REGION_KEYS.values(), "category")

    def entries_of(rows: pl.DataFrame) -> pl.DataFrame:
        return rows.join(who, on="person_id", how="inner").select(
            "claim_id", "person_id", *REGION_KEYS.values(), "category", "month", "kind",
            "level", "in_county", "sign", "total_fen", "compliant_fen", "deducted_fen",
            "paid_fen", "oop_fen", *PAY_COLUMNS,
        )  # fmt: skip

    # the same persons at an earlier ledger version: add the entries recorded since
    ledger = snap.ledger
    before = recall(("entries", key))
    same = isinstance(before, _Entries) and before.origin == ledger.origin
    if same and before.watermark <= ledger.watermark:  # type: ignore[union-attr]
        ids = pl.col("settlement_id")
        since = facts.filter((ids > before.watermark) | ids.is_in(list(before.gaps)))  # type: ignore[union-attr]
        entries = pl.concat([before.entries, entries_of(since)], rechunk=False)  # type: ignore[union-attr]
        if entries.n_chunks() > 16:
            entries = entries.rechunk()
    else:
        entries = entries_of(facts)
    keep(("entries", key), _Entries(ledger.origin, ledger.watermark, ledger.gaps, entries))
    return IndicatorFrames(region_code, year, index, people, entries)


@dataclass(frozen=True)
class _Entries:
    """A region-year's entries at a ledger version (watermark and gaps)."""

    origin: int
    watermark: int
    gaps: tuple[int, ...]
    entries: pl.DataFrame


def ledger_years(snap: Snapshot) -> list[int]:
    """Years with ledger entries, newest first (``reports.overview.ledger_years``)."""
    return sorted(snap.ledger.entries["year"].unique().to_list(), reverse=True)


def enrollment_years(snap: Snapshot) -> list[int]:
    return sorted(snap.registry.enrollment["year"].unique().to_list(), reverse=True)


def ledger_policies(snap: Snapshot, year: int) -> list[str]:
    """The policies the year's entries were settled under, sorted."""
    entries = snap.ledger.entries.filter(pl.col("year") == year)
    return sorted(entries["policy_id"].unique().to_list())


def _layer_order(policy_ids: list[str]) -> dict[str, int]:
    """Each layer id's first place in the cascade of the given policies."""
    from safetynet.policy.in_force import policy_by_id

    order: dict[str, int] = {}
    for pid in policy_ids:
        policy = policy_by_id(pid)
        for i, layer in enumerate(policy.layers if policy is not None else []):
            order[layer.id] = min(order.get(layer.id, i), i)
    return order


def overview_figures(snap: Snapshot, codes: list[str], year: int | None) -> dict[str, object]:
    """The overview's figures but the households (``reports.overview.overview``): sums over
    the year's entries of the region's persons, remembered per registry token and region and
    brought forward by the entries recorded since (every figure is a sum)."""
    persons = persons_in(snap, codes)
    ledger = snap.ledger
    key = ("overview", snap.registry.token, ledger.origin, tuple(codes), year)
    before = recall(key)
    facts = ledger.facts if year is None else of_year(ledger.facts, year)
    if year is None:
        facts = facts.filter(pl.col("year").is_null())
    if isinstance(before, _Sums) and before.watermark <= ledger.watermark:
        ids = pl.col("settlement_id")
        facts = facts.filter((ids > before.watermark) | ids.is_in(list(before.gaps)))
    sums = _entry_sums(_of(facts, persons))
    if isinstance(before, _Sums):
        sums = _add(before.sums, sums)
    keep(key, _Sums(ledger.watermark, ledger.gaps, sums))
    enrolled = _of(snap.registry.enrollment.filter(pl.col("year") == year), persons)
    ordinary = PovertyStatus.ORDINARY.value
    order = _layer_order(sorted(sums["policies"]))
    present = sorted(sums["layers"], key=lambda lid: (order.get(lid, len(order)), lid))
    return {
        "persons": persons.height,
        "enrolled": enrolled.height,
        "enrolled_poor": enrolled.filter(pl.col("category") != ordinary).height,
        **{k: sums[k] for k in ("claims", "total_fen", "compliant_fen", "paid_fen")},
        "out_of_pocket_fen": sums["oop_fen"],
        "layers": [(lid, sums["layers"][lid]) for lid in present],
        "levels": [
            (lv.value, *sums["levels"][code(lv)])
            for lv in InstitutionLevel
            if code(lv) in sums["levels"]
        ],
    }


@dataclass(frozen=True)
class _Sums:
    watermark: int
    gaps: tuple[int, ...]
    sums: dict  # type: ignore[type-arg]


def _entry_sums(facts: pl.DataFrame) -> dict:  # type: ignore[type-arg]
    """The overview's sums over some entries (see :func:`overview_figures`)."""
    layer_cols = [c for c in facts.columns if c.startswith("layer_")]
    row = facts.select(
        pl.col("sign").cast(pl.Int64).sum().alias("claims"),
        *(pl.col(c).sum() for c in ("total_fen", "compliant_fen", "paid_fen", "oop_fen")),
        *(pl.col(c).sum().alias(f"sum {c}") for c in layer_cols),
        *(pl.col(c).is_not_null().any().alias(f"any {c}") for c in layer_cols),
    ).row(0, named=True)
    inpatient = pl.col("kind") == code(ClaimKind.INPATIENT)
    sign = pl.col("sign").cast(pl.Int64)
    levels = facts.group_by("level").agg(
        pl.when(inpatient).then(0).otherwise(sign).sum().alias("visits"),
        pl.when(inpatient).then(sign).otherwise(0).sum().alias("admissions"),
        pl.col("total_fen").sum(),
        pl.col("paid_fen").sum(),
    )
    return {
        **{k: int(row[k] or 0) for k in ("claims", "total_fen", "compliant_fen", "paid_fen",
                                          "oop_fen")},
        "layers": {
            c.removeprefix("layer_").removesuffix("_fen"): int(row[f"sum {c}"] or 0)
            for c in layer_cols
            if row[f"any {c}"]
        },
        "levels": {int(r[0]): tuple(int(v or 0) for v in r[1:]) for r in levels.iter_rows()},
        "policies": set(facts["policy_id"].unique().to_list()),
    }  # fmt: skip


def _add(a: dict, b: dict) -> dict:  # type: ignore[type-arg]
    out = {k: a[k] + b[k] for k in ("claims", "total_fen", "compliant_fen", "paid_fen", "oop_fen")}
    out["layers"] = {k: a["layers"].get(k, 0) + b["layers"].get(k, 0)
                     for k in a["layers"].keys() | b["layers"].keys()}  # fmt: skip
    out["levels"] = {
        k: tuple(x + y for x, y in zip(a["levels"].get(k, (0,) * 4), b["levels"].get(k, (0,) * 4),
                                      strict=True))
        for k in a["levels"].keys() | b["levels"].keys()
    }  # fmt: skip
    out["policies"] = a["policies"] | b["policies"]
    return out


def latest_settled(snap: Snapshot, codes: list[str]) -> date | None:
    """The last claim end date of a settlement of the region's persons
    (``reports.notice.latest_month``)."""
    entries = _of(snap.ledger.entries, persons_in(snap, codes))
    last = entries.filter(pl.col("entry_kind") != REVERSAL)["end_date"].max()
    return last  # type: ignore[return-value]


def month_entries(snap: Snapshot, start: date, end: date) -> pl.DataFrame:
    """The ledger entries a notice of the month lists (any region): settlements discharged in
    it, refunds recorded in it (on the county's clock)."""
    t0, t1 = stored_range(start, end)
    reversal = pl.col("entry_kind") == REVERSAL
    settled = ~reversal & (pl.col("end_date") >= start) & (pl.col("end_date") < end)
    refunded = reversal & (pl.col("created_at") >= t0) & (pl.col("created_at") < t1)
    return snap.ledger.entries.filter(settled | refunded)


def month_version(snap: Snapshot, month: pl.DataFrame) -> tuple[int, int, int, int]:
    """What a month's notice depends on in the snapshot: the registry, the ledger and the
    month's entries (the ledger is append-only: their number and highest id name them)."""
    top = month["settlement_id"].max() if month.height else 0
    return (snap.registry.token, snap.ledger.origin, month.height, int(top or 0))  # type: ignore[arg-type]


def notice_frames(
    snap: Snapshot, conn: Connection, codes: list[str], month: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A month's entries (names and IDs masked) and their layer payments, as
    ``reports.notice._masked_entries`` and ``reports.notice._layers`` return them;
    ``month``: :func:`month_entries`."""
    persons = persons_in(snap, codes)
    entries = month.join(
        persons.select("person_id", "name", "resident_id", "region_code"), on="person_id"
    )
    institutions = fetch_frame(
        conn,
        select(Institution.code, Institution.name),
        {"institution_code": pl.String, "institution_name": pl.String},
    )
    entries = entries.join(institutions, on="institution_code", how="left").select(
        pl.col("settlement_id").alias("entry_id"), "entry_kind", "reverses_id", "person_id",
        "policy_id", "status_mask", "name", "resident_id", "region_code", "institution_code",
        "institution_name", "level", "kind", "start_date", "end_date", "created_at",
        "total_fen", "compliant_fen", "paid_fen", "out_of_pocket_fen",
    )  # fmt: skip
    layers = snap.ledger.layers.join(
        entries.select(pl.col("entry_id").alias("settlement_id")), on="settlement_id", how="semi"
    ).select(pl.col("settlement_id").alias("entry_id"), "layer_id", "position", "paid_fen")
    return entries, layers
