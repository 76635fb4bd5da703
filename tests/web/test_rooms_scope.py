"""Every page and export of the newer rooms (claim review, spot checks and sanctions, funds,
the scorecard, early warning, the village doctor's worklist) for every demo role and a
township-bound bureau user, over real HTTP on both databases: 403 for a role without the
permission, 404 for an id outside the user's region or institution, never a 500; and the
inspection exports and the sanctions page of a township show that township only."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from safetynet.review import cases, sanctions
from safetynet.security.roles import Permission, user_allows
from safetynet.security.scope import within
from safetynet.store.db import session_scope
from safetynet.store.models import (
    Claim,
    DoctorContract,
    EarlyWarning,
    Person,
    ReviewCase,
    SanctionRecovery,
    Settlement,
    User,
)
from safetynet.synth.demo import DEMO_PASSWORD
from tests.web.conftest import csrf_of, record_warnings
from tests.web.server import running_server

USERS = ("admin", "bureau", "clerk", "reviewer", "office", "analyst", "auditor", "doctor",
         "township")  # fmt: skip
P = Permission
# (never a hospital's: roles.AT_INSTITUTION_WITHHELD)
WARNINGS = (P.WARNING_READ, P.PERSON_READ)


def _needs(permission: Permission | tuple[Permission, ...]) -> tuple[Permission, ...]:
    return permission if isinstance(permission, tuple) else (permission,)


@pytest.fixture(scope="module")
def ids(web_engine: Engine) -> dict[str, int]:
    """A review case of the office's institution, a warning and a contract of the doctor's
    village (all in the county), opened here."""
    with session_scope(web_engine) as s:
        office = s.scalar(select(User.institution_code).where(User.username == "office"))
        claim_id = s.scalar(
            select(Claim.id).join(Settlement, Settlement.claim_id == Claim.id)
            .where(Claim.institution_code == office).order_by(Claim.id)
        )  # fmt: skip
        assert claim_id is not None
        case_id = cases.open_case(s, claim_id).id
        village = s.scalar(select(User.region_code).where(User.username == "doctor"))
        contract = s.scalar(
            select(DoctorContract.id).join(Person, Person.id == DoctorContract.person_id)
            .where(Person.region_code == village).order_by(DoctorContract.id)
        )  # fmt: skip
    record_warnings(web_engine)
    with session_scope(web_engine) as s:
        warning = s.scalar(select(EarlyWarning.id).order_by(EarlyWarning.id))
    assert contract is not None and warning is not None
    return {"case": case_id, "warning": warning, "contract": contract}


def _routes(ids: dict[str, int]) -> list[tuple[str, Permission]]:
    c, w, k = ids["case"], ids["warning"], ids["contract"]
    return [
        ("/review", P.REVIEW_CLAIMS), ("/review?show=all", P.REVIEW_CLAIMS),
        (f"/review/cases/{c}", P.REVIEW_CLAIMS), (f"/review/cases/{c}/daily-bill", P.REVIEW_CLAIMS),
        (f"/review/cases/{c}/daily-bill.pdf", P.REVIEW_CLAIMS),
        ("/api/review/cases", P.REVIEW_CLAIMS), (f"/api/review/cases/{c}", P.REVIEW_CLAIMS),
        ("/review/sanctions", P.REVIEW_INSPECT), ("/review/spot-checks", P.REVIEW_INSPECT),
        ("/review/spot-checks/1", P.REVIEW_INSPECT),
        ("/review/export/decisions.xlsx", P.REVIEW_INSPECT),
        ("/review/export/deductions.pdf", P.REVIEW_INSPECT),
        ("/review/export/cases.xlsx", P.REVIEW_INSPECT),
        ("/funds", P.FUNDS_READ), ("/funds/statements.xlsx", P.FUNDS_READ),
        ("/supervision/scorecard", P.SUPERVISION_READ),
        ("/supervision/scorecard.xlsx", P.SUPERVISION_READ),
        ("/warnings", WARNINGS), (f"/warnings/{w}", WARNINGS),
        (f"/warnings/{w}/packet.pdf", WARNINGS), (f"/warnings/{w}/packet.xlsx", WARNINGS),
        ("/worklist", P.PROGRAMME_WORK), (f"/worklist/{k}", P.PROGRAMME_WORK),
    ]  # fmt: skip


def _in_scope(engine: Engine, username: str, ids: dict[str, int], url: str) -> bool:
    """Whether the object a URL names lies in the user's region (and institution)."""
    with session_scope(engine) as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None
        region = within(Person.region_code, user.region_code)
        if "/cases/" in url:
            q = (select(func.count()).select_from(ReviewCase)
                 .join(Claim, Claim.id == ReviewCase.claim_id)
                 .join(Person, Person.id == Claim.person_id)
                 .where(ReviewCase.id == ids["case"], region))  # fmt: skip
            if user.institution_code:
                q = q.where(ReviewCase.institution_code == user.institution_code)
            return bool(s.scalar(q))
        if url.startswith("/warnings/"):
            return bool(s.scalar(select(func.count()).select_from(EarlyWarning).where(
                EarlyWarning.id == ids["warning"],
                within(EarlyWarning.region_code, user.region_code))))  # fmt: skip
        if url.startswith("/worklist/"):
            return bool(s.scalar(
                select(func.count()).select_from(DoctorContract)
                .join(Person, Person.id == DoctorContract.person_id)
                .where(DoctorContract.id == ids["contract"], region)))  # fmt: skip
        return not url.startswith("/review/spot-checks/")  # none drawn


