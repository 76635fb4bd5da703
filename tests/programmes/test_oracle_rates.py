"""An independent oracle of the family-doctor indicators (contract, health-record, delivery,
on-time follow-up, blood-pressure and glucose control rates): each figure is re-computed here
by plain loops from the written definitions (``safetynet/indicators/definitions.yaml``,
section programmes; docs/programmes.md, *The lines and their boundaries*) and compared with
:func:`safetynet.programmes.rates.compute` on planted cases at their boundaries — contracts
starting on the year's first day and ending on its last, a renewal across the year end, a
death and an early end mid-contract, services on their due day and 14 / 15 days late, a slot
due on the period's last day done after it, two villages in two townships, every level and
period."""

from __future__ import annotations

import datetime as dt
from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest

from safetynet.programmes.load import CONTRACT_SCHEMA, FOLLOW_UP_SCHEMA
from safetynet.programmes.rates import Frames, compute, periods
from safetynet.programmes.rules import load_rules, shipped_rules
from tests.programmes.test_oracle_contracts import due_dates

RULES = load_rules(shipped_rules()["national-2017"])
ON_TIME = 14  # the shipped file's on_time_days
assert RULES.contracts.on_time_days == ON_TIME
YEAR = 2018
COUNTY = "341821000000"
T1, T2 = "341821100000", "341821200000"
V1, V2 = "341821100201", "341821200201"
TOWNSHIP = {V1: T1, V2: T2}
HYPER, DIAB = ("I10", "I11", "I12", "I13"), ("E10", "E11", "E14")
FU, HC, DD = "follow_up", "health_check", "drug_delivery"

# person: (village, deceased_on)
PERSONS = {1: (V1, None), 2: (V1, None), 3: (V2, date(2018, 6, 15)), 4: (V2, None),
           5: (V1, None), 6: (V2, None), 7: (V1, None), 8: (V2, None)}  # fmt: skip
TARGETS = [1, 2, 3, 4, 5, 6, 7]  # 8 is not a target (ordinary), 7 has no contract
# id: (person, valid_from, valid_to, disease, health record)
CONTRACTS = {
    1: (1, date(2018, 1, 1), date(2019, 1, 1), "I10", "HR1"),  # the year exactly
    2: (2, date(2017, 7, 1), date(2018, 7, 1), "E11.9", None),  # renewed across the year
    3: (2, date(2018, 7, 1), date(2019, 7, 1), "E11.9", "HR2"),
    4: (3, date(2018, 1, 1), date(2019, 1, 1), "I10", "HR3"),  # dies 15 June
    5: (4, date(2018, 1, 1), date(2018, 5, 1), "I11.0", None),  # ended early
    6: (5, date(2017, 1, 1), date(2018, 1, 1), "I10", "HR5"),  # ended on the first day
    7: (6, date(2018, 12, 31), date(2019, 12, 31), "E14", "HR6"),  # the year's last day
    8: (8, date(2018, 1, 1), date(2019, 1, 1), "I10", None),  # not a target
}
PACKAGE = {HC: 1, FU: 4, DD: 4}


def _services() -> list[dict[str, Any]]:
    """Each contract's services, planted relative to its slots: on the due day, 14 and 15
    days late, a slot due on 31 December done on 5 January, readings at the lines."""
    rows: list[tuple[int, str, date, tuple[int, int] | None, int | None]] = []
    s1 = due_dates(date(2018, 1, 1), date(2019, 1, 1), 4)  # 1 Apr, 1 Jul, 30 Sep, 31 Dec
    rows += [
        (1, FU, s1[0], (150, 95), None),
        (1, FU, s1[1] + timedelta(days=ON_TIME), (139, 89), None),
        (1, FU, s1[2] + timedelta(days=ON_TIME + 1), (140, 80), None),
        (1, FU, date(2019, 1, 5), (120, 70), None),
        (1, HC, date(2018, 12, 31), None, None),
        (1, DD, s1[0], None, None),
        (1, DD, s1[1] - timedelta(days=1), None, None),
    ]
    s2 = due_dates(date(2017, 7, 1), date(2018, 7, 1), 4)
    rows += [
        (2, FU, s2[0], None, 65),
        (2, FU, s2[1], None, 72),
        (2, FU, s2[2], None, 69),
        (2, HC, s2[3], (130, 80), 70),
    ]
    s3 = due_dates(date(2018, 7, 1), date(2019, 7, 1), 4)
    rows += [(3, FU, s3[0] + timedelta(days=3), None, 80), (3, FU, s3[1], None, 66)]
    s4 = due_dates(date(2018, 1, 1), date(2019, 1, 1), 4)
    rows += [(4, FU, s4[0], (135, 85), None), (4, DD, s4[0], None, None)]
    rows += [(5, FU, date(2018, 2, 1), (160, 100), None)]
    rows += [(6, FU, date(2017, 12, 20), (120, 80), None)]
    rows += [(8, FU, date(2018, 3, 1), (120, 80), None)]
    return [{"id": n, "contract_id": c, "person_id": CONTRACTS[c][0], "kind": k,
             "disease_code": None, "done_on": d, "systolic": bp[0] if bp else None,
             "diastolic": bp[1] if bp else None, "glucose_tenths": g, "drugs": None,
             "next_on": None} for n, (c, k, d, bp, g) in enumerate(rows, 1)]  # fmt: skip


