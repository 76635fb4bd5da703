"""What a refund frees under an annual cap (the documented rule, docs/routes.md): the
accumulators are replayed without the refunded claim, so the room goes first to the claims of
the year settled after it — whose payments the refund does not change — and a claim settled
after the refund gets only what is left; refunding the year's last claim gives all its room to
the next. The reversal's slip says so (English and Chinese, the PDF too). Both DBs."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import Engine, select

from safetynet.settlement.service import SettlementView, refund, settlement_view, submit
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import session_scope
from safetynet.store.models import Settlement, SettlementLayer
from safetynet.web.i18n import translations
from safetynet.web.slip_data import REFUND_ROOM, slip_of
from safetynet.web.slip_pdf import _story
from tests.settlement.conftest import County


def _visit(resident_id: str, n: int) -> ClaimSubmission:
    """A village-clinic visit of 100 yuan: the general outpatient rule pays 30 (400 a year)."""
    return ClaimSubmission.model_validate({
        "resident_id": resident_id, "institution_code": "V-CLINIC", "kind": "outpatient",
        "date": date(2017, 1, 2) + timedelta(days=n), "diagnosis": "J06.9",
        "items": [{"code": "DRUG-A", "amount": "100.00"}],
    })  # fmt: skip


def _settle(engine: Engine, resident_id: str, n: int) -> SettlementView:
    with session_scope(engine, write_lock=True) as s:
        return submit(s, _visit(resident_id, n), user="his")


def _basic(engine: Engine, settlement_id: int | None) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(SettlementLayer.paid_fen).where(
            SettlementLayer.settlement_id == settlement_id, SettlementLayer.layer_id == "basic"
        )) or 0)  # fmt: skip


def test_an_earlier_refund_frees_room_for_the_later_claims_not_the_next(
    db_engine: Engine, county: County
) -> None:
    views = [_settle(db_engine, county.ordinary_id, n) for n in range(14)]
    paid = [_basic(db_engine, v.settlement_id) for v in views]
    assert paid == [3000] * 13 + [1000]  # 390, then the 10 left of 400
    with session_scope(db_engine, write_lock=True) as s:
        refund(s, views[0].settlement_id, user="clerk", reason="wrong visit")  # type: ignore[arg-type]
    # the later claims keep what they were paid (no entry is re-settled) ...
    assert [_basic(db_engine, v.settlement_id) for v in views[1:]] == paid[1:]
    with session_scope(db_engine) as s:
        assert s.scalar(select(Settlement.id).where(Settlement.reverses_id.in_(
            [v.settlement_id for v in views[1:]]))) is None  # fmt: skip
    # ... while the replay gives the last of them its full 30: the next visit gets the 10
    # left (not the 30 the refund freed); the other 20 are the year-end top-up
    nxt = _settle(db_engine, county.ordinary_id, 20)
    assert _basic(db_engine, nxt.settlement_id) == 1000
    assert _basic(db_engine, _settle(db_engine, county.ordinary_id, 21).settlement_id) == 0


def test_refunding_the_last_claim_gives_its_room_to_the_next(
    db_engine: Engine, county: County
) -> None:
    views = [_settle(db_engine, county.ordinary_id, n) for n in range(14)]
    with session_scope(db_engine, write_lock=True) as s:
        refund(s, views[-1].settlement_id, user="clerk", reason="wrong visit")  # type: ignore[arg-type]
    assert _basic(db_engine, _settle(db_engine, county.ordinary_id, 20).settlement_id) == 1000
    with session_scope(db_engine, write_lock=True) as s:
        refund(s, views[5].settlement_id, user="clerk", reason="wrong visit")  # type: ignore[arg-type]
    # the 6th visit's 30 refunded: the visit after the first refund, paid 10, takes 20 more in
    # the replay (its full 30), so the next visit gets the 10 left, not 30
    assert _basic(db_engine, _settle(db_engine, county.ordinary_id, 22).settlement_id) == 1000


def test_the_reversal_slip_says_where_the_room_goes(db_engine: Engine, county: County) -> None:
    view = _settle(db_engine, county.ordinary_id, 0)
    with session_scope(db_engine, write_lock=True) as s:
        back = refund(s, view.settlement_id, user="clerk", reason="wrong visit")  # type: ignore[arg-type]
    with session_scope(db_engine) as s:
        for sid, shown in ((view.settlement_id, False), (back.settlement_id, True)):
            entry = s.get(Settlement, sid)
            assert entry is not None
            v = settlement_view(s, entry.id)
            for locale in ("en", "zh_Hans"):
                slip = slip_of(s, entry, v, locale)
                assert (slip.refund_note == REFUND_ROOM) is shown
                texts = [getattr(f, "text", "") for f in _story(slip, locale, 1.0)]
                note = translations(locale).gettext(REFUND_ROOM)
                assert any(note in t for t in texts) is shown
    zh = translations("zh_Hans").gettext(REFUND_ROOM)
    assert zh != REFUND_ROOM and "年终重新结算" in zh and not re.search(r"[A-Za-z]", zh)
