"""Users see only their region; analysts see masked lists; reads are audited."""

from __future__ import annotations

from sqlalchemy import Engine, select

from safetynet.registry.masking import mask_name, mask_resident_id_tail
from safetynet.store.db import session_scope
from safetynet.store.models import Person, Region
from safetynet.store.models.security import AuditEvent, User


def _outside_township(engine: Engine) -> Person:
    """A person who does not live in the 'township' user's township."""
    with session_scope(engine) as s:
        township = s.scalar(select(User.region_code).where(User.username == "township"))
        villages = s.scalars(select(Region.code).where(Region.parent_code == township)).all()
        person = s.scalar(
            select(Person).where(Person.region_code.not_in(villages)).order_by(Person.id)
        )
        assert person is not None
        return person


def test_a_township_user_cannot_open_a_person_of_another_township(login, web_engine) -> None:
    other = _outside_township(web_engine)
    client = login("township")
    r = client.get(f"/persons/{other.resident_id}")
    assert r.status_code == 404
    assert other.name not in r.text
    found = client.get(f"/persons?q={other.resident_id}")
    assert f'href="/persons/{other.resident_id}"' not in found.text
    assert other.name not in found.text
    assert client.get(f"/api/persons/{other.resident_id}").status_code in (401, 404)
    county = login("bureau")
    assert county.get(f"/persons/{other.resident_id}").status_code == 200


def test_the_township_user_finds_their_own_people(login, web_engine: Engine) -> None:
    with session_scope(web_engine) as s:
        township = s.scalar(select(User.region_code).where(User.username == "township"))
        villages = s.scalars(select(Region.code).where(Region.parent_code == township)).all()
        mine = s.scalar(select(Person).where(Person.region_code.in_(villages)).limit(1))
        assert mine is not None
    client = login("township")
    assert mine.resident_id in client.get(f"/persons?q={mine.resident_id}").text
    assert client.get(f"/persons/{mine.resident_id}").status_code == 200


def test_the_overview_counts_only_the_users_region(login, web_engine: Engine) -> None:
    import re

    def persons_shown(html: str) -> int:
        found = re.search(r'id="persons-count">([\d,]+)<', html)
        assert found
        return int(found.group(1).replace(",", ""))

    county = persons_shown(login("bureau").get("/").text)
    township = persons_shown(login("township").get("/").text)
    with session_scope(web_engine) as s:
        total = s.query(Person).count()
    assert county == total
    assert 0 < township < county


def test_an_analyst_sees_masked_names_and_ids_only(login, sample_person: Person) -> None:
    client = login("analyst")
    for q in (sample_person.resident_id[:17], sample_person.resident_id):
        assert client.get(f"/api/persons?q={q}").json()["persons"] == []  # no ID oracle
    page = client.get(f"/persons?q={sample_person.name}").text
    page = page.split('<table id="persons">', 1)[1]  # the results (the box repeats the query)
    assert mask_resident_id_tail(sample_person.resident_id) in page
    assert mask_name(sample_person.name) in page
    assert sample_person.resident_id not in page
    assert client.get(f"/persons/{sample_person.resident_id}").status_code == 403
    api = client.get(f"/api/persons?q={sample_person.name}").json()["persons"]
    assert mask_resident_id_tail(sample_person.resident_id) in [p["resident_id"] for p in api]


def test_reading_a_person_is_audited(login, sample_person: Person, web_engine: Engine) -> None:
    client = login("auditor")
    assert client.get(f"/persons/{sample_person.resident_id}").status_code == 200
    with session_scope(web_engine) as s:
        events = s.scalars(
            select(AuditEvent).where(
                AuditEvent.target_id == sample_person.resident_id, AuditEvent.action == "read"
            )
        ).all()
    assert any(e.username == "auditor" for e in events)
    log = client.get(f"/audit?target_id={sample_person.resident_id}").text
    assert "auditor" in log and sample_person.resident_id in log
