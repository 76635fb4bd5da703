"""Payment rounds of institutions on the web, over HTTP: make from the month's statements,
approve (not the maker), release (not the approver; posted once), the bank's file; refusals
shown in the user's language; bureau and admin only, county level only, CSRF checked, every
step and view audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine, func, select

from safetynet.funds.posting import post_year
from safetynet.store.db import session_scope
from safetynet.store.models import FundEntry, PaymentBatch
from safetynet.store.models.security import AuditEvent
from tests.web.conftest import csrf_of

YEAR = 2017


@pytest.fixture(scope="module", autouse=True)
def posted(web_engine: Engine) -> None:
    with session_scope(web_engine) as s:
        post_year(s, YEAR, user="test")


def _post(client, url: str, **data: object):  # type: ignore[no-untyped-def]
    page = client.get("/funds/payments?year=2017")
    return client.post(url, data={"csrf_token": csrf_of(page.text), **data})


def test_a_round_made_approved_released_and_its_bank_file(login, web_engine: Engine) -> None:
    bureau, admin = login("bureau", "en"), login("admin", "en")
    listed = bureau.get(f"/funds/payments?year={YEAR}")
    assert listed.status_code == 200 and 'id="make-round"' in listed.text
    made = _post(bureau, "/funds/payments", year=YEAR, month=3)
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    batch_id = int(url.rsplit("/", 1)[1])
    page = bureau.get(url)
    assert page.status_code == 200 and 'id="round-payments"' in page.text
    assert "draft" in page.text and 'id="round-approve"' in page.text
    # the maker may not approve it: back to the round with the sentence
    own = _post(bureau, f"{url}/approve")
    assert own.status_code == 303 and own.headers["location"].endswith("error=maker_approves")
    shown = bureau.get(own.headers["location"])
    assert "approved by someone other than who made it" in shown.text
    assert _post(admin, f"{url}/approve").headers["location"] == url
    # a date out of every room's bounds is a 422 naming the field; a day before the month
    # the round pays is refused with the sentence; nothing is released
    for far in ("9999-12-31", "1999-12-31"):
        bad = _post(bureau, f"{url}/release", on=far)
        assert bad.status_code == 422 and "on" in bad.text, bad.text
    early = _post(bureau, f"{url}/release", on="2017-02-28")
    assert early.headers["location"].endswith("error=paid_before_month")
    assert "cannot be paid before the month it pays" in bureau.get(early.headers["location"]).text
    # the approver may not release it; the maker may
    same = _post(admin, f"{url}/release", on="2017-04-10")
    assert same.headers["location"].endswith("error=approver_releases")
    assert _post(bureau, f"{url}/release", on="2017-04-10").headers["location"] == url
    again = _post(bureau, f"{url}/release", on="2017-04-11")
    assert again.headers["location"].endswith("error=released")
    bank = bureau.get(f"{url}/bank.csv")
    assert bank.status_code == 200 and bank.text.startswith('"reference","institution_code"')
    assert len(bank.text.strip().splitlines()) > 1
    with session_scope(web_engine) as s:
        batch = s.get(PaymentBatch, batch_id)
        assert batch is not None and batch.state == "released"
        posted = s.scalar(
            select(func.count()).where(FundEntry.reference == f"payment:batch:{batch_id}")
        )
        assert posted == 1
        steps = s.execute(
            select(AuditEvent.action, AuditEvent.username).where(
                AuditEvent.target == "payment_batch", AuditEvent.target_id == str(batch_id)
            )
        ).all()
        wanted = {("payment_batch.make", "bureau"), ("payment_batch.approve", "admin"),
                  ("payment_batch.release", "bureau"), ("export", "bureau")}  # fmt: skip
        assert wanted <= set(steps)
    # a second round of the same month is refused
    dup = _post(bureau, "/funds/payments", year=YEAR, month=3)
    assert dup.headers["location"].endswith("error=round_exists")


def test_chinese_page_and_refusals(login) -> None:
    client = login("bureau", "zh_Hans")
    page = client.get(f"/funds/payments?year={YEAR}")
    assert page.status_code == 200 and "支付轮次" in page.text
    assert not re.search(r">\s*(draft|approved|released)\s*<", page.text)
    assert client.post("/funds/payments", data={"year": YEAR, "month": 4}).status_code == 403
    assert client.get("/funds/payments/999999").status_code == 404
    assert client.get("/funds/payments/99999999999").status_code in (404, 422)
    bad = _post(client, "/funds/payments", year=YEAR, month=13)
    assert bad.status_code == 422


def test_other_roles_and_townships_are_refused(login) -> None:
    assert login("clerk").get("/funds/payments").status_code == 403
    assert login("analyst").get("/funds/payments").status_code == 403
    assert login("township", "en").get("/funds/payments").status_code == 403
    auditor = login("auditor")
    assert auditor.get("/funds/payments").status_code == 403


def test_a_county_round_is_its_countys_only(login, web_engine: Engine) -> None:
    """A county user's round pays their county's money (its payer region); a user of another
    county neither lists nor opens nor approves it (404)."""
    from safetynet.codes import RegionLevel
    from safetynet.security.users import create_user
    from safetynet.store.models import Region, User
    from safetynet.store.models.security import Role
    from safetynet.synth.demo import DEMO_PASSWORD

    bureau = login("bureau", "en")
    made = _post(bureau, "/funds/payments", year=YEAR, month=5)
    assert made.status_code == 303 and "error" not in made.headers["location"]
    url = made.headers["location"]
    batch_id = int(url.rsplit("/", 1)[1])
    with session_scope(web_engine) as s:
        home = s.scalar(select(User.region_code).where(User.username == "bureau"))
        batch = s.get(PaymentBatch, batch_id)
        assert home and batch is not None and batch.payer_region == home[:6]
        s.add(Region(code="349999", name="他县", level=RegionLevel.COUNTY, parent_code=None))
        s.flush()
        create_user(s, username="bureau-other", password=DEMO_PASSWORD, role=Role.BUREAU,
                    region_code="349999", locale="en")  # fmt: skip
    other = login("bureau-other", "en")
    assert f"/funds/payments/{batch_id}" not in other.get(f"/funds/payments?year={YEAR}").text
    assert other.get(url).status_code == 404
    assert _post(other, f"{url}/approve").status_code == 404


def test_a_round_above_the_county_is_worked_above_it(login, web_engine: Engine) -> None:
    """A round whose payer is above the county (every county's money, or a city's) is read,
    approved, released and downloaded only by a user above the county: a county's bureau in
    it gets 403 ``payments_county`` (the sentence in Chinese) and does not list it."""
    from safetynet.codes import RegionLevel
    from safetynet.funds.payments import payer_above_county
    from safetynet.security.users import create_user
    from safetynet.store.models import Region
    from safetynet.store.models.security import Role
    from safetynet.synth.demo import DEMO_PASSWORD

    assert payer_above_county(None) and payer_above_county("349900")
    assert payer_above_county("340000000000") and not payer_above_county("341821")
    assert not payer_above_county("341821000000")
    with session_scope(web_engine) as s:
        s.add(Region(code="349900", name="市", level=RegionLevel.CITY))
        s.flush()
        s.add(Region(code="349901", name="市辖县", level=RegionLevel.COUNTY, parent_code="349900"))
        s.flush()
        for name, region in (("bureau-city", "349900"), ("bureau-c2", "349901")):
            create_user(s, username=name, password=DEMO_PASSWORD, role=Role.BUREAU,
                        region_code=region, locale="en")  # fmt: skip
        batches = []
        for month, payer in ((11, None), (12, "349900")):
            batch = PaymentBatch(year=YEAR, month=month, state="draft", made_by="someone",
                                 total_fen=0, payer_region=payer)  # fmt: skip
            s.add(batch)
            s.flush()
            batches.append(batch.id)
    county, above = login("bureau-c2", "en"), login("bureau-city", "en")
    listed = county.get(f"/funds/payments?year={YEAR}").text
    for batch_id in batches:
        url = f"/funds/payments/{batch_id}"
        assert (
            f'href="{url}"' not in listed
            and f'href="{url}"' in above.get(f"/funds/payments?year={YEAR}").text
        )
        for r in (county.get(url), county.get(f"{url}/bank.csv"), _post(county, f"{url}/approve"),
                  _post(county, f"{url}/release", on=f"{YEAR}-12-31")):  # fmt: skip
            assert r.status_code == 403, r.text[:200]
            assert "worked above the county" in r.text  # payments_county's sentence
        assert above.get(url).status_code == 200
        approved = _post(above, f"{url}/approve")
        assert approved.status_code == 303 and "error" not in approved.headers["location"]
    demo = login("bureau", "en")  # the demo county (not in the city): every county's round
    assert demo.get(f"/funds/payments/{batches[0]}").status_code == 403
    assert demo.get(f"/funds/payments/{batches[1]}").status_code == 404  # another city's
    refused = login("bureau-c2", "zh_Hans").get(f"/funds/payments/{batches[0]}")
    assert refused.status_code == 403 and "支付轮次" in refused.text
    with session_scope(web_engine) as s:
        states = s.scalars(select(PaymentBatch.state).where(PaymentBatch.id.in_(batches)))
        assert set(states) == {"approved"}  # by the user above the county, nobody else


def test_a_future_or_empty_month_is_refused_with_the_sentence(login) -> None:
    from safetynet.clock import local_today

    today = local_today()
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    client = login("bureau", "zh_Hans")
    future = _post(client, "/funds/payments", year=year, month=month)
    assert future.status_code == 303 and future.headers["location"].endswith("error=round_future")
    shown = client.get(future.headers["location"])
    assert "尚未开始" in shown.text and "has not begun" not in shown.text
    empty = _post(client, "/funds/payments", year=today.year, month=today.month)
    assert empty.headers["location"].endswith("error=round_empty")
    assert "没有应付" in client.get(empty.headers["location"]).text
    # the form offers the months begun only; a year not begun has no form at all
    page = client.get(f"/funds/payments?year={YEAR}")
    assert page.text.count("<option>", page.text.index('id="make-round"')) == 12
    later = client.get(f"/funds/payments?year={today.year + 1}")
    assert 'id="make-round"' not in later.text and 'id="no-round-month"' in later.text
