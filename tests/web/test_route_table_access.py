"""Every route of the app's own route table (:func:`safetynet.web.app.route_table`) for every
demo role, a township-bound bureau user and no user at all, in process on both databases.

``ACCESS`` states, for each route, the permission it needs (``ANY``: any logged-in user);
``PUBLIC`` is the documented list of routes that answer without a login. A route added to the
app without a line here fails :func:`test_the_access_table_names_every_route`, so no new route
escapes the checks below:

- without a login, every route but the public ones answers 401 (API, FHIR) or a redirect to
  the login page (pages), never data;
- a role without the permission gets 403 — before the body is read (not 422 for an invalid
  body), with a valid CSRF token and over HTTP Basic alike;
- every state-changing route refuses a cookie session's request without the CSRF token
  (403), even with a body it would otherwise accept, and with a forged token of any length
  (403, naming ``csrf_token``);
- a user of a township gets 404 for every object outside it (persons, settlements, review
  cases, warnings, FHIR resources), never the object;
- a role with the permission never gets a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from safetynet.review import cases
from safetynet.security.roles import Permission, user_allows
from safetynet.security.scope import within
from safetynet.store.db import session_scope
from safetynet.store.models import (
    Claim,
    DoctorContract,
    EarlyWarning,
    Person,
    ReviewCase,
    Settlement,
    User,
)
from safetynet.store.models.programmes import ProgrammePatient
from safetynet.store.models.security import Role
from safetynet.synth.demo import DEMO_PASSWORD
from safetynet.web.app import route_table, routers
from tests.web.conftest import YEAR, csrf_of, record_warnings

P = Permission
ANY = "any logged-in user"
USERS = ("admin", "bureau", "clerk", "reviewer", "office", "analyst", "auditor", "doctor",
         "township")  # fmt: skip

# docs/routes.md: "no login" (the login form, the language switch, liveness, the API's
# documentation, FHIR's CapabilityStatement, the worklist's service worker)
PUBLIC = {
    ("GET", "/login"), ("POST", "/login"), ("GET", "/locale/{locale}"), ("GET", "/api/health"),
    ("GET", "/api/docs"), ("GET", "/fhir/metadata"), ("GET", "/worklist/sw.js"),
}  # fmt: skip

# pages' routes their scripts call (the phone's queue, a search's progress, the window's
# item lookup): a JSON 401 (docs/routes.md), not a redirect to an HTML page
JSON_PAGES = {"/worklist/token", "/worklist/{contract_id}/send", "/design/{job_id}/progress",
              "/window/items/{code}"}  # fmt: skip

Need = Permission | tuple[Permission, ...] | str  # a permission, all of several, or ANY
ACCESS: dict[tuple[str, str], Need] = {
    ("GET", "/"): ANY,
    ("POST", "/logout"): ANY,
    ("GET", "/api/me"): ANY,
    ("GET", "/api/persons"): P.PERSON_READ_MASKED,
    ("GET", "/api/persons/{resident_id}"): P.PERSON_READ,
    ("GET", "/api/persons/{resident_id}/coverage"): P.PERSON_READ,
    ("GET", "/api/persons/{resident_id}/accumulators"): P.PERSON_READ,
    ("POST", "/api/claims/preview"): P.CLAIM_SETTLE,
    ("POST", "/api/claims"): P.CLAIM_SETTLE,
    ("GET", "/api/settlements/{settlement_id}"): P.PERSON_READ,
    ("GET", "/api/settlements/{settlement_id}/pdf"): P.PERSON_READ,
    ("POST", "/api/settlements/{settlement_id}/refund"): P.CLAIM_REFUND,
    ("GET", "/api/review/cases"): P.REVIEW_CLAIMS,
    ("GET", "/api/review/cases/{case_id}"): P.REVIEW_CLAIMS,
    ("POST", "/api/review/lines/{line_id}"): P.REVIEW_CLAIMS,
    ("GET", "/audit"): P.AUDIT_READ,
    ("GET", "/audit.xlsx"): P.AUDIT_READ,
    ("GET", "/dashboard"): P.REPORT_READ,
    ("GET", "/dashboard.xlsx"): P.REPORT_READ,
    ("GET", "/reports/summary.pdf"): P.REPORT_READ,
    ("GET", "/reports/summary.xlsx"): P.REPORT_READ,
    ("GET", "/reports/notice"): P.REPORT_READ,
    ("GET", "/reports/notice.pdf"): P.REPORT_READ,
    ("GET", "/reports/notice.xlsx"): P.REPORT_READ,
    ("GET", "/overview.xlsx"): P.REPORT_READ,
    ("GET", "/indicators"): P.REPORT_READ,
    ("GET", "/indicators.xlsx"): P.REPORT_READ,
    ("GET", "/design"): P.REPORT_READ,
    ("POST", "/design"): P.REPORT_READ,
    ("GET", "/design/{job_id}"): P.REPORT_READ,
    ("GET", "/design/{job_id}/progress"): P.REPORT_READ,
    ("GET", "/design/{job_id}/design.xlsx"): P.REPORT_READ,
    ("GET", "/design/{job_id}/reform-{rank}.yaml"): P.REPORT_READ,
    ("GET", "/fhir/Patient/{person_id}"): P.PERSON_READ,
    ("GET", "/fhir/Patient"): P.PERSON_READ,
    ("GET", "/fhir/Coverage"): P.PERSON_READ,
    ("GET", "/fhir/Coverage/{coverage_id}"): P.PERSON_READ,
    ("POST", "/fhir/Claim"): P.CLAIM_SETTLE,
    ("GET", "/fhir/ClaimResponse/{settlement_id}"): P.PERSON_READ,
    ("GET", "/fhir/ExplanationOfBenefit/{settlement_id}"): P.PERSON_READ,
    ("POST", "/fhir/CoverageEligibilityRequest"): P.PERSON_READ,
    ("GET", "/funds"): P.FUNDS_READ,
    ("GET", "/funds/statements.xlsx"): P.FUNDS_READ,
    ("GET", "/funds/payments"): P.FUNDS_READ,
    ("POST", "/funds/payments"): P.FUNDS_PAY,
    ("GET", "/funds/payments/{batch_id}"): P.FUNDS_READ,
    ("POST", "/funds/payments/{batch_id}/approve"): P.FUNDS_PAY,
    ("POST", "/funds/payments/{batch_id}/release"): P.FUNDS_PAY,
    ("GET", "/funds/payments/{batch_id}/bank.csv"): P.FUNDS_PAY,
    ("GET", "/persons"): P.PERSON_READ_MASKED,
    ("GET", "/persons.xlsx"): P.PERSON_READ_MASKED,
    ("GET", "/persons/{resident_id}"): P.PERSON_READ,
    ("GET", "/persons/{resident_id}/claims.xlsx"): P.PERSON_READ,
    ("GET", "/review"): P.REVIEW_CLAIMS,
    ("POST", "/review/open"): P.REVIEW_CLAIMS,
    ("GET", "/review/cases/{case_id}"): P.REVIEW_CLAIMS,
    ("POST", "/review/cases/{case_id}/lines/{line_id}"): P.REVIEW_CLAIMS,
    ("POST", "/review/cases/{case_id}/{step}"): P.REVIEW_CLAIMS,
    ("GET", "/review/cases/{case_id}/daily-bill"): P.REVIEW_CLAIMS,
    ("GET", "/review/cases/{case_id}/daily-bill.pdf"): P.REVIEW_CLAIMS,
    ("POST", "/review/callbacks"): P.REVIEW_CLAIMS,
    ("GET", "/review/spot-checks"): P.REVIEW_INSPECT,
    ("POST", "/review/spot-checks"): P.REVIEW_INSPECT,
    ("GET", "/review/spot-checks/{spot_check_id}"): P.REVIEW_INSPECT,
    ("POST", "/review/spot-checks/{spot_check_id}/findings/{sampled_id}"): P.REVIEW_INSPECT,
    ("POST", "/review/spot-checks/{spot_check_id}/book"): P.REVIEW_INSPECT,
    ("GET", "/review/sanctions"): P.REVIEW_INSPECT,
    ("POST", "/review/sanctions"): P.REVIEW_INSPECT,
    ("POST", "/review/sanctions/{case_id}/recover"): P.REVIEW_INSPECT,
    ("POST", "/review/sanctions/{case_id}/cancel"): P.REVIEW_INSPECT,
    ("POST", "/review/sanctions/{case_id}/refund"): P.REVIEW_INSPECT,
    ("POST", "/review/suspensions"): P.REVIEW_INSPECT,
    ("GET", "/review/export/{what}.{ext}"): P.REVIEW_INSPECT,
    ("GET", "/supervision/scorecard"): P.SUPERVISION_READ,
    ("GET", "/supervision/scorecard.xlsx"): P.SUPERVISION_READ,
    ("GET", "/warnings"): (P.WARNING_READ, P.PERSON_READ),
    ("GET", "/warnings/{warning_id}"): (P.WARNING_READ, P.PERSON_READ),
    ("POST", "/warnings/{warning_id}/step"): P.WARNING_WORK,
    ("GET", "/warnings/{warning_id}/packet.{ext}"): (P.WARNING_READ, P.PERSON_READ),
    ("GET", "/warnings/rounds"): (P.WARNING_READ, P.REPORT_READ),
    ("POST", "/warnings/rounds"): P.REASSIST_PAY,
    ("GET", "/warnings/rounds/{round_id}"): (P.WARNING_READ, P.REPORT_READ),
    ("POST", "/warnings/rounds/{round_id}/approve"): P.REASSIST_PAY,
    ("POST", "/warnings/rounds/{round_id}/pay"): P.REASSIST_PAY,
    ("POST", "/warnings/rounds/{round_id}/cancel"): P.REASSIST_PAY,
    ("GET", "/warnings/rounds/{round_id}/round.{ext}"): (P.WARNING_READ, P.REPORT_READ),
    ("GET", "/window"): P.CLAIM_SETTLE,
    ("GET", "/window/items/{code}"): P.CLAIM_SETTLE,
    ("POST", "/window/preview"): P.CLAIM_SETTLE,
    ("POST", "/window/settle"): P.CLAIM_SETTLE,
    ("GET", "/settlements/{settlement_id}"): P.PERSON_READ,
    ("GET", "/settlements/{settlement_id}/pdf"): P.PERSON_READ,
    ("POST", "/settlements/{settlement_id}/refund"): P.CLAIM_REFUND,
    ("GET", "/worklist"): P.PROGRAMME_WORK,
    ("GET", "/worklist/token"): P.PROGRAMME_WORK,
    ("GET", "/worklist/{contract_id}"): P.PROGRAMME_WORK,
    ("POST", "/worklist/{contract_id}/record"): P.PROGRAMME_WORK,
    ("POST", "/worklist/{contract_id}/send"): P.PROGRAMME_WORK,
    ("GET", "/programme/patients"): P.PROGRAMME_WORK,
    ("GET", "/programme/patients/{patient_id}"): P.PROGRAMME_WORK,
    ("POST", "/programme/patients/{patient_id}/advance"): P.PROGRAMME_WORK,
}


def _app_routes() -> dict[tuple[str, str], APIRoute]:
    return {
        (m, r.path): r
        for router in routers()
        for r in router.routes
        if isinstance(r, APIRoute)
        for m in r.methods - {"HEAD"}
    }


ROUTES = _app_routes()


def test_the_access_table_names_every_route() -> None:
    served = set(route_table())
    assert not PUBLIC & set(ACCESS)
    assert served - PUBLIC - set(ACCESS) == set(), "a route without a line in ACCESS"
    assert (PUBLIC | set(ACCESS)) - served == set(), "ACCESS names a route the app lacks"


def test_the_public_list_is_the_documented_one() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "routes.md").read_text(encoding="utf-8")
    for method, path in PUBLIC - {("GET", "/login"), ("POST", "/login"),
                                  ("GET", "/locale/{locale}")}:  # fmt: skip
        section = doc.split(f"### `{method} {path}`", 1)[1].split("###", 1)[0]
        assert "no login" in section, (method, path)


@pytest.fixture(scope="module")
def ids(web_engine: Engine) -> dict[str, Any]:
    """Objects in and out of the township user's region: a person, a settlement, a review
    case (of the office's institution, one outside the township), a warning, a contract."""
    with session_scope(web_engine) as s:
        township = s.scalar(select(User.region_code).where(User.username == "township"))
        office = s.scalar(select(User.institution_code).where(User.username == "office"))
        assert township and office

        def settled(inside: bool, *extra: Any) -> tuple[int, int, str, int, str]:
            where = within(Person.region_code, township)
            row = s.execute(
                select(Settlement.id, Claim.id, Person.resident_id, Person.id, Person.name)
                .join(Claim, Claim.id == Settlement.claim_id)
                .join(Person, Person.id == Settlement.person_id)
                .where(where if inside else ~where, Person.deceased_on.is_(None), *extra)
                .order_by(Settlement.id).limit(1)
            ).one()  # fmt: skip
            return row[0], row[1], row[2], row[3], row[4]

        s_out, c_out, rid_out, pid_out, name_out = settled(False, Claim.institution_code == office)
        s_in, _c_in, rid_in, pid_in, _name_in = settled(True)
        case_out = s.scalar(select(ReviewCase.id).where(ReviewCase.claim_id == c_out))
        if case_out is None:
            case_out = cases.open_case(s, c_out).id
        line = cases.lines(s, case_out)[0].id
        village = s.scalar(select(User.region_code).where(User.username == "doctor"))
        contract = s.scalar(
            select(DoctorContract.id).join(Person, Person.id == DoctorContract.person_id)
            .where(Person.region_code == village).order_by(DoctorContract.id)
        )  # fmt: skip
        contract_out = s.scalar(
            select(DoctorContract.id).join(Person, Person.id == DoctorContract.person_id)
            .where(~within(Person.region_code, township)).order_by(DoctorContract.id)
        )  # fmt: skip
    record_warnings(web_engine)
    with session_scope(web_engine) as s:
        warning_out = s.scalar(
            select(EarlyWarning.id).where(~within(EarlyWarning.region_code, township))
            .order_by(EarlyWarning.id)
        )  # fmt: skip
    with session_scope(web_engine) as s:
        patient = s.scalar(
            select(ProgrammePatient.id).join(Person, Person.id == ProgrammePatient.person_id)
            .where(Person.region_code == village).order_by(ProgrammePatient.id)
        )  # fmt: skip
    assert contract is not None and warning_out is not None and contract_out is not None
    assert patient is not None
    return {
        "resident_id": rid_out, "settlement_id": s_out, "person_id": pid_out,
        "coverage_id": f"{pid_out}-{YEAR}", "case_id": case_out, "line_id": line,
        "warning_id": warning_out, "contract_id": contract, "job_id": "none", "rank": 1,
        "patient_id": patient,
        "step": "finish", "spot_check_id": 1, "sampled_id": 1, "what": "cases", "ext": "xlsx",
        "round_id": 1, "batch_id": 1, "code": "S0002", "locale": "en",
        "outside_name": name_out, "contract_out": contract_out,
        "inside": {"resident_id": rid_in, "person_id": pid_in, "settlement_id": s_in},
    }  # fmt: skip


def _url(path: str, ids: dict[str, Any]) -> str:
    skip = ("inside", "outside_name", "contract_out")
    return path.format(**{k: v for k, v in ids.items() if k not in skip})


@dataclass(frozen=True)
class ModelField:
    """One field of a form model (``Annotated[Model, Form()]``), named as the form sends it."""

    alias: str
    field_info: Any


def form_params(params: list[Any]) -> list[Any]:
    """A route's form parameters, each form model (a pydantic model taken as a form: the
    worklist's service form) replaced by its fields."""
    from fastapi.params import Form
    from pydantic import BaseModel

    out: list[Any] = []
    for p in params:
        model = p.field_info.annotation
        if (
            isinstance(p.field_info, Form)
            and isinstance(model, type)
            and issubclass(model, BaseModel)
        ):
            out += [
                ModelField(info.alias or name, info) for name, info in model.model_fields.items()
            ]
        else:
            out.append(p)
    return out


def _form_fields(route: APIRoute) -> list[str] | None:
    """The form fields of a route (None: it takes a JSON body or none)."""
    from fastapi.params import Form

    fields = [f for f in route.dependant.body_params]
    if not fields:
        return None
    if all(isinstance(f.field_info, Form) for f in fields):
        return [f.alias for f in form_params(fields)]
    return None


def _post(client: TestClient, route: APIRoute, url: str, token: str | None,
          filled: bool) -> Any:  # fmt: skip
    """POST with (``token``) or without the CSRF token; ``filled``: every form field given
    a plausible value (else an empty, invalid body)."""
    form = _form_fields(route)
    headers = {"x-csrf-token": token} if token else {}
    if form is not None or not route.path.startswith(("/api", "/fhir")):
        data = {f: "1" for f in (form or []) if f != "csrf_token"} if filled else {}
        if token:
            data["csrf_token"] = token
        return client.post(url, data=data, headers=headers)
    body = "{}" if not filled else '{"resourceType": "Claim"}'
    return client.post(url, content=body, headers={**headers, "content-type": "application/json"})


@pytest.fixture(scope="module")
def clients(app: Any) -> Iterator[dict[str, tuple[TestClient, str]]]:
    """A logged-in cookie session and its CSRF token for every user (English pages)."""
    out: dict[str, tuple[TestClient, str]] = {}
    for username in USERS:
        client = TestClient(app, follow_redirects=False)
        token = csrf_of(client.get("/login").text)
        r = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                        "csrf_token": token, "next": "/"})  # fmt: skip
        assert r.status_code == 303, (username, r.text)
        client.get("/locale/en")
        out[username] = (client, csrf_of(client.get("/", follow_redirects=True).text))
    yield out
    for client, _ in out.values():
        client.close()


