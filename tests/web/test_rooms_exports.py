"""The newer rooms' exports with hostile text in names (formula-looking, markup, quotes,
CJK), on both databases: every xlsx cell of user text is a text cell, every PDF shows the
text as written — no image, no link, no 500."""

from __future__ import annotations

import io
from collections.abc import Callable

import pypdf
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, select

from safetynet.review import cases
from safetynet.store.db import session_scope
from safetynet.store.models import (
    CatalogItem,
    Claim,
    ClaimItem,
    EarlyWarning,
    Person,
    Settlement,
    User,
)
from tests.web.conftest import record_warnings

HOSTILE = ["=cmd|' /C calc'!A0", '<img src="/etc/passwd"/>', '<a href="http://evil.example">PAY</a>',
           '"><b>x', "@SUM(1)", "-2+3", "+1", "张三"]  # fmt: skip


def _pdf(body: bytes) -> tuple[int, int, str]:
    reader = pypdf.PdfReader(io.BytesIO(body))
    images = sum(len(p.images) for p in reader.pages)
    links = sum(len(p.get("/Annots") or []) for p in reader.pages)
    return images, links, "".join(p.extract_text() for p in reader.pages)


def _formula_cells(body: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(body))
    return [c.coordinate for sheet in book.worksheets for row in sheet.iter_rows()
            for c in row if c.data_type == "f"]  # fmt: skip


def test_hostile_names_in_the_packet_and_the_daily_bill(
    login: Callable[..., TestClient], web_engine: Engine
) -> None:
    record_warnings(web_engine)
    with session_scope(web_engine) as s:
        warning = s.scalars(select(EarlyWarning).order_by(EarlyWarning.id)).first()
        assert warning is not None
        for person, name in zip(
            s.scalars(select(Person).where(Person.household_id == warning.household_id)),
            HOSTILE, strict=False,
        ):  # fmt: skip
            person.name = name
        office = s.scalar(select(User.institution_code).where(User.username == "office"))
        claim_id = s.scalar(
            select(Claim.id).join(Settlement, Settlement.claim_id == Claim.id)
            .where(Claim.institution_code == office, Claim.kind == "inpatient").order_by(Claim.id)
        )  # fmt: skip
        assert claim_id is not None
        case_id = cases.open_case(s, claim_id).id
        codes = s.scalars(select(ClaimItem.item_code).where(ClaimItem.claim_id == claim_id)).all()
        for code, name in zip(dict.fromkeys(codes), HOSTILE, strict=False):
            item = s.scalar(select(CatalogItem).where(CatalogItem.code == code))
            if item is not None:
                item.name = name
        warning_id = warning.id
    bureau = login("bureau", "en")
    r = bureau.get(f"/warnings/{warning_id}/packet.xlsx")
    assert r.status_code == 200 and _formula_cells(r.content) == []
    assert HOSTILE[0] in {c.value for s in load_workbook(io.BytesIO(r.content)).worksheets
                          for row in s.iter_rows() for c in row}  # fmt: skip
    for url in (f"/warnings/{warning_id}/packet.pdf", f"/review/cases/{case_id}/daily-bill.pdf"):
        r = bureau.get(url)
        assert r.status_code == 200, url
        images, links, text = _pdf(r.content)
        assert (images, links) == (0, 0), url
        assert HOSTILE[1] in text, url  # the markup shown as text
    for url in (f"/warnings/{warning_id}", f"/review/cases/{case_id}/daily-bill"):
        page = bureau.get(url).text
        assert '<img src="/etc/passwd"/>' not in page and "&lt;img" in page, url
