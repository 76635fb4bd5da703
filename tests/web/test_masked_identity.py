"""A role without the right to see resident IDs (the analyst) can never rebuild one: every
page, API answer and workbook it may open shows the year of birth only and the ID without
its tail, together; an ID prefix search tells nothing. On both databases."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date, datetime

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, select

from safetynet.registry.masking import masked_identity
from safetynet.store.db import session_scope
from safetynet.store.models import Person

Login = Callable[..., TestClient]


def _people(engine: Engine) -> list[Person]:
    with session_scope(engine) as s:
        return list(s.scalars(select(Person).order_by(Person.id).limit(40)))


def _assert_unrebuildable(text: str, people: list[Person]) -> None:
    """No full birth date (any writing) and no ID tail of these persons in ``text``."""
    for p in people:
        born = p.birth_date
        for shown in (born.isoformat(), born.strftime("%Y%m%d"), born.strftime("%Y/%m/%d"),
                      f"{born.year}年{born.month}月{born.day}日"):  # fmt: skip
            assert shown not in text, (p.resident_id, shown)
        assert p.resident_id not in text
        assert not re.search(r"\*" + re.escape(p.resident_id[-4:]) + r"\b", text), p.resident_id


def test_an_analyst_sees_year_of_birth_and_no_id_tail_everywhere(
    login: Login, web_engine: Engine
) -> None:
    people = _people(web_engine)
    analyst = login("analyst", "en")
    queries = sorted({p.name[0] for p in people} | {p.name for p in people[:5]})
    seen = 0
    for q in queries:
        page = analyst.get("/persons", params={"q": q})
        assert page.status_code == 200
        _assert_unrebuildable(page.text, people)
        api = analyst.get("/api/persons", params={"q": q})
        assert api.status_code == 200
        _assert_unrebuildable(api.text, people)
        for entry in api.json()["persons"]:
            assert re.fullmatch(r"\d{4}", entry["birth_date"]), entry
            assert re.fullmatch(r"\d{4}\*{14}", entry["resident_id"]), entry
            seen += 1
        book = analyst.get("/persons.xlsx", params={"q": q})
        assert book.status_code == 200
        cells = [c.value for ws in load_workbook(io.BytesIO(book.content)).worksheets
                 for row in ws.iter_rows() for c in row if c.value is not None]  # fmt: skip
        assert not [c for c in cells if isinstance(c, datetime | date)]
        _assert_unrebuildable("\n".join(map(str, cells)), people)
    assert seen >= 10  # the test looked at real answers


def test_the_masked_row_is_the_helpers_and_an_unmasked_user_sees_the_date(
    login: Login, web_engine: Engine
) -> None:
    p = _people(web_engine)[0]
    masked = masked_identity(p.name, p.resident_id, p.birth_date)
    got = login("analyst").get("/api/persons", params={"q": p.name}).json()["persons"]
    assert tuple(masked) in [(e["name"], e["resident_id"], e["birth_date"]) for e in got]
    full = login("bureau").get("/api/persons", params={"q": p.resident_id}).json()["persons"]
    assert full[0]["birth_date"] == p.birth_date.isoformat()
    assert full[0]["resident_id"] == p.resident_id


def test_an_id_search_tells_a_masked_user_nothing(login: Login, web_engine: Engine) -> None:
    """Neither a prefix (the ID digit by digit) nor a whole ID (a guess confirmed)."""
    p = _people(web_engine)[0]
    analyst = login("analyst")
    for n in (6, 10, 14, 17, 18):
        r = analyst.get("/api/persons", params={"q": p.resident_id[:n]})
        assert r.json()["persons"] == [], n
    bureau = login("bureau").get("/api/persons", params={"q": p.resident_id[:14]}).json()
    assert p.resident_id in [e["resident_id"] for e in bureau["persons"]]


def test_an_analyst_sees_no_age_beside_the_year_of_birth(login: Login, web_engine: Engine) -> None:
    """The age today beside the year of birth says whether this year's birthday is past; read
    on the day it changes it gives the whole birth date. The analyst's page and workbook show
    the year only; a user who may see IDs keeps the age."""
    people = _people(web_engine)
    q = people[0].name
    analyst = login("analyst", "en")
    page = analyst.get("/persons", params={"q": q})
    assert page.status_code == 200 and "Year of birth" in page.text
    headers = re.findall(r"<th>([^<]*)</th>", page.text)
    assert "Age" not in headers and "Village" in headers
    book = analyst.get("/persons.xlsx", params={"q": q})
    cells = {str(c.value) for ws in load_workbook(io.BytesIO(book.content)).worksheets
             for row in ws.iter_rows() for c in row if c.value is not None}  # fmt: skip
    assert "Age" not in cells and "Year of birth" in cells
    bureau = login("bureau", "en").get("/persons", params={"q": q})
    assert "Age" in re.findall(r"<th>([^<]*)</th>", bureau.text)


def test_an_analyst_sees_the_year_of_a_death_only(login: Login, web_engine: Engine) -> None:
    """A death's day beside the village and the masked name names the person: it is masked
    as the birth date is (the year only), in the API and on the page; the bureau sees it."""
    with session_scope(web_engine) as s:
        dead = s.scalars(
            select(Person).where(Person.deceased_on.is_not(None)).order_by(Person.id).limit(5)
        ).all()
    assert dead, "the county has deceased persons"
    analyst, seen = login("analyst", "en"), 0
    for p in dead:
        assert p.deceased_on is not None
        day = p.deceased_on.isoformat()
        api = analyst.get("/api/persons", params={"q": p.name})
        assert day not in api.text
        page = analyst.get("/persons", params={"q": p.name})
        assert day not in page.text
        for entry in api.json()["persons"]:
            if entry["deceased_on"] is not None:
                assert re.fullmatch(r"\d{4}", entry["deceased_on"]), entry
                seen += 1
        full = login("bureau").get("/api/persons", params={"q": p.resident_id}).json()
        assert full["persons"][0]["deceased_on"] == day
    assert seen  # the test looked at a death


def test_a_masked_day_is_its_year() -> None:
    from safetynet.registry.masking import masked_day

    assert masked_day(date(2017, 3, 4)) == "2017" and masked_day(None) is None