@dataclass(frozen=True)
class Holder:
    """A user as the permission check sees it: role and institution (if bound to one)."""

    role: Role
    institution_code: str | None = None


@pytest.fixture(scope="module")
def roles(web_engine: Engine) -> dict[str, Holder]:
    with session_scope(web_engine) as s:
        rows = s.execute(
            select(User.username, User.role, User.institution_code)
            .where(User.username.in_(USERS))
        ).all()  # fmt: skip
        return {name: Holder(role, code) for name, role, code in rows}


def needs(need: Need) -> tuple[Permission, ...]:
    """The permissions a route needs (none: any logged-in user)."""
    if need == ANY:
        return ()
    return need if isinstance(need, tuple) else (need,)  # type: ignore[return-value]


def holds(user: Holder | Role, need: Need) -> bool:
    """Whether the user (or a role, bound to no institution) may call a route needing
    ``need``."""
    who = Holder(user) if isinstance(user, Role) else user
    return all(user_allows(who, p) for p in needs(need))


def _routes(
    *,
    reads: bool | None = None,
    held_by: Holder | None = None,
    withheld_from: Holder | None = None,
) -> Iterator[tuple[str, str, APIRoute]]:
    """The app's routes as (method, path, route), in order: with ``reads`` only the GET
    routes (True) or only the state-changing ones (False); with ``held_by`` only the routes
    of ``ACCESS`` that user may call, with ``withheld_from`` only those the user may not."""
    for (method, path), route in sorted(ROUTES.items()):
        if reads is not None and (method == "GET") != reads:
            continue
        need = ACCESS.get((method, path))
        if held_by is not None and (need is None or not holds(held_by, need)):
            continue
        if withheld_from is not None and (need is None or holds(withheld_from, need)):
            continue
        yield method, path, route


