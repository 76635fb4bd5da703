"""The risk scorecard page and its xlsx over HTTP: bureau only, region-scoped, audited,
both languages, a chart with no inline script."""

from __future__ import annotations

import io
import json
import re

from openpyxl import load_workbook
from sqlalchemy import Engine, select

from safetynet.store.db import session_scope
from safetynet.store.models.security import AuditEvent

YEAR = 2017


def test_bureau_sees_the_scorecard_with_its_chart_in_chinese(login, web_engine: Engine) -> None:
    page = login("bureau", "zh_Hans").get(f"/supervision/scorecard?year={YEAR}")
    assert page.status_code == 200, page.text
    assert "风险评分表" in page.text and "县级医院" in page.text
    blob = re.search(r'id="scorecard-data">(.*?)</script>', page.text, re.S)
    assert blob
    data = json.loads(blob.group(1))
    county = next(lv for lv in data["levels"] if lv["id"] == "county")
    assert county["units"] and len(county["series"]) == 9
    assert "住院天数（平均）" in [s["name"] for s in county["series"]]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert all('type="application/json"' in attrs or not body.strip() for attrs, body in scripts)
    assert '<script src="/static/scorecard.js">' in page.text
    with session_scope(web_engine) as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.target == "supervision_scorecard")
        ).all()
        assert any(e.username == "bureau" for e in events)


def test_doctors_ranking_and_english(login) -> None:
    page = login("bureau", "en").get(f"/supervision/scorecard?year={YEAR}&kind=doctor")
    assert page.status_code == 200
    assert "Risk scorecard" in page.text and "What drives the score" in page.text


def test_other_roles_and_other_regions_are_refused(login) -> None:
    assert login("clerk").get("/supervision/scorecard").status_code == 403
    assert login("analyst").get("/supervision/scorecard").status_code == 403
    page = login("township", "en").get(f"/supervision/scorecard?year={YEAR}&region=110000")
    assert page.status_code == 404


def test_scorecard_xlsx(login) -> None:
    r = login("bureau", "zh_Hans").get(f"/supervision/scorecard.xlsx?year={YEAR}")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    cells = [str(c.value) for row in sheet.iter_rows(max_row=4) for c in row if c.value]
    assert "风险评分" in cells and "同级排名" in cells


def test_an_unknown_ranking_is_refused_in_the_users_language(login) -> None:
    page = login("bureau", "zh_Hans").get(f"/supervision/scorecard?year={YEAR}&kind=nurse")
    assert page.status_code == 400
    assert "风险评分表只能按医疗机构或医生排名" in page.text


def test_the_abnormal_metrics_beyond_the_flag_line_are_named(login) -> None:
    """Domain notes §A3: a metric is flagged at |z| > 3 (the rule file's ``flag_z``); the
    page and the xlsx name each unit's abnormal metrics, in the user's language."""
    zh = login("bureau", "zh_Hans").get(f"/supervision/scorecard?year={YEAR}")
    assert "异常指标（稳健标准分超出 ±3）" in zh.text
    cells = re.findall(r'<td class="abnormal">([^<]*)</td>', zh.text)
    assert cells and any(cells) and not any(re.search(r"[a-z_]{4,}", c) for c in cells)
    en = login("bureau", "en").get(f"/supervision/scorecard?year={YEAR}")
    assert "Abnormal (robust z beyond ±3)" in en.text
    book = load_workbook(io.BytesIO(login("bureau", "en").get(
        f"/supervision/scorecard.xlsx?year={YEAR}").content))  # fmt: skip
    sheet = book.worksheets[0]
    header = next(r for r in sheet.iter_rows(values_only=True)
                  if "abnormal metrics (robust z beyond the flag line)" in r)  # fmt: skip
    column = header.index("abnormal metrics (robust z beyond the flag line)")
    assert any(row[column] for row in sheet.iter_rows(values_only=True) if row is not header)


def test_each_row_names_its_institution(login, web_engine: Engine) -> None:
    """Beside each code the institution's name (a doctor's: the institution they work at),
    so the bureau reads the scorecard without a code list."""
    from safetynet.store.models import Institution

    with session_scope(web_engine) as s:
        names = dict(s.execute(select(Institution.code, Institution.name)).all())
    for kind in ("institution", "doctor"):
        page = login("bureau", "zh_Hans").get(f"/supervision/scorecard?year={YEAR}&kind={kind}")
        rows = re.findall(
            r'<tr data-unit="([^"]+)"><td class="num">\d+</td><td>[^<]*</td>'
            r'<td class="unit-name">([^<]*)</td>',
            page.text,
        )
        assert rows, kind
        assert all(name == names[unit.split("-", 1)[0]] for unit, name in rows), rows[:3]


def test_the_heading_names_the_region(login, web_engine: Engine) -> None:
    """The scorecard's and the fund page's headings name the region as the dashboard's does,
    not by its code alone."""
    from safetynet.funds.posting import post_year
    from safetynet.store.models import Region, User

    with session_scope(web_engine) as s:
        code = s.scalar(select(User.region_code).where(User.username == "bureau"))
        name = s.scalar(select(Region.name).where(Region.code == code))
        post_year(s, YEAR, user="test")
    client = login("bureau", "zh_Hans")
    for url in (f"/supervision/scorecard?year={YEAR}", f"/funds?year={YEAR}&month=6"):
        h1 = client.get(url).text.split("<h1>", 1)[1].split("</h1>", 1)[0]
        assert f"<small>{name} · " in h1, (url, h1)
