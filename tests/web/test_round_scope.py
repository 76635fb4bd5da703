"""Payment rounds and re-assistance rounds outside the user's region, over HTTP on both
databases: every route of a round (its page, its steps, its downloads) answers a round of
a region beside the user's — another county's, a county of another city, for a county's
and for a city's user — with 404, the same answer as for no round at all (as persons,
settlements and warnings outside the region), and never lists it; inside the region the
same routes answer. A city user drafts no re-assistance round (rounds are a county's),
whatever region its form names."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from safetynet.codes import RegionLevel
from safetynet.funds.posting import post_year
from safetynet.security.users import create_user
from safetynet.store.db import session_scope
from safetynet.store.models import PaymentBatch, ReassistanceRound, Region
from safetynet.store.models.security import Role, User
from safetynet.synth.demo import DEMO_PASSWORD
from tests.web.conftest import YEAR, csrf_of

Login = Callable[..., TestClient]
OUTSIDERS = ("bureau-next", "bureau-far", "bureau-far-city")


@pytest.fixture(scope="module", autouse=True)
def regions(web_engine: Engine) -> dict[str, str]:
    """A county beside the demo county (under its parent), another city with a county, a
    bureau user in each; the demo county's code."""
    with session_scope(web_engine) as s:
        post_year(s, YEAR, user="test")
        county = s.scalar(select(User.region_code).where(User.username == "bureau"))
        assert county
        parent = s.scalar(select(Region.parent_code).where(Region.code == county))
        s.add(Region(code="359900", name="外市", level=RegionLevel.CITY))
        s.add(Region(code="999901", name="邻县", level=RegionLevel.COUNTY, parent_code=parent))
        s.flush()
        s.add(Region(code="359901", name="外市县", level=RegionLevel.COUNTY, parent_code="359900"))
        s.flush()
        for name, region in (("bureau-next", "999901"), ("bureau-far", "359901"),
                             ("bureau-far-city", "359900")):  # fmt: skip
            create_user(s, username=name, password=DEMO_PASSWORD, role=Role.BUREAU,
                        region_code=region, locale="en")  # fmt: skip
    return {"county": county}


def _post(client: TestClient, url: str, **data: object):  # type: ignore[no-untyped-def]
    page = client.get("/funds/payments")
    return client.post(url, data={"csrf_token": csrf_of(page.text), **data})


def _payment_routes(client: TestClient, url: str) -> list:  # type: ignore[type-arg]
    return [client.get(url), client.get(f"{url}/bank.csv"), _post(client, f"{url}/approve"),
            _post(client, f"{url}/release", on=f"{YEAR}-12-31")]  # fmt: skip


def test_a_payment_round_of_another_region_is_404_on_every_route(
    login: Login, web_engine: Engine
) -> None:
    made = _post(login("bureau", "en"), "/funds/payments", year=YEAR, month=4)
    assert made.status_code == 303, made.text[:300]
    mine = made.headers["location"]
    with session_scope(web_engine) as s:
        far = PaymentBatch(year=YEAR, month=5, state="draft", made_by="someone", total_fen=0,
                           payer_region="359901")  # fmt: skip
        s.add(far)
        s.flush()
        theirs = f"/funds/payments/{far.id}"
    for name in OUTSIDERS:
        client = login(name, "en")
        assert f'href="{mine}"' not in client.get(f"/funds/payments?year={YEAR}").text
        for r in _payment_routes(client, mine):
            assert r.status_code == 404, (name, r.status_code, r.text[:200])
            assert "no such payment round" in r.text
    for name in ("bureau", "admin", "bureau-next"):  # a round of a county beside theirs
        for r in _payment_routes(login(name, "en"), theirs):
            assert r.status_code == 404, (name, r.status_code, r.text[:200])
    unknown = login("bureau", "en").get("/funds/payments/99999999")
    assert unknown.status_code == 404 and "no such payment round" in unknown.text  # the same
    # inside the region: the round's county and the city above it read and work it
    assert login("admin", "en").get(mine).status_code == 200
    for name in ("bureau-far", "bureau-far-city"):
        assert login(name, "en").get(theirs).status_code == 200
    approved = _post(login("bureau-far-city", "en"), f"{theirs}/approve")
    assert approved.status_code == 303 and "error" not in approved.headers["location"]
    refused = login("bureau-far", "zh_Hans").get(mine)
    assert refused.status_code == 404 and "支付轮次" in refused.text
    with session_scope(web_engine) as s:
        state = s.scalar(select(PaymentBatch.state).where(
            PaymentBatch.id == int(mine.rsplit("/", 1)[1])))  # fmt: skip
        assert state == "draft"  # nobody outside touched it