def test_no_route_but_the_public_ones_answers_without_a_login(
    app: Any, ids: dict[str, Any]
) -> None:
    wrong = []
    with TestClient(app, follow_redirects=False) as anonymous:
        for (method, path), route in sorted(ROUTES.items()):
            if (method, path) in PUBLIC:
                continue
            url = _url(path, ids)
            for filled in (False, True):
                r = (
                    anonymous.get(url)
                    if method == "GET"
                    else _post(anonymous, route, url, None, filled)
                )
                api = path.startswith(("/api", "/fhir")) or path in JSON_PAGES
                if path == "/logout":  # nothing to end: refused as a foreign form
                    ok = r.status_code == 403
                else:
                    ok = r.status_code == 401 if api else (
                        r.status_code == 303 and r.headers["location"].startswith("/login")
                    )  # fmt: skip
                if not ok:
                    wrong.append((method, url, filled, r.status_code, r.text[:120]))
    assert not wrong, "\n".join(map(str, wrong))


def test_a_role_without_the_permission_gets_403_before_the_body_is_read(
    clients: dict[str, tuple[TestClient, str]], roles: dict[str, Holder], ids: dict[str, Any],
    app: Any,
) -> None:  # fmt: skip
    wrong = []
    for username, (client, token) in clients.items():
        for method, path, route in _routes(withheld_from=roles[username]):
            url = _url(path, ids)
            answers = [client.get(url)] if method == "GET" else [
                _post(client, route, url, token, filled) for filled in (False, True)
            ]  # fmt: skip
            if path.startswith(("/api", "/fhir")):  # systems: HTTP Basic, no cookie
                with TestClient(app, follow_redirects=False) as basic:
                    basic.auth = (username, DEMO_PASSWORD)
                    answers += [basic.get(url)] if method == "GET" else [
                        _post(basic, route, url, None, filled) for filled in (False, True)
                    ]  # fmt: skip
            wrong += [(username, method, url, r.status_code, r.text[:100]) for r in answers
                      if r.status_code != 403]  # fmt: skip
    assert not wrong, "\n".join(map(str, wrong))


