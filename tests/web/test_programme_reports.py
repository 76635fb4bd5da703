"""The programme's figures on the dashboard, in its workbook and in the annual summary: the
page shows the rows the programme's report builds, the downloads carry them as a sheet."""

from __future__ import annotations

import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, text

from safetynet.programmes.service import rates
from safetynet.store.db import session_scope
from tests.web.conftest import YEAR


def test_the_dashboard_shows_the_programme(
    web_engine: Engine, login: Callable[..., TestClient]
) -> None:
    client = login("bureau", "en")
    page = client.get(f"/dashboard?year={YEAR}")
    assert page.status_code == 200
    assert 'id="programme"' in page.text
    assert f"Three batches and family-doctor contracts, {YEAR}" in page.text
    with session_scope(web_engine) as s:
        county = s.execute(text("SELECT code FROM region WHERE level = 'county'")).scalar_one()
        frame = rates(s, YEAR, county)
    contract = frame.filter(frame["indicator"] == "contract_rate").row(0, named=True)
    assert contract["denominator"] > 0
    assert f"{contract['numerator']:,} ÷ {contract['denominator']:,}" in page.text
    assert f"{contract['value'] * 100:.2f}%" in page.text
    zh = login("bureau", "zh_Hans").get(f"/dashboard?year={YEAR}")
    assert "家庭医生签约率" in zh.text and "履约率" in zh.text


def test_the_downloads_carry_the_programme(login: Callable[..., TestClient]) -> None:
    client = login("bureau", "en")
    for url in (f"/dashboard.xlsx?year={YEAR}", f"/reports/summary.xlsx?year={YEAR}"):
        body = client.get(url)
        assert body.status_code == 200, url
        book = load_workbook(io.BytesIO(body.content))
        assert "Three batches" in book.sheetnames, url
        sheet = book["Three batches"]
        names = [row[0] for row in sheet.iter_rows(values_only=True)]
        assert (
            "Family-doctor contract rate" in names
            and "Delivery rate (services done ÷ planned)" in names
        )
    pdf = client.get(f"/reports/summary.pdf?year={YEAR}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
