"""One definition of the rule-set setting: ``SAFETYNET_SCREENING_RULES`` is read and
interpreted by ``supervision.rules.configured_rules`` alone — the window's rule set
(``supervision.window``) and the county's (the scorecard's, the review's risk) follow it:
unset or blank is the shipped default, ``off`` in any case is no screening at the window
(the county's still the default), any other value the rule set it names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import safetynet
from safetynet.supervision.rules import DEFAULT_RULES, configured_rules, county_rules
from safetynet.supervision.window import rules_name, window_rules

CASES = [
    (None, DEFAULT_RULES),
    ("", DEFAULT_RULES),
    ("   ", DEFAULT_RULES),
    ("off", None),
    ("OFF", None),
    (" Off ", None),
    ("county-2024", "county-2024"),
    (" /srv/rules/county.yaml ", "/srv/rules/county.yaml"),
    ("offline-2024", "offline-2024"),  # a name that starts with "off" is a name
]


@pytest.mark.parametrize(("value", "configured"), CASES)
def test_every_reader_follows_the_one_reading(
    monkeypatch: pytest.MonkeyPatch, value: str | None, configured: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("SAFETYNET_SCREENING_RULES", raising=False)
    else:
        monkeypatch.setenv("SAFETYNET_SCREENING_RULES", value)
    assert configured_rules() == configured
    assert county_rules() == (configured or DEFAULT_RULES)
    assert rules_name() == (configured or "off")
    if configured is None:
        assert window_rules() is None
    elif configured == DEFAULT_RULES:
        assert window_rules() is not None


def test_no_module_but_the_rules_one_interprets_the_setting() -> None:
    """``config.screening_rules()`` (the environment's value) is called in
    ``supervision/rules.py`` alone; nothing else reads the variable itself."""
    root = Path(safetynet.__file__).parent
    readers, env = [], []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = str(path.relative_to(root))
        if re.search(r"(?<![\w.])screening_rules\(\)|config\.screening_rules\(", text):
            readers.append(name)
        if re.search(r"environ[^\n]*SAFETYNET_SCREENING_RULES", text):
            env.append(name)
    assert readers == ["config.py", "supervision/rules.py"], readers
    assert env == ["config.py"], env