def test_every_state_changing_route_refuses_a_session_without_the_csrf_token(
    clients: dict[str, tuple[TestClient, str]], ids: dict[str, Any]
) -> None:
    client, _token = clients["admin"]
    wrong = []
    for _method, path, route in _routes(reads=False):
        url = _url(path, ids)
        for filled in (True, False):
            r = _post(client, route, url, None, filled)
            if r.status_code != 403:
                wrong.append((url, filled, r.status_code, r.text[:120]))
    assert not wrong, "\n".join(map(str, wrong))


def test_every_state_changing_route_refuses_a_forged_token_of_any_length_naming_it(
    clients: dict[str, tuple[TestClient, str]], ids: dict[str, Any]
) -> None:
    """A forged token however long (5,000 characters, beyond any text field's bound) or of
    characters no token has: 403 ``csrf`` like any other bad token (never a 422 about its
    length, never a 500), the answer naming the field ``csrf_token`` where it is JSON."""
    client, _token = clients["admin"]
    wrong = []
    for _method, path, route in _routes(reads=False):
        url = _url(path, ids)
        form = _form_fields(route)
        api = path.startswith(("/api", "/fhir"))
        for forged in ("x" * 5_000, "長" * 43, "forged"):
            if api and form is None:  # a cookie session's JSON: the token in the header
                headers = {"x-csrf-token": forged.encode(), "content-type": "application/json"}
                r = client.post(url, content='{"resourceType": "Claim"}', headers=headers)
            else:
                data = {f: "1" for f in (form or []) if f != "csrf_token"}
                r = client.post(url, data={**data, "csrf_token": forged})
            named = True
            if (api and not path.startswith("/fhir")) or path in JSON_PAGES:
                error = r.json()["error"]
                named = (error["code"], error["field"]) == ("csrf", "csrf_token")
            if r.status_code != 403 or not named:
                wrong.append((url, len(forged), r.status_code, r.text[:120]))
    assert not wrong, "\n".join(map(str, wrong))
    assert client.get("/persons").status_code == 200  # no forged logout ended the session


