"""The fund page and its statements workbook over HTTP: bureau only, region-scoped (the
funds for the county, the statements of its institutions for a township), audited, both
languages, charts with no inline script."""

from __future__ import annotations

import io
import json
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, select

from safetynet.funds.posting import post_year
from safetynet.store.db import session_scope
from safetynet.store.models.security import AuditEvent

YEAR = 2017


@pytest.fixture(scope="module", autouse=True)
def posted(web_engine: Engine) -> None:
    with session_scope(web_engine) as s:
        post_year(s, YEAR, user="test")


def test_bureau_sees_the_funds_with_alarms_and_charts(login, web_engine: Engine) -> None:
    page = login("bureau", "zh_Hans").get(f"/funds?year={YEAR}&month=6")
    assert page.status_code == 200, page.text
    assert "基本医保基金（基本医疗保险＋大病保险）" in page.text and "基金使用率" in page.text
    assert 'id="fund-figures"' in page.text and 'id="fund-alarms"' in page.text
    blob = re.search(r'id="funds-data">(.*?)</script>', page.text, re.S)
    assert blob
    data = json.loads(blob.group(1))
    assert data["months"] == list(range(1, 13)) and data["spending"]
    assert {s["name"] for s in data["income"]} >= {"中央财政补助"}
    assert data["projection"]["actual"][5] is not None and data["projection"]["actual"][6] is None
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert all('type="application/json"' in attrs or not body.strip() for attrs, body in scripts)
    with session_scope(web_engine) as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.target == "funds")).all()
        assert any(e.username == "bureau" for e in events)


def test_english_and_the_statements_workbook(login, web_engine: Engine) -> None:
    client = login("bureau", "en")
    page = client.get(f"/funds?year={YEAR}&month=3")
    assert page.status_code == 200
    assert "Monthly statement of institutions, 2017-03" in page.text and "Payable" in page.text
    book = client.get(f"/funds/statements.xlsx?year={YEAR}&month=3")
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None and sheet.max_row > 3
    with session_scope(web_engine) as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.target == "fund_statements")).all()
        assert any(e.username == "bureau" for e in events)


def test_a_township_sees_its_institutions_only(login) -> None:
    page = login("township", "en").get(f"/funds?year={YEAR}&month=3")
    assert page.status_code == 200
    assert "choose the county to see them" in page.text and 'id="fund-figures"' not in page.text


def test_other_roles_regions_and_months_are_refused(login) -> None:
    assert login("clerk").get("/funds").status_code == 403
    assert login("analyst").get("/funds").status_code == 403
    assert login("township", "en").get(f"/funds?year={YEAR}&region=110000").status_code == 404
    assert login("bureau", "en").get(f"/funds?year={YEAR}&month=13").status_code == 422


def test_the_annual_summary_gains_the_fund_statements(login) -> None:
    book = login("bureau", "en").get(f"/reports/summary.xlsx?year={YEAR}")
    assert book.status_code == 200, book.text
    wb = load_workbook(io.BytesIO(book.content))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert "Fund statements, 2017" in cells
    assert "Basic medical insurance fund (basic + critical illness)" in cells


def test_the_statements_money_columns_are_named_as_money(login) -> None:
    """The statement's column of the claims' amount reads as an amount in Chinese (结算金额),
    not as a count of claims (结算人次, the overview's tile of the same English words): no
    money column of the statement is named as a count."""
    page = login("bureau", "zh_Hans").get(f"/funds?year={YEAR}&month=6").text
    table = page.split('id="fund-statements"', 1)[1].split("</thead>", 1)[0]
    money = re.findall(r'<th class="num">([^<]*)</th>', table)
    assert "结算金额" in money
    assert not [h for h in money if h.endswith(("人次", "人数", "次数"))], money
