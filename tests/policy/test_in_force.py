"""Which policy is in force: the most specific region wins, ties and unknown names refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from safetynet.policy.in_force import PolicyChoiceError, candidates, choose
from safetynet.policy.loader import shipped_policies


def test_shipped_anhui_applies_to_a_funan_village() -> None:
    policy = choose(candidates(None, None), "340421100201", date(2017, 5, 1))
    assert policy.id == "anhui-poor-2017"


def test_no_policy_before_any_is_valid() -> None:
    with pytest.raises(PolicyChoiceError) as err:
        choose(candidates(None, None), "340421100201", date(1990, 1, 1))
    assert err.value.code == "no_policy"


def test_unknown_name_refused() -> None:
    with pytest.raises(PolicyChoiceError) as err:
        candidates(None, "anhui-poor-2017,no-such-policy")
    assert err.value.code == "policy_unknown"
    assert "no-such-policy" in err.value.message


def test_named_policies_only() -> None:
    cands = candidates(None, "anhui-poor-2017")
    assert [p.id for p in cands] == ["anhui-poor-2017"]


def test_more_specific_region_wins_and_a_tie_is_ambiguous(tmp_path: Path) -> None:
    text = Path(dict(shipped_policies())["anhui-poor-2017"]).read_text()
    for name in ("funan-a", "funan-b"):  # the province's policy narrowed to Funan county
        assert 'region: "34"' in text
        narrowed = text.replace("id: anhui-poor-2017", f"id: {name}", 1)
        narrowed = narrowed.replace('region: "34"', 'region: "340421"', 1)
        (tmp_path / f"{name}.yaml").write_text(narrowed)
    one = candidates(str(tmp_path), "anhui-poor-2017,funan-a")
    assert choose(one, "340421100201", date(2017, 5, 1)).id == "funan-a"
    assert choose(one, "340499100201", date(2017, 5, 1)).id == "anhui-poor-2017"
    both = candidates(str(tmp_path), "anhui-poor-2017,funan-a,funan-b")
    with pytest.raises(PolicyChoiceError) as err:
        choose(both, "340421100201", date(2017, 5, 1))
    assert err.value.code == "policy_ambiguous"
    assert "funan-a" in err.value.message and "funan-b" in err.value.message