def test_a_township_user_gets_404_for_every_object_outside_it(
    clients: dict[str, tuple[TestClient, str]], roles: dict[str, Holder], ids: dict[str, Any]
) -> None:
    client, _token = clients["township"]
    outsider = ids["outside_name"]  # (an answer may repeat the ID it was asked for)
    wrong = []
    for _method, path, _route in _routes(reads=True, held_by=roles["township"]):
        names = {"resident_id", "settlement_id", "person_id", "coverage_id", "case_id",
                 "warning_id", "contract_id"}  # fmt: skip
        if not any("{" + n + "}" in path for n in names):
            continue
        r = client.get(_url(path, {**ids, "contract_id": ids["contract_out"]}))
        if r.status_code not in (404, 422) or outsider in r.text:
            wrong.append((path, r.status_code))
    rid = ids["resident_id"]
    for url in (f"/fhir/Patient?identifier={rid}", f"/fhir/Coverage?patient={ids['person_id']}",
                f"/api/persons?q={rid}", f"/persons?q={rid}", f"/warnings?q={rid}",
                f"/review?q={rid}"):  # fmt: skip
        r = client.get(url)
        if r.status_code >= 500 or outsider in r.text or '"total":1' in r.text.replace(" ", ""):
            wrong.append((url, r.status_code))
    assert not wrong, "\n".join(map(str, wrong))


