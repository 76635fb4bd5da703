"""The early-warning check after a settlement at the window, over HTTP on both databases: a
claim that puts its household over a line shows the new warning on the slip at once, linked
to the warning's page (whose workflow follows it)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine, func, select

from safetynet.codes import InstitutionLevel
from safetynet.store.db import session_scope
from safetynet.store.models import EarlyWarning, Person, Settlement
from safetynet.store.models.security import User
from tests.web.conftest import csrf_of


@pytest.fixture(autouse=True)
def online(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFETYNET_EARLY_WARNING_ONLINE", "true")


def _heaviest(engine: Engine) -> Person:
    """The living person who paid most out of pocket in the province in the year (over the
    10,000 line, which counts care in the province only)."""
    with session_scope(engine) as s:
        paid = func.sum(Settlement.out_of_pocket_fen)
        pid = s.scalar(
            select(Settlement.person_id)
            .join(Person, Person.id == Settlement.person_id)
            .where(
                Person.deceased_on.is_(None), Settlement.level != InstitutionLevel.OUT_OF_PROVINCE
            )
            .group_by(Settlement.person_id)
            .order_by(paid.desc())
            .limit(1)
        )
        person = s.get(Person, pid)
        assert person is not None
        return person


def test_the_slip_shows_the_warning_the_claim_raised(login, web_engine: Engine) -> None:
    person = _heaviest(web_engine)
    client = login("bureau")  # Chinese
    page = client.get(f"/window?resident_id={person.resident_id}")
    with session_scope(web_engine) as s:  # the clerk's hospital: the clerk reads its slips only
        hospital = s.scalar(select(User.institution_code).where(User.username == "clerk"))
    assert hospital and f'<option value="{hospital}"' in page.text
    form = {
        "csrf_token": csrf_of(page.text), "resident_id": person.resident_id,
        "institution_code": hospital, "kind": "outpatient", "date": "2017-12-20",
        "discharge_date": "", "diagnosis": "J06.9",
        "item_code": ["D0003"], "item_quantity": ["2"], "item_amount": ["36.00"],
    }  # fmt: skip
    preview = client.post("/window/preview", data=form)
    assert preview.status_code == 200, preview.text
    key = re.search(r'name="client_key" value="([0-9a-f]+)"', preview.text)
    assert key
    settled = client.post("/window/settle", data={**form, "client_key": key.group(1)})
    assert settled.status_code == 303
    sid = int(settled.headers["location"].rsplit("/", 1)[1])
    with session_scope(web_engine) as s:
        raised = s.scalars(select(EarlyWarning).where(EarlyWarning.settlement_id == sid)).all()
        assert raised, "the household's year is over a line: the check records its warnings"
        assert {w.household_id for w in raised} == {person.household_id}
        first = raised[0].id
    slip = client.get(f"/settlements/{sid}")
    assert 'id="early-warning"' in slip.text and "因病致贫返贫" in slip.text
    assert f'href="/warnings/{first}"' in slip.text
    assert "self_pay_year" not in slip.text
    assert client.get(f"/warnings/{first}").status_code == 200
    # the hospital's window clerk reads the slip, never the warning (the township's work)
    clerk = login("clerk")
    seen = clerk.get(f"/settlements/{sid}")
    assert seen.status_code == 200 and 'id="early-warning"' not in seen.text
    assert clerk.get(f"/warnings/{first}").status_code == 403
    # the next claim of the household (another visit: the same bill again would be refused as
    # a duplicate) raises nothing new: nothing shown twice
    form = {**form, "date": "2017-12-21"}
    again = client.post("/window/preview", data=form)
    key2 = re.search(r'name="client_key" value="([0-9a-f]+)"', again.text)
    assert key2, again.text
    sid2 = int(client.post("/window/settle", data={**form, "client_key": key2.group(1)})
               .headers["location"].rsplit("/", 1)[1])  # fmt: skip
    assert 'id="early-warning"' not in client.get(f"/settlements/{sid2}").text
