"""A user bound to an institution (a hospital's medical-insurance office, or any role bound
to one) sees its own institution's figures only, on both databases: every page, answer and
export of the region's institutions together — the overview, dashboards, indicators,
notices, summaries, the supervision scorecard, inspections and sanctions and their
exports, the funds' statements and payment rounds, policy design — is refused with 403
before anything is read (roles.AT_INSTITUTION_WITHHELD), and its nav links are gone; its
review queue (HTML and JSON) holds its institution's cases only. The same role unbound
reads them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from safetynet.funds.posting import post_year
from safetynet.security.roles import AT_INSTITUTION_WITHHELD, Permission, user_allows
from safetynet.security.users import create_user
from safetynet.store.db import session_scope
from safetynet.store.models.security import Role, User
from safetynet.synth.demo import DEMO_PASSWORD
from tests.web.conftest import YEAR

Login = Callable[..., TestClient]
AGGREGATES = (
    "/dashboard", f"/dashboard.xlsx?year={YEAR}", f"/reports/summary.pdf?year={YEAR}",
    f"/reports/summary.xlsx?year={YEAR}", "/indicators", "/indicators.xlsx",
    "/reports/notice", "/reports/notice.pdf", "/reports/notice.xlsx", "/overview.xlsx",
    "/supervision/scorecard", "/supervision/scorecard.xlsx", "/review/spot-checks",
    "/review/sanctions", f"/review/export/cases.xlsx?start={YEAR}-01-01&end={YEAR}-12-31",
    f"/review/export/decisions.pdf?start={YEAR}-01-01&end={YEAR}-12-31", "/funds",
    "/funds/statements.xlsx", "/funds/payments", "/design",
)  # fmt: skip
NAV = ('href="/dashboard"', 'href="/indicators"', 'href="/supervision/scorecard"',
       'id="nav-inspect"', 'id="nav-funds"', 'id="nav-design"',
       'href="/reports/notice"')  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def bound_bureau(web_engine: Engine) -> str:
    """A bureau user bound to the office's hospital (every permission of the bureau's role)."""
    with session_scope(web_engine) as s:
        post_year(s, YEAR, user="test")
        office = s.scalar(select(User).where(User.username == "office"))
        assert office is not None and office.institution_code
        create_user(s, username="bureau-at-hospital", password=DEMO_PASSWORD, role=Role.BUREAU,
                    region_code=office.region_code, locale="en",
                    institution_code=office.institution_code)  # fmt: skip
        return office.institution_code


def test_the_rule_withholds_every_reading_of_more_institutions() -> None:
    assert {Permission.REPORT_READ, Permission.SUPERVISION_READ, Permission.REVIEW_INSPECT,
            Permission.FUNDS_READ, Permission.FUNDS_PAY} <= AT_INSTITUTION_WITHHELD  # fmt: skip

    class Bound:
        role, institution_code = Role.BUREAU, "H1"

    class Free:
        role, institution_code = Role.BUREAU, None

    assert not user_allows(Bound(), Permission.REPORT_READ)
    assert user_allows(Free(), Permission.REPORT_READ)
    assert user_allows(Bound(), Permission.PERSON_READ)  # its own claims: read


def test_a_bound_user_gets_403_on_every_page_and_export_of_the_region(login: Login) -> None:
    wrong = []
    for username in ("office", "bureau-at-hospital"):
        client = login(username, "en")
        for url in AGGREGATES:
            r = client.get(url)
            if r.status_code != 403 or "spreadsheetml" in r.headers.get("content-type", ""):
                wrong.append((username, url, r.status_code))
        home = client.get("/")  # the region's overview: not for it (the window or its cases)
        if 'id="persons-count"' in home.text or home.status_code not in (200, 303):
            wrong.append((username, "/", home.status_code))
        page = client.get("/review").text
        wrong += [(username, "nav", link) for link in NAV if link in page]
    assert not wrong, "\n".join(map(str, wrong))
    free = login("bureau", "en")  # the same role, bound to no institution
    for url in ("/dashboard", "/indicators", "/supervision/scorecard",
                "/supervision/scorecard.xlsx", "/funds/payments", "/reports/notice"):  # fmt: skip
        assert free.get(url).status_code == 200, url
    assert (
        free.get("/").status_code == 200 and 'href="/supervision/scorecard"' in free.get("/").text
    )


def test_a_bound_users_review_queue_is_its_institutions(
    login: Login, bound_bureau: str, web_engine: Engine
) -> None:
    """The queue's JSON and page: the institution's cases only (none of another's)."""
    from safetynet.review import queue
    from safetynet.store.models import ReviewCase

    with session_scope(web_engine) as s:
        region = s.scalar(select(User.region_code).where(User.username == "bureau"))
        assert region
        queue.open_for_year(s, region, YEAR, limit=5000)  # the hospital's cases too
        codes = set(s.scalars(select(ReviewCase.institution_code)))
    assert bound_bureau in codes and len(codes) > 1  # the county has others' cases too
    for username in ("office", "bureau-at-hospital"):
        client = login(username, "en")
        cases = client.get("/api/review/cases?show=all").json()
        rows = cases["cases"] if isinstance(cases, dict) else cases
        assert rows and {c["institution_code"] for c in rows} == {bound_bureau}, username
        page = client.get("/review?show=all")
        assert page.status_code == 200
        for other in codes - {bound_bureau}:
            assert f">{other}<" not in page.text and f"({other})" not in page.text


def test_an_auditor_bound_to_an_institution_reads_no_audit_log(
    login: Login, web_engine: Engine
) -> None:
    """The region's audit log holds every institution's users' reads and changes: an auditor
    bound to a hospital is refused it (403), the same auditor unbound reads it."""
    with session_scope(web_engine) as s:
        office = s.scalar(select(User).where(User.username == "office"))
        assert office is not None
        for name, bound in (("auditor-at-hospital", office.institution_code),
                            ("auditor-free", None)):  # fmt: skip
            if not s.scalar(select(User.id).where(User.username == name)):
                create_user(s, username=name, password=DEMO_PASSWORD, role=Role.AUDITOR,
                            region_code=office.region_code, locale="en",
                            institution_code=bound)  # fmt: skip
    assert login("auditor-at-hospital", "en").get("/audit").status_code == 403
    assert login("auditor-free", "en").get("/audit").status_code == 200
