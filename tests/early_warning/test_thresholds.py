"""Each early-warning rule exactly at, one fen (or one) below and above its line, and a planted
household that triggers that rule and nothing else; on both evaluators (Polars batch and the
plain-integer check after a settlement), and with the lines read from the rule file.

Sources of the boundaries: seed 004 "年度累计自付合规医疗费用达1万元以上" (reaching 10,000: at the
line counts), seed 000 "not less than 90 % … or … not exceeding 5,000" (broken above 5,000 or
below 90 %), the rule file's ``share`` (at least 50 %) and ``compare: above`` (strictly above
the income).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from safetynet.codes import PovertyStatus
from safetynet.early_warning.claim_file import file_frames
from safetynet.early_warning.evaluate import LEDGER_SCHEMA, evaluate
from safetynet.early_warning.few import evaluate_few
from safetynet.early_warning.indicators import compute as indicators
from safetynet.early_warning.rules import FILES, Breach, RuleSet, load_rules
from safetynet.engine.compile import compile_policy
from safetynet.engine.facts import status_mask
from safetynet.money import MoneyError
from safetynet.policy.loader import PolicyError, load_policy
from safetynet.regions import significant
from safetynet.tabular.problems import ImportRejected

RULES = load_rules(FILES / "county-2018.yaml")
POOR = status_mask({PovertyStatus.REGISTERED_POOR})
ORDINARY = status_mask({PovertyStatus.ORDINARY})
RICH = 10**12  # a household income no out-of-pocket comes near


def _claim(n: int, person: int = 1, *, total: int, paid: int = 0, compliant: int | None = None,
           kind: str = "outpatient", mask: int = ORDINARY, diagnosis: str = "J18.9",
           on: date = date(2018, 3, 1), level: str | None = "county",
           ) -> dict[str, Any]:  # fmt: skip
    """A settled claim in fen; out-of-pocket = total − paid."""
    return {
        "claim_id": n, "person_id": person, "household_id": 1, "kind": kind, "claim_date": on,
        "status_mask": mask, "diagnosis": diagnosis, "total_fen": total,
        "compliant_fen": total if compliant is None else compliant, "paid_fen": paid,
        "out_of_pocket_fen": total - paid, "level": level,
    }  # fmt: skip


def _hits(
    rows: list[dict[str, Any]],
    income: int | None = RICH,
    *,
    members: int = 1,
    reference: int | None = None,
    rules: RuleSet = RULES,
    region: str | None = None,
) -> list[str]:
    """The rule ids hit, the same from both evaluators (asserted); ``region``: the
    household's village."""
    ledger = pl.DataFrame(rows, schema=LEDGER_SCHEMA)
    homes = pl.DataFrame(
        {"household_id": [1], "members": [members], "income_fen": [income],
         "reference_fen": [reference], "region_code": [region]},
        schema={"household_id": pl.Int64, "members": pl.Int64, "income_fen": pl.Int64,
                "reference_fen": pl.Int64, "region_code": pl.String},
    )  # fmt: skip
    batch = evaluate(rules, ledger, homes)
    home = (members, income, reference) if region is None else (members, income, reference,
                                                                 region)  # fmt: skip
    few = evaluate_few(rules, [tuple(r[c] for c in LEDGER_SCHEMA) for r in rows], {1: home})
    assert [r["rule_id"] for r in few] == batch["rule_id"].to_list()
    assert [r["measure"] for r in few] == batch["measure"].to_list()
    return sorted(batch["rule_id"].to_list())


LINE = 1_000_000  # 10,000 yuan in fen