@pytest.fixture(scope="module")
def base_url(app) -> Iterator[str]:
    with running_server(app) as url:
        yield url


def _session(base_url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=60)
    page = client.get("/login")
    r = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                    "csrf_token": csrf_of(page.text), "next": "/"})  # fmt: skip
    assert r.status_code == 303, (username, r.status_code)
    client.get("/locale/en")
    return client


def test_every_room_route_for_every_role_in_and_out_of_scope(
    base_url: str, web_engine: Engine, ids: dict[str, int]
) -> None:
    routes = _routes(ids)
    wrong: list[tuple[str, str, int, int]] = []
    with session_scope(web_engine) as s:
        rows = s.execute(select(User).where(User.username.in_(USERS))).scalars()
        roles = {u.username: u for u in rows}
        s.expunge_all()
    for username in USERS:
        client = _session(base_url, username)
        for url, permission in routes:
            got = client.get(url).status_code
            if not all(user_allows(roles[username], p) for p in _needs(permission)):
                expected = 403
            elif not _in_scope(web_engine, username, ids, url):
                expected = 404
            else:
                expected = 200
            if got != expected and not (url.startswith(("/funds", "/supervision")) and got == 404):
                wrong.append((username, url, got, expected))
        for url in ("/review/cases/0", f"/review/cases/{2**31}", "/warnings/99999999",
                    f"/worklist/{2**40}", "/api/review/cases/-1"):  # fmt: skip
            got = client.get(url).status_code
            if got >= 500:
                wrong.append((username, url, got, 404))
        client.close()
    assert not wrong, wrong


Login = Callable[..., TestClient]


def _outsider(engine: Engine) -> tuple[str, str]:
    """A living person outside the township user's region, and that region."""
    with session_scope(engine) as s:
        township = s.scalar(select(User.region_code).where(User.username == "township"))
        assert township
        rid = s.scalar(
            select(Person.resident_id)
            .where(~within(Person.region_code, township), Person.deceased_on.is_(None))
            .order_by(Person.id)
        )  # fmt: skip
        assert rid
        return rid, township


def _post(client: TestClient, page: str, url: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf_of(client.get(page).text), **data})


def _sheet_text(body: bytes) -> str:
    sheet = load_workbook(io.BytesIO(body)).active
    return "\n".join(" ".join(str(c) for c in row if c is not None)
                     for row in sheet.iter_rows(values_only=True))  # fmt: skip


