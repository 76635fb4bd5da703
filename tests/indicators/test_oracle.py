"""The county's statistics against an independent oracle: every figure recomputed here, row by
row in plain Python, from the raw ledger, layer and registry rows — counts, sums, ratios, per
village, township and county, per month, quarter and year, per person category — on a
synthetic county with planted cases: refunds (recorded today, netting in the claim's period),
re-settlements (a refund and the claim settled again), a stay across the year end (counted in
the admission's year and month) and a person whose poverty status changed mid-year (counted
in the category of their enrollment). Both databases."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from safetynet.codes import ClaimKind, PovertyStatus, RegionLevel
from safetynet.derived import snapshot
from safetynet.indicators.result import IndicatorResult
from safetynet.indicators.service import indicators
from safetynet.policy.in_force import policy_by_id
from safetynet.registry.status import STATUS_BITS
from safetynet.reports.dashboard_data import OOP_BANDS_YUAN, build_dashboard
from safetynet.reports.overview import overview
from safetynet.reports.summary_report import build_summary
from safetynet.settlement.service import refund, submit
from safetynet.settlement.submission import ClaimSubmission
from safetynet.settlement.year_batch import settle_year
from safetynet.store.db import session_scope
from safetynet.store.models import (
    Claim,
    ClaimItem,
    Enrollment,
    Person,
    PovertyStatusPeriod,
    Region,
    Settlement,
    SettlementLayer,
)
from safetynet.store.models.ledger import EntryKind
from safetynet.synth.county import generate
from safetynet.synth.load import load_county
from tests.conftest import fresh_engine

YEAR = 2017
COUNTY = "341821"
INPATIENT = ClaimKind.INPATIENT.value
ORDINARY = PovertyStatus.ORDINARY.value


def _copy(s, claim_id: int, start: date | None = None, end: date | None = None) -> ClaimSubmission:  # type: ignore[no-untyped-def]
    claim = s.get(Claim, claim_id)
    rid = s.scalar(select(Person.resident_id).where(Person.id == claim.person_id))
    items = s.scalars(select(ClaimItem).where(ClaimItem.claim_id == claim_id)).all()
    return ClaimSubmission.model_validate({
        "resident_id": rid, "institution_code": claim.institution_code,
        "kind": claim.kind.value, "date": start or claim.start_date,
        "discharge_date": end or claim.end_date, "diagnosis": claim.diagnosis_code,
        "referral": claim.referral,
        "items": [{"code": i.item_code, "quantity": i.quantity,
                   "amount": Decimal(i.amount_fen) / 100,
                   "deducted": Decimal(i.deducted_fen) / 100} for i in items],
    })  # fmt: skip


def _plant(engine: Engine) -> dict[str, int]:
    """Refunds, re-settlements, a stay across the year end, a mid-year change of status."""
    planted: dict[str, int] = {}
    with session_scope(engine, write_lock=True) as s:
        entries = s.execute(
            select(Settlement.id, Settlement.claim_id, Settlement.kind)
            .where(Settlement.entry_kind == EntryKind.SETTLEMENT, Settlement.paid_fen > 0)
            .order_by(Settlement.id)
        ).all()
        for entry_id, _claim, _kind in entries[5:60:11]:  # refunded
            refund(s, entry_id, user="oracle", reason="refund")
        for i, (entry_id, claim_id, _kind) in enumerate(entries[7:90:17]):  # re-settled
            refund(s, entry_id, user="oracle", reason="re-settlement")
            submit(s, _copy(s, claim_id), user="oracle", client_key=f"oracle-re-{i}")
        stays = [e for e in entries if e.kind == ClaimKind.INPATIENT]
        # a stay from 28 December to 3 January: the admission's year and month
        across = submit(
            s, _copy(s, stays[3].claim_id, date(YEAR, 12, 28), date(YEAR + 1, 1, 3)),
            user="oracle", client_key="oracle-across",
        )  # fmt: skip
        planted["across"] = across.settlement_id
        # an ordinary person becomes registered poor on 1 July and is admitted in August: the
        # claim is settled with the new status, and counts in the enrollment's category
        enrolled = s.execute(
            select(Person.id, Person.household_id)
            .join(Enrollment, Enrollment.person_id == Person.id)
            .where(Enrollment.year == YEAR, Enrollment.category == PovertyStatus.ORDINARY,
                   Person.deceased_on.is_(None))
            .order_by(Person.id)
        ).first()  # fmt: skip
        assert enrolled is not None
        s.add(PovertyStatusPeriod(
            household_id=enrolled.household_id, person_id=enrolled.id,
            status=PovertyStatus.REGISTERED_POOR, valid_from=date(YEAR, 7, 1),
            department="oracle",
        ))  # fmt: skip
        s.flush()
        sub = _copy(s, stays[4].claim_id, date(YEAR, 8, 10), date(YEAR, 8, 20))
        sub = sub.model_copy(update={
            "resident_id": s.scalar(select(Person.resident_id).where(Person.id == enrolled.id))
        })  # fmt: skip
        changed = submit(s, sub, user="oracle", client_key="oracle-status")
        planted["changed"] = changed.settlement_id
    return planted


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def county(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, dict[str, int]]]:
    engine = fresh_engine(request, tmp_path_factory, "oracle")
    load_county(engine, generate(700, seed=17, year=YEAR))
    settle_year(engine, YEAR)
    planted = _plant(engine)
    yield engine, planted
    engine.dispose()


# -- the oracle ---------------------------------------------------------------------------
def _raw(engine: Engine) -> tuple[list[dict], dict[int, str], dict[str, str | None]]:  # type: ignore[type-arg]
    """Every entry of the year with its person's village and category and its layer types;
    the villages' parents."""
    with session_scope(engine) as s:
        parent = dict(s.execute(select(Region.code, Region.parent_code)).all())
        village = dict(s.execute(select(Person.id, Person.region_code)).all())
        category = {
            pid: cat.value
            for pid, cat in s.execute(
                select(Enrollment.person_id, Enrollment.category).where(Enrollment.year == YEAR)
            ).all()
        }
        types: dict[tuple[str, str], str] = {}
        layers: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        rows = s.execute(
            select(SettlementLayer.settlement_id, SettlementLayer.layer_id, Settlement.policy_id,
                   SettlementLayer.paid_fen)
            .join(Settlement, Settlement.id == SettlementLayer.settlement_id)
        ).all()  # fmt: skip
        for sid, layer_id, policy_id, paid in rows:
            if (policy_id, layer_id) not in types:
                policy = policy_by_id(policy_id)
                assert policy is not None
                for layer in policy.layers:
                    types[(policy_id, layer.id)] = layer.type.value
            layers[sid][types[(policy_id, layer_id)]] += paid
        entries = []
        for e in s.scalars(select(Settlement)):
            if e.claim_date.year != YEAR:
                continue
            assert e.person_id in category, "a settled person without an enrollment"
            entries.append({
                "id": e.id, "person": e.person_id, "village": village[e.person_id],
                "category": category[e.person_id], "month": e.claim_date.month,
                "sign": -1 if e.entry_kind == EntryKind.REVERSAL else 1,
                "kind": e.kind.value, "level": e.level.value, "in_county": e.in_county,
                "total": e.total_fen, "compliant": e.compliant_fen, "paid": e.paid_fen,
                "oop": e.out_of_pocket_fen, "layers": dict(layers[e.id]),
            })  # fmt: skip
    return entries, village, parent


