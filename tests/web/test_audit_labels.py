"""Every audit action and target the code records has a name in both languages (the audit
log page shows names, never a code)."""

from __future__ import annotations

import re
from pathlib import Path

import safetynet
from safetynet.labels import AUDIT_ACTION, AUDIT_TARGET

SOURCE = Path(safetynet.__file__).parent


def _literals(keyword: str) -> set[str]:
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        found |= set(re.findall(rf'\b{keyword}="([a-z_.]+)"', path.read_text()))
    return found


def test_every_recorded_action_has_a_name() -> None:
    assert _literals("action") - set(AUDIT_ACTION) == set()


def test_every_recorded_target_has_a_name() -> None:
    assert _literals("target") - set(AUDIT_TARGET) == set()


def test_every_page_error_code_has_a_sentence() -> None:
    """A WebError the code raises has a catalog sentence: a page never shows its English."""
    from safetynet.web.messages import CODES, VALIDATION_CODES

    raised: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        raised |= set(re.findall(r'WebError\(\s*\d+,\s*"([a-z_]+)"', path.read_text()))
    # validation codes are worded from their field and problem (messages.validation_text)
    assert raised - set(CODES) - VALIDATION_CODES == set()
