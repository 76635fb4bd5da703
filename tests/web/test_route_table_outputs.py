"""What every GET route of the app's route table answers, with hostile names in the registry
(persons, households, villages, institutions named as formulas and as markup), on both
databases:

- every workbook (``.xlsx``) holds no formula: a text starting with ``= + - @``, a tab or a
  carriage return is a string cell;
- every PDF prints markup as text: no link, no image taken from the server, no 500;
- every page escapes the markup (no tag of a name reaches the browser);
- every answer but the public ones carries ``Cache-Control: no-store``;
- a role without the right to see resident IDs (the analyst, the village doctor) gets no
  full ID, no ID tail and no full birth date in any page, JSON answer, workbook, PDF or CSV;
- every read of personal data (pages, answers and exports of persons, review cases,
  warnings, rounds, contracts) is written to the audit log.

The routes come from :data:`tests.web.test_route_table_access.ACCESS`: a new route is
checked here as soon as it is listed there (and it must be listed there).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import Engine, func, select, update

from safetynet.funds.posting import post_year
from safetynet.security.roles import Permission, allows
from safetynet.store.db import session_scope
from safetynet.store.models import Household, Institution, Person, Region
from safetynet.store.models.security import AuditEvent, Role, User
from tests.web.conftest import YEAR, csrf_of
from tests.web.test_route_table_access import (
    ACCESS,
    PUBLIC,
    ROUTES,
    holds,
    ids,  # noqa: F401  (the module's fixture)
    needs,
)

P = Permission
HOSTILE = (
    '=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1",
    '<img src="/usr/share/pixmaps/debian-logo.png"/>', '<a href="http://evil.example">PAY</a>',
    '"><img src=x onerror=alert(1)>', "<script>alert(1)</script>",
    'Li, "Ming"\n=1+1,2',  # a comma, quotes, a line break: a CSV's columns and lines hold
)  # fmt: skip
# what must never reach a page as markup
MARKUP = ('<img src="/usr/share', "<img src=x", '<a href="http://evil', "<script>alert")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# the village doctor's pages a phone keeps for work without a connection, in that user's own
# cache (docs/programmes.md, "Working offline"): private, never a shared cache's
OFFLINE = {"/worklist": "private, no-cache", "/worklist/{contract_id}": "private, no-cache"}
EXPORT = re.compile(r"(\.xlsx|\.pdf|\.csv|/pdf|\.\{ext\})$")


@pytest.fixture(scope="module")
def hostile(web_engine: Engine, ids: dict[str, Any], app: Any) -> dict[str, Any]:  # noqa: F811
    """Every person, household address, village and institution named with a hostile text;
    a re-assistance round drafted, a payment round released and a spot check drawn by the
    bureau (so their pages and exports exist)."""
    with session_scope(web_engine) as s:
        people = s.scalars(select(Person.id).order_by(Person.id)).all()
        for n, pid in enumerate(people):
            s.execute(update(Person).where(Person.id == pid).values(name=HOSTILE[n % len(HOSTILE)]))
        s.execute(update(Household).values(address=HOSTILE[0]))
        villages = s.scalars(select(Region.code).where(Region.level == "village")).all()
        for n, code in enumerate(villages):
            s.execute(update(Region).where(Region.code == code)
                      .values(name=HOSTILE[(n + 6) % len(HOSTILE)]))  # fmt: skip
        codes = s.scalars(select(Institution.code).order_by(Institution.code)).all()
        for n, code in enumerate(codes):
            s.execute(update(Institution).where(Institution.code == code)
                      .values(name=HOSTILE[n % len(HOSTILE)] + " hospital"))  # fmt: skip
    with session_scope(web_engine) as s:
        post_year(s, YEAR, user="test")  # the fund journal, for the funds pages
    bureau, admin = _login(app, "bureau"), _login(app, "admin")

    def post(client: TestClient, page: str, url: str, **data: Any) -> str:
        r = client.post(url, data={"csrf_token": csrf_of(client.get(page).text), **data})
        assert r.status_code == 303, (url, r.status_code, r.text[:300])
        return str(r.headers["location"])

    made = {}
    made["round_id"] = int(post(bureau, "/warnings/rounds", "/warnings/rounds", year=YEAR,
                                budget="").rsplit("/", 1)[1])  # fmt: skip
    batch = post(bureau, f"/funds/payments?year={YEAR}", "/funds/payments", year=YEAR, month=3)
    post(admin, batch, f"{batch}/approve")
    post(bureau, batch, f"{batch}/release", on=f"{YEAR}-04-10")
    made["batch_id"] = int(batch.rsplit("/", 1)[1])
    check = post(bureau, "/review/spot-checks", "/review/spot-checks", start=f"{YEAR}-01-01",
                 end=f"{YEAR}-12-31", seed="5")  # fmt: skip
    made["spot_check_id"] = int(check.rsplit("/", 1)[1].split("?")[0])
    # a warning's step with a hostile note (the packet lists the steps so far)
    wid = ids["warning_id"]
    note = HOSTILE[0] + " " + " ".join(MARKUP) + ' <img src=x onerror=alert(1)> "a,b"\n=1+1'
    stepped = post(bureau, f"/warnings/{wid}", f"/warnings/{wid}/step", step="visit_confirmed",
                   on=f"{YEAR}-12-31", note=note)  # fmt: skip
    assert "error=" not in stepped, stepped
    with session_scope(web_engine) as s:
        county = s.scalar(select(User.region_code).where(User.username == "bureau"))
    return {**ids, **ids["inside"], **made, "county": county}


def _login(app: Any, username: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": username, "password": "safetynet-demo",
                                    "csrf_token": token, "next": "/"})  # fmt: skip
    assert r.status_code == 303, r.text
    client.get("/locale/en")
    return client


@pytest.fixture(scope="module")
def sessions(app: Any) -> Iterator[dict[str, TestClient]]:
    out = {u: _login(app, u) for u in ("admin", "analyst", "doctor", "township")}
    yield out
    for c in out.values():
        c.close()


# the query a route needs to answer with data (a search, a month, a day)
QUERIES = {
    "/persons": "?q={resident_id}", "/persons.xlsx": "?q={resident_id}",
    "/api/persons": "?q={resident_id}", "/fhir/Patient": "?identifier={resident_id}",
    "/fhir/Coverage": "?patient=Patient/{person_id}",
    "/api/persons/{resident_id}/coverage": f"?on={YEAR}-06-01",
    "/reports/notice.pdf": f"?region={{county}}&month={YEAR}-06",
    "/reports/notice.xlsx": f"?region={{county}}&month={YEAR}-06",
    "/reports/notice": f"?region={{county}}&month={YEAR}-06",
    "/funds/statements.xlsx": f"?year={YEAR}", "/funds": f"?year={YEAR}",
}  # fmt: skip


def _urls(path: str, values: dict[str, Any]) -> list[str]:
    """The concrete URLs of a route (both formats of a ``.{ext}`` route)."""
    exts = ("xlsx", "pdf") if "{ext}" in path else (None,)
    whats = ("decisions", "deductions", "cases") if "{what}" in path else (None,)
    plain = {k: v for k, v in values.items() if isinstance(v, str | int)}
    return [
        (path + QUERIES.get(path, "")).format(**{**plain, "ext": e or "", "what": w or ""})
        for e in exts for w in whats
    ]  # fmt: skip


def _gets(role: Role, values: dict[str, Any]) -> list[tuple[str, str]]:
    """(route path, URL) of every GET route the role may call."""
    out = []
    for (method, path), _route in sorted(ROUTES.items()):
        need = ACCESS.get((method, path))
        if method != "GET" or need is None or "/design/" in path:
            continue  # (the design's jobs hold no person: covered by tests/web/test_design.py)
        if holds(role, need):
            out += [(path, url) for url in _urls(path, values)]
    return out


def _text_of(r: Any) -> tuple[str, list[Any]]:
    """The readable text of an answer and, for a workbook, its cells."""
    kind = r.headers.get("content-type", "")
    if "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(r.content))
        cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row
                 if c.value is not None]  # fmt: skip
        return "\n".join(str(c.value) for c in cells), cells
    if "pdf" in kind:
        reader = PdfReader(io.BytesIO(r.content))
        return "\n".join(page.extract_text() or "" for page in reader.pages), []
    return r.text, []


def _pdf_problems(body: bytes) -> list[str]:
    """Links and images in a PDF (markup of a name turned into either)."""
    reader = PdfReader(io.BytesIO(body))
    found = []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            found.append(f"annotation {annot.get_object().get('/Subtype')}")
        resources = page.get("/Resources") or {}
        for name, obj in (resources.get("/XObject") or {}).items():
            if obj.get_object().get("/Subtype") == "/Image":
                found.append(f"image {name}")
    return found


def test_every_export_keeps_hostile_text_as_text(
    sessions: dict[str, TestClient], hostile: dict[str, Any]
) -> None:
    admin = sessions["admin"]
    wrong: list[Any] = []
    seen_formula_text = seen_markup_text = 0
    exports = [(p, u) for p, u in _gets(Role.ADMIN, hostile) if EXPORT.search(p)]
    assert len(exports) >= 20
    for path, url in exports:
        r = admin.get(url)
        if r.status_code != 200:
            wrong.append((url, r.status_code, r.text[:200]))
            continue
        if r.headers.get("cache-control") != "no-store":
            wrong.append((url, "cache-control", r.headers.get("cache-control")))
        text, cells = _text_of(r)
        formulas = [c.coordinate for c in cells if c.data_type == "f"]
        if formulas:
            wrong.append((url, "formulas", formulas[:5]))
        seen_formula_text += sum(
            1 for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULA_START)
        )
        if "pdf" in r.headers.get("content-type", ""):
            problems = _pdf_problems(r.content)
            if problems:
                wrong.append((url, problems[:5]))
            seen_markup_text += text.count("<img") + text.count("<a href")
        if path.endswith(".csv"):  # (the bank's file: docs/funds-format.md, "The bank file")
            rows = list(csv.reader(io.StringIO(r.text)))
            live = [c for row in rows for c in row if c.lstrip(" ").startswith(FORMULA_START)]
            if live:
                wrong.append((url, "csv formulas", live[:5]))
            if len(rows) != len(r.text.splitlines()) or {len(row) for row in rows} != {
                len(rows[0])
            }:
                wrong.append((url, "csv columns or lines broken", rows[:3]))
            seen_formula_text += sum(1 for row in rows for c in row if c.startswith("'"))
    assert not wrong, "\n".join(map(str, wrong))
    assert seen_formula_text > 0 and seen_markup_text > 0  # the hostile names were exported


def test_every_page_escapes_markup_and_every_answer_is_not_stored(
    sessions: dict[str, TestClient], hostile: dict[str, Any]
) -> None:
    admin = sessions["admin"]
    wrong: list[Any] = []
    escaped = 0
    for path, url in _gets(Role.ADMIN, hostile):
        if path.startswith("/reports/summary"):
            continue  # slow to build; its PDF and workbook are checked above
        r = admin.get(url)
        stored = OFFLINE.get(path, "no-store")
        if ("GET", path) not in PUBLIC and r.headers.get("cache-control") != stored:
            wrong.append((url, "cache-control", r.headers.get("cache-control")))
        if "text/html" in r.headers.get("content-type", ""):
            leaked = [m for m in MARKUP if m in r.text]
            if leaked:
                wrong.append((url, r.status_code, leaked))
            escaped += r.text.count("&lt;img")
    assert not wrong, "\n".join(map(str, wrong))
    assert escaped > 0


def _identities(engine: Engine) -> tuple[set[str], set[str]]:
    """Every resident ID, and every full birth date (as written on pages and in files) of
    persons born before 2010 (later ones could be taken for dates of the scheme's years)."""
    with session_scope(engine) as s:
        rows = s.execute(select(Person.resident_id, Person.birth_date)).all()
    dates: set[str] = set()
    for _rid, born in rows:
        if born < date(2010, 1, 1):
            dates |= {born.isoformat(), born.strftime("%Y/%m/%d"),
                      f"{born.year}年{born.month}月{born.day}日"}  # fmt: skip
    return {r for r, _ in rows}, dates


ID_LIKE = re.compile(r"\d{17}[\dX]")
TAIL = re.compile(r"\d{4}\*{10}[\dX]{4}")  # the public-notice mask keeps the tail


@pytest.mark.parametrize("username", ["analyst", "doctor"])
def test_a_role_without_the_right_to_see_ids_gets_none_anywhere(
    sessions: dict[str, TestClient], hostile: dict[str, Any], web_engine: Engine, username: str
) -> None:
    client = sessions[username]
    with session_scope(web_engine) as s:
        role = s.scalar(select(User.role).where(User.username == username))
        assert role is not None and not allows(role, P.PERSON_READ)
    residents, births = _identities(web_engine)
    wrong: list[Any] = []
    read = 0
    for _path, url in _gets(role, hostile):
        for q in ("", "?q=" + next(iter(residents))[:6]):
            r = client.get(url + q if "?" not in url else url)
            if r.status_code != 200:
                continue
            read += 1
            text, _cells = _text_of(r)
            for asked in re.findall(r"[?&]q=([^&?]+)", url + q):  # the search box repeats it
                text = text.replace(asked, "")
            full = {m for m in ID_LIKE.findall(text) if m in residents}
            tails = TAIL.findall(text)
            dates = [d for d in births if d in text]
            if full or tails or dates:
                wrong.append((username, url + q, sorted(full)[:3], tails[:3], dates[:3]))
    assert not wrong, "\n".join(map(str, wrong))
    assert read >= 3


PERSONAL = {P.PERSON_READ, P.REVIEW_CLAIMS, P.REVIEW_INSPECT, P.PROGRAMME_WORK,
            P.PERSON_READ_MASKED}  # fmt: skip
PERSONAL_PATHS = ("/warnings/rounds/{round_id}", "/warnings/rounds/{round_id}/round.{ext}")


def test_every_read_of_personal_data_is_audited(
    sessions: dict[str, TestClient], hostile: dict[str, Any], web_engine: Engine
) -> None:
    admin = sessions["admin"]
    wrong: list[Any] = []
    checked = 0
    for path, url in _gets(Role.ADMIN, hostile):
        need = ACCESS[("GET", path)]
        personal = bool(PERSONAL & set(needs(need))) or path in PERSONAL_PATHS
        if not personal or path == "/worklist/token":
            continue
        with session_scope(web_engine) as s:
            before = s.scalar(select(func.max(AuditEvent.id))) or 0
        r = admin.get(url)
        if r.status_code != 200:
            continue
        checked += 1
        with session_scope(web_engine) as s:
            after = s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.id > before))
        if not after:
            wrong.append((url, "not audited"))
    with session_scope(web_engine) as s:
        before = s.scalar(select(func.max(AuditEvent.id))) or 0
    eligibility = {
        "resourceType": "CoverageEligibilityRequest", "status": "active",
        "purpose": ["validation"], "patient": {"reference": f"Patient/{hostile['person_id']}"},
        "servicedDate": f"{YEAR}-06-01", "created": f"{YEAR}-06-01",
        "insurer": {"display": "county"},
    }  # fmt: skip
    fhir = TestClient(admin.app)
    fhir.auth = ("admin", "safetynet-demo")
    assert fhir.post("/fhir/CoverageEligibilityRequest", json=eligibility).status_code == 200
    with session_scope(web_engine) as s:
        if not s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.id > before)):
            wrong.append(("/fhir/CoverageEligibilityRequest", "not audited"))
    assert not wrong, "\n".join(map(str, wrong))
    assert checked >= 15


