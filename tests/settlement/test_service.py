"""The settlement service on both databases: amounts, ledger, idempotency, refusals, refunds."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from safetynet.engine.online import Accumulators, settle_one
from safetynet.settlement.accumulators import facts_of
from safetynet.settlement.compiled import compiled_in_force
from safetynet.settlement.errors import SettlementError
from safetynet.settlement.service import preview, refund, submit
from safetynet.store.db import session_scope
from safetynet.store.models import Accumulator, Claim, ClaimItem, Settlement, SettlementLayer
from tests.settlement.conftest import County
from tests.settlement.helpers import inpatient

TABLES = (Settlement, SettlementLayer, Accumulator, Claim, ClaimItem)


def _counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in TABLES}


def test_poor_inpatient_is_settled_through_every_layer(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine, write_lock=True) as s:
        view = submit(s, inpatient(county.poor_id), user="clerk", client_key="k1")
    # compliant: bed 6000 + essential drug 2000 + class-B 1000 less 10 % = 8900; class C 0
    assert (view.total_fen, view.compliant_fen) == (1_000_000, 890_000)
    basic = next(layer for layer in view.layers if layer.layer_id == "basic")
    # the poor at a county hospital: deductible 250, then 85 %
    assert basic.paid_fen == (890_000 - 25_000) * 85 // 100
    assert basic.rule_id == "inpatient_poor"
    assert basic.source == "安徽省新型农村合作医疗统一补偿方案（2017年）"  # the title as published
    assert "皖政〔2016〕68号" in basic.parameter_sources["ratio"]
    assert view.paid_fen + view.out_of_pocket_fen + view.institution_borne_fen == view.total_fen
    assert view.accumulators  # this year's accumulators after the claim


def test_preview_writes_nothing_and_equals_the_settlement(
    db_engine: Engine, county: County
) -> None:
    before = _counts(db_engine)
    with session_scope(db_engine) as s:
        seen = preview(s, inpatient(county.ordinary_id))
    assert _counts(db_engine) == before
    with session_scope(db_engine, write_lock=True) as s:
        done = submit(s, inpatient(county.ordinary_id), user="clerk")
    assert [(x.layer_id, x.paid_fen) for x in seen.layers] == [
        (x.layer_id, x.paid_fen) for x in done.layers
    ]
    assert seen.settlement_id is None and done.settlement_id is not None


def test_a_retry_pays_once(db_engine: Engine, county: County) -> None:
    sub = inpatient(county.poor_id)
    with session_scope(db_engine, write_lock=True) as s:
        first = submit(s, sub, user="his", client_key="visit-42")
    with session_scope(db_engine, write_lock=True) as s:
        again = submit(s, sub, user="his", client_key="visit-42")
    assert again.replayed and again.settlement_id == first.settlement_id
    assert again.paid_fen == first.paid_fen
    assert _counts(db_engine)["settlement"] == 1
    with session_scope(db_engine, write_lock=True) as s, pytest.raises(SettlementError) as info:
        submit(s, inpatient(county.poor_id, date(2017, 4, 1)), user="his", client_key="visit-42")
    assert (info.value.code, info.value.status) == ("client_key_reused", 409)


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"resident_id": "340421195001010012"}, "resident_id_invalid", "resident_id"),
        ({"institution_code": "NOWHERE"}, "institution_unknown", "institution_code"),
        ({"institution_code": "V-CLINIC"}, "institution_kind", "kind"),
        ({"date": date(2019, 3, 1)}, "not_enrolled", "date"),
    ],
)
def test_refusals_name_the_field_and_write_nothing(
    db_engine: Engine, county: County, change: dict[str, object], code: str, field: str
) -> None:
    before = _counts(db_engine)
    sub = inpatient(county.poor_id).model_copy(update=change)
    with session_scope(db_engine, write_lock=True) as s, pytest.raises(SettlementError) as info:
        submit(s, sub, user="clerk")
    assert (info.value.code, info.value.field) == (code, field)
    assert _counts(db_engine) == before


def test_unknown_item_code_names_the_line(db_engine: Engine, county: County) -> None:
    sub = inpatient(county.poor_id)
    sub.items[2].code = "NO-SUCH-DRUG"
    with session_scope(db_engine, write_lock=True) as s, pytest.raises(SettlementError) as info:
        submit(s, sub, user="clerk")
    assert (info.value.code, info.value.field) == ("item_unknown", "items[2].code")


def test_unenrolled_and_unknown_person(db_engine: Engine, county: County) -> None:
    with session_scope(db_engine) as s, pytest.raises(SettlementError) as info:
        preview(s, inpatient(county.unenrolled_id))
    assert info.value.code == "not_enrolled"
    with session_scope(db_engine) as s, pytest.raises(SettlementError) as info:
        preview(s, inpatient("11010519491231002X"))
    assert (info.value.code, info.value.status) == ("person_unknown", 404)


def test_accumulators_carry_over_and_refund_rebuilds_them(
    db_engine: Engine, county: County
) -> None:
    big = inpatient(
        county.ordinary_id, date(2017, 2, 1), items=[{"code": "BED", "amount": "150000.00"}]
    )
    with session_scope(db_engine, write_lock=True) as s:
        first = submit(s, big, user="clerk")
    with session_scope(db_engine, write_lock=True) as s:
        second = submit(s, inpatient(county.ordinary_id, date(2017, 5, 1)), user="clerk")
    cp = compiled_in_force("340421100201", date(2017, 5, 1))
    with session_scope(db_engine) as s:
        second_entry = s.get(Settlement, second.settlement_id)
        assert second_entry is not None
        alone = settle_one(cp, facts_of(second_entry), Accumulators.empty(cp))
    # critical illness insurance's threshold is met only thanks to the first claim
    assert second.paid_fen > alone.paid_fen

    with session_scope(db_engine, write_lock=True) as s:
        reversal = refund(s, first.settlement_id or 0, user="clerk", reason="billing error")
    assert reversal.entry_kind == "reversal"
    assert reversal.paid_fen == -first.paid_fen
    assert [x.paid_fen for x in reversal.layers] == [-x.paid_fen for x in first.layers]
    # after the refund the year's accumulators are those of the second claim alone
    assert reversal.accumulators == alone.accumulators.as_dict(cp)
    with session_scope(db_engine, write_lock=True) as s, pytest.raises(SettlementError) as info:
        refund(s, first.settlement_id or 0, user="clerk", reason="again")
    assert info.value.code == "already_refunded"
    assert _counts(db_engine)["settlement"] == 3  # two settlements and one reversal


def test_a_batch_hashes_each_submission_once_and_a_changed_one_again() -> None:
    """Within a batch (``hashes_kept``) a submission's fingerprint is computed once, however
    many times the gates, the settlement and the answer ask; outside, every call computes
    it, so a submission changed between two batches gets its new fingerprint."""
    from unittest.mock import patch

    from safetynet.settlement.service import hashes_kept, request_hash
    from safetynet.settlement.submission import ClaimSubmission

    sub = ClaimSubmission.model_validate({
        "resident_id": "341821197201010026", "institution_code": "H1", "kind": "outpatient",
        "date": "2017-03-04", "items": [{"code": "S0001", "quantity": 1, "amount": "6.00"}],
    })  # fmt: skip
    other = sub.model_copy(update={"institution_code": "H2"})
    dumps = 0
    real = ClaimSubmission.model_dump_json

    def counted(self: ClaimSubmission, **kw: object) -> str:
        nonlocal dumps
        dumps += 1
        return real(self, **kw)  # type: ignore[arg-type]

    with patch.object(ClaimSubmission, "model_dump_json", counted):
        first = request_hash(sub)
        with hashes_kept():
            with hashes_kept():  # nested: the outer one holds
                assert request_hash(sub) == first
            assert [request_hash(sub) for _ in range(3)] == [first] * 3
            assert request_hash(other) != first
        assert dumps == 3  # before, once in the batch, the other submission
        sub.items[0].quantity = 2  # changed after its batch: hashed anew
        assert request_hash(sub) != first and dumps == 4