def _region_of(code: str, level: str, parent: dict[str, str | None]) -> str:
    chain = [code]
    while parent.get(chain[-1]):
        chain.append(parent[chain[-1]])  # type: ignore[arg-type]
    # village, township, county (then city, province)
    return {"village": chain[0], "township": chain[1], "county": chain[2]}[level]


def _period(month: int, period: str) -> str:
    if period == "month":
        return f"{YEAR}-{month:02d}"
    if period == "quarter":
        return f"{YEAR}-Q{(month - 1) // 3 + 1}"
    return str(YEAR)


def _oracle(entries: list[dict], parent: dict, by: str, period: str) -> dict:  # type: ignore[type-arg]
    """(region, period, category or None) → the sums the indicators are made of."""
    out: dict = defaultdict(lambda: defaultdict(int))  # type: ignore[type-arg]
    paid_by_person: dict = defaultdict(lambda: defaultdict(int))  # type: ignore[type-arg]
    for e in entries:
        region = _region_of(e["village"], by, parent)
        for cat in (None, e["category"]):
            cell = (region, _period(e["month"], period), cat)
            c = out[cell]
            inpatient = e["kind"] == INPATIENT
            c["claims"] += e["sign"]
            c["visits"] += 0 if inpatient else e["sign"]
            c["admissions"] += e["sign"] if inpatient else 0
            c["admission_cost"] += e["total"] if inpatient else 0
            c["total"] += e["total"]
            c["paid"] += e["paid"]
            c["compliant"] += e["compliant"]
            c["in_county"] += e["sign"] if e["in_county"] else 0
            c[f"paid_{e['level']}"] += e["paid"]
            c[f"total_{e['level']}"] += e["total"]
            for layer_type, amount in e["layers"].items():
                c[f"layer_{layer_type}"] += amount
            if e["category"] != ORDINARY and inpatient:
                c["poor_admissions"] += e["sign"]
                c["poor_admission_oop"] += e["oop"]
            paid_by_person[cell][e["person"]] += e["paid"]
    for cell, persons in paid_by_person.items():
        out[cell]["persons_compensated"] = sum(1 for v in persons.values() if v > 0)
    return out


