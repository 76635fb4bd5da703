"""A person's sanction cancelled after the recovery was paid is refunded from the sanctions
page over HTTP (both databases): the button shows what is owed back, the refund is posted
once to the fund journal and audited, a second request pays nothing; CSRF is checked, a
user whose region does not hold the case gets 404 and a reviewer 403."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from safetynet.store.db import session_scope
from safetynet.store.models import AuditEvent, FundEntry, FundLine, Person, Region, SanctionCase
from tests.web.conftest import csrf_of


def _person_outside_the_first_township(engine: Engine) -> str:
    with session_scope(engine) as s:
        first = s.scalar(
            select(Region.code).where(Region.level == "township").order_by(Region.code)
        )
        resident = s.scalar(
            select(Person.resident_id)
            .where(~Person.region_code.startswith(first or "-"), Person.deceased_on.is_(None))
            .order_by(Person.id)
        )
        assert resident
        return resident


def test_a_cancelled_persons_sanction_is_refunded_once_over_http(login, web_engine: Engine) -> None:
    bureau = login("bureau", "en")
    page = bureau.get("/review/sanctions")
    resident = _person_outside_the_first_township(web_engine)
    r = bureau.post("/review/sanctions", data={
        "csrf_token": csrf_of(page.text), "article": "41", "finding": "card lent to a neighbour",
        "loss": "30.00", "multiple": "2", "resident_id": resident})  # fmt: skip
    assert r.status_code == 303 and "error" not in r.headers["location"], r.headers["location"]
    with session_scope(web_engine) as s:
        case_id = s.scalar(select(func.max(SanctionCase.id)))
    token = csrf_of(page.text)
    r = bureau.post(f"/review/sanctions/{case_id}/recover",
                    data={"csrf_token": token, "amount": "90.00"})  # fmt: skip
    assert r.status_code == 303 and "error" not in r.headers["location"]
    early = bureau.post(f"/review/sanctions/{case_id}/refund", data={"csrf_token": token})
    assert "sanction_not_cancelled" in early.headers["location"]
    assert (
        "Only a cancelled sanction case is refunded." in bureau.get(early.headers["location"]).text
    )
    bureau.post(f"/review/sanctions/{case_id}/cancel",
                data={"csrf_token": token, "reason": "another person's card"})  # fmt: skip
    listed = bureau.get("/review/sanctions").text
    assert (
        f'action="/review/sanctions/{case_id}/refund"' in listed and "Refund 90.00 yuan" in listed
    )

    # CSRF, region and role are checked before anything is paid
    assert bureau.post(f"/review/sanctions/{case_id}/refund", data={}).status_code == 403
    township = login("township", "en")
    outside = township.post(
        f"/review/sanctions/{case_id}/refund",
        data={"csrf_token": csrf_of(township.get("/review/sanctions").text)},
    )
    assert outside.status_code == 404
    reviewer = login("reviewer", "en")
    assert reviewer.post(f"/review/sanctions/{case_id}/refund",
                         data={"csrf_token": token}).status_code == 403  # fmt: skip

    for _ in range(2):  # the second request pays nothing more
        r = bureau.post(f"/review/sanctions/{case_id}/refund", data={"csrf_token": token})
        assert r.status_code == 303 and "error" not in r.headers["location"]
    with session_scope(web_engine) as s:
        refunds = s.scalars(
            select(FundEntry.id).where(FundEntry.reference == f"refund:sanction-case-{case_id}")
        ).all()
        assert len(refunds) == 1
        cash = s.scalar(
            select(func.sum(FundLine.amount_fen)).where(
                FundLine.entry_id == refunds[0], FundLine.account == "cash"
            )
        )
        assert cash == -90_00
        audited = s.scalars(
            select(AuditEvent.target_id).where(AuditEvent.action == "sanction.refund")
        ).all()
        assert audited == [str(case_id)]
    after = bureau.get("/review/sanctions").text
    assert f'action="/review/sanctions/{case_id}/refund"' not in after
