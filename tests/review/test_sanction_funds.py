"""Sanction recoveries reach the fund journal once each (an institution's offset against what
it is owed, a person's as cash received) and a cancelled sanction reverses them; balances
stay the journal's sums (both databases)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from safetynet.funds.journal import balances, owed_to_institutions
from safetynet.funds.rules import default_rules
from safetynet.funds.statements import statements
from safetynet.review import sanctions
from safetynet.review.errors import ReviewError
from safetynet.store.db import session_scope
from safetynet.store.models import (
    AuditEvent,
    FundEntry,
    FundLine,
    Person,
    SanctionCase,
    SanctionRecovery,
)
from tests.funds.checks import assert_invariants, unbalanced_entries
from tests.review.conftest import settle
from tests.settlement.conftest import County

RULES = default_rules()
FUND = RULES.deductions_fund
MAY, JUNE = date(2017, 5, 2), date(2017, 6, 9)


def _kinds(engine: Engine) -> list[str]:
    with session_scope(engine) as s:
        refs = select(FundEntry.kind).where(FundEntry.reference.like("%sanction-%"))
        return list(s.scalars(refs.order_by(FundEntry.id)))


def _recoveries(engine: Engine, institution: str | None) -> int:
    with session_scope(engine) as s:
        q = select(func.coalesce(func.sum(FundLine.amount_fen), 0)).where(
            FundLine.account == "recoveries", FundLine.fund == FUND
        )
        q = q.where(
            FundLine.institution_code == institution
            if institution
            else FundLine.institution_code.is_(None)
        )
        return -int(s.scalar(q) or 0)


def _open(engine: Engine, **party: object) -> int:
    with session_scope(engine) as s:
        case = sanctions.open_case(
            s, article=38, finding="bed days billed twice", loss_fen=200_00, fine_multiple="1",
            by="inspector", today=MAY, **party,  # type: ignore[arg-type]
        )  # fmt: skip
        return case.id


def _recover(engine: Engine, case_id: int, amount: int, on: date) -> None:
    with session_scope(engine) as s:
        sanctions.record_recovery(s, case_id, amount_fen=amount, by="inspector", received_on=on)


def test_an_institutions_recoveries_lower_what_it_is_owed_and_a_cancel_gives_them_back(
    db_engine: Engine, county: County
) -> None:
    settle(db_engine, county.ordinary_id)  # H-COUNTY advanced the claim at the window
    with session_scope(db_engine) as s:
        owed_before = owed_to_institutions(s)["H-COUNTY"]
    case_id = _open(db_engine, institution_code="H-COUNTY")
    _recover(db_engine, case_id, 150_00, MAY)
    _recover(db_engine, case_id, 50_00, JUNE)
    assert _kinds(db_engine) == ["recovery", "recovery"]
    assert _recoveries(db_engine, "H-COUNTY") == 200_00
    with session_scope(db_engine) as s:
        assert owed_to_institutions(s)["H-COUNTY"] == owed_before - 200_00
        assert_invariants(s, RULES, {"H-COUNTY": 200_00})
        recovered = {
            r.month: r.recovered
            for r in statements(s, 2017, RULES.payments.quality_deposit.share_bp)
            if r.institution_code == "H-COUNTY" and r.fund == FUND
        }
        assert (recovered[5], recovered[6]) == (150_00, 50_00)
        case = s.get(SanctionCase, case_id)
        assert case is not None
        recs = list(s.scalars(select(SanctionRecovery)))
        sanctions._post(s, case, recs, "recovery", None, "again")  # posted once: nothing new
    assert _kinds(db_engine) == ["recovery", "recovery"]

    with session_scope(db_engine) as s:
        sanctions.cancel_case(s, case_id, by="bureau", on=date(2017, 7, 1), reason="overturned")
    assert _kinds(db_engine) == ["recovery", "recovery", "recovery_undo", "recovery_undo"]
    assert _recoveries(db_engine, "H-COUNTY") == 0
    with session_scope(db_engine) as s:
        assert owed_to_institutions(s)["H-COUNTY"] == owed_before
        assert_invariants(s, RULES, {})
        [row] = sanctions.case_rows(s)
        assert (row.state, row.outstanding_fen, row.recovered_fen) == ("cancelled", 0, 200_00)
        for again in (
            lambda: sanctions.cancel_case(s, case_id, by="bureau", on=JUNE, reason="x"),
            lambda: sanctions.record_recovery(s, case_id, amount_fen=1, by="i", received_on=JUNE),
        ):
            with pytest.raises(ReviewError) as refused:
                again()
            assert refused.value.code == "sanction_cancelled"
    assert _kinds(db_engine) == ["recovery", "recovery", "recovery_undo", "recovery_undo"]


def test_a_persons_recovery_cancelled_is_owed_back_then_refunded_once(
    db_engine: Engine, county: County
) -> None:
    with session_scope(db_engine) as s:
        person_id = s.scalar(select(Person.id).where(Person.resident_id == county.ordinary_id))
    case_id = _open(db_engine, person_id=person_id)
    _recover(db_engine, case_id, 80_00, MAY)
    assert _recoveries(db_engine, None) == 80_00
    with session_scope(db_engine) as s:
        assert balances(s, year=2017)[(FUND, "cash")] == 80_00
        assert unbalanced_entries(s) == []
        with pytest.raises(ReviewError) as early:
            sanctions.refund_case(s, case_id, by="bureau", on=JUNE)
        assert early.value.code == "sanction_not_cancelled"
    with session_scope(db_engine) as s:
        sanctions.cancel_case(s, case_id, by="bureau", on=JUNE, reason="wrong person")
    assert _kinds(db_engine) == ["recovery", "recovery_undo"]
    assert _recoveries(db_engine, None) == 0
    with session_scope(db_engine) as s:
        b = balances(s, year=2017)
        # the cash is still the fund's; the journal records what it owes the person back
        assert (b[(FUND, "cash")], b[(FUND, "refund_payable")]) == (80_00, -80_00)
        assert sanctions.refund_due_fen(s, case_id) == 80_00
        [row] = [r for r in sanctions.case_rows(s) if r.id == case_id]
        assert row.refund_due_fen == 80_00
    with session_scope(db_engine) as s:
        assert sanctions.refund_case(s, case_id, by="bureau", on=date(2017, 6, 20)) == 80_00
    with session_scope(db_engine) as s:  # idempotent: a second refund pays nothing
        assert sanctions.refund_case(s, case_id, by="bureau", on=date(2017, 6, 21)) == 0
    assert _kinds(db_engine) == ["recovery", "recovery_undo", "refund"]
    with session_scope(db_engine) as s:
        b = balances(s, year=2017)
        assert b.get((FUND, "cash"), 0) == 0 and b.get((FUND, "refund_payable"), 0) == 0
        assert sanctions.refund_due_fen(s, case_id) == 0
        assert unbalanced_entries(s) == []
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.action == "sanction.refund"))
        assert list(actions) == ["sanction.refund"]


def test_an_institutions_case_is_not_refunded_by_hand(db_engine: Engine, county: County) -> None:
    """An institution's cancelled recoveries are owed back through its payment round."""
    case_id = _open(db_engine, institution_code="H-COUNTY")
    _recover(db_engine, case_id, 50_00, MAY)
    with session_scope(db_engine) as s:
        sanctions.cancel_case(s, case_id, by="bureau", on=JUNE, reason="overturned")
    with pytest.raises(ReviewError) as refused, session_scope(db_engine) as s:
        sanctions.refund_case(s, case_id, by="bureau", on=JUNE)
    assert refused.value.code == "refund_institution"
    with pytest.raises(ReviewError) as unknown, session_scope(db_engine) as s:
        sanctions.refund_case(s, 999_999, by="bureau", on=JUNE)
    assert unknown.value.code == "sanction_unknown"