def test_a_township_user_sees_no_resident_id_from_outside_it(
    sessions: dict[str, TestClient], hostile: dict[str, Any], web_engine: Engine
) -> None:
    """Lists, rounds, exports and reports of a township user hold its own persons only."""
    from safetynet.security.scope import within

    with session_scope(web_engine) as s:
        township = s.scalar(select(User.region_code).where(User.username == "township"))
        assert township
        outside = set(s.scalars(select(Person.resident_id)
                                .where(~within(Person.region_code, township))))  # fmt: skip
        inside_one = s.scalar(select(Person.resident_id)
                              .where(within(Person.region_code, township)))  # fmt: skip
    assert outside and inside_one
    values = {**hostile, "resident_id": inside_one, "region": township}
    client = sessions["township"]
    wrong: list[Any] = []
    for path, url in _gets(Role.BUREAU, values):
        if path.startswith("/reports/summary") or path.startswith("/fhir/Coverage"):
            continue
        r = client.get(url.replace(f"region={hostile['county']}", f"region={township}"))
        if r.status_code != 200:
            continue
        text, _cells = _text_of(r)
        seen = {m for m in ID_LIKE.findall(text) if m in outside}
        if seen:
            wrong.append((url, sorted(seen)[:3]))
    assert not wrong, "\n".join(map(str, wrong))


