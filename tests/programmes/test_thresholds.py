"""The three batches' and family-doctor contracts' lines exactly at, just below and just above
each boundary, read from the programme file (``national-2017.yaml``):

- the critical-illness batch: the year's total cost (by admission date) at least the line;
- a disease list from its ``valid_from`` (inclusive) to its ``valid_to`` (exclusive);
- control: blood pressure below 140 / 90, fasting glucose below 7.0 (the recalled national
  norm, "below"), on the latest measure of the period;
- planned services: slot *k* due at the end of its part of the term, on time up to
  ``on_time_days`` after; the worklist's due-soon window and overdue (the day after);
- pathways: stay from ``min_days`` to ``max_days`` inclusive (discharge − admission), the bill
  at most the fixed fee; the fixed fee's overrun borne by the institution (net > fee).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
import pytest

from safetynet.programmes.fixed_fee import apply_fixed_fee
from safetynet.programmes.load import CONTRACT_SCHEMA, FOLLOW_UP_SCHEMA
from safetynet.programmes.pathways import evaluate
from safetynet.programmes.plan import slots, worklist
from safetynet.programmes.rates import Frames, compute
from safetynet.programmes.rules import load_rules, shipped_rules
from safetynet.programmes.screen import CLAIM_COLUMNS, screen

RULES = load_rules(shipped_rules()["national-2017"])
CRITICAL = next(b for b in RULES.batches if b.id.value == "critical")
LINE = CRITICAL.annual_cost_at_least
assert LINE == 5_000_000


def _claims(*rows: tuple[int, str, date, int]) -> pl.DataFrame:
    """(person, diagnosis, admission date, total fen) → screening's claim columns."""
    return pl.DataFrame(
        [(n, p, d, diag, fen, "H-COUNTY") for n, (p, diag, d, fen) in enumerate(rows, 1)],
        schema=dict(zip(CLAIM_COLUMNS, [pl.Int64, pl.Int64, pl.Date, pl.String, pl.Int64,
                                        pl.String], strict=True)),
        orient="row",
    )  # fmt: skip


def _batches(claims: pl.DataFrame, year: int = 2018) -> dict[str, str | None]:
    out = screen(RULES, claims, pl.Series([1]), "340421", year)
    return {b: lst for b, lst in out.select("batch", "list_id").iter_rows()}