def _fig(result: IndicatorResult, ind: str, cell: tuple, part: str | None = None):  # type: ignore[no-untyped-def, type-arg]
    region, period, cat = cell
    return result.figure(ind, region, period, cat, part)


def _check(result: IndicatorResult, want: dict) -> int:  # type: ignore[type-arg]
    checked = 0
    for cell, c in want.items():
        assert _fig(result, "visits", cell).value == c["visits"], cell
        assert _fig(result, "admissions", cell).value == c["admissions"], cell
        assert _fig(result, "total_cost", cell).value == c["total"], cell
        assert _fig(result, "compensation", cell).value == c["paid"], cell
        assert _fig(result, "persons_compensated", cell).value == c["persons_compensated"], cell
        for layer_type in ("basic_insurance", "critical_illness", "medical_assistance",
                           "government_backstop", "supplementary"):  # fmt: skip
            got = _fig(result, "compensation", cell, layer_type)
            assert got is not None and got.value == c[f"layer_{layer_type}"], (cell, layer_type)
        ratio = _fig(result, "compensation_ratio", cell)
        if c["total"]:
            assert (ratio.numerator, ratio.denominator) == (c["paid"], c["total"]), cell
        else:
            assert ratio is None or ratio.value is None, cell
        in_county = _fig(result, "in_county_rate", cell)
        if c["claims"]:
            assert (in_county.numerator, in_county.denominator) == (c["in_county"], c["claims"])
        per_admission = _fig(result, "cost_per_admission", cell)
        if c["admissions"]:
            assert per_admission.numerator == c["admission_cost"], cell
            assert per_admission.denominator == c["admissions"], cell
        county_level = _fig(result, "compensation_ratio", cell, "county")
        if c["total_county"]:
            assert county_level.numerator == c["paid_county"], cell
            assert county_level.denominator == c["total_county"], cell
        policy_range = _fig(result, "policy_range_ratio", cell)
        if c["compliant"]:
            assert policy_range.numerator == c["layer_basic_insurance"], cell
            assert policy_range.denominator == c["compliant"], cell
        oop = _fig(result, "oop_per_admission_poor", cell)
        if c["poor_admissions"]:
            assert (oop.numerator, oop.denominator) == (
                c["poor_admission_oop"], c["poor_admissions"]
            ), cell  # fmt: skip
        checked += 1
    return checked


@pytest.mark.parametrize(
    ("period", "by", "by_category"),
    [("month", "village", True), ("quarter", "township", True), ("year", "county", True),
     ("month", "county", False)],
)  # fmt: skip
def test_every_statistic_equals_the_oracle(
    county: tuple[Engine, dict[str, int]], period: str, by: str, by_category: bool
) -> None:
    engine, _planted = county
    entries, _village, parent = _raw(engine)
    want = _oracle(entries, parent, by, period)
    if not by_category:
        want = {cell: c for cell, c in want.items() if cell[2] is None}
    with session_scope(engine) as s:
        result = indicators(s, COUNTY, YEAR, period, RegionLevel(by), by_category)
    assert _check(result, want) == len(want) > 0


def test_the_planted_cases_count_where_the_rules_say(county: tuple[Engine, dict[str, int]]) -> None:
    engine, planted = county
    with session_scope(engine) as s:
        across = s.get(Settlement, planted["across"])
        changed = s.get(Settlement, planted["changed"])
        assert across is not None and changed is not None
        assert across.claim_date == date(YEAR, 12, 28)
        village = s.scalar(select(Person.region_code).where(Person.id == changed.person_id))
        category = s.scalar(
            select(Enrollment.category).where(
                Enrollment.person_id == changed.person_id, Enrollment.year == YEAR
            )
        )
        assert category == PovertyStatus.ORDINARY
        # settled as registered poor, counted as ordinary (the enrollment's category)
        assert changed.status_mask & STATUS_BITS[PovertyStatus.REGISTERED_POOR]
        result = indicators(s, COUNTY, YEAR, "month", RegionLevel.VILLAGE, True)
    entries, _v, parent = _raw(engine)
    want = _oracle(entries, parent, "village", "month")
    cell = (village, f"{YEAR}-08", ORDINARY)
    assert want[cell]["admissions"] >= 1
    assert _fig(result, "admissions", cell).value == want[cell]["admissions"]
    poor = _fig(result, "admissions", (village, f"{YEAR}-08", "registered_poor"))
    expected = want.get((village, f"{YEAR}-08", "registered_poor"), {}).get("admissions", 0)
    assert (poor.value if poor is not None else 0) == expected
    # the stay across the year end counts in December of its admission's year
    december = (COUNTY, f"{YEAR}-12", None)
    whole = _oracle(entries, parent, "county", "month")
    with session_scope(engine) as s:
        months = indicators(s, COUNTY, YEAR, "month", None, False)
    assert _fig(months, "admissions", december).value == whole[december]["admissions"]
    assert any(e["id"] == planted["across"] and e["month"] == 12 for e in entries)


