"""The plain-integer evaluation of a few households (the check after a settlement) finds
exactly the rows the Polars evaluation of the year finds, on random ledgers: reversals and
re-settlements, statuses, kinds, institution levels, listed and unlisted diagnoses, incomes or
references."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetynet.codes import PovertyStatus
from safetynet.early_warning.evaluate import LEDGER_SCHEMA, WARNING_SCHEMA, evaluate
from safetynet.early_warning.few import evaluate_few
from safetynet.early_warning.rules import FILES, load_rules
from safetynet.engine.facts import status_mask
from tests.early_warning.ledger import households

RULES = load_rules(FILES / "county-2018.yaml")
DIAGNOSES = [None, "J18.9", "C16.9", "c22", "I63.9", "N18.5", "E11", "K35.8", "D66", "C73"]
LEVELS = [None, "village", "county", "province", "out_of_province"]  # self-pay counts in-province
STATUSES = [status_mask({s}) for s in PovertyStatus] + [
    status_mask({PovertyStatus.ORDINARY, s}) for s in PovertyStatus
]


@st.composite
def entries(draw: st.DrawFn) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for claim_id in range(1, draw(st.integers(0, 14)) + 1):
        person = draw(st.integers(1, 4))
        total = draw(st.integers(0, 6_000_000))
        compliant = draw(st.integers(0, total))
        paid = draw(st.integers(0, total))
        row = (claim_id, person, 1 + (person - 1) // 2,
               draw(st.sampled_from(["inpatient", "outpatient", "chronic"])),
               date(2018, 1, 1) + timedelta(days=draw(st.integers(0, 1_000))),  # to 2020
               draw(st.sampled_from(STATUSES)), draw(st.sampled_from(DIAGNOSES)),
               total, compliant, paid, total - paid, draw(st.sampled_from(LEVELS)))  # fmt: skip
        rows.append(row)
        match draw(st.sampled_from(["settled", "refunded", "resettled"])):
            case "settled":
                pass
            case "refunded":
                rows.append((*row[:7], *(-v for v in row[7:11]), row[11]))  # type: ignore[operator]
            case "resettled":
                again = draw(st.integers(0, total))
                rows.append((*row[:7], *(-v for v in row[7:11]), row[11]))  # type: ignore[operator]
                rows.append((*row[:5], draw(st.sampled_from(STATUSES)), row[6],
                             total, compliant, again, total - again, row[11]))  # fmt: skip
    return rows


money = st.none() | st.integers(0, 20_000_000)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries(), st.tuples(money, money), st.tuples(money, money))
def test_few_equals_the_year_on_random_households(
    rows: list[tuple[object, ...]],
    one: tuple[int | None, int | None],
    two: tuple[int | None, int | None],
) -> None:
    homes = {1: (2, *one, "341821100201"), 2: (3, *two, "340421100201")}  # Langxi, another
    frame = households(
        *[(h, m, None if i is None else i / 100, None if r is None else r / 100)
          for h, (m, i, r, _) in homes.items()]
    ).with_columns(pl.Series("region_code", [v[3] for v in homes.values()]))  # fmt: skip
    batch = evaluate(RULES, pl.DataFrame(rows, schema=LEDGER_SCHEMA, orient="row"), frame)
    few = pl.DataFrame(evaluate_few(RULES, rows, homes), schema=WARNING_SCHEMA)  # type: ignore[arg-type]
    assert few.equals(batch), (few, batch)


def test_a_household_without_a_row_has_no_share_warning() -> None:
    row = (1, 1, 9, "outpatient", date(2018, 3, 1), STATUSES[0], None, 10**7, 10**7, 0, 10**7)

    def shares(homes: dict[int, tuple[int, int | None, int | None]]) -> list[str]:
        return [r["rule_id"] for r in evaluate_few(RULES, [row], homes) if r["person_id"] is None]

    assert shares({}) == []
    assert shares({9: (1, 100, None)}) == ["household_above_income"]
