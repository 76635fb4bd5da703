"""The window's search as a clerk types a resident ID: full-width digits of a Chinese input
method and an ID written in groups find the person; a whole ID whose check character (or
birth date) cannot be right says so — which character the first 17 digits require — in the
clerk's language, rather than only "nobody matches"."""

from __future__ import annotations

import re

from safetynet.registry.resident_id import check_char


def _rows(page: str) -> list[str]:
    table = re.search(r'<table id="persons">.*?</table>', page, flags=re.S)
    return re.findall(r"<tr>.*?</tr>", table.group(0), flags=re.S) if table else []


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def test_full_width_digits_and_groups_find_the_person(login, sample_person) -> None:
    client = login("clerk", "en")
    rid = sample_person.resident_id
    for q in (_full_width(rid), f"{rid[:6]} {rid[6:14]} {rid[14:]}", _full_width(rid[:10])):
        rows = _rows(client.get("/persons", params={"q": q}).text)
        assert any(rid in r for r in rows), q


def test_a_wrong_check_character_is_named(login, sample_person) -> None:
    rid = sample_person.resident_id
    wrong = "5" if rid[17] != "5" else "6"
    typed = rid[:17] + wrong
    assert check_char(rid[:17]) == rid[17]
    english = login("clerk", "en").get("/persons", params={"q": typed}).text
    assert not _rows(english)
    hint = re.search(r'id="id-problem"[^>]*>(.*?)</p>', english, flags=re.S)
    assert hint, "no word on the ID's check character"
    assert f"check digit is {wrong}, the first 17 digits require {rid[17]}" in hint.group(1)
    chinese = login("clerk").get("/persons", params={"q": typed}).text
    hint_zh = re.search(r'id="id-problem"[^>]*>(.*?)</p>', chinese, flags=re.S)
    assert hint_zh and rid[17] in hint_zh.group(1)
    words = re.sub(r"\d{6,}[\dX]*", "", re.sub(r"<[^>]+>", "", hint_zh.group(1)))
    assert not re.search(r"[A-Za-z]{2,}", words), words
    # a good ID gets no such word, nor does a name or an ID prefix
    for q in (rid, rid[:8], sample_person.name):
        page = login("clerk", "en").get("/persons", params={"q": q}).text
        assert 'id="id-problem"' not in page, q


def test_every_interface_reads_an_id_typed_full_width_or_with_a_small_x(
    app, sample_person, hospital
) -> None:
    """The one rule of an ID as typed (``as_typed``): the JSON API's person, coverage and claim
    and FHIR's Patient search read ``３４…`` as ``34…`` (they answered 404 "no person" and 422
    "must be 17 digits"), as the window's search does."""
    from fastapi.testclient import TestClient

    from tests.web.conftest import basic_auth, inpatient_claim

    api = TestClient(app, headers=basic_auth("bureau"))
    rid = sample_person.resident_id
    typed = _full_width(rid)
    r = api.get(f"/api/persons/{typed}")
    assert r.status_code == 200 and r.json()["resident_id"] == rid
    r = api.get(f"/api/persons/{typed}/coverage", params={"on": "2017-12-20"})
    assert r.status_code == 200 and r.json()["resident_id"] == rid
    r = api.get("/fhir/Patient", params={"identifier": f"urn:safetynet:resident-id|{typed}"})
    assert r.status_code == 200 and r.json()["total"] == 1
    plain = api.post("/api/claims/preview", json=inpatient_claim(rid, hospital))
    full = api.post("/api/claims/preview", json=inpatient_claim(typed, hospital))
    assert full.status_code == 200, full.text
    assert full.json()["resident_id"] == rid and full.json()["paid_fen"] == plain.json()["paid_fen"]
    # a wrong check character stays wrong however it is typed, and says which is required
    wrong = rid[:17] + ("1" if rid[17] != "1" else "2")
    r = api.post("/api/claims/preview", json=inpatient_claim(_full_width(wrong), hospital))
    assert r.status_code == 422 and r.json()["error"]["code"] == "resident_id_invalid"
    assert f"require {rid[17]}" in r.json()["error"]["message"]