@pytest.mark.parametrize(("self_pay", "hit"), [(LINE - 1, False), (LINE, True), (LINE + 1, True)])
def test_self_pay_line_is_at_least_10000_yuan(self_pay: int, hit: bool) -> None:
    # two claims summing to the self-pay: the line is on the year's cumulative self-pay
    rows = [_claim(1, total=self_pay // 2), _claim(2, total=self_pay - self_pay // 2)]
    assert _hits(rows) == (["self_pay_year"] if hit else [])


@pytest.mark.parametrize(("paid", "hit"), [(1, False), (0, True)])
def test_self_pay_counts_only_compliant_cost(paid: int, hit: bool) -> None:
    # 10,000 yuan compliant plus 2,000 non-compliant: self-pay = min(oop, compliant − paid)
    rows = [_claim(1, total=LINE + 200_000, compliant=LINE, paid=paid)]
    assert _hits(rows) == (["self_pay_year"] if hit else [])


@pytest.mark.parametrize(
    ("level", "hit"),
    [("village", True), ("township", True), ("county", True), ("city", True),
     ("province", True), (None, True), ("out_of_province", False)],
)  # fmt: skip
def test_self_pay_counts_care_in_the_province(level: str | None, hit: bool) -> None:
    """Seed 004: "在省内定点医疗机构就医": out-of-province self-pay does not count; a claim of
    no known level does."""
    rows = [_claim(1, total=LINE - 1), _claim(2, total=1, level=level)]
    assert _hits(rows) == (["self_pay_year"] if hit else [])


INCOME = 2_000_001  # an odd number of fen: half of it is 1,000,000.5


@pytest.mark.parametrize(
    ("oop", "expected"),
    [
        (1_000_000, []),  # just below half (by half a fen: no rounding up)
        (1_000_001, ["household_half_income"]),  # the first fen at or above half
        (INCOME - 1, ["household_half_income"]),
        (INCOME, ["household_half_income"]),  # at the income: not above it
        (INCOME + 1, ["household_above_income"]),  # the severe tier only, not both
    ],
)
def test_household_share_lines(oop: int, expected: list[str]) -> None:
    assert _hits([_claim(1, total=oop, compliant=0)], INCOME) == expected


@pytest.mark.parametrize(
    ("oop", "expected"),
    [(999_999, []), (1_000_000, ["household_half_income"]),
     (2_000_000, ["household_half_income"]),
     (2_000_001, ["household_above_income"])],
)  # fmt: skip
def test_household_without_income_uses_last_years_reference_times_members(
    oop: int, expected: list[str]
) -> None:
    # 4 members × 5,000 yuan reference = 20,000 yuan basis; out-of-pocket of two members
    rows = [
        _claim(1, 1, total=oop // 2, compliant=0),
        _claim(2, 2, total=oop - oop // 2, compliant=0),
    ]
    assert _hits(rows, None, members=4, reference=500_000) == expected


def test_a_declared_income_wins_over_the_reference() -> None:
    rows = [_claim(1, total=1_000_000, compliant=0)]
    assert _hits(rows, 10_000_000, members=1, reference=100) == []


PROMISE = 500_000  # 5,000 yuan


@pytest.mark.parametrize(
    ("oop", "hit"), [(PROMISE - 1, False), (PROMISE, False), (PROMISE + 1, True)]
)
def test_poor_promise_out_of_pocket_above_5000(oop: int, hit: bool) -> None:
    # reimbursed 95 %: only the out-of-pocket line can break the promise
    total = oop * 20
    rows = [_claim(1, total=total, paid=total - oop, compliant=0, kind="inpatient", mask=POOR)]
    assert _hits(rows) == (["poor_promise"] if hit else [])


@pytest.mark.parametrize(
    ("paid", "hit"), [(3_599_999, True), (3_600_000, False), (3_600_001, False)]
)
def test_poor_promise_reimbursed_below_90_percent(paid: int, hit: bool) -> None:
    # 40,000 yuan of cost in two admissions: out-of-pocket about 4,000 stays under 5,000, so
    # only the share (paid ÷ total of the year, at least 90 %) can break the promise
    total = 4_000_000
    rows = [
        _claim(1, total=total // 2, paid=paid // 2, compliant=0, kind="inpatient", mask=POOR),
        _claim(2, total=total - total // 2, paid=paid - paid // 2, compliant=0,
               kind="inpatient", mask=POOR),
    ]  # fmt: skip
    assert _hits(rows) == (["poor_promise"] if hit else [])


@pytest.mark.parametrize(
    ("mask", "kind", "hit"),
    [(POOR, "inpatient", True), (ORDINARY, "inpatient", False), (POOR, "outpatient", False),
     (status_mask({PovertyStatus.EXITED}), "inpatient", False),
     (status_mask({PovertyStatus.MARGINAL}), "inpatient", False),
     (status_mask({PovertyStatus.LOW_INCOME}), "inpatient", True),
     (status_mask({PovertyStatus.EXTREMELY_POOR}), "inpatient", True),
     (status_mask({PovertyStatus.RETURNED}), "inpatient", True)],
)  # fmt: skip
def test_poor_promise_counts_the_statuses_and_kinds_of_the_file(
    mask: int, kind: str, hit: bool
) -> None:
    rows = [_claim(1, total=1_000_000, paid=400_000, compliant=0, kind=kind, mask=mask)]
    assert _hits(rows) == (["poor_promise"] if hit else [])


def test_poor_promise_counts_only_claims_settled_while_poor() -> None:
    # 4,000 yuan before exit (status on the claim date) and 4,000 after: neither part > 5,000
    rows = [
        _claim(1, total=4_000_000, paid=3_600_000, compliant=0, kind="inpatient", mask=POOR,
               on=date(2018, 6, 30)),
        _claim(2, total=4_000_000, paid=3_600_000, compliant=0, kind="inpatient",
               mask=status_mask({PovertyStatus.EXITED}), on=date(2018, 7, 1)),
    ]  # fmt: skip
    assert _hits(rows) == []
    rows[1]["status_mask"] = POOR
    assert _hits(rows) == ["poor_promise"]


@pytest.mark.parametrize(
    ("diagnosis", "hit"),
    [("C16.9", True), ("c16", True), ("C15", True), ("C17.0", False), ("J18.9", False)],
)
def test_serious_disease_of_the_list(diagnosis: str, hit: bool) -> None:
    assert _hits([_claim(1, total=100, diagnosis=diagnosis)]) == (
        ["serious_disease"] if hit else []
    )


@pytest.mark.parametrize(
    ("diagnosis", "day", "region", "hit"),
    [("C73", date(2019, 12, 31), None, False),  # thyroid cancer: on the national 30 from 2020
     ("C73.9", date(2020, 1, 1), None, True),
     ("C16.9", date(2017, 1, 1), None, True),  # the nine of 2017, from their first day
     ("C16.9", date(2016, 12, 31), None, False),
     ("D66", date(2018, 5, 1), "341821100201", True),  # haemophilia: Langxi's 15 (2017)
     ("D66", date(2018, 5, 1), "340421100201", False),  # not another county's household
     ("D66", date(2018, 5, 1), None, False),
     ("D66", date(2020, 5, 1), "340421100201", True),  # the national 30 from 2020
     ("C22.0", date(2018, 5, 1), "341821100201", False)],  # liver cancer: not in 2018's lists
)  # fmt: skip
def test_serious_disease_of_the_three_batches_lists_in_force_on_the_claims_date(
    diagnosis: str, day: date, region: str | None, hit: bool
) -> None:
    """Issue 18: "a serious disease of the three-batches lists": each list of the programme
    file's serious batch from its first day, a county's own list for its households."""
    rows = [_claim(1, total=100, diagnosis=diagnosis, on=day)]
    assert _hits(rows, region=region) == (["serious_disease"] if hit else [])


@pytest.mark.parametrize(("admissions", "hit"), [(2, False), (3, True), (4, True)])
def test_admissions_at_least_three(admissions: int, hit: bool) -> None:
    rows = [_claim(n, total=100, kind="inpatient") for n in range(1, admissions + 1)]
    rows.append(_claim(99, total=100, kind="outpatient"))  # a visit is not an admission
    assert _hits(rows) == (["admissions"] if hit else [])


def test_a_reversed_admission_is_not_counted() -> None:
    rows = [_claim(n, total=100, kind="inpatient") for n in (1, 2, 3)]
    undo = {**rows[2], **{k: -rows[2][k] for k in ("total_fen", "compliant_fen", "paid_fen",
                                                   "out_of_pocket_fen")}}  # fmt: skip
    assert _hits([*rows, undo]) == []


# Planted households: each triggers exactly one rule (the household above its income is
# also above half of it by arithmetic, but the two are tiers of one warning: it gets the
# severe tier only).
PLANTED: dict[str, tuple[list[dict[str, Any]], int | None]] = {
    "self_pay_year": ([_claim(1, total=LINE)], RICH),
    "household_half_income": ([_claim(1, total=500_000, compliant=0)], 1_000_000),
    "household_above_income": ([_claim(1, total=1_000_001, compliant=0)], 1_000_000),
    "poor_promise": (
        [_claim(1, total=6_000_000, paid=5_499_999, kind="inpatient", mask=POOR)],
        None,
    ),
    "serious_disease": ([_claim(1, total=100, diagnosis="N18.5")], RICH),
    "admissions": ([_claim(n, total=100, kind="inpatient") for n in (1, 2, 3)], RICH),
}


@pytest.mark.parametrize("rule", sorted(PLANTED))
def test_a_planted_household_triggers_exactly_its_rule(rule: str) -> None:
    rows, income = PLANTED[rule]
    assert _hits(rows, income) == [rule]


def test_a_household_above_its_income_gets_the_severe_tier_once() -> None:
    """Domain notes C3: W2 (alert) and W3 (severe) are levels of one household warning; a
    household above its income reaches both lines and gets the most severe, one row, on both
    evaluators (``_hits`` asserts they agree)."""
    rows = [_claim(1, 1, total=600_001, compliant=0), _claim(2, 2, total=400_000, compliant=0)]
    assert _hits(rows, 1_000_000) == ["household_above_income"]
    ledger = pl.DataFrame(rows, schema=LEDGER_SCHEMA)
    homes = pl.DataFrame(
        {"household_id": [1], "members": [2], "income_fen": [1_000_000], "reference_fen": [None]},
        schema_overrides={"reference_fen": pl.Int64},
    )
    found = evaluate(RULES, ledger, homes).filter(pl.col("kind") == "household_share")
    assert found.select("level", "measure", "threshold").rows() == [
        ("severe", 1_000_001, 1_000_000)
    ]


HALF, ABOVE = "household_half_income", "household_above_income"


@pytest.mark.parametrize(
    ("oop", "expected"),
    [
        (499_999, []),  # one fen below half of 10,000 yuan
        (500_000, [HALF]),  # at half: the alert tier
        (500_001, [HALF]),
        (999_999, [HALF]),
        (1_000_000, [HALF]),  # at the income: not above it, still the alert tier
        (1_000_001, [ABOVE]),  # one fen above the income: the severe tier, and only it
        (3_000_000, [ABOVE]),
    ],
)
def test_each_household_tier_at_below_and_above_its_line(oop: int, expected: list[str]) -> None:
    assert _hits([_claim(1, total=oop, compliant=0)], 1_000_000) == expected


def test_tiers_are_kept_apart_per_household_and_other_rules_stay() -> None:
    """The ladder is per household: one above its income, one at half, each gets its own
    tier; a person's rule of another ladder (the self-pay line) is not folded into it."""
    rows = [
        _claim(1, 1, total=LINE + 1),  # household 1: self-pay line and above its income
        {**_claim(2, 2, total=300_000, compliant=0), "household_id": 2},  # household 2: half
    ]
    homes = {1: (1, 1_000_000, None), 2: (1, 600_000, None)}
    few = evaluate_few(RULES, [tuple(r[c] for c in LEDGER_SCHEMA) for r in rows], homes)
    assert [(r["household_id"], r["rule_id"]) for r in few] == [
        (1, ABOVE), (1, "self_pay_year"), (2, HALF)
    ]  # fmt: skip
    batch = evaluate(
        RULES,
        pl.DataFrame(rows, schema=LEDGER_SCHEMA),
        pl.DataFrame(
            [(h, *v) for h, v in homes.items()],
            schema=["household_id", "members", "income_fen", "reference_fen"],
            schema_overrides={"reference_fen": pl.Int64}, orient="row",
        ),
    )  # fmt: skip
    assert batch.select("household_id", "rule_id").rows() == [
        (1, ABOVE), (1, "self_pay_year"), (2, HALF)
    ]  # fmt: skip


def test_a_ladder_mixing_kinds_or_repeating_a_level_is_refused() -> None:
    text = (FILES / "county-2018.yaml").read_text()
    same_level = text.replace("level: severe\n    ladder", "level: alert\n    ladder")
    assert same_level != text
    path = Path(__file__).parent / "_ladder.yaml"
    try:
        path.write_text(same_level)
        with pytest.raises(PolicyError, match="two tiers of the same level"):
            load_rules(path)
        mixed = text.replace(
            "level: watch\n    source: monitoring-practice\n    at_least",
            "level: watch\n    ladder: household_share\n"
            "    source: monitoring-practice\n    at_least",
        )
        assert mixed != text
        path.write_text(mixed)
        with pytest.raises(PolicyError, match="different kinds"):
            load_rules(path)
    finally:
        path.unlink(missing_ok=True)


def test_the_lines_are_read_from_the_rule_file() -> None:
    """Every line moved in the data moves the boundary: nothing is hard-coded."""
    moved = []
    for rule in RULES.rules:
        change: dict[str, Any] = {
            "person_self_pay": {"line": 2_000_000},
            "household_share": {"share": rule.share // 2} if rule.kind == "household_share"
            else {},
            "poor_promise": {"out_of_pocket_line": 100_000, "reimbursed_at_least": 9_500},
            "serious_disease": {},
            "admissions": {"at_least": 2},
        }[rule.kind]  # fmt: skip
        moved.append(rule.model_copy(update=change))
    rules = RULES.model_copy(update={"rules": moved})
    assert _hits([_claim(1, total=LINE)], rules=rules) == []
    assert _hits([_claim(1, total=2_000_000)], rules=rules) == ["self_pay_year"]
    assert _hits([_claim(1, total=250_000, compliant=0)], 1_000_000, rules=rules) == [
        "household_half_income"
    ]
    assert _hits([_claim(1, total=500_001, compliant=0)], 1_000_000, rules=rules) == [
        "household_above_income"
    ]
    poor = [_claim(1, total=2_000_000, paid=1_899_999, compliant=0, kind="inpatient", mask=POOR)]
    assert _hits(poor, rules=rules) == ["poor_promise"]  # 94.99 % < 95 %
    assert _hits([_claim(n, total=1, kind="inpatient") for n in (1, 2)], rules=rules) == [
        "admissions"
    ]


def _claim_file(tmp_path: Path, incomes: str) -> tuple[Path, Path]:
    """One household H1 of one person with 10,000.01 yuan out of pocket (ordinary)."""
    claims = tmp_path / "claims.jsonl"
    claims.write_text(json.dumps({
        "claim_no": "C1", "person_id": "P1", "household_id": "H1", "date": "2018-03-01",
        "kind": "outpatient", "level": "village", "statuses": ["ordinary"], "age": 40,
        "diagnosis": "J18.9", "institution": "341821001", "total": "10000.01", "compliant": "0",
    }))  # fmt: skip
    path = tmp_path / "incomes.csv"
    path.write_text("household_id,income\n" + incomes)
    return claims, path


@pytest.mark.parametrize(
    ("income", "fen"),
    [("20000.01", 2_000_001), ("0.29", 29), ("1000000.07", 100_000_007), ("4.35", 435),
     ("", None)],
)  # fmt: skip
def test_claim_file_incomes_are_read_to_the_fen(
    tmp_path: Path, income: str, fen: int | None
) -> None:
    """The household lines compare exact fen: an income file is read exactly."""
    claims, incomes = _claim_file(tmp_path, f"H1,{income}\n")
    ledger, homes, _ = file_frames(compile_policy(load_policy("anhui-langxi-2018")), claims,
                                   incomes)  # fmt: skip
    assert homes["income_fen"].to_list() == [fen]
    if fen is not None:
        oop = int(ledger["out_of_pocket_fen"].sum())
        tier = evaluate(RULES, ledger, homes).filter(pl.col("kind") == "household_share")
        expected = (["household_above_income"] if oop > fen
                    else ["household_half_income"] if oop * 2 >= fen else [])  # fmt: skip
        assert tier["rule_id"].to_list() == expected


def test_claim_file_income_with_three_decimals_is_refused(tmp_path: Path) -> None:
    """Once read as a float and cast, 20000.005 became 20000.00 (or .01) without a word."""
    claims, incomes = _claim_file(tmp_path, "H1,20000.005\n")
    with pytest.raises(ImportRejected, match="row 2, column income"):
        file_frames(compile_policy(load_policy("anhui-langxi-2018")), claims, incomes)


@pytest.mark.parametrize(
    ("code", "prefix"),
    [("341821", "341821"), ("341821000000", "341821"), ("341821100000", "341821100"),
     ("341821100201", "341821100201"), ("341821100200", "341821100200"),
     ("341800000000", "3418"), ("340000000000", "34"), ("341800", "3418"),
     ("340421000", "340421")],
)  # fmt: skip
def test_a_region_codes_significant_prefix(code: str, prefix: str) -> None:
    assert significant(code) == prefix


@pytest.mark.parametrize(
    ("total", "paid", "any_hit", "all_hit"),
    [(10_000_000, 9_199_999, True, False),  # 92 % reimbursed, 8,000.01 out of pocket
     (2_000_000, 1_600_000, True, False),  # 80 % reimbursed, 4,000 out of pocket
     (6_000_000, 5_399_999, True, True),  # 89.99 %, 6,000.01: both lines crossed
     (4_000_000, 3_600_000, False, False)],  # 90 %, 4,000: neither
)  # fmt: skip
def test_the_promise_is_broken_by_either_line_or_by_both_as_the_file_says(
    total: int, paid: int, any_hit: bool, all_hit: bool
) -> None:
    rows = [_claim(1, total=total, paid=paid, compliant=0, kind="inpatient", mask=POOR)]
    assert (_hits(rows) == ["poor_promise"]) == any_hit
    both = RULES.model_copy(update={"rules": [
        r.model_copy(update={"breach": Breach.ALL}) if r.kind == "poor_promise" else r
        for r in RULES.rules
    ]})  # fmt: skip
    assert (_hits(rows, rules=both) == ["poor_promise"]) == all_hit


@pytest.mark.parametrize(("breach", "broken"), [(Breach.ANY, 2), (Breach.ALL, 1)])
def test_the_indicator_of_broken_promises_follows_the_rule(breach: Breach, broken: int) -> None:
    rules = RULES.model_copy(update={"rules": [
        r.model_copy(update={"breach": breach}) if r.kind == "poor_promise" else r
        for r in RULES.rules
    ]})  # fmt: skip
    frame = pl.DataFrame(
        [_claim(1, 1, total=10_000_000, paid=9_199_999, kind="inpatient", mask=POOR),  # one line
         _claim(2, 2, total=6_000_000, paid=5_399_999, kind="inpatient", mask=POOR),  # both
         _claim(3, 3, total=4_000_000, paid=3_600_000, kind="inpatient", mask=POOR)],  # none
        schema=LEDGER_SCHEMA,
    ).with_columns(pl.lit(0, pl.Int64).alias("reassisted_fen"))  # fmt: skip
    none = pl.DataFrame(schema={"id": pl.Int64, "person_id": pl.Int64, "household_id": pl.Int64,
                                "state": pl.String, "detected_on": pl.Date,
                                "verify_due_on": pl.Date})  # fmt: skip
    events = pl.DataFrame(schema={"warning_id": pl.Int64, "step": pl.String,
                                  "done_on": pl.Date, "amount_fen": pl.Int64})  # fmt: skip
    members = pl.DataFrame(schema={"household_id": pl.Int64, "person_id": pl.Int64})
    out = indicators(rules, none, events, frame, members, 0, today=date(2018, 12, 31))
    assert out["poor_out_of_pocket"][2].value == broken  # type: ignore[index,union-attr]


def _both(rows: list[dict[str, Any]], homes: dict[int, tuple[int, int | None, int | None]]
          ) -> list[tuple[str, int, int | None]]:  # fmt: skip
    """(rule, household, person) of every warning, the same from both evaluators."""
    few = evaluate_few(RULES, [tuple(r[c] for c in LEDGER_SCHEMA) for r in rows], homes)
    frame = pl.DataFrame(
        [(h, *v) for h, v in homes.items()],
        schema=["household_id", "members", "income_fen", "reference_fen"],
        schema_overrides={"income_fen": pl.Int64, "reference_fen": pl.Int64}, orient="row",
    )  # fmt: skip
    batch = evaluate(RULES, pl.DataFrame(rows, schema=LEDGER_SCHEMA), frame)
    assert [(r["rule_id"], r["household_id"], r["person_id"]) for r in few] == batch.select(
        "rule_id", "household_id", "person_id"
    ).rows()
    return sorted(batch.select("rule_id", "household_id", "person_id").rows())


def test_a_person_who_moves_household_is_counted_over_the_whole_year() -> None:
    """A person's lines are over the person's year: 6,000 yuan self-paid while in household 1
    and 4,000 after moving to household 2 reach the 10,000 line (each part alone does not);
    two admissions before the move and one after are three. The warning goes to the household
    of the person's latest claim; each household's share counts the entries settled in it."""

    def moved(n: int, household: int, on: date, total: int, kind: str = "outpatient"
              ) -> dict[str, Any]:  # fmt: skip
        return {**_claim(n, 7, total=total, kind=kind, on=on), "household_id": household}

    rows = [
        moved(1, 1, date(2018, 2, 1), 300_000, "inpatient"),
        moved(2, 1, date(2018, 3, 1), 300_000, "inpatient"),
        moved(3, 2, date(2018, 8, 1), 400_000, "inpatient"),
    ]
    homes = {1: (2, RICH, None), 2: (3, RICH, None)}
    assert _both(rows, homes) == [("admissions", 2, 7), ("self_pay_year", 2, 7)]
    assert _both(rows[:2], homes) == []  # before the move: neither line
    # back-dated: the latest claim by date names the household, not the last settled
    late_first = [{**rows[2], "claim_date": date(2018, 1, 15)}, *rows[:2]]
    assert _both(late_first, homes) == [("admissions", 1, 7), ("self_pay_year", 1, 7)]


@pytest.mark.parametrize("income", ["-5000", "-0.01", "1e3", "+100", "99999999999"])
def test_claim_file_income_not_a_plain_amount_is_refused(tmp_path: Path, income: str) -> None:
    """As the household-income import reads it: a negative income put every household with
    any out-of-pocket above it (severe); an exponent or a sign is no amount in yuan."""
    claims, incomes = _claim_file(tmp_path, f"H1,{income}\n")
    with pytest.raises(ImportRejected, match="row 2, column income"):
        file_frames(compile_policy(load_policy("anhui-langxi-2018")), claims, incomes)


@pytest.mark.parametrize(("reference", "refused"), [(-1, True), (0, True), (1, False)])
def test_a_reference_income_is_above_zero(tmp_path: Path, reference: int, refused: bool) -> None:
    """A per-capita income of zero or below made every household without an income severe."""
    claims, _ = _claim_file(tmp_path, "H1,\n")
    policy = compile_policy(load_policy("anhui-langxi-2018"))
    if refused:
        with pytest.raises(MoneyError, match="above zero"):
            file_frames(policy, claims, None, reference)
    else:
        assert file_frames(policy, claims, None, reference)[1]["reference_fen"].to_list() == [1]
