"""The monthly public notice of reimbursements (县乡村三级公示) of a county, township or village.

One line per ledger entry of the month for the persons living in the region: who (name and
resident ID masked here, in the service, so no writer ever sees them unmasked), village,
person category (the poverty statuses the claim was settled with), institution, kind, dates,
total and compliant cost, what each layer paid, the total reimbursed and what the patient
paid. A village's notice lists its own people; a township's groups them by village and a
county's by township, with a subtotal per group.

Which month an entry belongs to: a settlement counts in the month of the claim's end date
(discharge, or the visit), when the one-stop window pays it; a refund (a ``reversal`` entry,
amounts negated) counts in the month it was recorded, as a negative line, so every month's
totals are net of the refunds made in it. A settlement refunded in the month it counts in is
not listed at all, nor is its refund (nobody was reimbursed: the two lines cancel, and the
person is not counted); a settlement refunded in a later month keeps its line, which says
when it was refunded (``refunded_on``), so no refunded settlement reads as simply paid.

Six queries (the region, the regions under it, the entries, their layers, the refunds of
the month's settlements, nothing per row);
everything else is vectorised Polars. A large ledger's entries and layers are cut from its
snapshot instead (:mod:`safetynet.derived`), with the same result. Money is integer fen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Select, String, and_, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from safetynet.clock import local_date, local_date_expr, stored_range
from safetynet.codes import PovertyStatus, RegionLevel
from safetynet.derived import views
from safetynet.derived.memo import remembered
from safetynet.derived.snapshot import Snapshot, current
from safetynet.policy.in_force import PolicyChoiceError, policy_by_id, policy_in_force
from safetynet.regions import descendants_select, region_path
from safetynet.registry.masking import mask_id_expr, mask_id_tail_expr, mask_name_expr
from safetynet.registry.status import STATUS_BITS
from safetynet.security.scope import within
from safetynet.store.models import Claim, Institution, Person, Region, Settlement, SettlementLayer
from safetynet.store.models.ledger import EntryKind

NOTICE_LEVELS = (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)
# the level a notice groups its lines by, with a subtotal per group
GROUP_LEVEL = {RegionLevel.COUNTY: RegionLevel.TOWNSHIP, RegionLevel.TOWNSHIP: RegionLevel.VILLAGE}
MONEY = ("total_fen", "compliant_fen")  # the layer columns, then PAID
PAID = ("paid_fen", "out_of_pocket_fen")
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


class NoticeError(ValueError):
    """A notice that cannot be made: unknown region, a region of the wrong level, bad month."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


@dataclass(frozen=True)
class NoticeLayer:
    id: str
    name_en: str
    name_zh: str

    @property
    def column(self) -> str:
        return layer_column(self.id)


@dataclass
class Notice:
    region_code: str
    region_name: str
    region_level: RegionLevel
    region_path: list[str]  # names from the top down to the region
    year: int
    month: int
    layers: list[NoticeLayer]
    # one line per ledger entry (masked), in group, village, date order: see ROW_COLUMNS
    rows: pl.DataFrame
    # per group (township or village): group_code, group_name, claims, persons and the sums
    groups: pl.DataFrame
    totals: dict[str, int] = field(default_factory=dict)  # claims, persons and the sums

    @property
    def group_level(self) -> RegionLevel | None:
        """The level of the groups with subtotals (None for a village's notice)."""
        return GROUP_LEVEL.get(self.region_level)

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def is_empty(self) -> bool:
        return self.rows.is_empty()

    @property
    def money_columns(self) -> list[str]:
        """The money columns in the order shown: costs, each layer, reimbursed, patient."""
        return [*MONEY, *(la.column for la in self.layers), *PAID]


ROW_COLUMNS = [
    "entry_id", "entry_kind", "reverses_id", "group_code", "group_name", "village_code",
    "village_name", "name", "resident_id", "category", "institution_code",
    "institution_name", "level", "kind", "start_date", "end_date", "entry_date", "refunded_on",
]  # fmt: skip  # then the money columns (Notice.money_columns)


def layer_column(layer_id: str) -> str:
    return f"layer_{layer_id}_fen"


