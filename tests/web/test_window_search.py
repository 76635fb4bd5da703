"""The window as a clerk uses it all day, over HTTP on both databases: find a person by the
first digits of the ID, by name, by household number (LIKE wildcards typed are plain
characters); results with poverty status, village name and age; the clerk's landing (no
silent redirect) and the navigation's link to it; the catalog lookup of item rows; a
refund's reason kept in the audit log."""

from __future__ import annotations

import re

from sqlalchemy import Engine, select

from safetynet.clock import local_today
from safetynet.registry.status import statuses_on
from safetynet.store.db import session_scope
from safetynet.store.models import Household, Person, Region
from safetynet.store.models.security import AuditEvent
from tests.web.conftest import csrf_of


def _rows(page: str) -> list[str]:
    table = re.search(r'<table id="persons">.*?</table>', page, flags=re.S)
    return re.findall(r"<tr>.*?</tr>", table.group(0), flags=re.S) if table else []


def test_like_wildcards_typed_in_the_search_are_plain_characters(login, sample_person) -> None:
    client = login("bureau", "en")
    assert _rows(client.get("/persons", params={"q": sample_person.name}).text)  # it finds
    for q in ("%", "_", "%%", sample_person.name[0] + "%", sample_person.name[0] + "_", "0%"):
        page = client.get("/persons", params={"q": q}).text
        assert not _rows(page), q
        assert "Nobody in your region matches" in page
    assert client.get("/api/persons", params={"q": "%"}).json()["persons"] == []


def test_search_by_id_digits_name_and_household_shows_status_village_and_age(
    login, sample_person, web_engine: Engine
) -> None:
    client = login("clerk", "en")
    with session_scope(web_engine) as s:
        person = s.get(Person, sample_person.id)
        number = s.get(Household, person.household_id).number
        members = set(s.scalars(select(Person.resident_id).where(
            Person.household_id == person.household_id)))  # fmt: skip
        village = s.get(Region, person.region_code).name
        statuses = statuses_on(s, person.id, local_today(), person.household_id)
    rid = sample_person.resident_id
    assert _rows(client.get("/persons", params={"q": rid[:4]}).text)  # four digits: an ID prefix
    row = next(r for r in _rows(client.get("/persons", params={"q": rid[:14]}).text) if rid in r)
    cells = re.findall(r"<td>(.*?)</td>", re.sub(r"<a [^>]*>|</a>", "", row))
    born = sample_person.birth_date
    today = local_today()
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    assert str(age) in cells and village in cells
    assert person.region_code not in row  # the village by name, not its code
    status_words = {"registered_poor": "registered poor", "ordinary": "ordinary resident",
                    "low_income": "low income (dibao)", "exited": "exited poverty"}  # fmt: skip
    assert any(status_words.get(s.value, "§") in row for s in statuses)
    assert f'href="/window?resident_id={rid}"' in row  # settle from the result
    household = _rows(client.get("/persons", params={"q": number}).text)
    assert {m for m in members if any(m in r for r in household)} == members
    assert _rows(client.get("/persons", params={"q": sample_person.name[:1]}).text)  # name start
    chinese = login("clerk")
    row_zh = " ".join(_rows(chinese.get("/persons", params={"q": rid}).text))
    assert village in row_zh and not re.search(r"[A-Za-z]{3,}", re.sub(r"<[^>]+>", "", row_zh))


def test_the_clerk_lands_on_the_window_and_the_navigation_links_it(login) -> None:
    client = login("clerk", "en")
    home = client.get("/")
    assert home.status_code == 200  # no redirect
    assert 'id="window-search"' in home.text and "Your latest settlements" in home.text
    assert 'href="/window"' in home.text
    assert client.get("/window").status_code == 200
    assert 'href="/window"' not in login("analyst", "en").get("/").text  # analysts do not settle


def test_the_item_lookup_names_a_code(login) -> None:
    client = login("clerk", "en")
    item = client.get("/window/items/s0002")
    assert item.status_code == 200
    assert item.json()["code"] == "S0002" and item.json()["name"] and item.json()["class"] in "ABC"
    assert client.get("/window/items/NOPE01").status_code == 404
    assert login("analyst").get("/window/items/S0002").status_code == 403


def test_a_refunds_reason_is_kept_and_audited(login, sample_person, hospital, web_engine) -> None:
    client = login("clerk", "en")
    rid = sample_person.resident_id
    page = client.get(f"/window?resident_id={rid}")
    form = {"csrf_token": csrf_of(page.text), "resident_id": rid, "institution_code": hospital,
            "kind": "outpatient", "date": "2017-06-01", "item_code": ["D0003", ""],
            "item_quantity": ["2", "1"], "item_amount": ["18.00", ""]}  # fmt: skip
    preview = client.post("/window/preview", data=form)
    assert preview.status_code == 200, preview.text
    assert 'class="item-name">' in preview.text and "Line total (yuan)" in preview.text
    key = re.search(r'name="client_key" value="([0-9a-f]+)"', preview.text)
    assert key
    slip_url = client.post("/window/settle", data={**form, "client_key": key.group(1)})
    slip = client.get(slip_url.headers["location"]).text
    assert 'data-confirm="' in slip and 'name="reason"' in slip and "required" in slip
    sid = slip_url.headers["location"].rsplit("/", 1)[1]
    done = client.post(f"/settlements/{sid}/refund",
                       data={"reason": "billed twice", "csrf_token": csrf_of(slip)})  # fmt: skip
    assert done.status_code == 303
    assert "billed twice" in client.get(done.headers["location"]).text
    with session_scope(web_engine) as s:
        event = s.scalar(select(AuditEvent).where(
            AuditEvent.action == "refund", AuditEvent.target_id == sid))  # fmt: skip
        assert event is not None and event.detail["reason"] == "billed twice"
