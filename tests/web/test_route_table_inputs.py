"""Hostile input to every parameter of every route of the app's route table, in process on
both databases, as the admin (who may call every route): each query parameter, path
parameter and form field in turn gets markup, SQL, LIKE wildcards, a text holding ``%00``,
numbers and dates far outside the scheme. Nothing answers 500; a number or a date out of
bounds is refused (4xx naming the field, or the page's refusal), never recorded; markup is
never echoed into a page; searches treat ``%`` and ``_`` as the characters they are; a
real NUL is refused (400) while the text ``%00`` is accepted; ``next`` never leads off the
site.

Routes come from :data:`tests.web.test_route_table_access.ROUTES`, so a new route's
parameters are probed as soon as it exists.
"""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from safetynet.store.db import session_scope
from safetynet.store.models import Person
from tests.web.conftest import YEAR, csrf_of
from tests.web.test_route_table_access import (
    ROUTES,
    form_params,
    ids,  # noqa: F401  (the module's fixture)
)

MARKUP = "<script>alert(1)</script>"
TEXTS = (MARKUP, "%", "_", "' OR '1'='1' --", "discount 100%00 off", "x" * 5000, "\u202e㐀😀")
HUGE = ("99999999999999999999999", "-99999999999999999999999", "1e308", "NaN")
FAR = ("9999-12-31", "0001-01-01", "2017-02-30", "+002017-01-01")
PATH_VALUES = ("99999999999999999999999", "-1", "0", "%3Cscript%3E", "..%2F..%2Fetc%2Fpasswd")
# plausible values of the form fields, so that one hostile field at a time reaches the route
PLAUSIBLE = {
    "year": str(YEAR), "month": "3", "on": f"{YEAR}-06-01", "done_on": f"{YEAR}-06-01",
    "next_on": f"{YEAR}-07-01", "start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31",
    "limit": "2", "seed": "5", "article": "38", "months": "3", "version": "1",
    "decision": "approved", "deduct": "1", "amount": "1", "paid": "1", "loss": "1",
    "multiple": "1", "fine": "", "budget": "", "reason": "r", "note": "n", "finding": "f",
    "kind": "follow_up", "step": "visit_confirmed", "found": "yes",
}  # fmt: skip
NUMBER_NAMES = {"year", "month", "limit", "seed", "article", "months", "version", "page",
                "trials", "deduct", "amount", "paid", "loss", "multiple", "fine", "budget",
                "systolic", "diastolic", "glucose"}  # fmt: skip
DATE_NAMES = {"on", "done_on", "next_on", "start", "end"}
SKIP_POST = {"/design", "/login", "/logout"}  # a search job; the session itself


@pytest.fixture(scope="module")
def admin(app: Any) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": "admin", "password": "safetynet-demo",
                                    "csrf_token": token, "next": "/"})  # fmt: skip
    assert r.status_code == 303
    client.get("/locale/en")
    client.headers["x-test-token"] = csrf_of(client.get("/").text)  # the session's, after login
    return client