def test_a_recovery_on_a_reviewed_claim_goes_back_to_the_claims_county(
    db_engine: Engine, county: County
) -> None:
    """A hospital of county A fined for the claim of a county-B resident: county B's fund
    paid the claim, so what is recovered (and its undo) is B's money, as the claim's review
    deductions are; a case naming no claim stays the hospital's county's (A)."""
    from safetynet.review import cases
    from safetynet.store.models import Claim
    from tests.funds.test_payer_region import A, B, _two_counties

    _two_counties(db_engine, county)
    with session_scope(db_engine) as s:
        claim_id = s.scalar(
            select(Claim.id).join(Person, Person.id == Claim.person_id)
            .where(Person.resident_id == county.ordinary_id)
        )  # fmt: skip
        assert claim_id is not None
        review_id = cases.open_case(s, claim_id).id
    on_claim = _open(db_engine, institution_code="H-COUNTY", review_case_id=review_id)
    plain = _open(db_engine, institution_code="H-COUNTY")
    _recover(db_engine, on_claim, 120_00, MAY)
    _recover(db_engine, plain, 30_00, MAY)

    def by_county() -> dict[str | None, int]:
        with session_scope(db_engine) as s:
            rows = s.execute(
                select(FundLine.payer_region, func.sum(FundLine.amount_fen))
                .where(FundLine.account == "recoveries", FundLine.fund == FUND)
                .group_by(FundLine.payer_region)
            ).all()
        return {p: -int(v) for p, v in rows if v}

    assert by_county() == {B: 120_00, None: 30_00}  # None: the hospital's county, A
    with session_scope(db_engine) as s:
        recovered = {
            r.payer_region: r.recovered
            for r in statements(s, 2017, RULES.payments.quality_deposit.share_bp, "H-COUNTY")
            if r.month == 5 and r.recovered
        }
    assert recovered == {B: 120_00, A: 30_00}
    with session_scope(db_engine) as s:
        sanctions.cancel_case(s, on_claim, by="bureau", on=JUNE, reason="overturned")
    assert by_county() == {None: 30_00}  # B's undo is B's too: nothing left in B