def test_a_role_with_the_permission_never_gets_a_500(
    clients: dict[str, tuple[TestClient, str]], roles: dict[str, Holder], ids: dict[str, Any]
) -> None:
    inside = {**ids, **ids["inside"]}
    wrong = []
    for username, (client, _token) in clients.items():
        for _method, path, _route in _routes(reads=True, held_by=roles[username]):
            if path.startswith("/reports/summary") and username != "analyst":
                continue  # the year's summary is slow to build: one role is enough here
            r = client.get(_url(path, inside))
            if r.status_code >= 500:
                wrong.append((username, path, r.status_code, r.text[:200]))
    assert not wrong, "\n".join(map(str, wrong))


def test_a_township_user_changes_nothing_outside_it(
    clients: dict[str, tuple[TestClient, str]], ids: dict[str, Any]
) -> None:
    """Every state-changing route naming an object (a settlement, a review case or line, a
    warning) outside the township: 404 (or 403), with a valid token and a plausible body."""
    client, token = clients["township"]
    plausible = {"reason": "r", "note": "n", "step": "visit_confirmed", "on": f"{YEAR}-12-31",
                 "decision": "approved", "version": "1", "deduct": "0",
                 "idempotency_key": "township-key-1", "done_on": f"{YEAR}-12-31",
                 "kind": "follow_up", "next_on": ""}  # fmt: skip
    names = ("{settlement_id}", "{case_id}", "{line_id}", "{warning_id}", "{contract_id}")
    ids = {**ids, "contract_id": ids["contract_out"]}
    wrong = []
    for _method, path, route in _routes(reads=False):
        if not any(n in path for n in names) or "sanctions" in path:
            continue  # (a sanction case's id is not a review case's: tests/web/test_rooms_scope)
        url = _url(path, ids)
        form = _form_fields(route)
        if form is None:
            body = {"reason": "r"} if "refund" in path else {"decision": "approved", "version": 1}
            r = client.post(url, json=body, headers={"x-csrf-token": token})
        else:
            data = {f: plausible.get(f, "1") for f in form}
            r = client.post(url, data={**data, "csrf_token": token})
        if r.status_code not in (403, 404):
            wrong.append((url, r.status_code, r.headers.get("location")))
    assert not wrong, "\n".join(map(str, wrong))


