"""A full review round in Debian's Chromium, in Chinese: the hospital's office self-checks a
claim, a reviewer adjusts a line and finishes, the office appeals, the reviewer's second
decision closes the case; the bureau draws a spot check, records findings and books the
extrapolation, opens a sanction case with a fine and suspends a person, whose claim the
window then refuses with the reason and the last day."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from safetynet.review import cases, spot_checks
from safetynet.store.db import session_scope
from safetynet.store.models import Claim, Person, ReviewCase, Settlement, User
from tests.browser.test_window_in_browser import _log_in

pytestmark = pytest.mark.browser


def _case(engine) -> tuple[int, list[int], str]:  # type: ignore[no-untyped-def]
    """A new review case on a settled stay of the office's institution with 2+ lines."""
    with session_scope(engine) as s:
        code = s.scalar(select(User.institution_code).where(User.username == "office"))
        taken = select(ReviewCase.claim_id)
        for claim_id in s.scalars(
            select(Claim.id).join(Settlement, Settlement.claim_id == Claim.id)
            .where(Claim.institution_code == code, Claim.kind == "inpatient",
                   Claim.id.not_in(taken))
            .order_by(Claim.id.desc())
        ):  # fmt: skip
            case = cases.open_case(s, claim_id)
            lines = [x.id for x in cases.lines(s, case.id)]
            if len(lines) >= 2:
                return case.id, lines, str(code)
    raise AssertionError("no stay to review")


def _as(browser, server, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=server, locale="zh-CN")
    page = context.new_page()
    _log_in(page, username)
    page.wait_for_load_state()
    return context, page


def _decide(page, case_id: int, line_id: int, decision: str, deduct: str = "",
            reason: str = "") -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    page.goto(f"/review/cases/{case_id}?line={line_id}")
    page.select_option("#decide-form select[name=decision]", decision)
    page.fill("#decide-form input[name=deduct]", deduct)
    page.fill("#decide-form input[name=reason]", reason)
    page.click("#decide-form button[type=submit]")
    page.wait_for_url(re.compile(rf"/review/cases/{case_id}$"))


