"""The review pages offer what is in force today (both databases): the spot-check page the
strata a draw today would use, the sanctions page the articles a case opened today is read
under; a spot check's own page names the strata of the file it was drawn with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from safetynet.clock import local_today
from safetynet.review import params, spot_checks
from safetynet.review.params import load_params, params_today
from safetynet.review.schema import ReviewParams
from safetynet.store.db import session_scope
from safetynet.store.models import SpotCheck

SHIPPED = load_params()


def _series() -> tuple[ReviewParams, ...]:
    """The shipped file until yesterday, and from today a file naming its top stratum
    anew and raising article 39's fixed fine."""
    today = local_today()
    old = SHIPPED.model_copy(update={"valid_to": today - timedelta(days=1)})
    strata = list(SHIPPED.sampling.strata)
    top = strata[0].model_copy(update={"name": strata[0].name.model_copy(
        update={"zh": "重点风险", "en": "Key risk"})})  # fmt: skip
    sampling = SHIPPED.sampling.model_copy(update={"strata": [top, *strata[1:]]})
    art = SHIPPED.articles[39]
    assert art.fixed_fine is not None
    fixed = art.fixed_fine.model_copy(update={"max": art.fixed_fine.max.model_copy(
        update={"value": 60000})})  # fmt: skip
    articles = {**SHIPPED.articles, 39: art.model_copy(update={"fixed_fine": fixed})}
    new = SHIPPED.model_copy(update={"id": "langxi-next", "valid_from": today,
                                     "sampling": sampling, "articles": articles})  # fmt: skip
    return old, new


def test_the_parameters_of_today_else_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(params, "_shipped", _series)
    today = local_today()
    assert params_today(today).id == "langxi-next"
    assert params_today(today - timedelta(days=1)).id == SHIPPED.id
    monkeypatch.setattr(params, "_shipped", lambda: ())  # none in force: the default
    assert params_today(today).id == SHIPPED.id


def test_the_pages_show_the_file_in_force_today(
    login, web_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(params, "_shipped", _series)
    bureau = login("bureau", "zh_Hans")
    checks = bureau.get("/review/spot-checks")
    assert checks.status_code == 200
    assert "重点风险" in checks.text and "高风险" not in checks.text
    sanctions = bureau.get("/review/sanctions")
    assert "10000–60000元" in sanctions.text and "10000–50000元" not in sanctions.text


def test_a_spot_checks_page_names_the_strata_it_was_drawn_with(
    login, web_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawn under the shipped file; today another is in force: the check keeps its own."""
    with session_scope(web_engine) as s:
        region = "341821"
        check = SpotCheck(region_code=region, period_from=local_today() - timedelta(days=400),
                          period_to=local_today() - timedelta(days=35), params_id=SHIPPED.id,
                          seed=1, drawn_by="bureau",
                          drawn_at=datetime.now(UTC).replace(tzinfo=None),
                          strata={st.id: {"claims": 0, "amount_fen": 0}
                                  for st in SHIPPED.sampling.strata})  # fmt: skip
        s.add(check)
        s.flush()
        check_id = check.id
        assert spot_checks.params_of(check).id == SHIPPED.id
    monkeypatch.setattr(params, "_shipped", _series)
    page = login("bureau", "zh_Hans").get(f"/review/spot-checks/{check_id}")
    assert page.status_code == 200, page.text[:300]
    assert "重点风险" not in page.text