def test_the_overview_and_the_summary_equal_the_oracle(
    county: tuple[Engine, dict[str, int]],
) -> None:
    engine, _planted = county
    entries, _v, parent = _raw(engine)
    whole = _oracle(entries, parent, "county", "year")
    c = whole[(COUNTY, str(YEAR), None)]
    with session_scope(engine) as s:
        ov = overview(s, COUNTY, YEAR)
        by_layer: dict[str, int] = defaultdict(int)
        for sid, layer_id, paid in s.execute(
            select(SettlementLayer.settlement_id, SettlementLayer.layer_id,
                   SettlementLayer.paid_fen)
        ).all():  # fmt: skip
            if sid in {e["id"] for e in entries}:
                by_layer[layer_id] += paid
        result = indicators(s, COUNTY, YEAR, "year", None, True)
    assert (ov.claims, ov.total_fen, ov.compliant_fen, ov.paid_fen) == (
        c["claims"], c["total"], c["compliant"], c["paid"]
    )  # fmt: skip
    assert ov.out_of_pocket_fen == sum(e["oop"] for e in entries)
    assert dict(ov.layers) == {k: v for k, v in by_layer.items() if k in dict(ov.layers)}
    assert sum(v for _k, v in ov.layers) == c["paid"]
    for row in ov.levels:
        assert row.total_fen == c[f"total_{row.level}"] and row.paid_fen == c[f"paid_{row.level}"]
    # the summary's figures of the poor: every category but ordinary
    poor = [e for e in entries if e["category"] != ORDINARY]
    summary = build_summary(result, "en")
    table = next(t for t in summary.tables if "poor" in t.title)
    values = {str(r[0]): r[1].value for r in table.rows}
    assert values["Person-times settled (visits and admissions)"] == sum(e["sign"] for e in poor)
    assert values["Total cost"] == sum(e["total"] for e in poor)
    assert values["Compensated by all layers"] == sum(e["paid"] for e in poor)


def test_the_snapshot_path_equals_the_oracle(
    county: tuple[Engine, dict[str, int]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The same figures cut from the ledger's Parquet snapshot (a large county's path)."""
    engine, _planted = county
    monkeypatch.setenv("SAFETYNET_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SAFETYNET_SNAPSHOT_MIN_ENTRIES", "0")
    snapshot.forget()
    try:
        entries, _village, parent = _raw(engine)
        want = _oracle(entries, parent, "village", "month")
        with session_scope(engine) as s:
            assert snapshot.current(s.connection()) is not None
            result = indicators(s, COUNTY, YEAR, "month", RegionLevel.VILLAGE, True)
        assert _check(result, want) == len(want) > 0
    finally:
        snapshot.forget()


def test_the_dashboards_out_of_pocket_bands_equal_the_oracle(
    county: tuple[Engine, dict[str, int]],
) -> None:
    """Persons with a claim in the year (net of refunds) by band of their year's
    out-of-pocket, poor and others."""
    engine, _planted = county
    entries, _v, _parent = _raw(engine)
    oop: dict[int, int] = defaultdict(int)
    claims: dict[int, int] = defaultdict(int)
    category: dict[int, str] = {}
    for e in entries:
        oop[e["person"]] += e["oop"]
        claims[e["person"]] += e["sign"]
        category[e["person"]] = e["category"]
    want = [[0, 0] for _ in OOP_BANDS_YUAN]
    for person, n in claims.items():
        if n <= 0:
            continue
        band = max(i for i, low in enumerate(OOP_BANDS_YUAN) if oop[person] >= low * 100)
        want[band][0 if category[person] != ORDINARY else 1] += 1
    with session_scope(engine) as s:
        dash = build_dashboard(s, COUNTY, YEAR, "en")
    got = [[row["poor"], row["others"]] for row in dash.charts["oop"]]
    assert got == want
    assert sum(p + o for p, o in got) == sum(1 for n in claims.values() if n > 0)