def _frames() -> Frames:
    persons = pl.DataFrame(
        [(p, v, d) for p, (v, d) in PERSONS.items()], orient="row",
        schema={"person_id": pl.Int64, "region_code": pl.String, "deceased_on": pl.Date},
    )  # fmt: skip
    contracts = pl.DataFrame(
        [{"id": i, "person_id": p, "team_id": 1, "package": "chronic", "signed_on": f,
          "valid_from": f, "valid_to": t, "fee_fen": 0, "free": True, "health_record_no": hr,
          "disease_code": dis, "renews_id": 2 if i == 3 else None}
         for i, (p, f, t, dis, hr) in CONTRACTS.items()], schema=CONTRACT_SCHEMA,
    )  # fmt: skip
    return Frames(
        persons=persons,
        villages=pl.DataFrame(
            {"village": [V1, V2], "township": [T1, T2], "county": [COUNTY, COUNTY]}
        ),
        targets=pl.Series(TARGETS, dtype=pl.Int64),
        patients=pl.DataFrame(
            schema={
                "id": pl.Int64,
                "batch": pl.String,
                "person_id": pl.Int64,
                "verified_on": pl.Date,
                "state": pl.String,
                "outcome_on": pl.Date,
            }
        ),
        claims=pl.DataFrame(
            schema={
                "claim_id": pl.Int64,
                "person_id": pl.Int64,
                "start_date": pl.Date,
                "end_date": pl.Date,
                "diagnosis": pl.String,
                "total_fen": pl.Int64,
                "institution_code": pl.String,
                "in_county": pl.Boolean,
                "kind": pl.String,
                "level": pl.String,
                "item_kinds": pl.List(pl.String),
            }
        ),
        contracts=contracts,
        services=pl.DataFrame(_services(), schema=FOLLOW_UP_SCHEMA),
    )


def _region(person: int, level: str) -> str:
    village = PERSONS[person][0]
    return {"county": COUNTY, "township": TOWNSHIP[village], "village": village}[level]


def _plans(disease: str) -> dict[str, int]:
    code = disease.upper().replace(".", "")
    listed = code.startswith(HYPER + DIAB)
    return {k: n for k, n in PACKAGE.items() if k == HC or listed}


def oracle(level: str, by_month: bool) -> dict[tuple[str, str, date], tuple[int, int]]:
    """The figures by plain loops over the planted rows."""
    services = _services()
    out: dict[tuple[str, str, date], list[int]] = {}

    def add(indicator: str, person: int, start: date, hit: bool) -> None:
        cell = out.setdefault((indicator, _region(person, level), start), [0, 0])
        cell[0] += int(hit)
        cell[1] += 1

    # every planned slot: (contract, kind, due, done_on of the k-th service or None)
    slots = []
    for cid, (person, vf, vt, disease, _hr) in CONTRACTS.items():
        died = PERSONS[person][1]
        for kind, n in _plans(disease).items():
            done = sorted(s["done_on"] for s in services
                          if s["contract_id"] == cid and s["kind"] == kind)  # fmt: skip
            dues = [d for d in due_dates(vf, vt, n) if died is None or d < died]
            for k, due in enumerate(dues):
                slots.append((cid, kind, due, done[k] if k < len(done) else None))
    for start, end in periods(YEAR, by_month):
        for person in TARGETS:
            mine = [c for c in CONTRACTS.values() if c[0] == person and c[1] < end
                    and c[2] > start]  # fmt: skip
            add("contract_rate", person, start, bool(mine))
            add("health_record_rate", person, start, any(c[4] for c in mine))
        for cid, kind, due, done_on in slots:
            if not start <= due < end:
                continue
            person = CONTRACTS[cid][0]
            add("delivery_rate", person, start, done_on is not None and done_on < end)
            if kind == FU:
                on_time = done_on is not None and done_on <= due + timedelta(days=ON_TIME)
                add("follow_up_on_time_rate", person, start, on_time)
        for indicator, codes, field in (
            ("bp_control_rate", HYPER, "systolic"),
            ("glucose_control_rate", DIAB, "glucose_tenths"),
        ):
            latest: dict[int, dict[str, Any]] = {}
            for s in sorted(services, key=lambda s: (s["done_on"], s["id"])):
                disease = CONTRACTS[s["contract_id"]][3].replace(".", "")
                if start <= s["done_on"] < end and disease.startswith(codes) and (
                        s[field] is not None):  # fmt: skip
                    latest[s["person_id"]] = s
            for person, s in latest.items():
                ok = (s["systolic"] < 140 and s["diastolic"] < 90 if field == "systolic"
                      else s["glucose_tenths"] < 70)  # fmt: skip
                add(indicator, person, start, ok)
    return {k: (v[0], v[1]) for k, v in out.items()}


