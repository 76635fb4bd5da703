"""Every table downloads as Excel over HTTP: the page's figures as real numbers with their
formats, header labels in the user's language, the page's masking, permission and region."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine, func, select

from safetynet.clock import local
from safetynet.money import fmt_yuan
from safetynet.registry.masking import mask_name, mask_resident_id_tail
from safetynet.store.db import session_scope
from safetynet.store.models import Claim, Person, Region, Settlement
from safetynet.store.models.security import AuditEvent, User
from tests.reports.helpers import assert_nothing_unmasked, xlsx_cells
from tests.web.conftest import YEAR

Login = Callable[..., TestClient]
MONEY, COUNT, RATIO, DATE = "#,##0.00", "#,##0", "0.00%", "yyyy-mm-dd"


class Sheet:
    """A sheet the shared writer wrote: the header row (frozen) and the data rows below."""

    def __init__(self, ws: Worksheet) -> None:
        assert ws.freeze_panes, "no frozen header"
        head = coordinate_from_string(ws.freeze_panes)[1] - 1
        self.title = ws.title
        self.header = [c.value for c in ws[head]]
        self.rows = [list(r) for r in ws.iter_rows(min_row=head + 1)]

    def column(self, label: str) -> int:
        return self.header.index(label)

    def row(self, first: str) -> list[Any]:
        """The cells of the data row whose first cell is ``first``."""
        found = [r for r in self.rows if r[0].value == first]
        assert len(found) == 1, (first, [r[0].value for r in self.rows])
        return found[0]


def _workbook(
    client: TestClient, url: str, filename: str | None = None, **params: str
) -> tuple[list[Sheet], bytes]:
    r = client.get(url, params=params or None)  # an empty dict would drop the URL's query
    assert r.status_code == 200, r.text
    assert "spreadsheetml" in r.headers["content-type"]
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    if filename:
        assert f'filename="{filename}"' in disposition
    return [Sheet(ws) for ws in load_workbook(io.BytesIO(r.content)).worksheets], r.content


def _download(
    client: TestClient, url: str, filename: str | None = None, **params: str
) -> list[Sheet]:
    return _workbook(client, url, filename, **params)[0]


def _fen(value: float) -> int:
    return round(value * 100)


def _year_sums(engine: Engine) -> dict[str, int]:
    """The county's ledger of the year summed in the database (net of refunds)."""
    with session_scope(engine) as s:
        total, paid, oop = s.execute(
            select(func.sum(Settlement.total_fen), func.sum(Settlement.paid_fen),
                   func.sum(Settlement.out_of_pocket_fen)).where(Settlement.year == YEAR)
        ).one()  # fmt: skip
        persons = s.scalar(select(func.count(Person.id)))
    return {"total_fen": int(total), "paid_fen": int(paid), "out_of_pocket_fen": int(oop),
            "persons": int(persons or 0)}  # fmt: skip


def _township_people(engine: Engine) -> tuple[set[str], Person]:
    """The resident IDs of the 'township' user's people, and a person of another township."""
    with session_scope(engine) as s:
        township = s.scalar(select(User.region_code).where(User.username == "township"))
        villages = s.scalars(select(Region.code).where(Region.parent_code == township)).all()
        mine = set(s.scalars(select(Person.resident_id).where(Person.region_code.in_(villages))))
        other = s.scalar(
            select(Person).where(Person.region_code.not_in(villages)).order_by(Person.id)
        )
    assert mine and other is not None
    return mine, other


# the overview ---------------------------------------------------------------------------