def parse_month(text: str) -> tuple[int, int]:
    """``"2018-03"`` → ``(2018, 3)``; :class:`NoticeError` for anything else."""
    m = _MONTH.match(text or "")
    if not m or not 1 <= int(m.group(2)) <= 12 or not 1900 <= int(m.group(1)) <= 2999:
        raise NoticeError(
            "month_invalid", f"{text!r} is not a month: write it as YYYY-MM, e.g. 2018-03",
            field="month",
        )  # fmt: skip
    return int(m.group(1)), int(m.group(2))


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first day of the month and the first day of the next (exclusive)."""
    start = date(year, month, 1)
    return start, date(year + month // 12, month % 12 + 1, 1)


def notice_region(session: Session, region_code: str) -> Region:
    """The region of a notice: it must exist and be a county, township or village."""
    return _publishing(session.get(Region, (region_code or "").strip()), region_code)


def _publishing(region: Region | None, region_code: str) -> Region:
    if region is None:
        raise NoticeError("region_unknown", f"no region {region_code!r}", field="region")
    if RegionLevel(region.level) not in NOTICE_LEVELS:
        raise NoticeError(
            "region_level",
            f"{region.name} ({region.code}) is a {RegionLevel(region.level).value}: public "
            "notices are published by counties, townships and villages",
            field="region",
        )
    return region


def notice_regions(session: Session, scope_code: str) -> list[Region]:
    """The regions within a user's region that publish notices, in code order."""
    return list(
        session.scalars(
            select(Region)
            .where(within(Region.code, scope_code), Region.level.in_(NOTICE_LEVELS))
            .order_by(Region.code)
        )
    )


def latest_month(session: Session, region_code: str) -> tuple[int, int] | None:
    """The last month in which a settlement of the region's persons was paid (None: none)."""
    snap = current(session.connection())
    if snap is not None:  # a large ledger: from its snapshot (safetynet.derived)
        codes = views.scope_codes(views.regions_frame(session.connection()), region_code)
        day = views.latest_settled(snap, codes)
        return (day.year, day.month) if day is not None else None
    last = session.scalar(
        select(func.max(Claim.end_date))
        .join(Settlement, Settlement.claim_id == Claim.id)
        .join(Person, Person.id == Settlement.person_id)
        .where(
            Settlement.entry_kind == EntryKind.SETTLEMENT, within(Person.region_code, region_code)
        )
    )
    return (last.year, last.month) if last is not None else None


def _entries_query(region_code: str, year: int, month: int) -> Select[Any]:
    start, end = month_bounds(year, month)
    settled = and_(
        Settlement.entry_kind == EntryKind.SETTLEMENT, Claim.end_date >= start,
        Claim.end_date < end,
    )  # fmt: skip
    t0, t1 = stored_range(start, end)  # the county's month, as stored (UTC) times
    refunded = and_(
        Settlement.entry_kind == EntryKind.REVERSAL,
        Settlement.created_at >= t0,
        Settlement.created_at < t1,
    )
    return (
        select(
            Settlement.id,
            type_coerce(Settlement.entry_kind, String),
            Settlement.reverses_id,
            Settlement.person_id,
            Settlement.policy_id,
            Settlement.status_mask,
            Person.name,
            Person.resident_id,
            Person.region_code,
            Claim.institution_code,
            Institution.name,
            type_coerce(Settlement.level, String),
            type_coerce(Settlement.kind, String),
            Claim.start_date,
            Claim.end_date,
            Settlement.created_at,
            Settlement.total_fen,
            Settlement.compliant_fen,
            Settlement.paid_fen,
            Settlement.out_of_pocket_fen,
        )
        .join(Person, Person.id == Settlement.person_id)
        .join(Claim, Claim.id == Settlement.claim_id)
        .outerjoin(Institution, Institution.code == Claim.institution_code)
        .where(within(Person.region_code, region_code), or_(settled, refunded))
    )


ENTRY_SCHEMA: dict[str, pl.DataType] = {
    "entry_id": pl.Int64(), "entry_kind": pl.String(), "reverses_id": pl.Int64(),
    "person_id": pl.Int64(), "policy_id": pl.String(), "status_mask": pl.Int64(),
    "name": pl.String(), "resident_id": pl.String(), "region_code": pl.String(),
    "institution_code": pl.String(), "institution_name": pl.String(), "level": pl.String(),
    "kind": pl.String(), "start_date": pl.Date(), "end_date": pl.Date(),
    "created_at": pl.Datetime("us"), "total_fen": pl.Int64(), "compliant_fen": pl.Int64(),
    "paid_fen": pl.Int64(), "out_of_pocket_fen": pl.Int64(),
}  # fmt: skip


def _masked_entries(session: Session, region_code: str, year: int, month: int) -> pl.DataFrame:
    """The month's entries with names and IDs masked at once: nothing unmasked leaves here."""
    raw = pl.DataFrame(
        session.execute(_entries_query(region_code, year, month)).all(),
        schema=ENTRY_SCHEMA,
        orient="row",
    )
    return raw.with_columns(
        mask_name_expr("name").alias("name"), mask_id_expr("resident_id").alias("resident_id")
    )