def test_a_full_review_round(browser, server, county_engine) -> None:  # type: ignore[no-untyped-def]
    case_id, lines, institution = _case(county_engine)
    here = f"/review/cases/{case_id}"
    office_ctx, office = _as(browser, server, "office")
    reviewer_ctx, reviewer = _as(browser, server, "reviewer")
    bureau_ctx, bureau = _as(browser, server, "bureau")
    clerk_ctx, clerk = _as(browser, server, "clerk")
    try:
        # 1 the office self-checks, with the daily bill at hand
        office.goto("/review")
        assert office.locator(f"a[href='{here}']").count() == 1
        office.goto(here)
        assert office.locator("#daily-bill").count() == 1
        office.fill("#self-check-form input[name=note]", "已核对一日清单")
        office.click("#self-check-form button[type=submit]")
        office.wait_for_url(re.compile(rf"{here}$"))
        assert "已自查" in office.locator("#case-state").inner_text()

        # 2 the reviewer adjusts the first line, approves the rest and finishes
        _decide(reviewer, case_id, lines[0], "adjusted", "1.00", "超标准收费")
        for line_id in lines[1:]:
            _decide(reviewer, case_id, line_id, "approved")
        assert "核减" in reviewer.locator(f"tr[data-line='{lines[0]}']").inner_text()
        reviewer.click("#finish-form button[type=submit]")
        reviewer.wait_for_url(re.compile(rf"{here}$"))
        assert "已审核" in reviewer.locator("#case-state").inner_text()
        assert reviewer.locator("#case-deducted").inner_text() == "1.00"

        # 3 the office appeals; 4 the second decision closes the case
        office.goto(here)
        office.fill("#appeal-form input[name=note]", "该项目价格已备案")
        office.click("#appeal-form button[type=submit]")
        office.wait_for_url(re.compile(rf"{here}$"))
        assert "已申诉" in office.locator("#case-state").inner_text()
        _decide(reviewer, case_id, lines[0], "approved")
        reviewer.click("#finish-form button[type=submit]")
        reviewer.wait_for_url(re.compile(rf"{here}$"))
        assert "已结案" in reviewer.locator("#case-state").inner_text()
        assert reviewer.locator("#case-deducted").inner_text() == "0.00"

        # 5 the bureau's spot check: draw, findings, the extrapolation booked
        bureau.goto("/review/spot-checks")
        bureau.fill("#draw-form input[name=start]", "2017-01-01")
        bureau.fill("#draw-form input[name=end]", "2017-12-31")
        bureau.fill("#draw-form input[name=seed]", "11")
        bureau.click("#draw-form button[type=submit]")
        bureau.wait_for_url(re.compile(r"/review/spot-checks/\d+$"))
        url = bureau.url
        check_id = int(url.rsplit("/", 1)[1])
        assert bureau.locator(".finding-form").count() >= 1
        for found in ("0.01", "0"):  # two findings through the page, the rest recorded below
            form = bureau.locator(".finding-form").first
            if not form.count():
                break
            form.locator("input[name=found]").fill(found)
            with bureau.expect_navigation():
                form.locator("button").click()
        with session_scope(county_engine) as s:
            for row in spot_checks.sample(s, check_id):
                if row.found_fen is None:
                    spot_checks.record_finding(s, row.id, found_fen=0, by="bureau")
        bureau.goto(url)
        assert "置信区间" in bureau.locator("#interval").inner_text()
        with bureau.expect_navigation():
            bureau.click("#book-form button")
        assert bureau.locator("#booked").count() == 1

        # 6 a sanction case with a fine under art. 40 (2–5×)
        bureau.goto("/review/sanctions")
        bureau.select_option("#sanction-form select[name=article]", "40")
        bureau.fill("#sanction-form input[name=institution]", institution)
        bureau.fill("#sanction-form input[name=finding]", "虚构医疗服务")
        bureau.fill("#sanction-form input[name=loss]", "1000.00")
        bureau.fill("#sanction-form input[name=multiple]", "3")
        bureau.click("#sanction-form button[type=submit]")
        bureau.wait_for_url(re.compile(r"/review/sanctions$"))
        row = bureau.locator("#sanction-cases tr", has_text="虚构医疗服务")
        assert "3,000.00" in row.inner_text() and "4,000.00" in row.inner_text()

        # 7 a person suspended (art. 41, 3 months): the window refuses their claim
        with session_scope(county_engine) as s:
            person = s.scalar(select(Person).join(Settlement, Settlement.person_id == Person.id)
                              .where(Person.deceased_on.is_(None)).order_by(Person.id))  # fmt: skip
            assert person is not None
            rid = person.resident_id
        bureau.select_option("#suspend-form select[name=article]", "41")
        bureau.fill("#suspend-form input[name=resident_id]", rid)
        bureau.fill("#suspend-form input[name=start]", "2017-12-01")
        bureau.fill("#suspend-form input[name=months]", "3")
        bureau.fill("#suspend-form input[name=reason]", "出借医保卡")
        bureau.click("#suspend-form button[type=submit]")
        bureau.wait_for_url(re.compile(r"/review/sanctions$"))
        assert "出借医保卡" in bureau.locator("#suspensions").inner_text()
        clerk.goto(f"/window?resident_id={rid}")
        clerk.select_option("select[name=kind]", "inpatient")
        clerk.fill("input[name=date]", "2017-12-10")
        clerk.fill("input[name=discharge_date]", "2017-12-16")
        clerk.fill("input[name=diagnosis]", "I63.9")
        clerk.fill("input[name=item_code] >> nth=0", "S0002")
        clerk.fill("input[name=item_quantity] >> nth=0", "6")
        clerk.fill("input[name=item_amount] >> nth=0", "210.00")
        clerk.click("#preview")
        clerk.wait_for_load_state()
        text = clerk.locator("main").inner_text()
        assert "暂停至2018-02-28" in text and "第41条" in text and "出借医保卡" in text
    finally:
        for ctx in (office_ctx, reviewer_ctx, bureau_ctx, clerk_ctx):
            ctx.close()
