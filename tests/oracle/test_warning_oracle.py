"""An independent re-computation of the early-warning rules and of a re-assistance round,
in plain Python integers and ``Fraction`` (none of the product's helpers), compared with what
the product computes (the Polars batch ``evaluate``, the plain check ``evaluate_few`` and
``compute_round``) on planted ledgers drawn around every line.

The oracle reads the rules from the sources, not from the product's code:

* W1 ``self_pay_year`` (seed 004 "年度累计自付合规医疗费用达1万元以上", in the province): a
  person's compliant self-pay of the year, per claim ``min(out_of_pocket, max(compliant −
  paid, 0))``, of the claims at village…province (or of unknown level), **at least** the line;
* W2/W3 household share (domain notes C3): the household's out-of-pocket ÷ its income (the
  recorded income, else last year's reference per capita × members); **≥ 50 %** alert,
  **> 100 %** severe, one tier only; no income and no reference: no share rule; an income of
  zero: any out-of-pocket is above it;
* W4 ``poor_promise`` (seed 000 "not less than 90 % … or … not exceeding 5,000"): a listed
  status on the claim's date, inpatient claims; out-of-pocket **> 5,000** yuan or paid ÷ total
  **< 90 %**;
* W5 ``admissions``: **≥ 3** inpatient claims a year;
* a refunded claim does not count: a claim's entries are netted, a claim netted to nothing
  is dropped (a re-settled claim counts once, with its last figures);
* a person's warning goes to the household of their latest claim (date, then claim id).

Re-assistance (seed 004 "超过1万元以上的部分按60%", budget 2.7 million): per person 60 % of
(self-pay before re-assistance − 10,000 yuan) half up to the fen; per household
``max(0, Σ entitlements − Σ paid at the window)``; the pot = budget − window payments; when
short each household gets ``owed × pot ÷ Σ owed`` floored, the fen left over one each to the
largest remainders (ties: lowest household id): sum exactly the pot, none negative.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from fractions import Fraction
from typing import Any

import polars as pl
import pytest

from safetynet.codes import PovertyStatus
from safetynet.early_warning.evaluate import LEDGER_SCHEMA, evaluate
from safetynet.early_warning.few import evaluate_few
from safetynet.early_warning.reassist import compute_round
from safetynet.early_warning.rules import FILES, load_rules
from safetynet.engine.facts import status_mask

RULES = load_rules(FILES / "county-2018.yaml")
YUAN = 100
LINE = 10_000 * YUAN  # W1 and re-assistance line (seed 004)
POOR_OOP = 5_000 * YUAN  # W4 (seed 000)
IN_PROVINCE = {"village", "township", "county", "city", "province"}
POOR = {"registered_poor", "returned", "low_income", "extremely_poor"}
MASK = {s.value: status_mask({s}) for s in PovertyStatus}


def _near(rng: random.Random, line: int) -> int:
    """An amount at, one fen around, or somewhere near ``line``."""
    return max(0, line + rng.choice([-1, 0, 1, 0, rng.randint(-line // 2, line // 2)]))


def _ledger(rng: random.Random, households: int) -> tuple[list[dict[str, Any]], dict[int, tuple]]:
    """Planted entries and households: claims split so persons land at, under and over the
    lines; refunds, re-settlements, moves between households, every status and level."""
    rows: list[dict[str, Any]] = []
    homes: dict[int, tuple[int, int | None, int | None]] = {}
    claim = 0
    person = 0
    for h in range(1, households + 1):
        members = rng.randint(1, 4)
        income = rng.choice([None, 0, rng.randint(1, 4_000_000), _near(rng, 2 * LINE)])
        reference = rng.choice([None, rng.randint(100_000, 1_500_000)])
        homes[h] = (members, income, reference)
        for _ in range(members):
            person += 1
            target = _near(rng, rng.choice([LINE, POOR_OOP, LINE // 3]))
            parts = rng.randint(1, 4)
            for i in range(parts):
                claim += 1
                share = target // parts + (target % parts if i == 0 else 0)
                total = share + rng.choice([0, rng.randint(0, 200_000)])
                paid = rng.choice([0, total - share, rng.randint(0, total)])
                paid = min(paid, total)
                compliant = rng.choice([total, rng.randint(0, total)])
                row = {
                    "claim_id": claim, "person_id": person,
                    "household_id": h if rng.random() > 0.1 else rng.randint(1, households),
                    "kind": rng.choice(["inpatient", "inpatient", "outpatient", "chronic"]),
                    "claim_date": date(2018, rng.randint(1, 12), rng.randint(1, 28)),
                    "status_mask": MASK[rng.choice([s.value for s in PovertyStatus])],
                    "diagnosis": "J18.9", "total_fen": total, "compliant_fen": compliant,
                    "paid_fen": paid, "out_of_pocket_fen": total - paid,
                    "level": rng.choice([*IN_PROVINCE, "out_of_province", None]),
                }  # fmt: skip
                rows.append(row)
                fate = rng.random()
                if fate < 0.12:  # refunded in full
                    rows.append(_negate(row))
                elif fate < 0.2:  # refunded and re-settled with other figures
                    rows.append(_negate(row))
                    again = dict(row)
                    again["total_fen"] = max(1, total - rng.randint(0, 50_000))
                    again["paid_fen"] = min(paid, again["total_fen"])
                    again["compliant_fen"] = min(compliant, again["total_fen"])
                    again["out_of_pocket_fen"] = again["total_fen"] - again["paid_fen"]
                    rows.append(again)
    return rows, homes


def _negate(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for m in ("total_fen", "compliant_fen", "paid_fen", "out_of_pocket_fen"):
        out[m] = -row[m]
    return out


def _net(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries netted per claim (first entry's facts, last entry's status); a claim netted to
    nothing dropped."""
    claims: dict[int, dict[str, Any]] = {}
    for r in rows:
        c = claims.get(r["claim_id"])
        if c is None:
            claims[r["claim_id"]] = dict(r)
            continue
        for m in ("total_fen", "compliant_fen", "paid_fen", "out_of_pocket_fen"):
            c[m] += r[m]
        c["status_mask"] = r["status_mask"]
    return [c for c in claims.values() if c["total_fen"] != 0]


