"""The window's form as a clerk (or a tampered form) fills it badly, in Chinese: each refusal
has its status and a Chinese sentence without an English word, and nothing is written —
an ID with a wrong check character, an unknown institution, an institution whose designation
ended (the end date exclusive: its last day still settles), a date the person is not enrolled,
no item, amounts that are not money (NaN, infinity, negative, three decimals), quantities of
0 or beyond any bill, numbers in another script's digits (٣٥, ², ①), a discharge before the
admission."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import Engine, func, select, update

from safetynet.store.db import session_scope
from safetynet.store.models import Institution, Settlement
from tests.web.conftest import csrf_of


def _message(html: str) -> str:
    found = re.findall(r'class="[^"]*(?:error|alert)[^"]*"[^>]*>(.*?)</', html, re.S)
    return " ".join(re.sub(r"\s+", " ", x).strip() for x in found)


def _form(rid: str, inst: str, csrf: str, items: list[tuple[str, str, str]], **over: str) -> dict:  # type: ignore[type-arg]
    form = {
        "csrf_token": csrf, "resident_id": rid, "institution_code": inst, "kind": "outpatient",
        "date": "2017-12-18", "discharge_date": "", "diagnosis": "J18.9",
        "item_code": [c for c, _, _ in items], "item_quantity": [q for _, q, _ in items],
        "item_amount": [a for _, _, a in items],
    }  # fmt: skip
    return {**form, **over}


def _entries(engine: Engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Settlement)) or 0


@pytest.fixture
def ended(web_engine: Engine) -> str:  # type: ignore[misc]
    """A township health centre whose designation ends on 1 July 2017 (exclusive)."""
    with session_scope(web_engine) as s:
        inst = s.scalar(
            select(Institution).where(Institution.level == "township").order_by(Institution.code)
        )
        assert inst is not None
        code, before = inst.code, inst.designated_to
        inst.designated_to = date(2017, 7, 1)
    yield code
    with session_scope(web_engine) as s:
        s.execute(update(Institution).where(Institution.code == code).values(designated_to=before))


def test_every_bad_form_is_refused_in_chinese_and_writes_nothing(
    login, sample_person, hospital: str, ended: str, web_engine: Engine
) -> None:
    clerk, bureau = login("clerk"), login("bureau")
    rid = sample_person.resident_id
    csrf_clerk = csrf_of(clerk.get(f"/window?resident_id={rid}").text)
    csrf_bureau = csrf_of(bureau.get(f"/window?resident_id={rid}").text)
    one = [("S0004", "1", "10.00")]
    wrong = rid[:17] + ("5" if rid[17] != "5" else "6")
    cases = [
        (clerk, _form(wrong, hospital, csrf_clerk, one), 404),
        (bureau, _form(rid, "NO-SUCH", csrf_bureau, one), 404),
        (bureau, _form(rid, ended, csrf_bureau, one, date="2017-07-01"), 422),
        (clerk, _form(rid, hospital, csrf_clerk, one, date="2016-06-01"), 422),
        (clerk, _form(rid, hospital, csrf_clerk, [("", "", "")]), 422),
        (clerk, _form(rid, hospital, csrf_clerk, [("S0004", "1", "NaN")]), 422),
        (clerk, _form(rid, hospital, csrf_clerk, [("S0004", "1", "Infinity")]), 422),
        (clerk, _form(rid, hospital, csrf_clerk, [("S0004", "1", "-1")]), 422),
        (clerk, _form(rid, hospital, csrf_clerk, [("S0004", "1", "10.005")]), 422),
        (clerk, _form(rid, hospital, csrf_clerk, [("S0004", "0", "10")]), 422),
        (clerk, _form(rid, hospital, csrf_clerk, [("S0004", "9" * 20, "10")]), 422),
        # another script's digits, a superscript, a circled digit: not numbers (were 35, 1, 1)
        (clerk, _form(rid, hospital, csrf_clerk, [("S0004", "1", "٣٥")]), 422),
        (clerk, _form(rid, hospital, csrf_clerk, [("S0004", "1", "3²")]), 422),
        (clerk, _form(rid, hospital, csrf_clerk, [("S0004", "①", "10")]), 422),
        (clerk, _form(rid, hospital, csrf_clerk, [("S0004", "٣", "10")]), 422),
        # a reason with a right-to-left override or an escape: refused, not stored
        (clerk, _form(rid, hospital, csrf_clerk, one, duplicate_reason="a\u202eb"), 422),
        (clerk, _form(rid, hospital, csrf_clerk, one, duplicate_reason="a\x1b[31m"), 422),
        (
            clerk,
            _form(rid, hospital, csrf_clerk, one, kind="inpatient", discharge_date="2017-12-01"),
            422,
        ),
    ]
    before = _entries(web_engine)
    for client, form, status in cases:
        r = client.post("/window/preview", data=form)
        assert r.status_code == status, (form, r.status_code)
        text = _message(r.text)
        assert re.search(r"[\u4e00-\u9fff]", text), (form, text)
        words = re.sub(r"[A-Z]\d{2}(\.\d+)?|[\dX]{6,}", "", text)  # codes, IDs
        assert not re.search(r"[A-Za-z]{2,}", words), (form, text)
    # the designation's last day (the day before its exclusive end) still settles
    ok = bureau.post("/window/preview", data=_form(rid, ended, csrf_bureau, one, date="2017-06-30"))
    assert ok.status_code == 200 and 'name="client_key"' in ok.text
    assert _entries(web_engine) == before


def test_an_item_row_typed_in_full_width_is_read_as_typed(
    login, sample_person, hospital: str
) -> None:
    """A Chinese input method types ｓ０００４, １ and ２０．５０: the row is S0004, 1 unit,
    20.50 yuan (it was refused as "not a number", or the code as unknown)."""
    client = login("clerk", "en")
    rid = sample_person.resident_id
    csrf = csrf_of(client.get(f"/window?resident_id={rid}").text)
    typed = _form(rid, hospital, csrf, [("ｓ０００４", "１", "２０．５０")], kind="inpatient",
                  date="2017-12-05", discharge_date="2017-12-06")  # fmt: skip
    plain = _form(rid, hospital, csrf, [("S0004", "1", "20.50")], kind="inpatient",
                  date="2017-12-05", discharge_date="2017-12-06")  # fmt: skip
    r = client.post("/window/preview", data=typed)
    assert r.status_code == 200, _message(r.text)
    same = client.post("/window/preview", data=plain)
    table = re.compile(r'<table class="num layers">.*?</table>', re.S)
    assert table.search(r.text).group(0) == table.search(same.text).group(0)  # type: ignore[union-attr]
    # the row's name is looked up as the code is typed
    looked = client.get("/window/items/ｓ０００４")
    assert looked.status_code == 200 and looked.json()["code"] == "S0004"
