"""Re-assistance rounds on the web, over HTTP on both databases: a round drafted with a short
budget (every household scaled to the pot), approved by someone else, paid (posted to the
fund journal once), cancelled with a reason (the posting reversed); refusals shown as
sentences in the user's language; steps for the bureau at the county only, CSRF-checked,
audited; a township's staff see their own households only, read-only; the Excel and PDF
exports explain each amount, mask IDs for a role without the right to see them and keep
hostile names inert; another county sees none of it."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import Engine, func, select, update

from safetynet.codes import RegionLevel
from safetynet.funds.household_payments import ROUND_KIND, UNDO_KIND
from safetynet.regions import descendants_select
from safetynet.registry.masking import mask_resident_id_tail
from safetynet.security.users import create_user
from safetynet.store.db import session_scope
from safetynet.store.models import (
    AuditEvent,
    FundEntry,
    Household,
    Person,
    ReassistancePayment,
    ReassistanceRound,
    Region,
)
from safetynet.store.models.security import Role, User
from safetynet.synth.demo import DEMO_PASSWORD
from tests.web.conftest import YEAR, csrf_of

Login = Callable[..., TestClient]
BASE = "/warnings/rounds"


def _post(client: TestClient, url: str, **data: object):  # type: ignore[no-untyped-def]
    page = client.get(f"{BASE}?year={YEAR}")
    return client.post(url, data={"csrf_token": csrf_of(page.text), **data})


def _households(engine: Engine, round_id: int, region: str | None = None) -> list[int]:
    with session_scope(engine) as s:
        q = (
            select(ReassistancePayment.household_id)
            .join(Household, Household.id == ReassistancePayment.household_id)
            .where(ReassistancePayment.round_id == round_id)
        )
        if region is not None:
            q = q.where(Household.region_code.in_(descendants_select(region)))
        return list(s.scalars(q))


def _township(engine: Engine) -> str:
    with session_scope(engine) as s:
        code = s.scalar(select(User.region_code).where(User.username == "township"))
        assert code
        return code


def _draft(bureau: TestClient, budget: str = "") -> str:
    made = _post(bureau, BASE, year=YEAR, budget=budget)
    assert made.status_code == 303, made.text
    assert re.fullmatch(rf"{BASE}/\d+", made.headers["location"]), made.headers["location"]
    return str(made.headers["location"])


def test_a_round_drafted_short_approved_paid_and_cancelled(
    login: Login, web_engine: Engine
) -> None:
    bureau, admin = login("bureau", "en"), login("admin", "en")
    listed = bureau.get(f"{BASE}?year={YEAR}")
    assert listed.status_code == 200 and 'id="draft-round"' in listed.text
    url = _draft(bureau, "10000.00")  # short: the county owes more than 10,000 yuan
    round_id = int(url.rsplit("/", 1)[1])
    with session_scope(web_engine) as s:
        row = s.get(ReassistanceRound, round_id)
        assert row is not None and row.state == "draft"
        assert row.owed_fen > 10_000_00 and row.amount_fen == 10_000_00
        owed, amount = row.owed_fen, row.amount_fen
    every = _households(web_engine, round_id)
    assert len(every) >= 2
    page = bureau.get(url)
    assert page.status_code == 200
    assert page.text.count('class="warn-card round-household"') == len(every)
    share = f"{amount / owed * 100:.2f}%"
    assert share in page.text and "Entitlement" in page.text and "Paid at the window" in page.text
    assert 'id="round-approve"' in page.text
    # who computed it may not approve it: back to the round with the sentence
    own = _post(bureau, f"{url}/approve")
    assert own.headers["location"].endswith("error=round.same_person")
    assert (
        "approved by someone other than who computed it" in bureau.get(own.headers["location"]).text
    )
    assert _post(admin, f"{url}/approve").headers["location"] == url
    # a second draft of the year is refused while the round is approved
    refused = _post(bureau, BASE, year=YEAR, budget="")
    assert refused.headers["location"].endswith("error=round.exists")
    assert "already has an approved or paid round" in bureau.get(refused.headers["location"]).text
    assert 'id="round-pay"' in bureau.get(url).text
    # out of every room's date bounds: 422 naming the field; before the year: the sentence
    for far in ("9999-12-31", "1999-12-31"):
        bad = _post(bureau, f"{url}/pay", on=far)
        assert bad.status_code == 422 and "on" in bad.text, bad.text
    early = _post(bureau, f"{url}/pay", on=f"{YEAR - 1}-12-31")
    assert early.headers["location"].endswith("error=round.paid_before_year")
    assert (
        "cannot be paid before the year it re-assists" in bureau.get(early.headers["location"]).text
    )
    # who approved it may not pay it: back to the round with the sentence
    approver = _post(admin, f"{url}/pay", on=f"{YEAR + 1}-01-20")
    assert approver.headers["location"].endswith("error=round.approver_pays")
    assert (
        "paid by someone other than who approved it" in admin.get(approver.headers["location"]).text
    )
    assert _post(bureau, f"{url}/pay", on=f"{YEAR + 1}-01-20").headers["location"] == url
    assert _post(bureau, f"{url}/pay", on=f"{YEAR + 1}-01-21").headers["location"] == url
    # cancelling needs a reason; with one the posting is reversed
    bare = _post(bureau, f"{url}/cancel", reason="  ")
    assert bare.headers["location"].endswith("error=round.no_reason")
    assert _post(admin, f"{url}/cancel", reason="wrong budget").headers["location"] == url
    with session_scope(web_engine) as s:
        row = s.get(ReassistanceRound, round_id)
        assert row is not None and row.state == "cancelled" and row.paid_on is not None
        posted = s.execute(
            select(FundEntry.kind, func.count()).where(
                FundEntry.reference.in_([f"{ROUND_KIND}:{round_id}", f"{UNDO_KIND}:{round_id}"])
            ).group_by(FundEntry.kind)
        ).all()  # fmt: skip
        assert dict(posted) == {ROUND_KIND: 1, UNDO_KIND: 1}  # paid once, reversed once
        steps = set(
            s.execute(
                select(AuditEvent.action, AuditEvent.username).where(
                    AuditEvent.target == "reassistance_round", AuditEvent.target_id == str(round_id)
                )
            ).all()
        )
        assert {("reassistance.draft", "bureau"), ("reassistance.approve", "admin"),
                ("reassistance.pay", "bureau"), ("reassistance.cancel", "admin"),
                ("read", "bureau")} <= steps  # fmt: skip
    listed = bureau.get(f"{BASE}?year={YEAR}").text
    assert f'href="{BASE}/{round_id}"' in listed and "cancelled" in listed
    # after the cancel a new round may be drafted (the rules' budget: nothing scaled)
    again = _draft(bureau)
    with session_scope(web_engine) as s:
        fresh = s.get(ReassistanceRound, int(again.rsplit("/", 1)[1]))
        assert fresh is not None and fresh.amount_fen == fresh.owed_fen == owed


def test_the_township_sees_its_own_households_read_only(login: Login, web_engine: Engine) -> None:
    bureau = login("bureau", "en")
    url = _draft(bureau)
    round_id = int(url.rsplit("/", 1)[1])
    town = _township(web_engine)
    mine = _households(web_engine, round_id, town)
    assert 0 < len(mine) < len(_households(web_engine, round_id))  # some, not all
    township = login("township", "en")
    page = township.get(url)
    assert page.status_code == 200
    assert page.text.count('class="warn-card round-household"') == len(mine)
    assert 'id="round-figures"' not in page.text  # the county's figures stay at the county
    assert 'id="round-approve"' not in page.text and 'id="round-cancel"' not in page.text
    listed = township.get(BASE)  # the latest year with a round
    assert listed.status_code == 200 and 'id="draft-round"' not in listed.text
    assert f'href="{url}"' in listed.text
    # the township's user is of the bureau's role, but steps are the county's
    assert _post(township, f"{url}/approve").status_code == 403
    assert _post(township, BASE, year=YEAR, budget="").status_code == 403
    # the export holds its households only
    book = load_workbook(io.BytesIO(township.get(f"{url}/round.xlsx").content))
    numbers = [r[0] for r in book.worksheets[0].iter_rows(min_row=5, values_only=True) if r[0]]
    with session_scope(web_engine) as s:
        wanted = set(s.scalars(select(Household.number).where(Household.id.in_(mine))))
    assert len(wanted) == len(mine) and set(numbers) == wanted  # nobody else's


def test_roles_csrf_and_refusals_in_chinese(login: Login, web_engine: Engine) -> None:
    assert login("clerk").get(f"{BASE}?year={YEAR}").status_code == 403
    analyst = login("analyst")
    assert analyst.get(f"{BASE}?year={YEAR}").status_code == 200
    assert _post(analyst, BASE, year=YEAR).status_code == 403  # reads, never steps
    bureau = login("bureau", "zh_Hans")
    page = bureau.get(f"{BASE}?year={YEAR}")
    assert page.status_code == 200 and "再救助" in page.text
    assert not re.search(r">\s*(draft|approved|paid|cancelled)\b", page.text)
    assert bureau.post(BASE, data={"year": YEAR}).status_code == 403  # no CSRF token
    url = _draft(bureau)
    assert bureau.post(f"{url}/approve").status_code == 403  # no CSRF token
    assert bureau.post(f"{url}/cancel", data={"reason": "x"}).status_code == 403
    assert f'href="{BASE}?year={YEAR}"' in bureau.get(f"/warnings?year={YEAR}").text
    assert "本轮发放" in bureau.get(url).text and "Entitlement" not in bureau.get(url).text
    bad = _post(bureau, BASE, year=YEAR, budget="lots")
    assert bad.status_code == 422 and "预算" in bad.text
    for budget in ("-5", "1e30", "99999999999999999999"):
        assert _post(bureau, BASE, year=YEAR, budget=budget).status_code == 422
    # beyond the decimal context: an uncaught Overflow (500), a budget read as 0 or as 1 yuan
    for budget in ("1e999999", "1e-999999", "1.000000000000000000000000000001"):
        assert _post(bureau, BASE, year=YEAR, budget=budget).status_code == 422, budget
    assert bureau.get(f"{BASE}/999999").status_code == 404
    assert bureau.get(f"{BASE}/1/round.docx").status_code == 404


def test_exports_explain_mask_and_keep_hostile_names_inert(
    login: Login, web_engine: Engine
) -> None:
    url = _draft(login("bureau", "en"))
    round_id = int(url.rsplit("/", 1)[1])
    household = _households(web_engine, round_id)[0]
    hostile = ['=HYPERLINK("http://evil.example","PAY")', '<img src="x"/><b>王</b>']
    with session_scope(web_engine) as s:
        people = s.scalars(
            select(Person.id).where(Person.household_id == household).order_by(Person.id)
        ).all()
        for pid, name in zip(people, hostile, strict=False):
            s.execute(update(Person).where(Person.id == pid).values(name=name))
        first_id = s.scalar(select(Person.resident_id).where(Person.id == people[0]))
        assert first_id
    full = login("bureau", "en").get(f"{url}/round.xlsx")
    assert full.status_code == 200
    book = load_workbook(io.BytesIO(full.content))
    households, members = book.worksheets
    header = [c.value for c in next(households.iter_rows(min_row=4, max_row=4))]
    for label in ("Entitlement", "Paid at the window", "Owed", "Share of the budget"):
        assert label in header
    cells = [c for row in members.iter_rows() for c in row if c.value is not None]
    assert any(c.value == hostile[0] and c.data_type == "s" for c in cells)  # text, no formula
    assert not any(c.data_type == "f" for c in cells)
    assert any(c.value == first_id for c in cells)  # the bureau sees the ID
    masked = login("analyst", "en").get(f"{url}/round.xlsx")
    values = {c.value for row in load_workbook(io.BytesIO(masked.content)).worksheets[1].iter_rows()
              for c in row}  # fmt: skip
    assert first_id not in values and mask_resident_id_tail(first_id) in values
    pdf = login("bureau", "en").get(f"{url}/round.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    assert "<img" in text  # shown as the characters it is, not an image
    assert not any("/XObject" in str(p.get("/Resources", {})) for p in reader.pages)
    page = login("analyst", "en").get(url)
    assert first_id not in page.text and "&lt;img" not in page.text  # masked in the page too
    shown = login("bureau", "en").get(url).text
    assert "&lt;img" in shown and '<img src="x"/>' not in shown
    with session_scope(web_engine) as s:
        exports = s.scalars(
            select(AuditEvent.username).where(
                AuditEvent.action == "export", AuditEvent.target_id == str(round_id)
            )
        ).all()
        assert {"bureau", "analyst"} <= set(exports)


def test_another_county_sees_none_of_the_rounds(login: Login, web_engine: Engine) -> None:
    url = _draft(login("bureau", "en"))
    with session_scope(web_engine) as s:
        county = s.scalar(select(User.region_code).where(User.username == "bureau"))
        parent = s.scalar(select(Region.parent_code).where(Region.code == county))
        if s.get(Region, "999901") is None:
            s.add(Region(code="999901", name="邻县", level=RegionLevel.COUNTY, parent_code=parent))
            s.flush()
            create_user(s, username="neighbour", password=DEMO_PASSWORD, role=Role.BUREAU,
                        region_code="999901", locale="en")  # fmt: skip
    neighbour = login("neighbour", "en")
    for answer in (
        neighbour.get(url), neighbour.get(f"{url}/round.xlsx"), neighbour.get(f"{url}/round.pdf"),
        _post(neighbour, f"{url}/approve"), _post(neighbour, f"{url}/pay", on=f"{YEAR}-12-31"),
        _post(neighbour, f"{url}/cancel", reason="x"),
    ):  # fmt: skip
        assert answer.status_code == 404, answer.text[:200]  # outside the region: as none
        assert "no such re-assistance round in your region" in answer.text
    assert f'href="{url}"' not in neighbour.get(f"{BASE}?year={YEAR}").text
    chinese = login("neighbour", "zh_Hans").get(url)
    assert chinese.status_code == 404 and "再救助轮次" in chinese.text
    with session_scope(web_engine) as s:  # the round is untouched
        found = s.get(ReassistanceRound, int(url.rsplit("/", 1)[1]))
        assert found is not None and found.state == "draft"
