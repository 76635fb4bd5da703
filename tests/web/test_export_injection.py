"""Names are text in every export: markup in a name never becomes an image, a link or a
500 in a PDF (ReportLab's paragraph markup), and a name starting with ``=`` never becomes a
formula in a workbook (DDE / formula injection). Over HTTP, on both databases."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import Engine, select, update

from safetynet.exports.pdf import write_pdf
from safetynet.exports.table import Column, Table
from safetynet.exports.xlsx import xlsx_bytes
from safetynet.store.db import session_scope
from safetynet.store.models import Claim, Institution, Person, Region, Settlement
from safetynet.store.models.ledger import EntryKind
from tests.reports.helpers import month_of

Login = Callable[..., TestClient]
ROOT = Path(__file__).parents[2]

IMAGE = '<img src="/usr/share/pixmaps/debian-logo.png"/>'
LINK = '<a href="http://evil.example">PAY HERE</a>'
BROKEN = '"><img src=x onerror=alert(1)>'
MARKUP = [IMAGE, LINK, BROKEN]
FORMULAS = ['=HYPERLINK("http://evil.example","PAY")', "=cmd|' /C calc'!A0", "+1", "@SUM(1)"]


def _rename(engine: Engine, names: list[str]) -> list[tuple[int, str]]:
    """Give persons with a settlement (one each) these names; their (settlement id,
    resident ID), in the order of ``names``."""
    out = []
    with session_scope(engine) as s:
        rows = s.execute(
            select(Settlement.person_id, Settlement.id)
            .where(Settlement.entry_kind == EntryKind.SETTLEMENT)
            .order_by(Settlement.id.desc())
        ).all()
        seen: dict[int, int] = {}
        for person_id, sid in rows:
            seen.setdefault(person_id, sid)
            if len(seen) == len(names):
                break
        for name, (person_id, sid) in zip(names, seen.items(), strict=True):
            s.execute(update(Person).where(Person.id == person_id).values(name=name))
            out.append((sid, s.get(Person, person_id).resident_id))  # type: ignore[union-attr]
    return out


def _pdf(data: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(p.extract_text() or "" for p in reader.pages), reader


def _assert_inert(reader: PdfReader) -> None:
    """No image and no link annotation on any page."""
    for page in reader.pages:
        assert not page.images, "an image was embedded"
        annots = page.get("/Annots")
        assert not annots, f"an annotation (link) was added: {annots}"


@pytest.mark.parametrize("path", ["/settlements/{id}/pdf", "/api/settlements/{id}/pdf"])
def test_markup_in_a_name_is_printed_as_text_on_the_slip(
    login: Login, web_engine: Engine, path: str
) -> None:
    client = login("bureau", "en")
    for (sid, resident_id), name in zip(_rename(web_engine, MARKUP), MARKUP, strict=True):
        r = client.get(path.format(id=sid))
        assert r.status_code == 200, r.text
        text, reader = _pdf(r.content)
        _assert_inert(reader)
        assert f"{name} · {resident_id}" in re.sub(r"\s+", " ", text)  # however it wraps


def test_markup_in_an_institution_name_is_text_on_the_slip(
    login: Login, web_engine: Engine
) -> None:
    with session_scope(web_engine) as s:
        sid, claim_id = s.execute(
            select(Settlement.id, Settlement.claim_id).order_by(Settlement.id).limit(1)
        ).one()
        code = s.get(Claim, claim_id).institution_code  # type: ignore[union-attr]
        s.execute(update(Institution).where(Institution.code == code).values(name=LINK))
    client = login("bureau", "en")
    r = client.get(f"/settlements/{sid}/pdf")
    assert r.status_code == 200, r.text
    text, reader = _pdf(r.content)
    _assert_inert(reader)
    assert LINK in text
    # the monthly public notice lists the institution too (a wrapped cell)
    with session_scope(web_engine) as s:
        entry, claim = s.get(Settlement, sid), s.get(Claim, claim_id)
        year, month = month_of(entry, claim)  # type: ignore[arg-type]
        county = s.scalar(select(Region.code).where(Region.level == "county"))
    r = client.get("/reports/notice.pdf", params={"region": county, "month": f"{year}-{month:02d}"})
    assert r.status_code == 200, r.text
    text, reader = _pdf(r.content)
    _assert_inert(reader)
    assert re.sub(r"\s", "", LINK) in re.sub(r"\s", "", text)


def test_every_part_of_a_table_pdf_is_escaped() -> None:
    """Title, subtitle, note, labels, cells (short and wrapped) and footnotes of the shared
    writer (the notice, the summary, the indicators and every other table PDF)."""
    long_cell = LINK + " " + "x" * 80
    table = Table(
        IMAGE,
        [Column("a", LINK, "text", 10), Column("b", BROKEN, "text", 30)],
        [(IMAGE, long_cell), (BROKEN, LINK)],
        note=LINK,
        notes=[IMAGE, BROKEN],
    )
    text, reader = _pdf(write_pdf(BROKEN, [table], subtitle=LINK))
    _assert_inert(reader)
    flat = text.replace("\n", "")
    for payload in MARKUP:
        assert payload in flat


def test_no_module_builds_a_pdf_paragraph_but_the_escaping_one() -> None:
    """Every PDF text passes through ``safetynet.exports.pdf.text``."""
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "safetynet").rglob("*.py")
        if p.name != "pdf.py" and re.search(r"\bParagraph\(", p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def _cells(data: bytes) -> list:  # type: ignore[type-arg]
    wb = load_workbook(io.BytesIO(data))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]


def test_a_formula_name_is_text_in_the_persons_claims_workbook(
    login: Login, web_engine: Engine
) -> None:
    client = login("bureau")
    for (_sid, resident_id), name in zip(_rename(web_engine, FORMULAS), FORMULAS, strict=True):
        r = client.get(f"/persons/{resident_id}/claims.xlsx")
        assert r.status_code == 200, r.text
        cells = _cells(r.content)
        assert [c.coordinate for c in cells if c.data_type == "f"] == []
        assert any(c.data_type == "s" and str(c.value).startswith(name) for c in cells), name


def test_a_formula_name_is_text_in_the_search_workbook(login: Login, web_engine: Engine) -> None:
    _rename(web_engine, FORMULAS)
    client = login("bureau")
    for name in FORMULAS:
        r = client.get("/persons.xlsx", params={"q": name})
        assert r.status_code == 200, r.text
        cells = _cells(r.content)
        assert [c.coordinate for c in cells if c.data_type == "f"] == []
        assert any(c.value == name and c.data_type == "s" for c in cells), name


def test_every_text_of_a_workbook_is_a_string() -> None:
    """Title, note, labels, cells and footnotes of the shared writer."""
    evil = FORMULAS[0]
    table = Table(evil, [Column("a", evil)], [(evil,)], note=evil, notes=[evil])
    cells = _cells(xlsx_bytes([table]))
    assert len(cells) == 5
    assert all(c.value == evil and c.data_type == "s" for c in cells)
