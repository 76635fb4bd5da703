"""The dashboard and the indicators pages over HTTP: the charts' numbers are the indicators
service's, definitions stand beside the figures, Excel downloads carry real number formats,
users see only their region, every view and download is audited."""

from __future__ import annotations

import io
import json
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, select

from safetynet.indicators.service import indicators
from safetynet.store.db import session_scope
from safetynet.store.models import Region
from safetynet.store.models.security import AuditEvent, User

YEAR = 2017


def _county(engine: Engine) -> str:
    with session_scope(engine) as s:
        code = s.scalar(select(Region.code).where(Region.level == "county"))
        assert code
        return code


def _blob(html: str) -> dict:  # type: ignore[type-arg]
    found = re.search(
        r'<script type="application/json" id="dashboard-data">(.*?)</script>', html, re.S
    )
    assert found, "the page carries no chart data"
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def county_result(web_engine: Engine):
    with session_scope(web_engine) as s:
        return indicators(s, _county(web_engine), YEAR, "year", "township")


def test_dashboard_charts_show_the_indicators_of_the_users_county(login, web_engine, county_result):
    page = login("bureau", "zh_Hans").get(f"/dashboard?year={YEAR}")
    assert page.status_code == 200
    for chart in ("layers", "levels", "monthly", "ratio", "oop", "townships"):
        assert f'id="chart-{chart}"' in page.text
    assert '<script src="/static/vendor/echarts/echarts.min.js">' in page.text
    data = _blob(page.text)
    compensation = county_result.value("compensation")
    assert sum(r["yuan"] for r in data["layers"]) == pytest.approx(compensation / 100, abs=0.05)
    assert [m["period"] for m in data["months"]] == [f"{YEAR}-{m:02d}" for m in range(1, 13)]
    assert sum(m["visits"] for m in data["months"]) == county_result.value("visits")
    townships = {c: n for c, n in county_result.regions() if c != county_result.region_code}
    assert {t["code"]: t["name"] for t in data["townships"]} == townships
    assert sum(r["reimbursement_share"] for r in data["levels"]) == pytest.approx(1.0)
    assert data["labels"]["ratio_poor"] == "实际补偿比（贫困人口）"


def test_each_key_figure_shows_its_definition(login, county_result):
    page = login("bureau", "en").get(f"/dashboard?year={YEAR}")
    ratio = county_result.figure("compensation_ratio")
    assert ratio is not None
    row = re.search(r'<tr data-indicator="compensation_ratio">(.*?)</tr>', page.text, re.S)
    assert row, "no compensation ratio row"
    assert ratio.display() in row.group(1)
    assert ratio.definition.formula("en").split()[0] in row.group(1)
    assert ratio.definition.counted("en")[:30] in page.text


def test_dashboard_excel_has_number_formats_and_matches_the_page(login, web_engine, county_result):
    client = login("bureau", "en")
    r = client.get(f"/dashboard.xlsx?year={YEAR}")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert {"Key figures", "Spending by layer", "Monthly trend", "By region"} <= set(wb.sheetnames)
    ws = wb["Key figures"]
    found = {}
    for row in ws.iter_rows():
        if row[0].value == county_result.definition("compensation_ratio").name("en"):
            found["ratio"] = row[1]
    cell = found["ratio"]
    assert cell.number_format == "0.00%"
    assert cell.value == pytest.approx(county_result.value("compensation_ratio"))
    with session_scope(web_engine) as s:
        events = s.scalars(
            select(AuditEvent).where(
                AuditEvent.target == "dashboard", AuditEvent.action == "export"
            )
        ).all()
        assert any(e.username == "bureau" for e in events)


def test_a_township_user_gets_their_township_only(login, web_engine):
    client = login("township", "en")
    assert client.get(f"/dashboard?region={_county(web_engine)}&year={YEAR}").status_code == 404
    assert (
        client.get(f"/dashboard.xlsx?region={_county(web_engine)}&year={YEAR}").status_code == 404
    )
    page = client.get(f"/dashboard?year={YEAR}")
    assert page.status_code == 200
    with session_scope(web_engine) as s:
        township = s.scalar(select(User.region_code).where(User.username == "township"))
        villages = set(s.scalars(select(Region.code).where(Region.parent_code == township)))
    shown = {r["code"] for r in _blob(page.text)["townships"]}
    assert shown and shown <= villages


def test_a_window_clerk_has_no_dashboard(login):
    assert login("clerk").get("/dashboard").status_code == 403
    assert login("clerk").get("/indicators.xlsx").status_code == 403


def test_indicators_page_by_township_and_category_with_excel(login, county_result):
    client = login("bureau", "zh_Hans")
    page = client.get(f"/indicators?year={YEAR}&period=quarter&by=township&by_category=true")
    assert page.status_code == 200
    d = county_result.definition("participation_rate")
    assert d.name("zh") in page.text and d.formula("zh")[:10] in page.text
    r = client.get(f"/indicators.xlsx?year={YEAR}&period=quarter&by=township")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert len(wb.sheetnames) >= 20  # a sheet per indicator and the definitions
    assert client.get(f"/indicators?year={YEAR}&period=week").status_code == 400
