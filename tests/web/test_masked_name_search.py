"""A role that sees names masked (the analyst) cannot read a masked character back through the
search: over HTTP, on the page and the API, the answer depends only on the masked form of the
query (first and last character, length). On both databases."""

from __future__ import annotations

import re
from dataclasses import replace

import httpx
from sqlalchemy import Engine, func, select

from safetynet.config import get_settings
from safetynet.registry.masking import mask_name
from safetynet.store.db import session_scope
from safetynet.store.models import Person
from safetynet.synth.demo import DEMO_PASSWORD
from safetynet.web.app import create_app
from tests.web.conftest import basic_auth, csrf_of
from tests.web.server import running_server


def _three_character_name(engine: Engine) -> str:
    with session_scope(engine) as s:
        name = s.scalar(
            select(Person.name).where(func.length(Person.name) == 3).order_by(Person.id).limit(1)
        )
    assert name, "the synthetic county has three-character names"
    return name


def _analyst(client: httpx.Client) -> httpx.Client:
    """A browser-like session of the analyst (the pages want a login, the API Basic auth)."""
    form = client.get("/login")
    r = client.post("/login", data={"username": "analyst", "password": DEMO_PASSWORD,
                                    "csrf_token": csrf_of(form.text), "next": "/"})  # fmt: skip
    assert r.status_code == 303, r.text
    return client


def _answer(client: httpx.Client, q: str) -> tuple[list[tuple[str, str]], str]:
    api = client.get("/api/persons", params={"q": q}, headers=basic_auth("analyst"))
    assert api.status_code == 200, api.text
    page = client.get("/persons", params={"q": q})
    assert page.status_code == 200, page.text
    rows = re.findall(r"<tbody>.*?</tbody>", page.text, re.S)
    return [(p["name"], p["resident_id"]) for p in api.json()["persons"]], "".join(rows)


def test_a_name_search_tells_a_masked_user_no_masked_character(web_engine: Engine) -> None:
    name = _three_character_name(web_engine)
    other = "丨" if name[1] != "丨" else "乂"  # a middle character the name does not have
    app = create_app(
        web_engine, secret_key="k", settings=replace(get_settings(), secure_cookie=False)
    )
    with running_server(app) as base, httpx.Client(base_url=base) as client:
        _analyst(client)
        whole, whole_page = _answer(client, name)
        assert mask_name(name) in [n for n, _ in whole]  # the person is found, masked
        for same_mask in (name[0] + other + name[2], mask_name(name)):
            assert _answer(client, same_mask) == (whole, whole_page), same_mask
        # a prefix with the true middle character finds what a wrong one finds (two-character
        # names beginning so), never the three-character name
        prefix, prefix_page = _answer(client, name[:2])
        assert (prefix, prefix_page) == _answer(client, name[0] + other)
        assert all(len(n) == 2 for n, _ in prefix)
        # a bureau user (unmasked) still searches by prefix
        full = client.get("/api/persons", params={"q": name[:2]}, headers=basic_auth("bureau"))
        assert name in [p["name"] for p in full.json()["persons"]]


def test_a_one_character_name_is_not_found_by_its_hidden_character(web_engine: Engine) -> None:
    """A one-character name is masked whole (``*``): the surname query must not find it, or
    it would tell the name."""
    with session_scope(web_engine) as s:
        person = s.scalars(
            select(Person).where(func.length(Person.name) == 2).order_by(Person.id.desc())
        ).first()
        assert person is not None
        person.name = "乂"  # a surname nobody else in the county has
        surname, resident_id = person.name, person.resident_id
    settings = replace(get_settings(), secure_cookie=False)
    app = create_app(web_engine, secret_key="k", settings=settings)
    with running_server(app) as base, httpx.Client(base_url=base) as client:
        _analyst(client)
        found, page = _answer(client, surname)
        assert "*" not in [n for n, _ in found]
        assert "<td>*</td>" not in page
        assert all(len(n) >= 2 for n, _ in found)
        bureau = client.get("/api/persons", params={"q": surname}, headers=basic_auth("bureau"))
        assert resident_id in [p["resident_id"] for p in bureau.json()["persons"]]
