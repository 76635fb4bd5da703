"""The programme's figures on the dashboard, in its workbook and in the annual summary: the
page shows the rows the programme's report builds, the downloads carry them as a sheet."""

from __future__ import annotations

import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, text

from safetynet.programmes.service import pathway_admissions, rates
from safetynet.reports.programme_tables import pathway_table
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


def test_the_dashboard_shows_the_clinical_pathways(
    web_engine: Engine, login: Callable[..., TestClient]
) -> None:
    client = login("bureau", "en")
    page = client.get(f"/dashboard?year={YEAR}")
    assert page.status_code == 200
    assert 'id="pathways"' in page.text
    assert f"Clinical pathways of programme patients, {YEAR}" in page.text
    with session_scope(web_engine) as s:
        county = s.execute(text("SELECT code FROM region WHERE level = 'county'")).scalar_one()
        found = pathway_admissions(s, YEAR, county)
        everyone = pathway_admissions(s, YEAR, county, patients_only=False)
        table = pathway_table(s, county, YEAR, "en")
    assert table is not None and everyone.height > 0  # the county's appendicitis, gallstones
    # the page shows the rows the report builds; its counts are the programme patients'
    assert sum(row[4] for row in table.rows) == found.height
    for row in table.rows:
        assert f"<td>{row[0]}</td>" in page.text and f"<td>{row[2]}</td>" in page.text
    assert "Acute appendicitis (K35)" in page.text and "2–7 days" in page.text
    assert "not at a designated hospital" in page.text
    zh = login("bureau", "zh_Hans").get(f"/dashboard?year={YEAR}")
    assert "急性阑尾炎 (K35)" in zh.text and "乡镇卫生院、县级医院（仅限县内）" in zh.text
    assert "非定点医院" in zh.text and "not_designated" not in zh.text


def test_the_workbook_carries_the_pathways(login: Callable[..., TestClient]) -> None:
    body = login("bureau", "en").get(f"/dashboard.xlsx?year={YEAR}")
    assert body.status_code == 200
    book = load_workbook(io.BytesIO(body.content))
    assert "Clinical pathways" in book.sheetnames
    names = [row[0] for row in book["Clinical pathways"].iter_rows(values_only=True)]
    assert "Senile cataract (H25)" in names and "Cholelithiasis (K80)" in names
