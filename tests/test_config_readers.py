"""The settings each settlement batch reads on their own (without the whole of
``get_settings()``) say what ``get_settings()`` says, set or unset."""

from __future__ import annotations

import pytest

from safetynet import config
from safetynet.early_warning.online import enabled
from safetynet.supervision.window import DEFAULT_RULES, rules_name


def test_the_batch_settings_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SAFETYNET_EARLY_WARNING_ONLINE", "SAFETYNET_SCREENING_RULES",
                 "SAFETYNET_POLICY_DIR", "SAFETYNET_POLICIES"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    s = config.get_settings()
    assert (s.early_warning_online, s.screening_rules) == (True, None)
    assert (enabled(), rules_name()) == (True, DEFAULT_RULES)
    assert config.policy_choice() == (s.policy_dir, s.policies) == (None, None)

    monkeypatch.setenv("SAFETYNET_EARLY_WARNING_ONLINE", "off")
    monkeypatch.setenv("SAFETYNET_SCREENING_RULES", " county-2024 ")
    monkeypatch.setenv("SAFETYNET_POLICY_DIR", "/srv/policies")
    monkeypatch.setenv("SAFETYNET_POLICIES", "a,b")
    s = config.get_settings()
    assert (enabled(), s.early_warning_online) == (False, False)
    assert rules_name() == s.screening_rules == "county-2024"
    assert config.policy_choice() == (s.policy_dir, s.policies) == ("/srv/policies", "a,b")
