"""Early-warning pages over HTTP: the region's monitoring list, a warning outside the region
is a 404, a step recorded through the form (CSRF-checked, audited), the packet downloads."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from safetynet.regions import descendants_select
from safetynet.store.db import session_scope
from safetynet.store.models import AuditEvent, EarlyWarning, Household, Region
from safetynet.store.models.security import User
from tests.web.conftest import YEAR, csrf_of, record_warnings


@pytest.fixture(scope="module")
def warnings(web_engine: Engine) -> int:
    record_warnings(web_engine)
    with session_scope(web_engine) as s:
        return int(s.scalar(select(func.count(EarlyWarning.id))) or 0)


def _ids(engine: Engine, inside: str, within: bool) -> list[int]:
    with session_scope(engine) as s:
        region = EarlyWarning.region_code.in_(descendants_select(inside))
        rows = s.scalars(
            select(EarlyWarning.id).where(region if within else ~region).order_by(EarlyWarning.id)
        ).all()
        return list(rows)


def _township(engine: Engine) -> str:
    with session_scope(engine) as s:
        code = s.scalar(select(User.region_code).where(User.username == "township"))
        assert code
        return code


def test_the_county_sees_every_warning_the_township_its_own(
    web_engine: Engine, warnings: int, login: Callable[..., TestClient]
) -> None:
    assert warnings > 0
    county = login("bureau", "en").get(f"/warnings?year={YEAR}")
    assert county.status_code == 200
    assert county.text.count('class="warn-card') == warnings
    town = _township(web_engine)
    mine = _ids(web_engine, town, True)
    page = login("township", "en").get(f"/warnings?year={YEAR}")
    assert page.text.count('class="warn-card') == len(mine)
    others = _ids(web_engine, town, False)
    if others:
        assert login("township", "en").get(f"/warnings/{others[0]}").status_code == 404


def test_a_step_through_the_form_and_the_packet(
    web_engine: Engine, warnings: int, login: Callable[..., TestClient]
) -> None:
    client = login("bureau", "en")
    with session_scope(web_engine) as s:
        wid = s.scalar(select(func.min(EarlyWarning.id)).where(EarlyWarning.state == "open"))
    page = client.get(f"/warnings/{wid}")
    assert page.status_code == 200 and 'id="step-form"' in page.text
    assert "<script" not in page.text.split("</header>")[-1]  # no inline script in the page body
    refused = client.post(
        f"/warnings/{wid}/step",
        data={"step": "close", "on": f"{YEAR}-12-31", "csrf_token": csrf_of(page.text)},
    )
    assert refused.status_code == 303 and "error=step.out_of_order" in refused.headers["location"]
    shown = client.get(refused.headers["location"])
    assert "not at that stage" in shown.text
    forged = client.post(
        f"/warnings/{wid}/step",
        data={"step": "visit_confirmed", "on": f"{YEAR}-12-31", "csrf_token": "x"},
    )
    assert forged.status_code == 403
    done = client.post(
        f"/warnings/{wid}/step",
        data={
            "step": "visit_confirmed",
            "on": f"{YEAR}-12-31",
            "note": "visited",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert done.status_code == 303
    after = client.get(f"/warnings/{wid}")
    assert "verified" in after.text and "visited" in after.text
    xlsx = client.get(f"/warnings/{wid}/packet.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = client.get(f"/warnings/{wid}/packet.pdf")
    assert pdf.content.startswith(b"%PDF")
    with session_scope(web_engine) as s:
        actions = set(
            s.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.target == "early_warning", AuditEvent.target_id == str(wid)
                )
            ).all()
        )
    assert {"read", "export", "warning.visit_confirmed"} <= actions


def test_chinese_page_has_no_english_rule_ids(
    warnings: int, login: Callable[..., TestClient]
) -> None:
    page = login("bureau").get(f"/warnings?year={YEAR}")
    assert page.status_code == 200
    for word in ("self_pay_year", "household_half_income", "poor_promise", "watch", "alert"):
        assert word not in page.text.split("<main")[-1].replace("level-watch", "").replace(
            "level-alert", ""
        )


def test_the_list_has_a_year_to_choose(warnings: int, login: Callable[..., TestClient]) -> None:
    """The list opens on the county's current year: a form picks another (the overdue filter
    kept), so a year's warnings are reached from the page, not by editing the address."""
    page = login("bureau").get("/warnings?overdue=true").text
    form = re.search(r'<form method="get" action="/warnings"[^>]*id="warnings-year">(.*?)</form>',
                     page, re.S)  # fmt: skip
    assert form, "no year form"
    assert 'name="year"' in form.group(1) and 'name="overdue" value="true"' in form.group(1)
    assert "年度" in form.group(1) and "查看" in form.group(1)


def test_the_list_opens_on_the_year_the_ledger_holds(
    warnings: int, login: Callable[..., TestClient]
) -> None:
    """A ledger of past years only (a county loaded from its archive, the demo): the list opens
    on its newest year with that year's warnings, not on an empty page of this year."""
    client = login("bureau", "en")
    chosen = client.get(f"/warnings?year={YEAR}").text
    default = client.get("/warnings").text
    assert default.count('class="warn-card') == chosen.count('class="warn-card') == warnings
    assert f'value="{YEAR}"' in default


def test_a_card_names_its_village_and_household_and_says_yuan(
    web_engine: Engine, warnings: int, login: Callable[..., TestClient]
) -> None:
    """A card reads as the registry does: the village by name, the household by its number
    (not the database's row id); an amount against its line in yuan, in either language."""
    with session_scope(web_engine) as s:
        row = s.execute(
            select(Region.name, Household.number, EarlyWarning.id)
            .join(Region, Region.code == EarlyWarning.region_code)
            .join(Household, Household.id == EarlyWarning.household_id)
            .where(EarlyWarning.unit == "fen", EarlyWarning.year == YEAR)
            .order_by(EarlyWarning.id)
            .limit(1)
        ).one()
    page = login("bureau").get(f"/warnings?year={YEAR}").text
    card = re.search(rf'<a href="/warnings/{row.id}">(.*?)</a>', page, re.S)
    assert card
    assert f"{row.name} · 家庭 {row.number}" in card.group(1)
    assert re.search(r"[\d,]+\.\d\d元（预警线[\d,]+\.\d\d元）", card.group(1))
    english = login("bureau", "en").get(f"/warnings?year={YEAR}").text
    assert re.search(r"[\d,.]+ yuan against a line of [\d,.]+ yuan", english)


def test_the_warnings_page_names_its_village(
    web_engine: Engine, warnings: int, login: Callable[..., TestClient]
) -> None:
    """The warning's page (its hand-over packet) names the village, its code beside it."""
    with session_scope(web_engine) as s:
        wid, name, code = s.execute(
            select(EarlyWarning.id, Region.name, Region.code)
            .join(Region, Region.code == EarlyWarning.region_code)
            .order_by(EarlyWarning.id)
            .limit(1)
        ).one()
    page = login("bureau").get(f"/warnings/{wid}").text
    assert f"，村 {name} ({code})" in page