def category_expr(mask: str | pl.Expr = "status_mask") -> pl.Expr:
    """The poverty statuses a status bit mask holds, as a list of their codes (enum order)."""
    col = pl.col(mask) if isinstance(mask, str) else mask
    return pl.concat_list(
        [
            pl.when((col // STATUS_BITS[s]) % 2 == 1).then(pl.lit(s.value)).otherwise(None)
            for s in PovertyStatus
        ]
    ).list.drop_nulls()


def _layers(session: Session, region_code: str, year: int, month: int) -> pl.DataFrame:
    entries = _entries_query(region_code, year, month).with_only_columns(Settlement.id)
    rows = session.execute(
        select(
            SettlementLayer.settlement_id,
            SettlementLayer.layer_id,
            SettlementLayer.position,
            SettlementLayer.paid_fen,
        ).where(SettlementLayer.settlement_id.in_(entries))
    ).all()
    return pl.DataFrame(
        rows,
        schema={"entry_id": pl.Int64(), "layer_id": pl.String(), "position": pl.Int64(),
                "paid_fen": pl.Int64()},
        orient="row",
    )  # fmt: skip


REFUND_SCHEMA: dict[str, pl.DataType] = {"entry_id": pl.Int64(), "refunded_on": pl.Date()}


def _refunds(session: Session, region_code: str, year: int, month: int) -> pl.DataFrame:
    """When each of the month's settlements was refunded, if it was (in any month)."""
    entries = _entries_query(region_code, year, month).with_only_columns(Settlement.id)
    rows = session.execute(
        select(Settlement.reverses_id, Settlement.created_at).where(
            Settlement.reverses_id.in_(entries)
        )
    ).all()
    return pl.DataFrame(
        [(entry, local_date(made)) for entry, made in rows], schema=REFUND_SCHEMA, orient="row"
    )


def _snapshot_refunds(snap: Snapshot, month_rows: pl.DataFrame) -> pl.DataFrame:
    """:func:`_refunds` from the snapshot: the reversals of the month's settlements."""
    settled = month_rows.filter(pl.col("entry_kind") != EntryKind.REVERSAL.value)
    return (
        snap.ledger.entries.filter(pl.col("reverses_id").is_in(settled["settlement_id"].implode()))
        .select(
            pl.col("reverses_id").cast(pl.Int64).alias("entry_id"),
            local_date_expr("created_at").alias("refunded_on"),
        )
    )  # fmt: skip


def _cancelled(entries: pl.DataFrame) -> pl.Series:
    """The entries of a settlement refunded within the month and of its refund: both go."""
    pairs = entries.filter(
        (pl.col("entry_kind") == EntryKind.REVERSAL.value)
        & pl.col("reverses_id").is_in(entries["entry_id"].implode())
    )
    return pl.concat([pairs["entry_id"], pairs["reverses_id"]])


def _layer_names(policy_ids: list[str]) -> dict[str, tuple[str, str]]:
    names: dict[str, tuple[str, str]] = {}
    for pid in policy_ids:
        policy = policy_by_id(pid)
        if policy is not None:
            for layer in policy.layers:
                names.setdefault(layer.id, (layer.name_en, layer.name_zh))
    return names


def _notice_layers(
    layer_rows: pl.DataFrame, policy_ids: list[str], region_code: str, start: date
) -> list[NoticeLayer]:
    """The layers the month's entries went through, in cascade order; for an empty month
    the layers of the policy in force, so the columns are those of every notice."""
    if layer_rows.is_empty():
        try:
            policy = policy_in_force(region_code, start)
        except PolicyChoiceError:
            return []
        return [NoticeLayer(la.id, la.name_en, la.name_zh) for la in policy.layers]
    order = (
        layer_rows.group_by("layer_id")
        .agg(pl.col("position").min().alias("first"))
        .sort("first", "layer_id")
    )
    names = _layer_names(policy_ids)
    return [NoticeLayer(lid, *names.get(lid, (lid, lid))) for lid in order["layer_id"].to_list()]


def _groups_of(regions: list[Region], top: str) -> pl.DataFrame:
    """Each region under ``top`` with its village and its group: the region directly under
    ``top`` that holds it (``top`` itself for a village's notice)."""
    parent = {r.code: r.parent_code for r in regions}
    name = {r.code: r.name for r in regions}
    rows = []
    for r in regions:
        group = r.code
        while parent.get(group) not in (top, None) and group != top:
            group = parent[group]  # type: ignore[assignment]
        rows.append((r.code, r.name, group, name.get(group, group)))
    return pl.DataFrame(
        rows,
        schema={"region_code": pl.String(), "village_name": pl.String(),
                "group_code": pl.String(), "group_name": pl.String()},
        orient="row",
    )  # fmt: skip


def _sums(money: list[str]) -> list[pl.Expr]:
    """Net claims (a refund counts -1), distinct persons and the sum of every money column."""
    sign = pl.when(pl.col("entry_kind") == EntryKind.REVERSAL.value).then(-1).otherwise(1)
    return [
        sign.sum().cast(pl.Int64).alias("claims"),
        pl.col("person_id").n_unique().cast(pl.Int64).alias("persons"),
        *(pl.col(c).sum().cast(pl.Int64).alias(c) for c in money),
    ]


def without_id_tails(notice: Notice) -> Notice:
    """The notice as a reader without the right to see resident IDs gets it (an analyst):
    each ID keeps its first four characters only. The public masking keeps the last four,
    which with the village and the year of birth other pages show that reader narrows the
    ID to a few candidates (:mod:`safetynet.registry.masking`)."""
    return replace(notice, rows=notice.rows.with_columns(mask_id_tail_expr("resident_id")))


def public_notice(session: Session, region_code: str, year: int, month: int) -> Notice:
    """The month's public notice of the region (a county, a township or a village)."""
    if not 1 <= month <= 12:
        raise NoticeError("month_invalid", f"month {month} is not 1 to 12", field="month")
    code = (region_code or "").strip()  # the region and everything under it, in one query
    regions = list(session.scalars(select(Region).where(Region.code.in_(descendants_select(code)))))
    region = _publishing(next((r for r in regions if r.code == code), None), region_code)
    snap = current(session.connection())
    if snap is not None:  # a large ledger: from its snapshot (safetynet.derived)
        codes = [r.code for r in regions]
        tree = tuple(sorted((r.code, r.name, str(r.level), r.parent_code or "") for r in regions))
        rows = views.month_entries(snap, *month_bounds(year, month))
        refunds = _snapshot_refunds(snap, rows)  # a later refund changes the month's lines
        version = (views.month_version(snap, rows), refunds.height)
        key = ("notice", version, hash(tree), region.code, year, month)
        notice = remembered(
            key,
            lambda: _notice_of(session, region, regions, year, month, (snap, rows, refunds), codes),
        )
        return replace(notice, region_path=region_path(session, region.code))
    return _notice_of(session, region, regions, year, month)


def _notice_of(
    session: Session,
    region: Region,
    regions: list[Region],
    year: int,
    month: int,
    month_rows: tuple[Snapshot, pl.DataFrame, pl.DataFrame] | None = None,
    codes: list[str] | None = None,
) -> Notice:
    level = RegionLevel(region.level)
    start, _ = month_bounds(year, month)
    if month_rows is not None:
        snap, rows, refunds = month_rows
        entries, layer_rows = views.notice_frames(snap, session.connection(), codes or [], rows)
    else:
        entries = _masked_entries(session, region.code, year, month)
        layer_rows = _layers(session, region.code, year, month)
        refunds = _refunds(session, region.code, year, month)
    cancelled = _cancelled(entries)
    entries = entries.filter(~pl.col("entry_id").is_in(cancelled.implode()))
    layer_rows = layer_rows.filter(~pl.col("entry_id").is_in(cancelled.implode()))
    layers = _notice_layers(
        layer_rows, sorted(set(entries["policy_id"].to_list())), region.code, start
    )
    wide = (
        layer_rows.with_columns(
            pl.concat_str(pl.lit("layer_"), pl.col("layer_id"), pl.lit("_fen")).alias("layer_id")
        ).pivot(on="layer_id", index="entry_id", values="paid_fen", aggregate_function="sum")
        if not layer_rows.is_empty()
        else pl.DataFrame(schema={"entry_id": pl.Int64()})
    )
    layer_cols = [la.column for la in layers]
    money = [*MONEY, *layer_cols, *PAID]
    rows = (
        entries.join(_groups_of(regions, region.code), on="region_code", how="left")
        .join(wide, on="entry_id", how="left")
        .join(refunds, on="entry_id", how="left")
        .with_columns(
            *(
                (pl.col(c) if c in wide.columns else pl.lit(None)).fill_null(0).cast(pl.Int64)
                .alias(c)
                for c in layer_cols
            ),
            pl.col("region_code").alias("village_code"),
            category_expr().alias("category"),
            pl.when(pl.col("entry_kind") == EntryKind.REVERSAL.value)
            .then(local_date_expr("created_at"))
            .otherwise(pl.col("end_date"))
            .alias("entry_date"),
        )
        .sort("group_code", "village_code", "entry_date", "entry_id")
    )  # fmt: skip
    groups = rows.group_by("group_code", "group_name").agg(_sums(money)).sort("group_code")
    total = rows.select(_sums(money)).row(0, named=True)
    return Notice(
        region_code=region.code,
        region_name=region.name,
        region_level=level,
        region_path=region_path(session, region.code),
        year=year,
        month=month,
        layers=layers,
        rows=rows.select([*ROW_COLUMNS, *money]),
        groups=groups,
        totals={k: int(v or 0) for k, v in total.items()},
    )
