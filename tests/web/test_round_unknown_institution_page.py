"""On the web, a payment round refused because the journal holds lines of an institution the
registry does not have says so in the user's language, naming the codes and the journal
entries (both databases), and no round is made."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import Engine, func, select

from safetynet.funds.journal import Line, post_entry
from safetynet.funds.posting import post_year
from safetynet.funds.rules import default_rules
from safetynet.store.db import session_scope
from safetynet.store.models import PaymentBatch, Region
from tests.web.conftest import csrf_of

YEAR = 2017


@pytest.fixture(scope="module")
def legacy_entry(web_engine: Engine) -> int:
    """The year posted, and a legacy entry of March for an institution no registry holds."""
    with session_scope(web_engine) as s:
        post_year(s, YEAR, user="test")
        county = s.scalar(select(Region.code).where(Region.level == "county"))
        assert county
        lines = [
            Line("basic", "spending", 12_345, institution_code="H-GONE", claim_kind="inpatient",
                 month=3, payer_region=county[:6]),
            Line("basic", "payable", -12_345, institution_code="H-GONE",
                 claim_kind="inpatient", month=3, payer_region=county[:6]),
        ]  # fmt: skip
        return post_entry(s, default_rules(), year=YEAR, posted_on=date(YEAR, 3, 30),
                          kind="settlement", lines=lines, user="legacy")  # fmt: skip


@pytest.mark.parametrize(
    ("locale", "words"),
    [("en", "registry does not have: H-GONE (journal entries {entry})"),
     ("zh_Hans", "未登记医疗机构名下的记账行：H-GONE（账簿凭证 {entry}）")],
)  # fmt: skip
def test_the_refusal_names_the_unknown_institution_and_its_entries(
    login, web_engine: Engine, legacy_entry: int, locale: str, words: str
) -> None:
    bureau = login("bureau", locale)
    page = bureau.get(f"/funds/payments?year={YEAR}")
    form = {"csrf_token": csrf_of(page.text), "year": YEAR, "month": 3}
    made = bureau.post("/funds/payments", data=form)
    assert made.status_code == 303, made.text
    assert made.headers["location"].endswith("error=round_unknown_institution")
    shown = bureau.get(made.headers["location"])
    assert shown.status_code == 200
    alert = re.search(r'id="payment-error">([^<]*)<', shown.text)
    assert alert is not None and words.format(entry=legacy_entry) in alert.group(1)
    if locale == "zh_Hans":  # no English word but the institution's code
        assert not re.search("[A-Za-z]", alert.group(1).replace("H-GONE", ""))
    with session_scope(web_engine) as s:
        assert s.scalar(select(func.count()).select_from(PaymentBatch)) == 0