def test_a_case_names_a_review_case_of_its_own_party(db_engine: Engine, county: County) -> None:
    """The review case a sanction names decides whose county its recoveries go back to, so
    it must exist and be of the sanctioned institution or person: nothing is opened else."""
    from safetynet.review import cases

    claim_id, _ = settle(db_engine, county.ordinary_id)  # at H-COUNTY
    with session_scope(db_engine) as s:
        review_id = cases.open_case(s, claim_id).id
        other = s.scalar(select(Person.id).where(Person.resident_id == county.poor_id))
        own = s.scalar(select(Person.id).where(Person.resident_id == county.ordinary_id))
    refused = [
        ({"institution_code": "V-CLINIC", "review_case_id": review_id}, "case_party"),
        ({"person_id": other, "review_case_id": review_id}, "case_party"),
        ({"institution_code": "H-COUNTY", "review_case_id": review_id + 99}, "case_unknown"),
    ]
    for party, code in refused:
        with pytest.raises(ReviewError) as error, session_scope(db_engine) as s:
            _open_in(s, **party)
        assert error.value.code == code, party
    with session_scope(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(SanctionCase)) == 0
        _open_in(s, institution_code="H-COUNTY", review_case_id=review_id)
        _open_in(s, person_id=own, review_case_id=review_id)


def _open_in(s: object, **party: object) -> None:
    sanctions.open_case(
        s, article=38, finding="x", loss_fen=100, fine_multiple="1", by="i", today=MAY,  # type: ignore[arg-type]
        **party,  # type: ignore[arg-type]
    )  # fmt: skip


def test_one_act_is_sanctioned_once_per_party_until_the_case_is_cancelled(
    db_engine: Engine, county: County
) -> None:
    """No second sanction of the same party for the same reviewed claim (Administrative
    Penalty Law art. 29) while the first stands, settled or not, under any article; once
    it is cancelled a new case may be opened; the claim's other party has its own."""
    from safetynet.review import cases

    claim_id, _ = settle(db_engine, county.ordinary_id)  # at H-COUNTY
    with session_scope(db_engine) as s:
        review_id = cases.open_case(s, claim_id).id
        own = s.scalar(select(Person.id).where(Person.resident_id == county.ordinary_id))
        first = sanctions.open_case(
            s, article=38, finding="x", loss_fen=0, fine_multiple="1", by="i", today=MAY,
            institution_code="H-COUNTY", review_case_id=review_id,
        )  # fmt: skip
        assert first.state == "settled"  # nothing to recover: settled, and still standing
        first_id = first.id
    for article, multiple in ((38, "1.5"), (40, "2")):
        with pytest.raises(ReviewError) as error, session_scope(db_engine) as s:
            sanctions.open_case(
                s, article=article, finding="again", loss_fen=100, fine_multiple=multiple,
                by="i", today=MAY, institution_code="H-COUNTY", review_case_id=review_id,
            )  # fmt: skip
        assert (error.value.code, error.value.status) == ("already_sanctioned", 409)
    with session_scope(db_engine) as s:
        _open_in(s, person_id=own, review_case_id=review_id)  # the patient: a case of its own
        _open_in(s, institution_code="H-COUNTY")  # a finding not tied to the reviewed claim
    with pytest.raises(ReviewError) as error, session_scope(db_engine) as s:
        _open_in(s, person_id=own, review_case_id=review_id)
    assert error.value.code == "already_sanctioned"
    with session_scope(db_engine) as s:
        sanctions.cancel_case(s, first_id, by="bureau", on=JUNE, reason="overturned")
    with session_scope(db_engine) as s:
        _open_in(s, institution_code="H-COUNTY", review_case_id=review_id)
        assert s.scalar(select(func.count()).select_from(SanctionCase)) == 4