def _plain(ids: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    return {**{k: v for k, v in ids.items() if isinstance(v, str | int)}, **ids["inside"]}


def _refused(r: Any) -> bool:
    """A refusal: a 4xx, or a page's redirect back with its reason."""
    if 400 <= r.status_code < 500:
        return True
    return r.status_code == 303 and "error=" in r.headers.get("location", "")


def _leaks_markup(r: Any) -> bool:
    return "text/html" in r.headers.get("content-type", "") and MARKUP in r.text


def _query_values(name: str) -> tuple[str, ...]:
    if name in NUMBER_NAMES:
        return (*HUGE, "-1")
    if name in DATE_NAMES or name in ("month",):
        return FAR + TEXTS[:2]
    return TEXTS


def test_every_query_and_path_parameter_of_every_page_and_answer(
    admin: TestClient,
    ids: dict[str, Any],  # noqa: F811
) -> None:
    values = _plain(ids)
    wrong: list[Any] = []
    for (method, path), route in sorted(ROUTES.items()):
        if method != "GET" or "/design/" in path or path.startswith("/reports/summary"):
            continue
        base = path.format(**{**values, "ext": "xlsx", "what": "cases"})
        names = [q.alias for q in route.dependant.query_params]
        if "text/html" in admin.get(base).headers.get("content-type", ""):
            names.append("error")  # pages show a refusal's code from the query
        for name in names:
            for value in _query_values(name):
                r = admin.get(base, params={name: value})
                if r.status_code >= 500 or _leaks_markup(r):
                    wrong.append((base, name, value[:20], r.status_code))
                elif value in HUGE + FAR[:1] and not _refused(r) and name not in ("q", "error"):
                    wrong.append((base, name, value[:20], r.status_code, "accepted"))
        for param in route.dependant.path_params:
            if param.name in ("ext", "what", "locale"):
                continue
            for value in PATH_VALUES:
                url = path.format(**{**values, "ext": "xlsx", "what": "cases", param.name: value})
                r = admin.get(url)
                if r.status_code >= 500 or _leaks_markup(r) or r.status_code == 200:
                    wrong.append((url, r.status_code))
    assert not wrong, "\n".join(map(str, wrong))


def _form(route: APIRoute) -> dict[str, str] | None:
    from fastapi.params import Form

    fields = route.dependant.body_params
    if not fields or not all(isinstance(f.field_info, Form) for f in fields):
        return None
    return {f.alias: PLAUSIBLE.get(f.alias, "1") for f in form_params(fields)
            if f.alias != "csrf_token"}  # fmt: skip


def test_every_form_field_of_every_page(
    admin: TestClient,
    ids: dict[str, Any],  # noqa: F811
) -> None:
    values = _plain(ids)
    token = admin.headers["x-test-token"]
    wrong: list[Any] = []
    for (method, path), route in sorted(ROUTES.items()):
        form = _form(route)
        if method != "POST" or form is None or path in SKIP_POST:
            continue
        url = path.format(**{**values, "step": "self-check"})
        for name in form:
            for value in _query_values(name) + (("1" * 300,) if name not in NUMBER_NAMES else ()):
                r = admin.post(url, data={**form, name: value, "csrf_token": token})
                if r.status_code >= 500 or _leaks_markup(r):
                    wrong.append((url, name, value[:20], r.status_code, r.text[:150]))
                elif value in HUGE + FAR[:1] and not _refused(r):
                    wrong.append((url, name, value[:20], r.status_code, "accepted"))
    assert not wrong, "\n".join(map(str, wrong))


def test_markup_stored_by_any_form_is_text_on_every_page(
    app: Any,
    admin: TestClient,
    ids: dict[str, Any],  # noqa: F811
) -> None:
    """What the forms above stored (notes, findings, reasons …) and a failed login's
    username (the audit log shows it) are escaped wherever a page shows them, and no
    workbook holds a formula."""
    stranger = TestClient(app, follow_redirects=False)
    token = csrf_of(stranger.get("/login").text)
    for name in (MARKUP, '=HYPERLINK("http://evil.example")'):
        r = stranger.post("/login", data={"username": name, "password": "x", "csrf_token": token})
        assert r.status_code == 401
    values = _plain(ids)
    token = admin.headers["x-test-token"]
    r = admin.post(f"/warnings/{values['warning_id']}/step",
                   data={"step": "visit_confirmed", "on": f"{YEAR}-12-31", "note": MARKUP,
                         "csrf_token": token})  # fmt: skip
    assert r.status_code == 303
    wrong = []
    escaped = 0
    for (method, path), _route in sorted(ROUTES.items()):
        if method != "GET" or "/design/" in path or path.startswith("/reports/summary"):
            continue
        r = admin.get(path.format(**{**values, "ext": "xlsx", "what": "cases"}))
        kind = r.headers.get("content-type", "")
        if "text/html" in kind:
            escaped += r.text.count("&lt;script&gt;alert(1)")
            if MARKUP in r.text:
                wrong.append(path)
        elif "spreadsheetml" in kind:
            book = load_workbook(io.BytesIO(r.content))
            if any(c.data_type == "f" for ws in book.worksheets for row in ws.iter_rows()
                   for c in row):  # fmt: skip
                wrong.append(path)
    assert not wrong, wrong
    assert escaped >= 2  # the audit log and the warning show the markup, as text


DESIGN = {
    "base": "anhui-poor-2017", "year": str(YEAR), "objective": "least-spending",
    "parameters": "layers[basic].rules[inpatient_poor].ratio.county=70%:90%:10%",
    "targets": "poor_ratio>=50%", "trials": "2",
}  # fmt: skip


def test_every_field_of_a_page_has_a_name_its_refusals_can_give() -> None:
    """A refused field is named in the user's language (web/messages.FIELDS), not "The
    form": every query parameter and form field of every page, and every field a page's
    route names when it raises."""
    from pathlib import Path

    from safetynet.web.messages import FIELDS

    missing = set()
    for (_method, path), route in ROUTES.items():
        if path.startswith(("/api", "/fhir")):
            continue  # programs read the field's code
        for p in [*route.dependant.query_params, *form_params(route.dependant.body_params)]:
            if p.alias not in FIELDS and p.alias != "csrf_token":
                missing.add((path, p.alias))
    web = Path(__file__).parents[2] / "safetynet" / "web"
    for source in web.rglob("*.py"):
        for name in re.findall(r'field="([a-z_]+)"', source.read_text(encoding="utf-8")):
            if name not in FIELDS:
                missing.add((source.name, name))
    assert not missing, sorted(missing)


def test_a_page_names_the_refused_field(admin: TestClient) -> None:
    token = admin.headers["x-test-token"]
    r = admin.post("/review/open", data={"year": str(YEAR), "limit": "0", "csrf_token": token})
    assert r.status_code == 422 and "Cases to open is too small" in r.text  # was "The form"
    r = admin.post("/review/open", data={"year": str(YEAR), "limit": "10" * 11,
                                         "csrf_token": token})  # fmt: skip
    assert r.status_code == 422 and "Cases to open" in r.text  # was opened, the limit clamped


def test_the_design_form_bounds_its_numbers(admin: TestClient) -> None:
    token = admin.headers["x-test-token"]
    for name, value in (("trials", "99999999999999999999"), ("trials", "-1"),
                        ("year", "99999999999999999999"), ("year", "-5")):  # fmt: skip
        r = admin.post("/design", data={**DESIGN, name: value, "csrf_token": token})
        assert 400 <= r.status_code < 500, (name, value, r.status_code)
        assert ("Year" if name == "year" else "candidates") in r.text


def test_searches_escape_like_wildcards(app: Any, admin: TestClient, web_engine: Engine) -> None:
    with session_scope(web_engine) as s:
        rid = s.scalar(select(Person.resident_id).order_by(Person.id))
        assert rid
        assert not s.scalar(
            select(func.count(Person.id)).where(Person.name.contains("%", autoescape=True))
        )
    for q in ("%", "_", "%%", "__", rid[:4] + "%", rid[:4] + "_" * 3, "%" + rid[-4:]):
        found = admin.get("/api/persons", params={"q": q}).json()["persons"]
        assert found == [], q
        page = admin.get("/persons", params={"q": q})
        assert page.status_code == 200 and rid not in page.text, q
        bundle = admin.get("/fhir/Patient", params={"identifier": q}).json()
        assert not bundle.get("entry"), q
    assert admin.get("/api/persons", params={"q": rid[:6]}).json()["persons"]  # a real prefix


def test_a_real_nul_is_refused_and_the_text_percent_00_accepted(admin: TestClient) -> None:
    token = admin.headers["x-test-token"]
    assert admin.get("/persons?q=a%00b").status_code == 400  # a NUL, percent-encoded
    assert admin.get("/persons", params={"q": "discount 100%00 off"}).status_code == 200
    r = admin.post("/review/callbacks", data={"claim_no": "x\x00y", "paid": "1",
                                              "csrf_token": token})  # fmt: skip
    assert r.status_code == 400
    r = admin.post("/review/callbacks", data={"claim_no": "100%00 off", "paid": "1",
                                              "csrf_token": token})  # fmt: skip
    assert r.status_code == 303 and "error=claim_unknown" in r.headers["location"]
    r = admin.post("/api/claims/preview", content=b'{"resident_id": "a\\u0000"}',
                   headers={"content-type": "application/json", "x-csrf-token": token})  # fmt: skip
    assert r.status_code == 400
    r = admin.post("/api/claims/preview", content=b'{"resident_id": "100%00"}',
                   headers={"content-type": "application/json", "x-csrf-token": token})  # fmt: skip
    assert r.status_code == 422  # read, then refused as an ID, not as a NUL


OFF_SITE = ("//evil.example", "https://evil.example", "/\\evil.example", "\\\\evil.example",
            "/\t/evil.example", "/%2F%2Fevil.example", "http:evil.example", " //evil.example",
            "javascript:alert(1)", "%2F%2Fevil.example")  # fmt: skip


def test_next_never_leads_off_the_site(app: Any) -> None:
    client = TestClient(app, follow_redirects=False)
    for target in OFF_SITE:
        r = client.get(f"/locale/en?next={quote(target)}")
        location = r.headers["location"]
        assert r.status_code == 303 and re.fullmatch(r"/[^/\\].*|/", location), (target, location)
        page = client.get(f"/login?next={quote(target)}")
        hidden = re.search(r'name="next" value="([^"]*)"', page.text)
        assert hidden and not re.match(r"(//|\\|[a-z]+:)", hidden.group(1)), (target, hidden)
        token = csrf_of(page.text)
        r = client.post("/login", data={"username": "clerk", "password": "safetynet-demo",
                                        "csrf_token": token, "next": target})  # fmt: skip
        assert r.status_code == 303
        location = r.headers["location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location
        client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})


