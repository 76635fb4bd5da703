"""Sharing a county's global-budget pot between institutions by weighted factors: computed
by hand, exact to the fen, explained per factor; a bad pot refused with its file and line."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.funds.journal import JournalError
from safetynet.funds.payments import budgets_in_force
from safetynet.funds.prorata import apportion, apportion_exact
from safetynet.funds.rules import FILES, PolicyError, load_rules
from safetynet.funds.sharing import share_budgets, sharing_of
from safetynet.store.db import session_scope
from safetynet.store.models import Budget
from tests.settlement.conftest import County

runner = CliRunner()

POT = """
budget_sharing:
  - fund: basic
    year: 2017
    pot: 100.00
    source: practice-payment
    factors:
      - {factor: last_year_spending, weight: 0.5, source: practice-payment}
      - {factor: admissions, weight: 0.3, source: practice-payment}
      - {factor: level, weight: WEIGHT, source: design}
    institutions:
      A: {last_year_spending: 200, admissions: 1, level: 3}
      B: {last_year_spending: 100, admissions: 1, level: 2}
      C: {last_year_spending: 0, admissions: 1, LEVEL: 1}
"""


def write_pot(tmp_path: Path, weight: str = "0.2", level: str = "level") -> Path:
    text = (FILES / "county-2018.yaml").read_text(encoding="utf-8")
    path = tmp_path / "shared.yaml"
    path.write_text(text + POT.replace("WEIGHT", weight).replace("LEVEL", level), "utf-8")
    return path


def test_a_pot_shared_by_hand_computed_weights_sums_to_the_pot(tmp_path: Path) -> None:
    rules = load_rules(write_pot(tmp_path))
    done = share_budgets(sharing_of(rules, "basic", 2017))
    # A: 0.5·2/3 + 0.3·1/3 + 0.2·3/6 = 8/15; B: 0.5·1/3 + 0.1 + 0.2·2/6 = 1/3; C: 0.1 + 0.2/6
    # = 2/15. Of 10,000 fen: 5333⅓, 3333⅓, 1333⅓ → floors 9,999, the one fen left to the
    # largest remainder (all ⅓: the tie goes to the lowest code, A).
    assert [b.share for b in done.institutions] == [
        Fraction(8, 15),
        Fraction(1, 3),
        Fraction(2, 15),
    ]
    assert done.amounts() == {"A": 5334, "B": 3333, "C": 1333}
    assert sum(done.amounts().values()) == done.pot_fen == 10_000
    a = {p.factor: p for p in done.institutions[0].parts}
    assert a["last_year_spending"].share == Fraction(2, 3)
    assert a["last_year_spending"].contribution_fen == Fraction(10_000, 3)  # 0.5·2/3·10,000
    assert a["admissions"].contribution_fen == 1000 and a["level"].contribution_fen == 1000
    assert a["level"].value == 3 and a["level"].total == 6


def test_the_exact_rule_is_the_frame_rule_on_integer_weights() -> None:
    weights = {"a": 7, "b": 3, "c": 3, "d": 0, "e": 11}
    for pot in (0, 1, 2, 17, 1_000_003):
        assert apportion_exact(pot, weights) == apportion(pot, weights)


def test_weights_not_summing_to_one_are_refused_with_the_line(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as err:
        load_rules(write_pot(tmp_path, weight="0.25"))
    text = str(err.value)
    assert "the factors' weights sum to 1.05, not 1" in text
    line = 1 + (FILES / "county-2018.yaml").read_text(encoding="utf-8").count("\n") + 2
    assert f"shared.yaml:{line}" in text


def test_an_unknown_factor_is_refused_with_the_line(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as err:
        load_rules(write_pot(tmp_path, level="beds"))
    text = str(err.value)
    assert "institution C: unknown factor beds" in text and "shared.yaml:" in text
    bad = write_pot(tmp_path).read_text("utf-8").replace("factor: level", "factor: beds")
    (tmp_path / "beds.yaml").write_text(bad, "utf-8")
    with pytest.raises(PolicyError) as err:
        load_rules(tmp_path / "beds.yaml")
    assert "beds.yaml:" in str(err.value) and "last_year_spending" in str(err.value)


def test_a_year_without_a_pot_is_refused() -> None:
    with pytest.raises(JournalError, match="no budget pot of basic 2030"):
        sharing_of(load_rules(), "basic", 2030)


def test_cli_explains_and_records_the_shared_budgets(
    db_engine: Engine, county: County, tmp_path: Path
) -> None:
    text = write_pot(tmp_path).read_text("utf-8").replace("LEVEL", "level")
    text = text.replace("      C: {last_year_spending: 0, admissions: 1, level: 1}\n", "")
    text = text.replace("A:", "H-COUNTY:").replace("B:", "V-CLINIC:")
    path = tmp_path / "county.yaml"
    path.write_text(text, "utf-8")
    db = ["--db", db_engine.url.render_as_string(hide_password=False)]
    args = ["funds", "budgets", "--shared", "--year", "2017", "--by", "bureau", "--rules"]
    shown = runner.invoke(app, [*args, str(path), "--preview", *db])
    assert shown.exit_code == 0, shown.output
    # H-COUNTY: 0.5·2/3 + 0.3·1/2 + 0.2·3/5 = 0.60333… of 10,000 fen = 6,033.33 → 6,033
    assert "60.33" in shown.output and "39.67" in shown.output and "last_year_" in shown.output
    with session_scope(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(Budget)) == 0
    done = runner.invoke(app, [*args, str(path), *db])
    assert done.exit_code == 0 and "2 budgets recorded" in done.output, done.output
    with session_scope(db_engine) as s:
        assert budgets_in_force(s, 2017) == {
            ("H-COUNTY", "basic"): 6033,
            ("V-CLINIC", "basic"): 3967,
        }
    none = runner.invoke(app, [*args, str(path), "--year", "2018", *db])
    assert none.exit_code == 2 and "no budget pot of basic 2018" in none.output