def test_a_township_user_gets_no_figures_of_a_region_above_or_beside_it(
    clients: dict[str, tuple[TestClient, str]],
    roles: dict[str, Holder],
    ids: dict[str, Any],
    web_engine: Engine,
) -> None:
    """Every route with a ``region`` parameter, asked for the county or another township."""
    from safetynet.store.models import Region

    with session_scope(web_engine) as s:
        township = s.scalar(select(User.region_code).where(User.username == "township"))
        county = s.scalar(select(User.region_code).where(User.username == "bureau"))
        other = s.scalar(
            select(Region.code).where(Region.level == "township", Region.code != township)
        )
    assert township and county and other
    client, _token = clients["township"]
    wrong = []
    checked = 0
    for _method, path, route in _routes(reads=True, held_by=roles["township"]):
        params = {q.alias for q in route.dependant.query_params}
        if "region" not in params:
            continue
        for region in (county, other):
            extra = {"month": f"{YEAR}-06"} if "month" in params and "notice" in path else {}
            r = client.get(_url(path, ids), params={"region": region, **extra})
            checked += 1
            if r.status_code != 404:
                wrong.append((path, region, r.status_code))
    assert checked >= 10
    assert not wrong, "\n".join(map(str, wrong))


def test_only_a_role_that_works_warnings_sees_the_step_form(
    clients: dict[str, tuple[TestClient, str]], ids: dict[str, Any]
) -> None:
    url = f"/warnings/{ids['warning_id']}"
    for username, shown in (("bureau", True), ("auditor", False), ("reviewer", False)):
        page = clients[username][0].get(url)
        assert page.status_code == 200, username
        assert ('id="step-form"' in page.text) == shown, username