CHECKED = ("contract_rate", "health_record_rate", "delivery_rate", "follow_up_on_time_rate",
           "bp_control_rate", "glucose_control_rate")  # fmt: skip


@pytest.mark.parametrize("by_month", [False, True])
@pytest.mark.parametrize("level", ["county", "township", "village"])
def test_the_contract_figures_agree_with_the_oracle(level: str, by_month: bool) -> None:
    got = compute(RULES, _frames(), YEAR, level=level, by_month=by_month).filter(
        pl.col("indicator").is_in(CHECKED)
    )
    product = {(i, r, p): (n, d) for i, r, p, n, d in got.select(
        "indicator", "region_code", "period", "numerator", "denominator").iter_rows()}  # fmt: skip
    assert product == oracle(level, by_month)


def test_the_planted_boundaries_read_as_the_rules_say() -> None:
    """A few figures spelled out: the county's year."""
    got = oracle("county", False)
    key = (COUNTY, date(YEAR, 1, 1))
    # targets 1..7: contracts in force in 2018 for 1, 2, 3, 4, 6 (5's ended on 1 January);
    # health records named by 1, 2 (its renewal), 3, 6
    assert got[("contract_rate", *key)] == (5, 7)
    assert got[("health_record_rate", *key)] == (4, 7)
    # contract 1's follow-ups: on the day, 14 late, 15 late, and the one due on 31 December
    # done on 5 January (on time, not done by the year's end)
    fu = [s for s in _services() if s["contract_id"] == 1 and s["kind"] == FU]
    assert [s["done_on"] for s in fu][-1] == date(2019, 1, 5)
    assert got[("follow_up_on_time_rate", *key)][0] >= 3


def test_periods_are_half_open() -> None:
    assert periods(YEAR, False) == [(dt.date(2018, 1, 1), dt.date(2019, 1, 1))]
    assert periods(YEAR, True)[-1] == (dt.date(2018, 12, 1), dt.date(2019, 1, 1))


@pytest.mark.parametrize(
    ("done", "on_time"), [(date(2019, 1, 14), True), (date(2019, 1, 15), False), (None, False)]
)
def test_a_follow_up_due_on_the_periods_last_day_is_on_time_in_its_window(
    done: date | None, on_time: bool
) -> None:
    """Contract 1's fourth follow-up is due on 31 December: done 14 days later it is on time
    in the year's (and December's) figures, 15 days later it is late; it was counted late
    whenever it was done after the period's end. Delivery still counts it not done by then."""
    frames = _frames()
    services = frames.services.filter(pl.col("done_on") != date(2019, 1, 5))
    if done is not None:
        services = pl.concat([services, services.head(1).with_columns(
            pl.lit(999, pl.Int64).alias("id"), pl.lit(done).alias("done_on"))])  # fmt: skip
    only = pl.col("contract_id") == 1
    frames = Frames(**{**frames.__dict__, "services": services.filter(only),
                       "contracts": frames.contracts.filter(pl.col("id") == 1)})  # fmt: skip
    for by_month, period in ((False, date(2018, 1, 1)), (True, date(2018, 12, 1))):
        got = compute(RULES, frames, YEAR, by_month=by_month).filter(
            pl.col("period") == period)  # fmt: skip
        figures = {i: (n, d) for i, n, d in got.select("indicator", "numerator",
                                                       "denominator").iter_rows()}  # fmt: skip
        on, due = figures["follow_up_on_time_rate"]
        last = int(on_time)
        if by_month:
            assert (on, due) == (last, 1)
        else:  # the first on the day, the second 14 days late, the third 15 days late
            assert (on, due) == (2 + last, 4)
        assert figures["delivery_rate"][0] == (3 + 2 + 1 if not by_month else 1)


