"""docs/policy-format.md documents every key of the policy schema, its example loads, and
the README links it."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from safetynet.policy import schema
from safetynet.policy.loader import load_policy
from safetynet.policy.placement import PLACEMENT_KEYS

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "policy-format.md"
MODELS: list[type[BaseModel]] = [
    schema.Policy, schema.Source, schema.DiseaseGroup, schema.ClaimRules, schema.PayLater,
    schema.RatioLayer, schema.CeilingLayer, schema.RatioRule, schema.CeilingRule,
    schema.When, schema.Bonus, schema.Tier, schema.Names,
]  # fmt: skip
INTERNAL = {"value_sources"}  # filled by the loader, not written in files


def test_every_key_of_the_schema_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    keys = {
        field.alias or name
        for model in MODELS
        for name, field in model.model_fields.items()
        if name not in INTERNAL
    }
    keys |= {"extends", "remove", *PLACEMENT_KEYS}
    missing = sorted(k for k in keys if f"`{k}`" not in text and not re.search(rf"\b{k}:", text))
    assert not missing, f"undocumented in docs/policy-format.md: {missing}"


def test_the_example_override_loads_and_places_its_county_rule(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    example = text.split("## Example: a county's override", 1)[1].split("```yaml", 1)[1]
    path = tmp_path / "county.yaml"
    path.write_text(example.split("```", 1)[0], encoding="utf-8")
    policy = load_policy(path)
    basic = policy.layers[0]
    assert [r.id for r in basic.rules][:2] == ["county_hospital_poor", "inpatient_poor"]
    assert [la.id for la in policy.layers][-1] == "re_assistance"
    outpatient = next(r for r in basic.rules if r.id == "general_outpatient")
    assert outpatient.annual_cap == 50_000 and outpatient.ratio == 5_500


def test_the_readme_links_the_policy_format() -> None:
    assert "docs/policy-format.md" in (ROOT / "README.md").read_text(encoding="utf-8")