def _self_pay(c: dict[str, Any]) -> int:
    return min(c["out_of_pocket_fen"], max(c["compliant_fen"] - c["paid_fen"], 0))


def _home(claims: list[dict[str, Any]]) -> int:
    return max(claims, key=lambda c: (c["claim_date"], c["claim_id"]))["household_id"]


def oracle(rows: list[dict[str, Any]], homes: dict[int, tuple]) -> set[tuple]:
    """(rule, person, household, measure) of every warning, from the sources."""
    claims = _net(rows)
    by_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for c in claims:
        by_person[c["person_id"]].append(c)
    out: set[tuple] = set()
    for p, mine in by_person.items():
        counted = [c for c in mine if c["level"] is None or c["level"] in IN_PROVINCE]
        self_pay = sum(_self_pay(c) for c in counted)
        if counted and self_pay >= LINE:
            out.add(("self_pay_year", p, _home(counted), self_pay))
        poor = [c for c in mine if c["kind"] == "inpatient"
                and any(c["status_mask"] & MASK[s] for s in POOR)]  # fmt: skip
        if poor:
            oop = sum(c["out_of_pocket_fen"] for c in poor)
            total = sum(c["total_fen"] for c in poor)
            paid = sum(c["paid_fen"] for c in poor)
            if oop > POOR_OOP or (total > 0 and Fraction(paid, total) < Fraction(9, 10)):
                out.add(("poor_promise", p, _home(poor), oop))
        stays = [c for c in mine if c["kind"] == "inpatient"]
        if len(stays) >= 3:
            out.add(("admissions", p, _home(stays), len(stays)))
    by_home: dict[int, int] = defaultdict(int)
    for c in claims:
        by_home[c["household_id"]] += c["out_of_pocket_fen"]
    for h, oop in by_home.items():
        members, income, reference = homes[h]
        basis = income if income is not None else (
            None if reference is None else reference * members)  # fmt: skip
        if basis is None or oop <= 0:
            continue
        if oop > basis:
            out.add(("household_above_income", None, h, oop))
        elif Fraction(oop) >= Fraction(basis) / 2:
            out.add(("household_half_income", None, h, oop))
    return out


def _product(rows: list[dict[str, Any]], homes: dict[int, tuple]) -> tuple[set, set]:
    ledger = pl.DataFrame(rows, schema=LEDGER_SCHEMA)
    frame = pl.DataFrame(
        [{"household_id": h, "members": m, "income_fen": i, "reference_fen": r}
         for h, (m, i, r) in homes.items()],
        schema={"household_id": pl.Int64, "members": pl.Int64, "income_fen": pl.Int64,
                "reference_fen": pl.Int64},
    )  # fmt: skip
    keep = ("rule_id", "person_id", "household_id", "measure")
    batch = {tuple(r[k] for k in keep) for r in evaluate(RULES, ledger, frame).to_dicts()}
    few = evaluate_few(RULES, [tuple(r[c] for c in LEDGER_SCHEMA) for r in rows], homes)
    return batch, {tuple(r[k] for k in keep) for r in few}


