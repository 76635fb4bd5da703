"""The window in the real app over HTTP: preview, confirm (once, even when clicked twice),
the slip with every layer, refund."""

from __future__ import annotations

import re

from sqlalchemy import Engine, func, select

from safetynet.store.db import session_scope
from safetynet.store.models import Settlement
from safetynet.store.models.security import AuditEvent
from tests.web.conftest import csrf_of

ITEMS = [
    ("S0002", "10", "350.00"), ("D0003", "10", "180.00"), ("S0004", "2", "36.00"),
    ("M0005", "1", "2000.00"),
]  # fmt: skip


def _form(resident_id: str, institution: str, csrf: str) -> dict[str, object]:
    return {
        "csrf_token": csrf,
        "resident_id": resident_id,
        "institution_code": institution,
        "kind": "inpatient",
        "date": "2017-12-18",
        "discharge_date": "2017-12-25",
        "diagnosis": "j18.9",
        "item_code": [c for c, _, _ in ITEMS] + [""],
        "item_quantity": [q for _, q, _ in ITEMS] + ["1"],
        "item_amount": [a for _, _, a in ITEMS] + [""],
    }


def _entries(engine: Engine, person_id: int) -> int:
    with session_scope(engine) as s:
        return (
            s.scalar(
                select(func.count())
                .select_from(Settlement)
                .where(Settlement.person_id == person_id)
            )
            or 0
        )


def test_preview_confirm_twice_slip_and_refund(login, sample_person, hospital, web_engine) -> None:
    client = login("clerk", "en")
    rid = sample_person.resident_id
    page = client.get(f"/window?resident_id={rid}")
    assert page.status_code == 200
    before = _entries(web_engine, sample_person.id)

    preview = client.post("/window/preview", data=_form(rid, hospital, csrf_of(page.text)))
    assert preview.status_code == 200, preview.text
    assert 'id="preview-result"' in preview.text
    assert "The patient pays" in preview.text
    assert _entries(web_engine, sample_person.id) == before  # a preview writes nothing
    key = re.search(r'name="client_key" value="([0-9a-f]+)"', preview.text)
    assert key
    confirm = {**_form(rid, hospital, csrf_of(preview.text)), "client_key": key.group(1)}

    first = client.post("/window/settle", data=confirm)
    second = client.post("/window/settle", data=confirm)  # the clerk clicked twice
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert _entries(web_engine, sample_person.id) == before + 1

    slip = client.get(first.headers["location"])
    assert slip.status_code == 200
    assert "Settlement slip" in slip.text and "Basic medical insurance" in slip.text
    pays = re.search(r'id="patient-pays">([\d,.]+)<', slip.text)
    assert pays and float(pays.group(1).replace(",", "")) < 2566.00  # someone paid a share

    settlement_id = int(first.headers["location"].rsplit("/", 1)[1])
    refund = client.post(
        f"/settlements/{settlement_id}/refund",
        data={"reason": "wrong patient", "csrf_token": csrf_of(slip.text)},
    )
    assert refund.status_code == 303
    reversal = client.get(refund.headers["location"])
    assert "refund (reversal)" in reversal.text and "wrong patient" in reversal.text
    assert _entries(web_engine, sample_person.id) == before + 2
    again = client.post(
        f"/settlements/{settlement_id}/refund",
        data={"reason": "twice", "csrf_token": csrf_of(slip.text)},
    )
    assert again.status_code == 409  # refunded once only
    with session_scope(web_engine) as s:
        actions = set(
            s.scalars(select(AuditEvent.action).where(AuditEvent.username == "clerk")).all()
        )
    assert {"settle", "refund", "read"} <= actions


def test_a_bad_item_shows_the_error_and_keeps_the_form(
    login, sample_person, hospital, web_engine
) -> None:
    client = login("clerk", "en")
    rid = sample_person.resident_id
    page = client.get(f"/window?resident_id={rid}")
    form = _form(rid, hospital, csrf_of(page.text))
    form["item_code"] = ["NOPE01", "D0003", "S0004", "M0005", ""]
    before = _entries(web_engine, sample_person.id)
    r = client.post("/window/preview", data=form)
    assert r.status_code == 422
    assert "Item code NOPE01 is not in the catalog." in r.text
    assert 'value="350.00"' in r.text  # what the clerk typed is still there
    assert _entries(web_engine, sample_person.id) == before


def test_a_clerk_settles_only_at_their_institution(login, sample_person, web_engine) -> None:
    from safetynet.store.models import Institution

    with session_scope(web_engine) as s:
        other = s.scalar(select(Institution.code).where(Institution.level == "township"))
    client = login("clerk", "en")
    page = client.get(f"/window?resident_id={sample_person.resident_id}")
    r = client.post(
        "/window/preview", data=_form(sample_person.resident_id, other, csrf_of(page.text))
    )
    assert r.status_code == 403


def test_the_window_form_needs_its_csrf_token(login, sample_person, hospital) -> None:
    client = login("clerk")
    r = client.post("/window/preview", data=_form(sample_person.resident_id, hospital, "forged"))
    assert r.status_code == 403


def test_the_slip_prints_as_pdf_in_the_users_language(login, web_engine) -> None:
    import io

    import pypdf

    from safetynet.store.models import Person

    with session_scope(web_engine) as s:
        entry = s.scalar(select(Settlement).order_by(Settlement.paid_fen.desc()).limit(1))
        person = s.get(Person, entry.person_id)
    client = login("bureau")
    r = client.get(f"/settlements/{entry.id}/pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert "一站式结算单" in text and person.name in text and person.resident_id in text
    paid = f"{entry.paid_fen // 100:,}.{entry.paid_fen % 100:02d}"
    assert paid in text
    client.get("/locale/en")
    english = pypdf.PdfReader(io.BytesIO(client.get(f"/settlements/{entry.id}/pdf").content))
    assert "Settlement slip" in english.pages[0].extract_text()
