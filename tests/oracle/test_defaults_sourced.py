"""The values domain notes mark with low confidence (L: a recollection or a design default)
are shipped as defaults citing a source of ``confidence: recalled`` (to confirm), and the
values read in a seed cite a source of ``confidence: doc``; the docs name each default.

Domain notes: C3 W2 share ≥ 50 % (L), W5 serious disease or ≥ 3 admissions (L), the home
visit "within N days (L)"; B2.3 accumulated balance > 25 % (L) and cover < 3 months (L);
B2.4 fixed fee "the hospital bears any overrun (L)". Seed 004: 10,000 yuan and 60 %; seed 000:
5,000 yuan and 90 %; seed 001: utilization 85 %, current balance 15 %, the 1/12 advance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WARNINGS = ROOT / "safetynet/early_warning/files/county-2018.yaml"
FUNDS = ROOT / "safetynet/funds/files/county-2018.yaml"


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _confidence(data: dict[str, Any], source: str) -> str:
    return str(data["sources"][source]["confidence"])


def _warning_sources() -> dict[str, str]:
    data = _load(WARNINGS)
    out = {r["id"]: _confidence(data, r["source"]) for r in data["rules"]}
    out["re_assistance"] = _confidence(data, data["re_assistance"]["source"])
    out["workflow"] = _confidence(data, data["workflow"]["source"])
    return out


def _funds_sources() -> dict[str, str]:
    data = _load(FUNDS)
    pay = data["payments"]
    out = {a["id"]: _confidence(data, a["source"]) for a in data["alarms"]}
    for key in ("prepayment", "quality_deposit", "global_budget", "fixed_fee"):
        out[key] = _confidence(data, pay[key]["source"])
    return out


@pytest.mark.parametrize(
    ("rule", "confidence"),
    [("household_half_income", "recalled"), ("household_above_income", "recalled"),
     ("serious_disease", "recalled"), ("admissions", "recalled"), ("workflow", "recalled"),
     ("self_pay_year", "doc"), ("re_assistance", "doc"), ("poor_promise", "doc")],
)  # fmt: skip
def test_warning_values_cite_a_source_of_their_confidence(rule: str, confidence: str) -> None:
    assert _warning_sources()[rule] == confidence


@pytest.mark.parametrize(
    ("item", "confidence"),
    [("accumulated_balance_high", "recalled"), ("cover_short", "recalled"),
     ("quality_deposit", "recalled"), ("global_budget", "recalled"),
     ("fixed_fee", "recalled"), ("utilization_low", "doc"),
     ("current_balance_high", "doc"), ("prepayment", "doc")],
)  # fmt: skip
def test_fund_values_cite_a_source_of_their_confidence(item: str, confidence: str) -> None:
    assert _funds_sources()[item] == confidence


@pytest.mark.parametrize(
    ("doc", "names"),
    [("docs/early-warning.md", ["household_half_income", "admissions", "serious_disease",
                                "verify_within_days", "monitoring-practice"]),
     ("docs/funds-format.md", ["nrcms-norm", "practice-payment", "practice-fixed-fee"])],
)  # fmt: skip
def test_the_docs_name_the_defaults_to_confirm(doc: str, names: list[str]) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    part = text[text.index("Defaults to confirm") :]
    for name in names:
        assert name in part, name