def test_every_settlement_preview_is_audited_as_a_read(
    sessions: dict[str, TestClient], web_engine: Engine, sample_person: Person, hospital: str
) -> None:
    """A preview reads the person's entitlement, accumulators and history: the window's, the
    API's and FHIR's (a predetermination) each leave one ``preview`` entry naming the person
    and the way it came, and record nothing in the ledger."""
    from safetynet.store.models import Settlement
    from tests.web.conftest import inpatient_claim
    from tests.web.test_fhir_conformance import claim as fhir_claim

    rid = sample_person.resident_id
    admin = sessions["admin"]
    page = admin.get(f"/window?resident_id={rid}")
    form = {
        "csrf_token": csrf_of(page.text), "resident_id": rid, "institution_code": hospital,
        "kind": "outpatient", "date": f"{YEAR}-12-20", "discharge_date": "", "diagnosis": "J06.9",
        "item_code": ["D0003"], "item_quantity": ["2"], "item_amount": ["36.00"],
    }  # fmt: skip
    api = TestClient(admin.app)
    api.auth = ("admin", "safetynet-demo")
    calls = {
        "window": lambda: admin.post("/window/preview", data=form),
        "api": lambda: api.post("/api/claims/preview", json=inpatient_claim(rid, hospital)),
        "fhir": lambda: api.post("/fhir/Claim", json=fhir_claim(rid, hospital, "predetermination"),
                                 headers={"content-type": "application/fhir+json"}),
    }  # fmt: skip
    for via, call in calls.items():
        with session_scope(web_engine) as s:
            before = s.scalar(select(func.max(AuditEvent.id))) or 0
            settled = s.scalar(select(func.count(Settlement.id)))
        r = call()
        assert r.status_code == 200, (via, r.text[:300])
        with session_scope(web_engine) as s:
            rows = s.execute(
                select(AuditEvent.action, AuditEvent.target, AuditEvent.target_id,
                       AuditEvent.username, AuditEvent.detail)
                .where(AuditEvent.id > before, AuditEvent.action == "preview")
            ).all()  # fmt: skip
            assert s.scalar(select(func.count(Settlement.id))) == settled, via
        assert len(rows) == 1, (via, rows)
        assert rows[0][1:4] == ("person", rid, "admin"), via
        assert rows[0][4]["via"] == via and rows[0][4]["institution"] == hospital
