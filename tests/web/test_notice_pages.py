"""The monthly public notice at county size: the page shows its lines a page at a time (with
the total on every page and a pager), and the PDF prints the way a village notice board
needs it: the summary, then each village on a page of its own, titled with the village."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pypdf
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from safetynet.store.db import session_scope
from safetynet.store.models import Region, User
from safetynet.web.routes import notices
from tests.reports.helpers import busiest_month

Login = Callable[..., TestClient]


def _month(engine: Engine) -> str:
    year, month = busiest_month(engine)
    return f"{year}-{month:02d}"


def _line_rows(page: str) -> list[str]:
    """The rows of the reimbursements table (the page's last table), the total included."""
    table = re.findall(r'<table class="notice">.*?</table>', page, flags=re.S)[-1]
    return re.findall(r"<tr(?: class=\"sum\")?><td.*?</tr>", table, flags=re.S)


def test_the_page_shows_the_lines_a_page_at_a_time(
    login: Login, web_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notices, "PAGE_LINES", 25)
    client = login("bureau", "en")
    with session_scope(web_engine) as s:
        county = s.scalar(select(User.region_code).where(User.username == "bureau"))
    query = f"/reports/notice?region={county}&month={_month(web_engine)}"
    first = client.get(query).text
    found = re.search(r"Lines 1–25 of ([\d,]+) · page 1 of (\d+)", first)
    assert found, "no pager"
    lines, pages = int(found.group(1).replace(",", "")), int(found.group(2))
    assert pages == (lines + 24) // 25 >= 2
    assert 'rel="next"' in first and 'rel="prev"' not in first
    seen = 0
    bodies = set()
    for page in range(1, pages + 1):
        html = client.get(f"{query}&page={page}").text
        rows = _line_rows(html)
        assert rows[-1].startswith('<tr class="sum"><td>Total</td>')  # the total on every page
        bodies.add("".join(rows[:-1]))
        seen += len(rows) - 1
    assert seen == lines and len(bodies) == pages  # every line once, pages differ
    last = client.get(f"{query}&page={pages}").text
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert client.get(f"{query}&page={pages + 5}").status_code == 200  # clamped to the last
    assert client.get(f"{query}&page=0").status_code == 422
    assert 'class="scroll notice-scroll"' in first  # the box that keeps the header in view


def test_the_pdf_puts_every_village_on_a_page_of_its_own(login: Login, web_engine: Engine) -> None:
    client = login("bureau")
    month = _month(web_engine)
    with session_scope(web_engine) as s:
        township = s.scalar(select(User.region_code).where(User.username == "township"))
        rows = s.execute(select(Region.code, Region.name).where(Region.parent_code == township))
        villages = {code: name for code, name in rows}
    r = client.get(f"/reports/notice.pdf?region={township}&month={month}")
    assert r.status_code == 200
    pdf = pypdf.PdfReader(io.BytesIO(r.content))
    texts = [page.extract_text() or "" for page in pdf.pages]
    heading = re.compile(r"^(\S+) · \d{4}年\d{1,2}月$", flags=re.M)
    titled = [heading.findall(t) for t in texts]
    assert not titled[0]  # the first page: the title and the summary by village
    names = [found[0] for found in titled if found]
    assert names and set(names) <= set(villages.values())
    assert len(names) == len(set(names))  # one page (or first page) per village
    assert all(len(found) <= 1 for found in titled)  # never two villages on a page
    assert all(name in texts[0] for name in names)  # the summary lists them first
    for text, found in zip(texts[1:], titled[1:], strict=True):
        assert found or "姓名" in text  # a village's heading, or its lines continued
