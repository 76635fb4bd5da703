"""The offline worklist's form keys are kept ``form_key_days`` (SAFETYNET_FORM_KEY_DAYS,
default 90): storing a key drops the older ones, at most once a day per process; a key
within the retention still answers its replay."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.config import FORM_KEY_DAYS, get_settings
from safetynet.store.models.form_keys import FormKey
from safetynet.web import form_keys

KEEP = timedelta(days=FORM_KEY_DAYS)


@pytest.fixture(autouse=True)
def fresh_gate() -> Iterator[None]:
    """Each test starts as a process that has not pruned yet."""
    form_keys._gate = form_keys._Gate()
    yield
    form_keys._gate = form_keys._Gate()


def _key(session: Session, key: str, age: timedelta) -> None:
    session.add(FormKey(username="doctor", key=key, form="follow_up", body_sha256="0" * 64,
                        result_id=1, created_at=form_keys.now() - age))  # fmt: skip
    session.flush()


def _keys(session: Session) -> set[str]:
    return set(session.scalars(select(FormKey.key)))


def test_storing_a_key_drops_the_keys_past_the_retention(db_session: Session) -> None:
    _key(db_session, "old-key-1", KEEP + timedelta(days=1))
    _key(db_session, "recent-key", KEEP - timedelta(days=1))
    form_keys.remember(db_session, "doctor", "new-key-1", "follow_up", "1" * 64, 7)
    db_session.commit()
    assert _keys(db_session) == {"recent-key", "new-key-1"}
    # a kept key still answers its replay
    assert form_keys.replayed(db_session, "doctor", "recent-key", "follow_up", "0" * 64) == 1


def test_a_process_prunes_at_most_once_a_day(db_session: Session) -> None:
    at = form_keys.now()
    assert form_keys.prune_due(db_session, KEEP, at) == 0
    _key(db_session, "old-key-2", KEEP + timedelta(days=3))
    assert form_keys.prune_due(db_session, KEEP, at + timedelta(hours=23)) is None
    assert "old-key-2" in _keys(db_session)  # not pruned again within the day
    assert form_keys.prune_due(db_session, KEEP, at + form_keys.PRUNE_EVERY) == 1
    assert "old-key-2" not in _keys(db_session)


def test_the_retention_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAFETYNET_FORM_KEY_DAYS", raising=False)
    assert get_settings().form_key_days == FORM_KEY_DAYS == 90
    monkeypatch.setenv("SAFETYNET_FORM_KEY_DAYS", "30")
    assert get_settings().form_key_days == 30
    for bad in ("0", "-3", "ninety"):
        monkeypatch.setenv("SAFETYNET_FORM_KEY_DAYS", bad)
        with pytest.raises(ValueError, match="SAFETYNET_FORM_KEY_DAYS"):
            get_settings()