def _text_params(route: APIRoute) -> list[str]:
    """The query parameters of a route (its dependencies' too) that take free text."""
    from typing import get_args

    def params(dependant: Any) -> list[Any]:
        return [*dependant.query_params, *(p for d in dependant.dependencies for p in params(d))]

    return [
        p.alias
        for p in params(route.dependant)
        if p.field_info.annotation is str or str in get_args(p.field_info.annotation)
    ]


def test_every_text_query_parameter_is_bounded(
    admin: TestClient,
    ids: dict[str, Any],  # noqa: F811
) -> None:
    """A 5,000-character value in any free-text query parameter of any GET route (search,
    filter, region, month, next) is refused before anything is read: 422 naming the field on
    pages and the API, a 400 OperationOutcome under /fhir; never a 500."""
    values = _plain(ids)
    from safetynet.web.messages import FIELDS

    long = "長" * 4_999 + "x"
    wrong: list[Any] = []
    probed = set()
    for (method, path), route in sorted(ROUTES.items()):
        if method != "GET":
            continue
        base = path.format(**{**values, "ext": "xlsx", "what": "cases"})
        for name in _text_params(route):
            probed.add((path, name))
            r = admin.get(base, params={name: long}, headers={"accept": "application/json"}
                          if path.startswith("/api") else {})  # fmt: skip
            if path.startswith("/fhir"):
                ok = r.status_code == 400 and r.json().get("resourceType") == "OperationOutcome"
                ok = ok and name in r.text
            elif path.startswith("/api"):
                ok = r.status_code == 422 and r.json()["error"]["field"] == name
            else:  # a page names the field in the user's language (web/messages.FIELDS)
                ok = r.status_code == 422 and FIELDS[name] in r.text
            if not ok:
                wrong.append((base, name, r.status_code, r.text[:120]))
    assert not wrong, "\n".join(map(str, wrong))
    assert {("/persons", "q"), ("/audit", "username"), ("/fhir/Patient", "identifier"),
            ("/dashboard", "region"), ("/login", "next")} <= probed  # fmt: skip