@pytest.mark.parametrize("seed", range(40))
def test_rules_agree_with_the_oracle_on_planted_ledgers(seed: int) -> None:
    rng = random.Random(seed)
    rows, homes = _ledger(rng, 12)
    rows = [r for r in rows if r["household_id"] in homes]
    expected = oracle(rows, homes)
    assert expected, "the planted ledger should raise some warning"
    batch, few = _product(rows, homes)
    assert batch == expected
    assert few == expected


@pytest.mark.parametrize("income", [0, 1, 2 * LINE - 1, 2 * LINE, 2 * LINE + 1, None])
@pytest.mark.parametrize("oop", [LINE - 1, LINE, LINE + 1, 2 * LINE, 2 * LINE + 1])
def test_household_share_at_its_lines(income: int | None, oop: int) -> None:
    """Half the income exactly (alert), one fen under (nothing), the income exactly (alert,
    not above it), one fen over (severe); a zero income; no income, reference × members."""
    rows = [{
        "claim_id": 1, "person_id": 1, "household_id": 1, "kind": "outpatient",
        "claim_date": date(2018, 6, 30), "status_mask": MASK["ordinary"], "diagnosis": "J18.9",
        "total_fen": oop, "compliant_fen": 0, "paid_fen": 0, "out_of_pocket_fen": oop,
        "level": "county",
    }]  # fmt: skip
    homes = {1: (2, income, LINE)}  # no income: 10,000 yuan per capita × 2 members
    expected = oracle(rows, homes)
    assert _product(rows, homes) == (expected, expected)


def _round_oracle(rows: list[dict[str, Any]], budget: int) -> dict[int, int]:
    """Each household's amount in a round, from seed 004 and the pro-rata rule."""
    claims = _net(rows)
    before: dict[int, int] = defaultdict(int)
    home: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for c in claims:
        if c["level"] is None or c["level"] in IN_PROVINCE:
            before[c["person_id"]] += _self_pay(c)
            home[c["person_id"]].append(c)
    window: dict[int, int] = defaultdict(int)
    window_home: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        window[r["person_id"]] += r["reassisted_fen"]
        if r["reassisted_fen"]:
            window_home[r["person_id"]].append(r)
    owed: dict[int, int] = defaultdict(int)
    for p in set(before) | {p for p, w in window.items() if w}:
        excess = max(0, before[p] + window[p] - LINE)
        ent = int(Fraction(excess * 6, 10) + Fraction(1, 2))  # half up, excess ≥ 0
        if excess == 0 and window[p] == 0:
            continue
        h = _home(home[p]) if home[p] else _home(window_home[p])
        owed[h] += ent - window[p]
    owed = {h: o for h, o in owed.items() if o > 0}
    pot = max(0, budget - sum(r["reassisted_fen"] for r in rows))
    total = sum(owed.values())
    if total <= pot:
        return owed
    floors = {h: o * pot // total for h, o in owed.items()}
    left = pot - sum(floors.values())
    order = sorted(owed, key=lambda h: (-Fraction(owed[h] * pot, total) % 1, h))
    for h in order[:left]:
        floors[h] += 1
    return floors


@pytest.mark.parametrize("seed", range(30))
def test_round_agrees_with_the_oracle(seed: int) -> None:
    rng = random.Random(1000 + seed)
    rows, _ = _ledger(rng, 10)
    for r in rows:
        r["reassisted_fen"] = 0
    for r in rng.sample(rows, k=min(6, len(rows))):
        if r["total_fen"] > 0:
            r["reassisted_fen"] = rng.choice([1, rng.randint(0, 200_000)])
    wanted = _round_oracle(rows, 10**12)
    short = max(0, sum(wanted.values()) - rng.randint(1, 500_000))
    schema = {**LEDGER_SCHEMA, "reassisted_fen": pl.Int64}
    ledger = pl.DataFrame(rows, schema=schema)
    for budget in (10**12, short + sum(r["reassisted_fen"] for r in rows), 0, 1):
        expected = _round_oracle(rows, budget)
        out = compute_round(RULES.re_assistance, ledger, budget)  # type: ignore[arg-type]
        got = dict(zip(out["household_id"].to_list(), out["amount_fen"].to_list(), strict=True))
        got = {h: a for h, a in got.items() if a or h in expected}
        expected = {h: a for h, a in expected.items() if a or h in got}
        assert got == expected
        assert min(got.values(), default=0) >= 0
        pot = max(0, budget - sum(r["reassisted_fen"] for r in rows))
        assert sum(got.values()) == min(pot, sum(_round_oracle(rows, 10**12).values()))
