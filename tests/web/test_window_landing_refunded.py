"""The clerk's latest settlements on the window's landing never show a refunded settlement as
simply paid: its row says it was refunded, in the clerk's language."""

from __future__ import annotations

import re

from tests.web.conftest import csrf_of

ITEMS = [("S0002", "5", "175.00"), ("D0003", "2", "36.00")]


def _row(page: str, settlement_id: int) -> str:
    found = re.search(rf'<tr><td><a href="/settlements/{settlement_id}">.*?</tr>', page, re.S)
    assert found, f"settlement {settlement_id} is not on the landing"
    return re.sub(r"<[^>]+>", " ", found.group(0))


def test_a_refunded_settlement_says_so_on_the_landing(login, sample_person, hospital) -> None:
    client = login("clerk", "en")
    rid = sample_person.resident_id
    page = client.get(f"/window?resident_id={rid}")
    form = {
        "csrf_token": csrf_of(page.text), "resident_id": rid, "institution_code": hospital,
        "kind": "inpatient", "date": "2017-11-20", "discharge_date": "2017-11-25",
        "diagnosis": "J18.9", "item_code": [c for c, _, _ in ITEMS],
        "item_quantity": [q for _, q, _ in ITEMS], "item_amount": [a for _, _, a in ITEMS],
    }  # fmt: skip
    preview = client.post("/window/preview", data=form)
    key = re.search(r'name="client_key" value="([0-9a-f]+)"', preview.text)
    assert key
    done = client.post("/window/settle", data={**form, "client_key": key.group(1)})
    assert done.status_code == 303
    settlement_id = int(done.headers["location"].rsplit("/", 1)[1])
    assert "refunded" not in _row(client.get("/window").text, settlement_id)
    slip = client.get(done.headers["location"])
    refund = client.post(
        f"/settlements/{settlement_id}/refund",
        data={"reason": "wrong patient", "csrf_token": csrf_of(slip.text)},
    )
    assert refund.status_code == 303
    assert "refunded" in _row(client.get("/window").text, settlement_id)
    chinese = login("clerk").get("/window").text
    assert "退费" in _row(chinese, settlement_id)
