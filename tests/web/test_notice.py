"""The public notice page and its downloads over HTTP: masked everywhere, the ledger's
totals, refunds as negative lines, only regions within the user's, clear 4xx answers."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from safetynet.clock import local_date
from safetynet.money import fmt_yuan
from safetynet.security.users import create_user
from safetynet.store.db import session_scope
from safetynet.store.models import Region, Settlement, User
from safetynet.store.models.security import AuditEvent, Role
from safetynet.synth.demo import DEMO_PASSWORD
from tests.reports.helpers import (
    assert_nothing_unmasked,
    busiest_month,
    ledger_month,
    month_of,
    pdf_text,
    xlsx_cells,
)
from tests.web.conftest import csrf_of

Login = Callable[..., TestClient]


@pytest.fixture(scope="module")
def places(web_engine: Engine) -> dict[str, str]:
    """The county, the 'township' user's township and a village in it with its own user,
    and a village of another township."""
    with session_scope(web_engine) as s:
        township = s.scalar(select(User.region_code).where(User.username == "township"))
        mine = s.scalar(
            select(Region.code).where(Region.parent_code == township).order_by(Region.code)
        )
        other = s.scalar(
            select(Region.code)
            .where(Region.level == "village", Region.parent_code != township)
            .order_by(Region.code)
        )
        assert township and mine and other
        if not s.scalar(select(User.id).where(User.username == "village")):
            create_user(s, username="village", password=DEMO_PASSWORD, role=Role.BUREAU,
                        region_code=mine, locale="en")  # fmt: skip
        county = s.scalar(select(User.region_code).where(User.username == "bureau"))
    assert county
    return {"county": county, "township": township, "village": mine, "other_village": other}


def _month(engine: Engine) -> str:
    year, month = busiest_month(engine)
    return f"{year}-{month:02d}"


def _total_row(html: str) -> list[str]:
    """The cells of the last total row ("Total") on the page."""
    rows = re.findall(r'<tr class="sum"><td>Total</td>(.*?)</tr>', html)
    assert rows, "no total row"
    return re.findall(r"<td[^>]*>([^<]*)</td>", rows[-1])


@pytest.mark.parametrize("place", ["county", "township", "village"])
def test_the_page_is_masked_and_totals_the_ledger(
    login: Login, web_engine: Engine, places: dict[str, str], place: str
) -> None:
    client = login("bureau", "en")
    month = _month(web_engine)
    r = client.get(f"/reports/notice?region={places[place]}&month={month}")
    assert r.status_code == 200
    assert_nothing_unmasked([r.text], web_engine)
    assert re.search(r"\d{4}\*{10}[\dX]{4}", r.text)  # masked IDs are shown
    want = ledger_month(web_engine, places[place], *map(int, month.split("-")))
    cells = _total_row(r.text)
    for key in ("total_fen", "compliant_fen", "paid_fen", "out_of_pocket_fen"):
        assert fmt_yuan(want[key]) in cells, key


def test_the_page_in_chinese_has_the_title_and_a_nav_link(
    login: Login, web_engine: Engine, places: dict[str, str]
) -> None:
    client = login("bureau")
    year, month = busiest_month(web_engine)
    html = client.get(f"/reports/notice?region={places['county']}&month={year}-{month:02d}").text
    assert f"郎溪县 {year}年{month}月 健康脱贫医疗费用报销公示" in html
    assert "按乡镇汇总" in html and "报销明细" in html and "小计" in html
    assert 'href="/reports/notice"' in client.get("/persons").text
    assert 'href="/reports/notice"' not in login("clerk").get("/persons").text


def test_without_a_month_the_page_shows_the_last_month_with_settlements(
    login: Login, web_engine: Engine
) -> None:
    with session_scope(web_engine) as s:
        from safetynet.store.models import Claim

        last = s.scalar(select(Claim.end_date).join(Settlement).order_by(Claim.end_date.desc()))
    assert last is not None
    html = login("bureau", "en").get("/reports/notice").text
    assert f'value="{last.year}-{last.month:02d}"' in html
    assert 'id="notice-title"' in html


@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_downloads_are_masked_and_total_the_ledger(
    login: Login, web_engine: Engine, places: dict[str, str], fmt: str
) -> None:
    client = login("bureau", "en")
    month = _month(web_engine)
    r = client.get(f"/reports/notice.{fmt}?region={places['township']}&month={month}")
    assert r.status_code == 200
    assert (
        f'filename="notice-{places["township"]}-{month}.{fmt}"' in r.headers["content-disposition"]
    )
    texts = [pdf_text(r.content)] if fmt == "pdf" else xlsx_cells(r.content)
    assert_nothing_unmasked(texts, web_engine)
    want = ledger_month(web_engine, places["township"], *map(int, month.split("-")))
    if fmt == "pdf":
        assert r.headers["content-type"] == "application/pdf"
        assert fmt_yuan(want["paid_fen"]) in texts[0]
    else:
        assert "spreadsheetml" in r.headers["content-type"]
        assert str(want["paid_fen"] / 100) in texts or f"{want['paid_fen'] / 100:g}" in texts


@pytest.mark.parametrize("path", ["/reports/notice", "/reports/notice.pdf",
                                  "/reports/notice.xlsx"])  # fmt: skip
def test_a_village_user_gets_no_other_village(
    login: Login, web_engine: Engine, places: dict[str, str], path: str
) -> None:
    client = login("village")
    month = _month(web_engine)
    for region in (places["other_village"], places["township"], places["county"]):
        r = client.get(f"{path}?region={region}&month={month}")
        assert r.status_code == 404, (region, r.status_code)
    assert client.get(f"{path}?region={places['village']}&month={month}").status_code == 200
    township = login("township")
    r = township.get(f"{path}?region={places['other_village']}&month={month}")
    assert r.status_code == 404


def test_the_village_user_is_offered_only_their_village(
    login: Login, places: dict[str, str]
) -> None:
    html = login("village").get("/reports/notice").text
    assert re.findall(r'<option value="(\d+)"', html) == [places["village"]]


def test_roles_without_reports_are_refused(login: Login, places: dict[str, str]) -> None:
    clerk = login("clerk")
    for path in ("/reports/notice", "/reports/notice.pdf", "/reports/notice.xlsx"):
        assert clerk.get(f"{path}?region={places['county']}&month=2017-03").status_code == 403
    anonymous = TestClient(clerk.app, follow_redirects=False)
    r = anonymous.get("/reports/notice")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


@pytest.mark.parametrize("path", ["/reports/notice", "/reports/notice.pdf",
                                  "/reports/notice.xlsx"])  # fmt: skip
@pytest.mark.parametrize(
    ("region", "month", "status"),
    [("999999999", "2017-03", 404), ("341821", "2017-13", 400), ("341821", "march", 400),
     ("341821", "2017-03-01", 400)],
)  # fmt: skip
def test_unknown_regions_and_malformed_months_are_clear_4xx(
    login: Login, path: str, region: str, month: str, status: int
) -> None:
    r = login("bureau", "en").get(f"{path}?region={region}&month={month}")
    assert r.status_code == status
    if status == 400:
        assert "YYYY-MM" in r.text
    else:
        assert "no region 999999999" in r.text


def test_downloads_need_a_region_and_a_month(login: Login) -> None:
    client = login("bureau", "en")
    assert client.get("/reports/notice.pdf").status_code == 422
    assert client.get("/reports/notice.xlsx?region=341821").status_code == 422


def test_an_empty_month_says_there_were_none(login: Login, places: dict[str, str]) -> None:
    client = login("bureau", "en")
    html = client.get(f"/reports/notice?region={places['county']}&month=2031-01").text
    assert "No reimbursements were paid in January 2031." in html
    pdf = client.get(f"/reports/notice.pdf?region={places['county']}&month=2031-01")
    assert "No reimbursements were paid in January 2031." in pdf_text(pdf.content)


def test_views_and_downloads_are_audited(
    login: Login, web_engine: Engine, places: dict[str, str]
) -> None:
    client = login("analyst")
    month = _month(web_engine)
    assert client.get(f"/reports/notice?region={places['township']}&month={month}").is_success
    assert client.get(f"/reports/notice.xlsx?region={places['township']}&month={month}").is_success
    with session_scope(web_engine) as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.target == "notice",
                                     AuditEvent.username == "analyst")
        ).all()  # fmt: skip
    assert {(e.action, e.target_id, (e.detail or {}).get("format")) for e in events} >= {
        ("read", f"{places['township']} {month}", "html"),
        ("export", f"{places['township']} {month}", "xlsx"),
    }


def test_a_refund_is_a_negative_line_in_the_month_it_is_made(
    login: Login, web_engine: Engine, places: dict[str, str]
) -> None:
    with session_scope(web_engine) as s:
        entry = s.scalar(
            select(Settlement)
            .where(Settlement.entry_kind == "settlement", Settlement.paid_fen > 0,
                   Settlement.reverses_id.is_(None))
            .order_by(Settlement.id)
        )  # fmt: skip
        assert entry is not None
    reviewer = login("reviewer", "en")
    slip = reviewer.get(f"/settlements/{entry.id}")
    r = reviewer.post(
        f"/settlements/{entry.id}/refund",
        data={"reason": "billing error", "csrf_token": csrf_of(slip.text)},
    )
    assert r.status_code in (200, 303), r.text
    with session_scope(web_engine) as s:
        reversal = s.scalar(select(Settlement).where(Settlement.reverses_id == entry.id))
        from safetynet.store.models import Claim

        claim = s.get(Claim, entry.claim_id)
        assert reversal is not None and claim is not None
    year, month = month_of(reversal, claim)
    client = login("bureau", "en")
    html = client.get(f"/reports/notice?region={places['county']}&month={year}-{month:02d}").text
    assert f"-{fmt_yuan(entry.paid_fen)}" in html
    assert f"refund made on {local_date(reversal.created_at).isoformat()}" in html
    want = ledger_month(web_engine, places["county"], year, month)
    assert fmt_yuan(want["paid_fen"]) in _total_row(html)
