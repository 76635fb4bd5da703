"""The settlement hooks: a gate refuses a claim before anything is written; an after step
sees the ids of the entries just written (settlements and refunds), in their transaction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from safetynet.settlement import hooks
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.service import preview, refund, submit
from safetynet.store.db import session_scope
from safetynet.store.models import Settlement
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient

SEEN: list[list[int]] = []
REFUSED_IDS: set[str] = set()


def refuse_listed(
    session: Session, claims: Sequence[hooks.GateClaim]
) -> list[SettlementError | None]:
    return [
        SettlementError("suspended", "direct settlement suspended", status=403)
        if c.sub.resident_id in REFUSED_IDS
        else None
        for c in claims
    ]


def remember(session: Session, entry_ids: Sequence[int], entries: Sequence[hooks.Entry]) -> None:
    SEEN.append(list(entry_ids))
    assert [e.id for e in entries] == list(entry_ids)
    # the after step runs in the transaction that wrote the entries: they are visible
    assert session.scalar(
        select(func.count()).select_from(Settlement).where(Settlement.id.in_(entry_ids))
    ) == len(entry_ids)


@pytest.fixture
def hooked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(hooks, "GATES", (f"{__name__}:refuse_listed",))
    monkeypatch.setattr(hooks, "AFTER", (f"{__name__}:remember",))
    SEEN.clear()
    REFUSED_IDS.clear()
    yield


def _count(engine: Engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Settlement)) or 0


def test_a_gate_refuses_before_anything_is_written(
    db_engine: Engine, county: County, hooked: None
) -> None:
    REFUSED_IDS.add(county.poor_id)
    before = _count(db_engine)
    with pytest.raises(SettlementError) as refused, session_scope(db_engine) as s:
        preview(s, inpatient(county.poor_id))
    assert refused.value.code == "suspended"
    with pytest.raises(SettlementError), session_scope(db_engine, write_lock=True) as s:
        submit(s, inpatient(county.poor_id), user="clerk")
    assert _count(db_engine) == before and SEEN == []


def test_after_steps_see_settlements_and_refunds(
    db_engine: Engine, county: County, hooked: None
) -> None:
    with session_scope(db_engine, write_lock=True) as s:
        view = submit(s, inpatient(county.ordinary_id), user="clerk")
    assert [view.settlement_id] == SEEN[0] and len(SEEN) == 1
    assert view.settlement_id is not None
    with session_scope(db_engine, write_lock=True) as s:
        reversal = refund(s, view.settlement_id, user="clerk", reason="wrong patient")
    assert SEEN[-1] == [reversal.settlement_id]


def test_warm_up_reads_what_the_first_batch_would_read() -> None:
    """A server's start-up (``warm_up``) compiles the pay-later test and reads what the
    gates and after steps read on first use — the funds file, the early-warning rules and
    the programme's serious-disease lists —, so the first batch under load is not the one
    that parses YAML and compiles (it held sixteen clients for a fraction of a second)."""
    from safetynet.early_warning import online, serious
    from safetynet.engine import kernel
    from safetynet.funds import rules as funds_rules
    from safetynet.settlement.compiled import warm_up

    # each remembered per rule folder (the shipped one and SAFETYNET_RULES_DIR's)
    for cached in (serious._windows, funds_rules._default, online._year_rules, hooks._load):
        cached.cache_clear()
    warm_up()
    assert serious._windows.cache_info().currsize >= 1
    assert funds_rules._default.cache_info().currsize == 1
    assert online._year_rules.cache_info().currsize == 2  # this year and the last
    loaded = hooks._load.cache_info().currsize
    assert loaded == len(hooks.GATES) + len(hooks.AFTER) + len(hooks.WARM)
    assert kernel.matches.signatures  # compiled (or loaded from numba's cache)
