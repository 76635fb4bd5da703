"""A small synthetic county with its year settled and one user per role, per backend
(built once per module), and logged-in HTTP clients of the real app, in process."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from safetynet.early_warning.service import evaluate_year, record
from safetynet.programmes.synthetic import generate_programme
from safetynet.security.users import create_user
from safetynet.settlement.year_batch import settle_year
from safetynet.store.db import session_scope
from safetynet.store.models import (
    DoctorContract,
    EarlyWarning,
    FollowUp,
    Institution,
    Person,
    Region,
)
from safetynet.store.models.security import Role, User
from safetynet.synth.county import generate
from safetynet.synth.demo import DEMO_PASSWORD, ensure_demo_users
from safetynet.synth.load import load_county
from safetynet.web.app import create_app
from tests.conftest import fresh_engine

PERSONS = 1_500
YEAR = 2017


def _build(engine: Engine) -> None:
    load_county(engine, generate(PERSONS, seed=11, year=YEAR))
    settle_year(engine, YEAR)
    with session_scope(engine) as s:
        generate_programme(s, YEAR, seed=11)
    ensure_demo_users(engine)
    with session_scope(engine) as s:
        townships = s.scalars(
            select(Region.code).where(Region.level == "township").order_by(Region.code)
        ).all()
        create_user(s, username="township", password=DEMO_PASSWORD, role=Role.BUREAU,
                    region_code=townships[0], locale="en")  # fmt: skip


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def web_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    engine = fresh_engine(request, tmp_path_factory, "web")
    _build(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def app(web_engine: Engine):
    return create_app(web_engine, secret_key="test-secret-key")


def basic_auth(user: str) -> dict[str, str]:
    """The HTTP Basic header of a demo user (every demo user has the demo password)."""
    token = base64.b64encode(f"{user}:{DEMO_PASSWORD}".encode()).decode()
    return {"authorization": f"Basic {token}"}


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.fixture
def login(app) -> Callable[[str], TestClient]:
    """``login("clerk")`` → a client with that user's session (Chinese unless set)."""

    def _login(username: str, locale: str | None = None) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        page = client.get("/login")
        r = client.post(
            "/login",
            data={"username": username, "password": DEMO_PASSWORD,
                  "csrf_token": csrf_of(page.text), "next": "/"},
        )  # fmt: skip
        assert r.status_code == 303, r.text
        if locale:
            client.get(f"/locale/{locale}")
        return client

    return _login


@pytest.fixture
def sample_person(web_engine: Engine) -> Person:
    """An enrolled person with settled claims in the county."""
    from safetynet.store.models import Settlement

    with session_scope(web_engine) as s:
        pid = s.scalar(
            select(Settlement.person_id)
            .join(Person, Person.id == Settlement.person_id)
            .where(Person.deceased_on.is_(None))
            .order_by(Settlement.id)
            .limit(1)
        )
        person = s.get(Person, pid)
        assert person is not None
        return person


@pytest.fixture
def hospital(web_engine: Engine) -> str:
    with session_scope(web_engine) as s:
        code = s.scalar(
            select(Institution.code).where(Institution.level == "county").order_by(Institution.code)
        )
        assert code
        return code


def inpatient_claim(resident_id: str, institution: str, day: str = "2017-12-20") -> dict:  # type: ignore[type-arg]
    """A hospital stay at the county hospital with a class-A, a class-B and a C item."""
    return {
        "resident_id": resident_id,
        "institution_code": institution,
        "kind": "inpatient",
        "date": day,
        "discharge_date": "2017-12-27",
        "diagnosis": "J18.9",
        "items": [
            {"code": "S0002", "quantity": 10, "amount": "350.00"},
            {"code": "D0003", "quantity": 10, "amount": "180.00"},
            {"code": "S0004", "quantity": 2, "amount": "36.00"},
            {"code": "M0005", "quantity": 1, "amount": "2000.00"},
        ],
    }


WORKLIST_DAY = date(2017, 10, 1)


def doctors_form(
    engine: Engine, login: Callable[..., TestClient]
) -> tuple[TestClient, DoctorContract, dict[str, str]]:
    """The village doctor's client (English), a chronic contract of the doctor's village in
    force on ``WORKLIST_DAY`` of a living person, and a valid service form for it (what the
    worklist's page and the phone's queue send)."""
    day = WORKLIST_DAY
    with session_scope(engine) as s:
        village = s.scalar(select(User.region_code).where(User.username == "doctor"))
        contract = s.scalars(
            select(DoctorContract).join(Person, Person.id == DoctorContract.person_id)
            .where(Person.region_code == village, DoctorContract.package == "chronic",
                   DoctorContract.valid_from <= day, DoctorContract.valid_to > day,
                   Person.deceased_on.is_(None))
            .order_by(DoctorContract.id)
        ).first()  # fmt: skip
        assert contract is not None
    client = login("doctor", "en")
    token = csrf_of(client.get(f"/worklist/{contract.id}?on={day}").text)
    form = {"kind": "follow_up", "done_on": str(day), "systolic": "", "diastolic": "",
            "glucose": "", "drugs": "", "next_on": "", "csrf_token": token}  # fmt: skip
    return client, contract, form


def follow_ups(engine: Engine) -> int:
    """How many services the village doctors have recorded."""
    with session_scope(engine) as s:
        return s.scalar(select(func.count(FollowUp.id))) or 0


def record_warnings(engine: Engine) -> None:
    """The county's early warnings of ``YEAR`` recorded (on its last day), unless some are."""
    with session_scope(engine) as s:
        if s.scalar(select(func.count(EarlyWarning.id))):
            return
    with engine.begin() as conn:
        found = evaluate_year(conn, YEAR)
    with session_scope(engine) as s:
        record(s, YEAR, found.rules, found.warnings, date(YEAR, 12, 31))