def test_a_township_inspector_sees_and_touches_its_own_township_only(
    login: Login, web_engine: Engine
) -> None:
    rid, _township = _outsider(web_engine)
    county, local = login("bureau", "en"), login("township", "en")
    page = "/review/sanctions"
    r = _post(county, page, page, {"article": "41", "finding": "=HYPERLINK(\"http://x\")",
                                   "loss": "100", "multiple": "2", "resident_id": rid})  # fmt: skip
    assert r.status_code == 303 and "error" not in r.headers["location"], r.headers
    r = _post(county, page, "/review/suspensions", {"article": "41", "months": "3",
                                                    "reason": "outsider-suspended",
                                                    "resident_id": rid})  # fmt: skip
    assert r.status_code == 303 and "error" not in r.headers["location"], r.headers
    with session_scope(web_engine) as s:
        row = next(x for x in sanctions.case_rows(s) if x.party == rid)
        office = s.scalar(select(User.institution_code).where(User.username == "office"))
    assert "outsider-suspended" in county.get(page).text
    # the suspensions list was not scoped: a township saw the county's suspensions
    assert "outsider-suspended" not in local.get(page).text and rid not in local.get(page).text
    # the exports were not scoped either: the county's sanction cases in a township's file
    assert rid in _sheet_text(county.get("/review/export/cases.xlsx").content)
    assert rid not in _sheet_text(local.get("/review/export/cases.xlsx").content)
    for what in ("decisions", "deductions"):
        r = local.get(f"/review/export/{what}.xlsx?start=2000-01-01")
        assert r.status_code == 200
    # recording a recovery on another township's case (was 303 and written)
    r = _post(local, page, f"/review/sanctions/{row.id}/recover", {"amount": "1"})
    assert r.status_code == 404
    with session_scope(web_engine) as s:
        assert s.scalar(select(func.count()).select_from(SanctionRecovery)) == 0
    # sanctions and suspensions of an institution outside the township
    r = _post(local, page, page, {"article": "38", "finding": "f", "loss": "1", "multiple": "1",
                                  "institution": office or ""})  # fmt: skip
    assert r.status_code == 404
    r = _post(local, page, "/review/suspensions", {"article": "38", "months": "6", "reason": "r",
                                                   "institution": office or "",
                                                   "department": "x"})  # fmt: skip
    assert r.status_code == 404


def test_the_decisions_export_of_a_township_holds_its_persons_claims_only(
    login: Login, web_engine: Engine
) -> None:
    with session_scope(web_engine) as s:
        township = s.scalar(select(User.region_code).where(User.username == "township"))
        assert township
        inside = set(s.scalars(
            select(Claim.claim_no).join(Person, Person.id == Claim.person_id)
            .where(within(Person.region_code, township))
        ))  # fmt: skip
        outside_case = s.scalar(
            select(ReviewCase.id).join(Claim, Claim.id == ReviewCase.claim_id)
            .join(Person, Person.id == Claim.person_id)
            .where(~within(Person.region_code, township)).order_by(ReviewCase.id)
        )  # fmt: skip
        if outside_case is None:
            claim_id = s.scalar(
                select(Claim.id).join(Person, Person.id == Claim.person_id)
                .join(Settlement, Settlement.claim_id == Claim.id)
                .where(~within(Person.region_code, township), Claim.kind == "inpatient")
                .order_by(Claim.id)
            )  # fmt: skip
            assert claim_id is not None
            outside_case = cases.open_case(s, claim_id).id
        line = cases.lines(s, outside_case)[0]
        cases.decide_line(s, line.id, decision="approved", by="reviewer", version=line.version)
        outside_no = s.scalar(
            select(Claim.claim_no).join(ReviewCase, ReviewCase.claim_id == Claim.id)
            .where(ReviewCase.id == outside_case)
        )  # fmt: skip
    county = _sheet_text(login("bureau", "en").get("/review/export/decisions.xlsx").content)
    local = _sheet_text(login("township", "en").get("/review/export/decisions.xlsx").content)
    assert outside_no in county and outside_no not in local
    shown = {no for no in re.findall(r"\S+", local) if no in county.split()}
    assert not {no for no in shown if no.startswith(outside_no[:3]) and no not in inside}