def _form_fields(route: APIRoute) -> list[Any]:
    """A route's form fields, its dependencies' too (the window's claim form), a form
    model's each (the worklist's service form)."""
    from fastapi.params import Form

    def params(dependant: Any) -> list[Any]:
        return [*dependant.body_params, *(p for d in dependant.dependencies for p in params(d))]

    return form_params([p for p in params(route.dependant) if isinstance(p.field_info, Form)])


def _bound(field: Any) -> int | None:
    """The most characters a text form field takes (a repeated field: each value)."""
    from typing import get_args

    from annotated_types import MaxLen

    info = field.field_info
    for meta in info.metadata:
        if isinstance(meta, MaxLen):
            return meta.max_length
    for arg in get_args(info.annotation):  # list[Annotated[str, StringConstraints(...)]]
        for meta in getattr(arg, "__metadata__", ()):
            if getattr(meta, "max_length", None) is not None:
                return meta.max_length
    return None


def _is_text(field: Any) -> bool:
    from typing import get_args

    annotation = field.field_info.annotation
    text = annotation is str or str in get_args(annotation)
    return text or any(get_args(a)[:1] == (str,) for a in get_args(annotation))


def test_every_text_form_field_is_bounded() -> None:
    """Every free-text field of every form (the login's username, password and next
    included) has a length bound of at most NEXT_LENGTH (web/bounds.text_form)."""
    from safetynet.web.bounds import NEXT_LENGTH

    unbounded = []
    seen = set()
    for (method, path), route in sorted(ROUTES.items()):
        if method != "POST":
            continue
        for field in _form_fields(route):
            if _is_text(field):
                seen.add((path, field.alias))
                bound = _bound(field)
                if bound is None or bound > NEXT_LENGTH:
                    unbounded.append((path, field.alias, bound))
    assert not unbounded, unbounded
    assert {("/login", "username"), ("/login", "password"), ("/login", "next"),
            ("/window/preview", "item_code"), ("/design", "parameters")} <= seen  # fmt: skip