RBASE = "/warnings/rounds"


def _rpost(client: TestClient, url: str, **data: object):  # type: ignore[no-untyped-def]
    page = client.get(f"{RBASE}?year={YEAR}")
    return client.post(url, data={"csrf_token": csrf_of(page.text), **data})


def test_a_reassistance_round_of_another_region_is_404_on_every_route(
    login: Login, web_engine: Engine, regions: dict[str, str]
) -> None:
    made = _rpost(login("bureau", "en"), RBASE, year=YEAR, budget="")
    assert made.status_code == 303 and "error" not in made.headers["location"], made.headers
    url = made.headers["location"]
    for name in OUTSIDERS:
        client = login(name, "en")
        assert f'href="{url}"' not in client.get(f"{RBASE}?year={YEAR}").text
        for r in (client.get(url), client.get(f"{url}/round.xlsx"),
                  client.get(f"{url}/round.pdf"), _rpost(client, f"{url}/approve"),
                  _rpost(client, f"{url}/pay", on=f"{YEAR}-12-31"),
                  _rpost(client, f"{url}/cancel", reason="x")):  # fmt: skip
            assert r.status_code == 404, (name, r.status_code, r.text[:200])
            assert "no such re-assistance round in your region" in r.text
    unknown = login("bureau", "en").get(f"{RBASE}/99999999")
    assert unknown.status_code == 404 and "no such re-assistance round" in unknown.text
    admin = login("admin", "en")  # the round's county: reads and works it
    assert admin.get(url).status_code == 200
    assert admin.get(f"{url}/round.xlsx").status_code == 200
    with session_scope(web_engine) as s:
        found = s.get(ReassistanceRound, int(url.rsplit("/", 1)[1]))
        assert found is not None and found.state == "draft"


def test_a_city_user_drafts_no_round_of_a_county_it_does_not_have(
    login: Login, web_engine: Engine, regions: dict[str, str]
) -> None:
    """The draft's region is the user's own, never the form's: a city user (whose region
    spans counties) is refused (``round.no_county``) even naming a county, its own or
    another city's, and nothing is drafted."""
    with session_scope(web_engine) as s:
        before = s.scalar(select(func.count(ReassistanceRound.id)))
    city = login("bureau-far-city", "en")
    for region in ("", regions["county"], "359901"):
        r = _rpost(city, RBASE, year=YEAR, budget="", region=region,
                   region_code=region)  # fmt: skip
        assert r.status_code == 303 and r.headers["location"].endswith("error=round.no_county")
    with session_scope(web_engine) as s:
        assert s.scalar(select(func.count(ReassistanceRound.id))) == before


def test_round_actions_check_the_rounds_county_against_the_users_region(
    login: Login, web_engine: Engine, regions: dict[str, str]
) -> None:
    """The city above the round's county reads, exports and approves it; the service refuses
    a step by a user of another county or city even when called past the page; a township of
    the county reads it but takes no step (403 below the county)."""
    from datetime import date

    from safetynet.early_warning.rounds import RoundError, approve_round, pay_round

    with session_scope(web_engine) as s:
        city = s.scalar(select(Region.parent_code).where(Region.code == regions["county"]))
        assert city and s.get(Region, city).level == RegionLevel.CITY  # type: ignore[union-attr]
        if not s.scalar(select(User.id).where(User.username == "bureau-city-own")):
            create_user(s, username="bureau-city-own", password=DEMO_PASSWORD, role=Role.BUREAU,
                        region_code=city, locale="en")  # fmt: skip
    made = _rpost(login("bureau", "en"), RBASE, year=YEAR, budget="")
    url = made.headers["location"]
    round_id = int(url.rsplit("/", 1)[1])
    for region in ("359900", "359901", "999901"):  # another city, its county, a neighbour
        for step in (approve_round, pay_round):
            with session_scope(web_engine) as s, pytest.raises(RoundError) as refused:
                step(s, round_id, user="x", on=date(YEAR, 12, 31), region_code=region)
            assert refused.value.code == "round.other_county", (region, step)
    township = login("township", "en")
    assert township.get(url).status_code == 200  # its own households, read-only
    assert _rpost(township, f"{url}/approve").status_code == 403
    above = login("bureau-city-own", "en")
    assert above.get(url).status_code == 200
    assert above.get(f"{url}/round.pdf").status_code == 200
    approved = _rpost(above, f"{url}/approve")
    assert approved.status_code == 303 and "error" not in approved.headers["location"]
    with session_scope(web_engine) as s:
        found = s.get(ReassistanceRound, round_id)
        assert found is not None and found.state == "approved"


