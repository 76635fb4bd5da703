"""An independent oracle of the fixed fees (单病种定额) at their line: a bill exactly at the
fee and one fen over, by hand from the written rule (docs/programmes.md: the pathway's bill
at most the fee; settlement's overrun when ``net > fee`` borne by the institution; the
overrun indicator Σ max(0, total − fee)); and a fee of nothing refused in the file, where
settlement read it as no fee and the pathways as a price of 0 yuan that every bill exceeds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from pydantic import ValidationError

from safetynet.policy.loader import PolicyError
from safetynet.programmes.fixed_fee import apply_fixed_fee, fee_of_claim, fees_of
from safetynet.programmes.pathways import evaluate
from safetynet.programmes.rates import Frames, compute
from safetynet.programmes.rules import load_rules, shipped_rules
from safetynet.programmes.schema import FixedFee, ProgrammeRules
from tests.programmes.test_oracle_rates import _frames

RULES = load_rules(shipped_rules()["national-2017"])
FEE = 450_000  # appendicitis at a county hospital, fen
DAY = date(2018, 5, 2)


def _admission(total: int) -> pl.DataFrame:
    return pl.DataFrame([{
        "claim_id": 1, "person_id": 1, "kind": "inpatient", "level": "county",
        "in_county": True, "institution_code": "H-C", "diagnosis": "K35.8",
        "start_date": DAY, "end_date": date(2018, 5, 5), "total_fen": total,
        "item_kinds": ["service"],
    }], schema={"claim_id": pl.Int64, "person_id": pl.Int64, "kind": pl.String,
                "level": pl.String, "in_county": pl.Boolean, "institution_code": pl.String,
                "diagnosis": pl.String, "start_date": pl.Date, "end_date": pl.Date,
                "total_fen": pl.Int64, "item_kinds": pl.List(pl.String)})  # fmt: skip


def _fee_figures(rules: ProgrammeRules, total: int) -> dict[str, tuple[int, int]]:
    f = _frames()
    frames = Frames(**{**f.__dict__, "claims": _admission(total)})
    got = compute(rules, frames, 2018).filter(pl.col("indicator").str.starts_with("fixed_fee"))
    return {i: (n, d) for i, n, d in got.select("indicator", "numerator", "denominator")
            .iter_rows()}  # fmt: skip


@pytest.mark.parametrize(("total", "over"), [(FEE - 1, 0), (FEE, 0), (FEE + 1, 1)])
def test_a_bill_at_the_fee_completes_and_one_fen_over_is_borne(total: int, over: int) -> None:
    assert fee_of_claim("inpatient", "county", True, "H-C", "K35.8", DAY, "341821") == FEE
    found = evaluate(RULES, _admission(total)).row(0, named=True)
    assert found["fee_fen"] == FEE
    assert found["completed"] is (over == 0)
    assert found["reasons"] == (["over_fixed_fee"] if over else [])
    figures = _fee_figures(RULES, total)
    assert figures["fixed_fee_overrun"] == (over, 1)
    assert figures["fixed_fee_cost_ratio"] == (total, FEE)
    # settlement: nothing deducted by review; the institution bears the fen over (deducted'),
    # keeps what is under (total' = the fee); patient and layers share the fee
    t, c, e, d = (int(x) for x in apply_fixed_fee(total, total, 0, 0, FEE))
    assert e == 0  # nothing essential
    assert (t - d, d) == (FEE, over)
    assert t == max(total, FEE)
    assert c == FEE  # the compliant whole bill scaled to the fee


def test_a_fixed_fee_of_nothing_is_refused(tmp_path: Path) -> None:
    """A fee of 0 yuan was taken: settlement settled the bill (0 is no fee) while the pathway
    flagged every admission over its fee of 0 and counted it in the cost against fees."""
    shipped = RULES.fixed_fees[0].model_dump()
    with pytest.raises(ValidationError, match="more than 0"):
        FixedFee.model_validate({**shipped, "fee": 0})
    assert FixedFee.model_validate({**shipped, "fee": "0.01"}).fee == 1
    # in a file: refused with its line
    text = shipped_rules()["national-2017"].read_text(encoding="utf-8")
    line = "level: county, fee: 3500,"
    assert text.count(line) == 1
    path = tmp_path / "zero.yaml"
    path.write_text(text.replace(line, "level: county, fee: 0,"), encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_rules(path)
    assert "zero.yaml:" in str(caught.value)
    assert "more than 0" in str(caught.value)


def _appendicitis_dated(valid_from: date, valid_to: date | None) -> ProgrammeRules:
    pathways = [pw.model_copy(update={"valid_from": valid_from, "valid_to": valid_to})
                if pw.id == "appendicitis" else pw for pw in RULES.pathways]  # fmt: skip
    return RULES.model_copy(update={"pathways": pathways})


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "day", "fee"),
    [(date(2017, 1, 1), date(2018, 5, 2), date(2018, 5, 1), FEE),  # the pathway's last day
     (date(2017, 1, 1), date(2018, 5, 2), date(2018, 5, 2), 0),  # ended (exclusive)
     (date(2018, 5, 2), None, date(2018, 5, 1), 0),  # not begun (its designation has)
     (date(2018, 5, 2), None, date(2018, 5, 2), FEE)],  # its first day
)  # fmt: skip
def test_a_fixed_fee_applies_only_while_its_pathway_is_in_force(
    valid_from: date, valid_to: date | None, day: date, fee: int
) -> None:
    """The fee is the package price of the disease's pathway at the hospitals it designates:
    outside the pathway's own period (its designation open from 2017) settlement still
    priced the admission at the fee while the pathway neither entered it nor counted it."""
    rules = _appendicitis_dated(valid_from, valid_to)
    claim = ("inpatient", "county", True, "H-C", "K35.8", day, "341821")
    assert fee_of_claim(*claim, rules_of=lambda _r, _d: rules) == fee
    frame = pl.DataFrame(
        [
            dict(
                zip(
                    (
                        "kind",
                        "level",
                        "in_county",
                        "institution_code",
                        "diagnosis",
                        "date",
                        "region_code",
                    ),
                    claim,
                    strict=True,
                )
            )
        ]
    )
    assert fees_of(frame, rules_of=lambda _r, _d: rules).to_list() == [fee]
    entered = evaluate(rules, _admission(FEE + 1).with_columns(pl.lit(day).alias("start_date")))
    assert entered.height == int(fee > 0)
    if fee:
        assert entered.row(0, named=True)["fee_fen"] == fee