def test_a_hospital_user_reads_no_early_warning(
    clients: dict[str, tuple[TestClient, str]], roles: dict[str, Holder], ids: dict[str, Any]
) -> None:
    """Early warning is the township's and the bureau's work: a user bound to a hospital (its
    window clerk, its medical-insurance office — a reviewer by role) gets 403 for every route
    needing a permission withheld at an institution, with a valid token; the nav shows no
    link. Every early-warning route needs one (decided by permission, not by path)."""
    from safetynet.security.roles import AT_INSTITUTION_WITHHELD

    withheld = {key for key, need in ACCESS.items() if AT_INSTITUTION_WITHHELD & set(needs(need))}
    assert {key for key in ACCESS if key[1].startswith("/warnings")} <= withheld
    wrong = []
    for username in ("clerk", "office"):
        assert roles[username].institution_code, username
        client, token = clients[username]
        for method, path in sorted(withheld):
            url = _url(path, {**ids, "ext": "xlsx"})
            r = client.get(url) if method == "GET" else _post(
                client, ROUTES[(method, path)], url, token, True
            )  # fmt: skip
            if r.status_code != 403:
                wrong.append((username, method, url, r.status_code))
        assert 'id="nav-warnings"' not in client.get("/", follow_redirects=True).text
    assert not wrong, "\n".join(map(str, wrong))
    assert clients["reviewer"][0].get("/warnings").status_code == 200  # not bound: reads them


def test_the_routes_pages_scripts_read_answer_json_refusals(
    app: Any, clients: dict[str, tuple[TestClient, str]]
) -> None:
    """A page's script reads these as JSON: an unknown search, a role without the right
    and no session at all get a JSON error with its code, never an HTML page."""
    with TestClient(app, follow_redirects=False) as anonymous:
        for path in sorted(JSON_PAGES):
            r = anonymous.get(path.format(job_id="x", code="S0002", contract_id=1))
            if r.request.method == "GET" and r.status_code == 405:
                continue  # (a POST route: covered above)
            assert r.status_code == 401, (path, r.status_code)
            assert r.json()["error"]["code"] == "login_required", path
    analyst, _ = clients["analyst"]
    r = analyst.get("/design/no-such-search/progress")
    assert r.status_code == 404 and r.json()["error"]["code"] == "no_search"
    r = analyst.get("/window/items/S0002")
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"


def test_the_programme_pages_are_the_programme_workers(
    clients: dict[str, tuple[TestClient, str]], roles: dict[str, Holder], ids: dict[str, Any]
) -> None:
    """``programme.work`` (the three batches' patients, the family doctors' worklist): held by
    reviewers, village doctors, the bureau and administrators only, and withheld from a user
    bound to an institution (the hospital's office is a reviewer by role): 403 and no link."""
    from safetynet.security.roles import AT_INSTITUTION_WITHHELD, PERMISSIONS

    assert {r for r, held in PERMISSIONS.items() if P.PROGRAMME_WORK in held} == {
        Role.REVIEWER, Role.VILLAGE_DOCTOR, Role.BUREAU, Role.ADMIN
    }  # fmt: skip
    assert P.PROGRAMME_WORK in AT_INSTITUTION_WITHHELD
    programme = {key for key, need in ACCESS.items() if P.PROGRAMME_WORK in needs(need)}
    assert {key for key in ACCESS if key[1].startswith(("/programme", "/worklist/{"))} - {
        ("GET", "/worklist/sw.js")
    } <= programme  # fmt: skip
    pages = ["/programme/patients", f"/programme/patients/{ids['patient_id']}", "/worklist"]
    for username in USERS:
        allowed = user_allows(roles[username], P.PROGRAMME_WORK)
        assert allowed == (username in ("admin", "bureau", "reviewer", "doctor", "township")), (
            username
        )
        client = clients[username][0]
        for url in pages:
            r = client.get(url)
            if allowed:
                assert r.status_code in (200, 404), (username, url, r.status_code)
            else:
                assert r.status_code == 403, (username, url, r.status_code)
        nav = 'id="nav-programme"' in client.get("/", follow_redirects=True).text
        assert nav == allowed, username
    assert clients["reviewer"][0].get("/programme/patients").status_code == 200