OVERVIEW_HEADERS = {
    "en": (
        ["Figure", "Value"],
        ["Level", "Outpatient visits", "Admissions", "Total cost (yuan)", "Paid (yuan)"],
        ["Layer", "Paid (yuan)"],
    ),
    "zh_Hans": (
        ["指标", "数值"],
        ["级别", "门诊人次", "住院人次", "医疗总费用（元）", "支付（元）"],
        ["保障层次", "支付（元）"],
    ),
}


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_the_overview_workbook_has_the_pages_figures_as_numbers(
    login: Login, web_engine: Engine, locale: str
) -> None:
    client = login("bureau", locale)
    page = client.get(f"/?year={YEAR}").text
    assert f'href="/overview.xlsx?year={YEAR}"' in page
    with session_scope(web_engine) as s:
        county = s.scalar(select(User.region_code).where(User.username == "bureau"))
    figures, levels, layers = _download(
        client, f"/overview.xlsx?year={YEAR}", f"overview-{county}-{YEAR}.xlsx"
    )
    heads = OVERVIEW_HEADERS[locale]
    assert (figures.header, levels.header, layers.header) == heads
    want = _year_sums(web_engine)
    zh = locale == "zh_Hans"
    total = figures.row("医疗总费用（元）" if zh else "Total cost (yuan)")[1]
    assert _fen(total.value) == want["total_fen"] and total.number_format == MONEY
    assert f"<b>{fmt_yuan(want['total_fen'])}</b>" in page  # the page's tile
    paid = figures.row("各项保障合计支付（元）" if zh else "Paid by all layers (yuan)")[1]
    assert _fen(paid.value) == want["paid_fen"] and paid.number_format == MONEY
    persons = figures.row("人员" if zh else "Persons")[1]
    assert persons.value == want["persons"] and persons.number_format == COUNT
    ratio = figures.row("实际补偿比" if zh else "Actual compensation ratio")[1]
    assert ratio.number_format == RATIO
    assert ratio.value == pytest.approx(want["paid_fen"] / want["total_fen"])
    # the level and layer tables add up to the same ledger
    col = levels.column(heads[1][3])
    assert sum(_fen(r[col].value) for r in levels.rows) == want["total_fen"]
    assert {r[col].number_format for r in levels.rows} == {MONEY}
    assert {r[1].number_format for r in levels.rows} == {COUNT}
    assert sum(_fen(r[1].value) for r in layers.rows) == want["paid_fen"]


def test_the_overview_workbook_is_the_users_region_and_needs_reports(
    login: Login, web_engine: Engine
) -> None:
    mine, _other = _township_people(web_engine)
    (figures, *_rest) = _download(login("township"), f"/overview.xlsx?year={YEAR}")
    assert figures.row("Persons")[1].value == len(mine)
    assert login("clerk").get("/overview.xlsx").status_code == 403


# person search --------------------------------------------------------------------------


def test_an_analysts_search_workbook_is_masked_as_the_page(
    login: Login, web_engine: Engine, sample_person: Person
) -> None:
    analyst = login("analyst", "en")
    texts: list[str] = []
    for q in (sample_person.name, sample_person.name[0]):
        page = analyst.get("/persons", params={"q": q}).text
        assert "/persons.xlsx?q=" in page
        (sheet,), content = _workbook(analyst, "/persons.xlsx", "persons.xlsx", q=q)
        texts += xlsx_cells(content)
        cells = [c.value for row in sheet.rows for c in row[:2]]
        assert cells and all(f"<td>{c}</td>" in page for c in cells)  # the page's cells
    assert mask_resident_id_tail(sample_person.resident_id) in texts
    assert mask_name(sample_person.name) in texts
    assert_nothing_unmasked(texts, web_engine)
    # a user who sees the page unmasked gets the same persons unmasked (the test can fail)
    (plain,) = _download(login("bureau", "en"), f"/persons.xlsx?q={sample_person.resident_id}")
    assert [c.value for c in plain.rows[0][:2]] == [sample_person.name, sample_person.resident_id]


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_the_search_workbook_has_translated_labels_and_dates(
    login: Login, sample_person: Person, locale: str
) -> None:
    (sheet,) = _download(login("auditor", locale), f"/persons.xlsx?q={sample_person.resident_id}")
    assert (
        sheet.header
        == {
            "en": ["Name", "Resident ID", "Sex", "Birth date", "Age", "Village", "Poverty status"],
            "zh_Hans": ["姓名", "身份证号", "性别", "出生日期", "年龄", "村", "贫困属性"],
        }[locale]
    )
    born = sheet.rows[0][3]
    assert isinstance(born.value, datetime) and born.number_format == DATE
    assert born.value.date() == sample_person.birth_date


def test_a_township_user_exports_none_of_another_townships_persons(
    login: Login, web_engine: Engine
) -> None:
    mine, other = _township_people(web_engine)
    client = login("township")
    (sheet,) = _download(client, f"/persons.xlsx?q={other.resident_id[:6]}")
    found = {row[1].value for row in sheet.rows}
    assert found and found <= mine
    for q in (other.resident_id, other.name):
        _sheets, content = _workbook(client, "/persons.xlsx", q=q)
        assert other.resident_id not in xlsx_cells(content)
    assert client.get(f"/persons/{other.resident_id}/claims.xlsx").status_code == 404