@pytest.mark.parametrize(("total", "hit"), [(LINE - 1, False), (LINE, True), (LINE + 1, True)])
def test_critical_illness_at_least_the_years_total_cost(total: int, hit: bool) -> None:
    claims = _claims((1, "J18.9", date(2018, 3, 1), total // 2),
                     (1, "K35.9", date(2018, 9, 1), total - total // 2))  # fmt: skip
    assert _batches(claims) == ({"critical": None} if hit else {})


def test_the_critical_line_counts_claims_by_admission_year() -> None:
    # admitted on 31 December: the year before's cost, not this year's
    claims = _claims((1, "J18.9", date(2017, 12, 31), LINE), (1, "J18.9", date(2018, 1, 1), 1))
    assert _batches(claims, 2017) == {"critical": None}
    assert _batches(claims, 2018) == {}


@pytest.mark.parametrize(
    ("day", "year", "expected"),
    [(date(2019, 12, 31), 2019, {}), (date(2020, 1, 1), 2020, {"serious": "national_30"})],
)
def test_a_disease_list_applies_from_its_first_day(
    day: date, year: int, expected: dict[str, str]
) -> None:
    # lung cancer (C34) is on the national 30 (from 2020), not on the nine of 2017
    assert _batches(_claims((1, "C34.1", day, 100)), year) == expected


@pytest.mark.parametrize(
    ("day", "hit"),
    [(date(2018, 2, 28), False), (date(2018, 3, 1), True), (date(2018, 8, 31), True),
     (date(2018, 9, 1), False)],
)  # fmt: skip
def test_a_list_beginning_and_ending_inside_the_year_applies_in_between(
    day: date, hit: bool
) -> None:
    """A list valid from 1 March to 1 September 2018 (exclusive): it was skipped for the
    whole year, being in force on neither 1 January nor 31 December."""
    serious = next(b for b in RULES.batches if b.id.value == "serious")
    short = serious.lists[1].model_copy(
        update={"id": "short", "valid_from": date(2018, 3, 1), "valid_to": date(2018, 9, 1)}
    )
    rules = RULES.model_copy(update={"batches": [serious.model_copy(update={"lists": [short]})]})
    out = screen(rules, _claims((1, "C34.1", day, 100)), pl.Series([1]), "340421", 2018)
    assert out["list_id"].to_list() == (["short"] if hit else [])


def test_a_target_only_is_screened() -> None:
    claims = _claims((2, "C16.9", date(2018, 3, 1), LINE))
    assert _batches(claims) == {}


# --- control, delivery and on-time follow-ups (rates) ---------------------------------------

VILLAGE, TOWNSHIP, COUNTY = "340421100201", "340421100", "340421"
_PATIENTS = {"id": pl.Int64, "batch": pl.String, "person_id": pl.Int64, "list_id": pl.String,
             "disease_code": pl.String, "state": pl.String, "screened_on": pl.Date,
             "verified_on": pl.Date, "plan_on": pl.Date, "outcome_on": pl.Date,
             "institution_code": pl.String}  # fmt: skip
_CLAIMS = {"claim_id": pl.Int64, "person_id": pl.Int64, "start_date": pl.Date,
           "end_date": pl.Date, "diagnosis": pl.String, "total_fen": pl.Int64,
           "institution_code": pl.String, "in_county": pl.Boolean, "kind": pl.String,
           "level": pl.String, "item_kinds": pl.List(pl.String)}  # fmt: skip


def _contract(n: int, disease: str, start: date = date(2018, 1, 1), package: str = "chronic",
              end: date | None = None) -> dict[str, Any]:  # fmt: skip
    return {"id": n, "person_id": n, "team_id": 1, "package": package, "signed_on": start,
            "valid_from": start, "valid_to": end or date(start.year + 1, start.month, start.day),
            "fee_fen": 0, "free": True, "health_record_no": None, "disease_code": disease,
            "renews_id": None}  # fmt: skip


def _service(n: int, contract: int, kind: str, day: date, *, bp: tuple[int, int] | None = None,
             glucose: int | None = None) -> dict[str, Any]:  # fmt: skip
    return {"id": n, "contract_id": contract, "person_id": contract, "kind": kind,
            "disease_code": None, "done_on": day, "systolic": bp[0] if bp else None,
            "diastolic": bp[1] if bp else None, "glucose_tenths": glucose, "drugs": None,
            "next_on": None}  # fmt: skip


def _rates(
    contracts: list[dict[str, Any]], services: list[dict[str, Any]], rules: Any = RULES
) -> dict[str, Any]:
    persons = sorted({c["person_id"] for c in contracts})
    frames = Frames(
        persons=pl.DataFrame({"person_id": persons, "region_code": [VILLAGE] * len(persons)},
                             schema={"person_id": pl.Int64, "region_code": pl.String}),
        villages=pl.DataFrame({"village": [VILLAGE], "township": [TOWNSHIP], "county": [COUNTY]}),
        targets=pl.Series(persons, dtype=pl.Int64),
        patients=pl.DataFrame(schema=_PATIENTS),
        claims=pl.DataFrame(schema=_CLAIMS),
        contracts=pl.DataFrame(contracts, schema=CONTRACT_SCHEMA),
        services=pl.DataFrame(services, schema=FOLLOW_UP_SCHEMA),
    )  # fmt: skip
    out = compute(rules, frames, 2018)
    return {i: (n, d) for i, n, d in out.filter(pl.col("part").is_null())
            .select("indicator", "numerator", "denominator").iter_rows()}  # fmt: skip


@pytest.mark.parametrize(
    ("bp", "controlled"),
    [((139, 89), True), ((140, 89), False), ((139, 90), False), ((141, 91), False),
     ((138, 88), True)],
)  # fmt: skip
def test_blood_pressure_controlled_below_140_over_90(bp: tuple[int, int], controlled: bool) -> None:
    got = _rates([_contract(1, "I10")],
                 [_service(1, 1, "follow_up", date(2018, 2, 1), bp=(150, 95)),
                  _service(2, 1, "follow_up", date(2018, 5, 1), bp=bp)])  # fmt: skip
    assert got["bp_control_rate"] == (int(controlled), 1)  # the latest measure counts


@pytest.mark.parametrize(("tenths", "controlled"), [(69, True), (70, False), (71, False)])
def test_glucose_controlled_below_7_0(tenths: int, controlled: bool) -> None:
    got = _rates([_contract(1, "E11.9")],
                 [_service(1, 1, "follow_up", date(2018, 3, 1), glucose=tenths)])  # fmt: skip
    assert got["glucose_control_rate"] == (int(controlled), 1)


@pytest.mark.parametrize(
    ("line", "tenths", "controlled"),
    [("6.95", 69, True), ("6.95", 70, False), ("6.9", 69, False), ("6.91", 69, True)],
)
def test_a_glucose_line_with_two_decimals_is_compared_exactly(
    line: str, tenths: int, controlled: bool
) -> None:
    rules = RULES.model_copy(
        update={"control": RULES.control.model_copy(update={"glucose_below": Decimal(line)})}
    )
    got = _rates(
        [_contract(1, "E11.9")],
        [_service(1, 1, "follow_up", date(2018, 3, 1), glucose=tenths)],
        rules,
    )
    assert got["glucose_control_rate"] == (int(controlled), 1)


def _slots(contract: dict[str, Any], done: list[tuple[str, date]]) -> pl.DataFrame:
    return slots(
        RULES,
        pl.DataFrame([contract], schema=CONTRACT_SCHEMA),
        pl.DataFrame([(contract["id"], k, d) for k, d in done],
                     schema={"contract_id": pl.Int64, "kind": pl.String, "done_on": pl.Date},
                     orient="row"),
    )  # fmt: skip


def test_four_follow_ups_fall_due_at_the_end_of_each_quarter_of_the_term() -> None:
    due = _slots(_contract(1, "I10"), []).filter(pl.col("kind") == "follow_up")
    # a 365-day term: slot k due on day k × 365 // 4 − 1 after the first day
    assert due["due_on"].to_list() == [date(2018, 4, 1), date(2018, 7, 1), date(2018, 9, 30),
                                       date(2018, 12, 31)]  # fmt: skip
    # the basic package plans one health check, due on the term's last day; no follow-ups
    basic = _slots(_contract(2, "", package="basic"), [])
    assert basic.select("kind", "due_on").rows() == [("health_check", date(2018, 12, 31))]


@pytest.mark.parametrize(("late", "on_time"), [(-1, True), (0, True), (14, True), (15, False)])
def test_a_follow_up_is_on_time_up_to_14_days_after_it_fell_due(late: int, on_time: bool) -> None:
    assert RULES.contracts.on_time_days == 14
    contract = _contract(1, "I10")
    first_due = date(2018, 4, 1)
    services = [_service(1, 1, "follow_up", first_due + timedelta(days=late))]
    got = _rates([contract], services)
    # four follow-ups due in the year, one done; it fills the first slot
    assert got["follow_up_on_time_rate"] == (int(on_time), 4)


def test_delivery_counts_services_done_by_the_periods_end() -> None:
    contract = _contract(1, "I10", start=date(2017, 7, 1))  # term into 2018
    services = [
        _service(n, 1, "follow_up", d)
        for n, d in enumerate([date(2017, 9, 1), date(2017, 12, 1), date(2018, 3, 1)], 1)
    ]
    got = _rates([contract], services)
    # due in 2018 (a 365-day term from 1 July 2017): follow-ups 3 (30 March, done on 1 March:
    # the third done fills the third slot) and 4 (30 June), drug deliveries 3 and 4, the
    # health check (30 June): one of five done
    assert got["delivery_rate"] == (1, 5)


@pytest.mark.parametrize(
    ("days_before", "shown", "overdue"),
    [(-1, True, True), (0, True, False), (14, True, False), (15, False, False)],
)
def test_the_worklist_shows_what_falls_due_within_14_days_and_overdue_the_day_after(
    days_before: int, shown: bool, overdue: bool
) -> None:
    assert RULES.contracts.due_soon_days == 14
    slot = _slots(_contract(1, "I10"), []).filter(pl.col("kind") == "follow_up")
    due = date(2018, 4, 1)
    today = due - timedelta(days=days_before)
    none = pl.DataFrame(schema={"contract_id": pl.Int64, "kind": pl.String, "next_on": pl.Date})
    got = worklist(RULES, slot, none, today)
    assert (got.height == 1) == shown
    if shown:
        assert got.select("due_on", "overdue").row(0) == (due, overdue)


@pytest.mark.parametrize(
    ("start", "end", "live"),
    [(date(2017, 1, 1), date(2018, 1, 1), False),  # ended (exclusive) on the first day
     (date(2017, 1, 2), date(2018, 1, 2), True),
     (date(2018, 12, 31), date(2019, 12, 31), True),
     (date(2019, 1, 1), date(2020, 1, 1), False)],
)  # fmt: skip
def test_a_contract_counts_for_the_year_it_is_in_force(start: date, end: date, live: bool) -> None:
    got = _rates([_contract(1, "I10", start=start, end=end)], [])
    assert got["contract_rate"] == (int(live), 1)


# --- clinical pathways and the fixed fee ----------------------------------------------------

APPENDIX = next(pw for pw in RULES.pathways if pw.id == "appendicitis")
FEE = next(f.fee for f in RULES.fixed_fees if f.code == "K35" and f.level.value == "county")


def _admission(stay: int, total: int, *, start: date = date(2018, 3, 1), level: str = "county",
               in_county: bool = True) -> pl.DataFrame:  # fmt: skip
    return pl.DataFrame(
        [{"claim_id": 1, "person_id": 1, "kind": "inpatient", "level": level,
          "in_county": in_county, "institution_code": "H", "diagnosis": "K35.8",
          "start_date": start, "end_date": start + timedelta(days=stay), "total_fen": total,
          "item_kinds": ["service"]}],
        schema={"claim_id": pl.Int64, "person_id": pl.Int64, "kind": pl.String,
                "level": pl.String, "in_county": pl.Boolean, "institution_code": pl.String,
                "diagnosis": pl.String, "start_date": pl.Date, "end_date": pl.Date,
                "total_fen": pl.Int64, "item_kinds": pl.List(pl.String)},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("stay", "reasons"),
    [(APPENDIX.stay.min_days - 1, ["stay_too_short"]), (APPENDIX.stay.min_days, []),
     (APPENDIX.stay.max_days, []), (APPENDIX.stay.max_days + 1, ["stay_too_long"])],
)  # fmt: skip
def test_a_pathways_stay_from_min_to_max_days_inclusive(stay: int, reasons: list[str]) -> None:
    out = evaluate(RULES, _admission(stay, FEE))
    assert out.select("stay_days", "reasons").row(0) == (stay, reasons)


@pytest.mark.parametrize(
    ("total", "reasons"),
    [(FEE - 1, []), (FEE, []), (FEE + 1, ["over_fixed_fee"])],
)
def test_a_pathways_bill_at_most_the_fixed_fee(total: int, reasons: list[str]) -> None:
    out = evaluate(RULES, _admission(3, total))
    assert out.select("fee_fen", "reasons").row(0) == (FEE, reasons)


@pytest.mark.parametrize(
    ("level", "in_county", "designated"),
    [("county", True, True), ("township", True, True), ("county", False, False),
     ("city", False, False), ("village", True, False)],
)  # fmt: skip
def test_the_fixed_fee_applies_only_where_designated(
    level: str, in_county: bool, designated: bool
) -> None:
    out = evaluate(RULES, _admission(3, 100, level=level, in_county=in_county))
    assert out["designated"].to_list() == [designated]
    assert ("not_designated" in out["reasons"][0].to_list()) == (not designated)


@pytest.mark.parametrize(
    ("net", "settled_total", "deducted"),
    [(FEE - 1, FEE, 0), (FEE, FEE, 0), (FEE + 1, FEE + 1, 1)],
)
def test_the_fixed_fee_overrun_is_the_institutions_underrun_kept(
    net: int, settled_total: int, deducted: int
) -> None:
    total, compliant, _, ded = apply_fixed_fee(
        np.array([net]), np.array([net]), np.array([0]), np.array([0]), np.array([FEE])
    )
    assert (int(total[0]), int(ded[0]), int(compliant[0])) == (settled_total, deducted, FEE)
    assert int(total[0]) - int(ded[0]) == FEE  # the patient and the layers share the fee


def test_the_lines_are_read_from_the_programme_file() -> None:
    """Moving a line in the data moves the boundary."""
    moved = RULES.model_copy(update={"batches": [
        b.model_copy(update={"annual_cost_at_least": 100}) if b.id.value == "critical" else b
        for b in RULES.batches
    ]})  # fmt: skip
    claims = _claims((1, "J18.9", date(2018, 3, 1), 100))
    assert screen(moved, claims, pl.Series([1]), "340421", 2018)["batch"].to_list() == ["critical"]
    assert _batches(claims) == {}


def _with_births(claims: pl.DataFrame, born: date | None) -> pl.DataFrame:
    return claims.with_columns(pl.lit(born, pl.Date).alias("birth_date"))


@pytest.mark.parametrize(
    ("born", "taken"),
    [
        (date(2003, 6, 2), True),  # 14 on 1 June 2018: the eve of the 15th birthday
        (date(2003, 6, 1), False),  # 15 on its birthday, the claim's day
        (date(2018, 5, 1), True),  # an infant
        (None, False),  # birth date unknown: not taken in for a children's disease
    ],
)
@pytest.mark.parametrize("code", ["C91.0", "C92.4", "Q21.0", "Q21.1"])
def test_a_childrens_disease_takes_a_patient_in_up_to_14_whole_years(
    born: date | None, taken: bool, code: str
) -> None:
    """The children's diseases (national-2017.yaml ``age_bounds``: 0–14 周岁, 14 included,
    confidence L) screen a patient only within the age on the claim's date."""
    bound = next(a for a in RULES.age_bounds if a.id == "children")
    assert (bound.max_age, bound.source) == (14, "children-0-14")
    assert RULES.sources[bound.source].confidence.value == "recalled"
    claims = _with_births(_claims((1, code, date(2018, 6, 1), 100_000)), born)
    assert _batches(claims) == ({"serious": "nine_major"} if taken else {})


def test_an_adult_disease_knows_no_age_and_the_eve_claim_counts() -> None:
    """Stomach cancer takes in a patient of any age (or none known); a child who turns 15 in
    the year is taken in by the claim made while 14, however many come after."""
    assert _batches(_with_births(_claims((1, "C16.9", date(2018, 6, 1), 1)), None)) == {
        "serious": "nine_major"
    }
    claims = _with_births(_claims((1, "Q21.0", date(2018, 5, 31), 1),
                                  (1, "Q21.0", date(2018, 6, 1), 1)), date(2003, 6, 1))  # fmt: skip
    out = screen(RULES, claims, pl.Series([1]), "340421", 2018)
    assert out.select("list_id", "screened_on").rows() == [("nine_major", date(2018, 5, 31))]