# person: (batch, verified_on, state, outcome_on) — the batches' patients at the boundaries
PATIENTS = [
    (1, "serious", date(2018, 1, 1), "treated", date(2018, 12, 31)),  # the first and last day
    (1, "chronic", date(2018, 3, 31), "managed", date(2019, 1, 1)),  # outcome the next year
    (2, "chronic", date(2018, 12, 31), "plan", None),
    (3, "critical", date(2018, 6, 14), "backstopped", date(2018, 6, 14)),  # dies 15 June
    (4, "serious", date(2019, 1, 1), "verified", None),  # verified the next year
    (5, "serious", None, "screened", None),  # never verified
    (6, "chronic", date(2017, 12, 31), "managed", date(2018, 2, 1)),  # verified the year before
]
# person, day, in county
CLAIMS = [(1, date(2018, 1, 1), True), (1, date(2018, 12, 31), False), (2, date(2018, 5, 2), True),
          (3, date(2018, 6, 1), False), (4, date(2018, 7, 1), True), (6, date(2018, 2, 28), True),
          (8, date(2018, 3, 3), True), (1, date(2019, 1, 1), True)]  # fmt: skip
BATCH_CHECKED = ("programme_verified", "programme_treated_rate", "programme_in_county_share")


def _batch_frames() -> Frames:
    f = _frames()
    patients = pl.DataFrame(
        [{"id": n, "batch": b, "person_id": p, "list_id": None, "disease_code": None,
          "state": st, "screened_on": date(2017, 12, 1), "verified_on": v, "plan_on": None,
          "outcome_on": o, "institution_code": None}
         for n, (p, b, v, st, o) in enumerate(PATIENTS, 1)],
        schema={"id": pl.Int64, "batch": pl.String, "person_id": pl.Int64,
                "list_id": pl.String, "disease_code": pl.String, "state": pl.String,
                "screened_on": pl.Date, "verified_on": pl.Date, "plan_on": pl.Date,
                "outcome_on": pl.Date, "institution_code": pl.String},
    )  # fmt: skip
    claims = pl.DataFrame(
        [{"claim_id": n, "person_id": p, "start_date": d, "end_date": d, "diagnosis": "J18.9",
          "total_fen": 10_000, "institution_code": "H", "in_county": inside,
          "kind": "outpatient", "level": "county", "item_kinds": None}
         for n, (p, d, inside) in enumerate(CLAIMS, 1)], schema=f.claims.schema,
    )  # fmt: skip
    return Frames(**{**f.__dict__, "patients": patients, "claims": claims})


def batch_oracle(level: str, by_month: bool) -> dict[tuple[str, str | None, str, date],
                                                      tuple[int, int]]:  # fmt: skip
    out: dict[tuple[str, str | None, str, date], list[int]] = {}

    def add(indicator: str, batch: str, person: int, start: date, hit: bool) -> None:
        for part in (batch, None):  # each batch and the whole (a person counts in each)
            cell = out.setdefault((indicator, part, _region(person, level), start), [0, 0])
            cell[0] += int(hit)
            cell[1] += 1

    for start, end in periods(YEAR, by_month):
        for p, batch, verified, state, outcome in PATIENTS:
            if verified is not None and start <= verified < end:
                add("programme_verified", batch, p, start, True)
            if verified is not None and verified < end:
                done = state in ("treated", "managed", "backstopped") and outcome is not None \
                    and outcome < end  # fmt: skip
                add("programme_treated_rate", batch, p, start, done)
                for person, day, inside in CLAIMS:
                    if person == p and start <= day < end:
                        add("programme_in_county_share", batch, p, start, inside)
    return {k: (v[0], v[1]) for k, v in out.items()}


@pytest.mark.parametrize("by_month", [False, True])
@pytest.mark.parametrize("level", ["county", "township", "village"])
def test_the_batch_figures_agree_with_the_oracle(level: str, by_month: bool) -> None:
    got = compute(RULES, _batch_frames(), YEAR, level=level, by_month=by_month).filter(
        pl.col("indicator").is_in(BATCH_CHECKED)
    )
    product = {
        (i, b, r, p): (n, d)
        for i, b, r, p, n, d in got.select(
            "indicator", "part", "region_code", "period", "numerator", "denominator"
        ).iter_rows()
    }
    assert product == batch_oracle(level, by_month)
    whole = batch_oracle("county", False)
    key = (COUNTY, date(YEAR, 1, 1))
    # verified in 2018: 1 twice, 2, 3 (4 the next year, 5 never, 6 the year before)
    assert whole[("programme_verified", None, *key)] == (4, 4)
    # by the year's end: 1's serious (31 December), 3, 6 reached their outcome; 1's chronic
    # (1 January 2019) and 2 did not
    assert whole[("programme_treated_rate", None, *key)] == (3, 5)