# a person's claims ----------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_a_persons_claims_workbook_has_the_ledgers_amounts(
    login: Login, web_engine: Engine, sample_person: Person, locale: str
) -> None:
    client = login("reviewer", locale)
    rid = sample_person.resident_id
    assert f'href="/persons/{rid}/claims.xlsx"' in client.get(f"/persons/{rid}").text
    (sheet,) = _download(client, f"/persons/{rid}/claims.xlsx", f"claims-{rid}.xlsx")
    assert sheet.header == {
        "en": ["Date", "Kind", "Institution", "Diagnosis", "Total (yuan)", "Paid (yuan)",
               "Patient pays (yuan)", "Ledger entries"],
        "zh_Hans": ["日期", "类别", "医疗机构", "诊断", "总费用（元）", "支付（元）",
                    "个人支付（元）", "结算记录"],
    }[locale]  # fmt: skip
    with session_scope(web_engine) as s:
        claims = s.scalars(
            select(Claim).where(Claim.person_id == sample_person.id)
            .order_by(Claim.start_date.desc(), Claim.id.desc())
        ).all()  # fmt: skip
        first = s.scalar(
            select(Settlement).where(Settlement.claim_id == claims[0].id).order_by(Settlement.id)
        )
    assert first is not None and len(sheet.rows) == len(claims)
    date, _kind, _inst, _diag, total, paid, oop, entries = sheet.rows[0]
    assert date.value.date() == claims[0].start_date and date.number_format == DATE
    assert _fen(total.value) == claims[0].total_fen and total.number_format == MONEY
    assert _fen(paid.value) == first.paid_fen and paid.number_format == MONEY
    assert _fen(oop.value) == first.out_of_pocket_fen and oop.number_format == MONEY
    assert f"#{first.id}" in entries.value


def test_the_claims_workbook_needs_the_person_permission(
    login: Login, sample_person: Person
) -> None:
    url = f"/persons/{sample_person.resident_id}/claims.xlsx"
    assert login("analyst").get(url).status_code == 403
    assert login("bureau").get("/persons/999999999999999999/claims.xlsx").status_code == 404


# the audit log --------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_the_audit_workbook_is_the_pages_events(
    login: Login, web_engine: Engine, sample_person: Person, locale: str
) -> None:
    auditor = login("auditor", locale)
    rid = sample_person.resident_id
    assert auditor.get(f"/persons/{rid}").status_code == 200
    page = auditor.get("/audit", params={"target_id": rid}).text
    assert f"/audit.xlsx?username=&amp;target_id={rid}" in page
    (sheet,) = _download(auditor, f"/audit.xlsx?target_id={rid}", "audit-log.xlsx")
    assert (
        sheet.header
        == {
            "en": [
                "Date (county time)",
                "Time (county time)",
                "User",
                "Action",
                "What",
                "Which",
                "Client address",
            ],
            "zh_Hans": [
                "日期（本地时间）",
                "时间（本地时间）",
                "用户",
                "操作",
                "对象",
                "编号",
                "来源地址",
            ],
        }[locale]
    )
    assert sheet.rows and {r[5].value for r in sheet.rows} == {rid}
    read = {"en": "read", "zh_Hans": "查看"}[locale]  # the action by name, in the language
    assert any(r[2].value == "auditor" and r[3].value == read for r in sheet.rows)
    day = sheet.rows[0][0]
    assert isinstance(day.value, datetime) and day.number_format == DATE
    assert f"{day.value.date().isoformat()} {sheet.rows[0][1].value}" in page


@pytest.mark.parametrize("username", ["clerk", "analyst", "bureau"])
def test_only_auditors_and_administrators_export_the_audit_log(login: Login, username: str) -> None:
    assert login(username).get("/audit.xlsx").status_code == 403
    assert login("admin").get("/audit.xlsx").status_code == 200


def test_every_download_is_audited(login: Login, web_engine: Engine, sample_person: Person) -> None:
    client = login("auditor", "en")
    rid = sample_person.resident_id
    for url in (f"/overview.xlsx?year={YEAR}", f"/persons.xlsx?q={rid}",
                f"/persons/{rid}/claims.xlsx", "/audit.xlsx"):  # fmt: skip
        assert client.get(url).status_code == 200
    with session_scope(web_engine) as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.username == "auditor",
                                     AuditEvent.action == "export")
        ).all()  # fmt: skip
        county = s.scalar(select(User.region_code).where(User.username == "auditor"))
    assert {(e.target, e.target_id) for e in events} >= {
        ("overview", county),
        ("person", None),
        ("person", rid),
        ("audit", None),
    }
    assert all((e.detail or {}).get("format") == "xlsx" for e in events)


def test_the_audit_pages_times_are_the_countys_as_its_heading_says(
    login: Login, web_engine: Engine
) -> None:
    """The page shows each event's time on the county's clock, and its heading says so (it
    said UTC over local times: eight hours apart in Langxi)."""
    auditor = login("auditor", "zh_Hans")  # its login is the latest event before the page
    with session_scope(web_engine) as s:
        latest = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        shown = local(latest.at).strftime("%Y-%m-%d %H:%M:%S")
    page = auditor.get("/audit").text
    head = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "时间（本地时间）" in head and "UTC" not in head
    assert f"<td>{shown}</td>" in page