def test_a_5000_character_form_field_is_refused_naming_it(
    admin: TestClient,
    ids: dict[str, Any],  # noqa: F811
) -> None:
    """5,000 characters in any text field of any form: 422 naming the field (the login page
    again for the login form), before anything is read or written; never a 500."""
    from safetynet.web.messages import FIELDS

    values = _plain(ids)
    token = admin.headers["x-test-token"]
    long = "長" * 4_999 + "x"
    wrong: list[Any] = []
    probed = 0
    for (method, path), route in sorted(ROUTES.items()):
        if method != "POST" or path.startswith(("/api", "/fhir")):
            continue
        fields = [f for f in _form_fields(route) if _is_text(f)]
        form = {f.alias: PLAUSIBLE.get(f.alias, "1") for f in _form_fields(route)}
        url = path.format(**{**values, "step": "self-check"})
        for field in fields:
            if field.alias == "csrf_token":
                continue
            probed += 1
            r = admin.post(url, data={**form, field.alias: long, "csrf_token": token})
            named = FIELDS.get(field.alias, "") in r.text
            if r.status_code != 422 or not named or long in r.text:
                wrong.append((url, field.alias, r.status_code, r.text[:120]))
    assert not wrong, "\n".join(map(str, wrong))
    assert probed > 60


def test_the_login_form_bounds_every_field(app: Any) -> None:
    """Too long a username, password or next: the login page again (422) naming the field,
    nobody logged in, and the form's next still a path on this site."""
    from safetynet.web.bounds import NEXT_LENGTH, QUERY_LENGTH

    client = TestClient(app, follow_redirects=False)
    client.get("/locale/en")
    good = {"username": "clerk", "password": "safetynet-demo", "next": "/persons"}
    for name, value, label in (
        ("username", "c" * (QUERY_LENGTH + 1), "Username"),
        ("username", "長" * 5000, "Username"),
        ("password", "p" * (QUERY_LENGTH + 1), "Password"),
        ("password", "p" * 1_000_000, "Password"),
        ("next", "/" + "a" * NEXT_LENGTH, "Page after logging in"),
        ("next", "//evil.example/" + "a" * 5000, "Page after logging in"),
    ):
        token = csrf_of(client.get("/login").text)
        r = client.post("/login", data={**good, name: value, "csrf_token": token})
        assert r.status_code == 422, (name, r.status_code)
        assert f"{label} is too long" in r.text and 'name="password"' in r.text, name
        hidden = re.search(r'name="next" value="([^"]*)"', r.text)
        assert hidden and hidden.group(1) == ("/persons" if name != "next" else "/"), name
        assert client.get("/persons").status_code == 303  # not logged in
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={**good, "password": "x" * QUERY_LENGTH, "csrf_token": token})
    assert r.status_code == 401  # at the bound: read, and wrong
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={**good, "username": "c" * QUERY_LENGTH, "csrf_token": token})
    assert r.status_code == 401  # at the bound (longer than any stored name): read, and wrong
    chinese = TestClient(app, follow_redirects=False)
    chinese.get("/locale/zh_Hans")
    token = csrf_of(chinese.get("/login").text)
    r = chinese.post("/login", data={**good, "password": "p" * 5000, "csrf_token": token})
    assert r.status_code == 422 and "密码" in r.text and "too long" not in r.text
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={**good, "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/persons"
