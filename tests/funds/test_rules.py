"""The funds file: the shipped one loads and names a fund for every shipped policy's layers;
a bad one is refused with the file, the line and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from safetynet.funds.rules import FILES, PolicyError, load_rules, shipped_files
from safetynet.policy.loader import SHIPPED_DIR as POLICIES
from safetynet.policy.loader import load_policy


def test_shipped_files_load_and_cite_their_sources() -> None:
    files = shipped_files()
    assert "county-2018" in files
    rules = load_rules("county-2018")
    assert rules.unassigned_fund in rules.fund_ids()
    allocation = {a.fund: a.amount_fen for a in rules.allocations}
    assert allocation["re_assistance"] == 270_000_000  # 2.7 M yuan a year (seed 004)
    split = {r.income: r.shares for r in rules.contributions}
    assert split["individual"] == {"basic": 40, "critical": 5}  # 45 = 40 + 5 (seed 001)


def test_every_layer_of_the_shipped_policies_has_its_fund() -> None:
    fund_of = load_rules().fund_of_layer()
    layers = {
        layer.id for path in sorted(POLICIES.glob("*.yaml")) for layer in load_policy(path).layers
    }
    assert layers and layers <= set(fund_of), layers - set(fund_of)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_fund_named_nowhere_is_refused_with_its_line(tmp_path: Path) -> None:
    text = (FILES / "county-2018.yaml").read_text(encoding="utf-8")
    bad = _write(tmp_path, text.replace("deductions_fund: basic", "deductions_fund: nope"))
    with pytest.raises(PolicyError) as err:
        load_rules(bad)
    assert "funds not listed under `funds`: nope" in str(err.value)
    assert "bad.yaml" in str(err.value)


def test_an_unknown_key_and_a_layer_in_two_funds_are_refused(tmp_path: Path) -> None:
    text = (FILES / "county-2018.yaml").read_text(encoding="utf-8")
    with pytest.raises(PolicyError) as err:
        load_rules(
            _write(
                tmp_path, text.replace("unassigned_fund: other", "unassigned_fund: other\nbogus: 1")
            )
        )
    assert "bogus" in str(err.value)
    twice = text.replace("layers: [critical]", "layers: [critical, basic]")
    with pytest.raises(PolicyError) as err:
        load_rules(_write(tmp_path, twice))
    assert "layers in two funds: basic" in str(err.value)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("2700000.005", "no more than 2 decimal places"),
        ("1e15", "less than or equal to 1000000000000"),
        ("0", "greater than 0"),
    ],
)
def test_an_allocation_or_a_pot_that_is_no_sum_of_fen_is_refused_with_its_line(
    tmp_path: Path, amount: str, words: str
) -> None:
    """A third decimal or an amount beyond one journal line loaded and failed only when the
    year was posted (a traceback naming neither file nor line)."""
    text = (FILES / "county-2018.yaml").read_text(encoding="utf-8")
    line = 1 + text.splitlines().index("    amount: 2700000")
    bad = _write(tmp_path, text.replace("    amount: 2700000\n", f"    amount: {amount}\n"))
    with pytest.raises(PolicyError) as err:
        load_rules(bad)
    said = " ".join(str(err.value).split())
    assert f"bad.yaml:{line}: allocations[0].amount" in said and words in said, said
    pot = (
        "\nbudget_sharing:\n  - fund: basic\n    year: 2017\n"
        f"    pot: {amount}\n    source: practice-payment\n"
        "    factors:\n      - {factor: admissions, weight: 1, source: practice-payment}\n"
        "    institutions:\n      A: {admissions: 1}\n"
    )
    with pytest.raises(PolicyError) as err:
        load_rules(_write(tmp_path, text + pot))
    assert "budget_sharing[0].pot" in str(err.value) and words in " ".join(str(err.value).split())


def test_the_income_sources_are_the_enrollments_contribution_columns() -> None:
    """A fund's contribution income accounts are the enrollment's columns, in their order."""
    from safetynet.funds.schema import CONTRIBUTION_SOURCES
    from safetynet.policy.contribution import COLUMN

    assert tuple(c.removesuffix("_fen") for c in COLUMN.values()) == CONTRIBUTION_SOURCES