def test_a_round_of_every_countys_money_is_worked_by_a_region_holding_them_all(
    login: Login, web_engine: Engine, regions: dict[str, str]
) -> None:
    """A round of every county's money (drafted above the county) pays the counties its
    lines name: the city holding them reads and approves it; another city's user is refused
    (403 ``payments_region`` on the page, the bank file and the steps, the sentence in
    Chinese; not listed; the service refuses the step too) and drafts no such round
    (``payments_region``, nothing written), while the city holding them drafts it."""
    from safetynet.funds.payments import PaymentError, approve, make_round
    from safetynet.funds.rules import default_rules
    from safetynet.store.models import Payment

    with session_scope(web_engine) as s:
        city = s.scalar(select(Region.parent_code).where(Region.code == regions["county"]))
        if not s.scalar(select(User.id).where(User.username == "bureau-city-own")):
            create_user(s, username="bureau-city-own", password=DEMO_PASSWORD, role=Role.BUREAU,
                        region_code=city, locale="en")  # fmt: skip
        every = make_round(s, default_rules(), YEAR, 8, user="someone")
        payers = set(s.scalars(select(Payment.payer_region).where(Payment.batch_id == every.id)))
        url = f"/funds/payments/{every.id}"
    assert payers and all(p.startswith(regions["county"][:6]) for p in payers)
    far = login("bureau-far-city", "en")
    assert f'href="{url}"' not in far.get(f"/funds/payments?year={YEAR}").text
    for r in _payment_routes(far, url):
        assert r.status_code == 403, r.text[:200]
        assert "outside your region" in r.text
    refused = login("bureau-far-city", "zh_Hans").get(url)
    assert refused.status_code == 403 and "辖区以外" in refused.text
    with session_scope(web_engine) as s, pytest.raises(PaymentError) as step:
        approve(s, every.id, user="x", region_code="359900")
    assert step.value.code == "payments_region"
    own = login("bureau-city-own", "en")
    assert f'href="{url}"' in own.get(f"/funds/payments?year={YEAR}").text
    assert own.get(url).status_code == 200
    approved = _post(own, f"{url}/approve")
    assert approved.status_code == 303 and "error" not in approved.headers["location"]
    with session_scope(web_engine) as s:
        before = s.scalar(select(func.count(PaymentBatch.id)).where(PaymentBatch.month == 9))
    drafted = _post(far, "/funds/payments", year=YEAR, month=9)
    assert drafted.status_code == 303
    assert drafted.headers["location"].endswith("error=payments_region")
    with session_scope(web_engine) as s:
        after = s.scalar(select(func.count(PaymentBatch.id)).where(PaymentBatch.month == 9))
    assert after == before
    mine = _post(own, "/funds/payments", year=YEAR, month=9)
    assert mine.status_code == 303 and "error" not in mine.headers["location"], mine.headers


def test_the_rounds_a_region_may_work_are_found_in_two_queries_however_many(
    web_engine: Engine, regions: dict[str, str]
) -> None:
    """The payment page's list: ``workable_rounds`` keeps exactly the rounds
    ``may_work_round`` lets each region work (rounds of every county's money, of the county,
    of a county elsewhere), in their order, with at most two queries for the whole list
    (not two a round)."""
    from sqlalchemy import event

    from safetynet.funds.batches import rounds_of
    from safetynet.funds.payments import make_round, may_work_round, workable_rounds
    from safetynet.funds.rules import default_rules

    with session_scope(web_engine) as s:
        city = s.scalar(select(Region.parent_code).where(Region.code == regions["county"]))
        assert city
        for month in (10, 11):  # every county's money, paying the demo county's lines
            make_round(s, default_rules(), YEAR, month, user="someone")
        s.add(PaymentBatch(year=YEAR, month=12, state="draft", made_by="someone", total_fen=0,
                           payer_region="359901"))  # fmt: skip
        s.flush()
        rounds = rounds_of(s, YEAR)
        assert len(rounds) >= 3
        statements: list[str] = []

        def count(*args: object) -> None:
            statements.append(str(args[2]))

        for region in (regions["county"], city, "359900", "359901", "999901"):
            want = [b.id for b in rounds if may_work_round(s, b, region)]
            statements.clear()
            event.listen(web_engine, "before_cursor_execute", count)
            try:
                got = [b.id for b in workable_rounds(s, rounds, region)]
            finally:
                event.remove(web_engine, "before_cursor_execute", count)
            assert got == want, region
            assert len(statements) <= 2, (region, statements)
        assert [b.id for b in workable_rounds(s, rounds, city)] != []
        s.rollback()
