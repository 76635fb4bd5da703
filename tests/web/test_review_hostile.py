"""Hostile input to the review's steps and the bureau's forms over HTTP, on both databases:
what used to answer 500 (a fine multiple of NaN, a claim kind not in the list, a spot-check
seed outside its column) is refused with its sentence and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from safetynet.store.db import session_scope
from safetynet.store.models import (
    Institution,
    Person,
    SanctionCase,
    SpotCheck,
    Suspension,
    User,
)
from tests.web.conftest import csrf_of

Login = Callable[..., TestClient]


def _post(client: TestClient, page: str, url: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf_of(client.get(page).text), **data})


def _count(engine: Engine, model) -> int:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _party(engine: Engine) -> tuple[str, str]:
    """An institution and a resident of the bureau's region."""
    with session_scope(engine) as s:
        region = s.scalar(select(User.region_code).where(User.username == "bureau"))
        assert region
        inst = s.scalar(select(Institution.code).where(Institution.region_code.startswith(region))
                        .order_by(Institution.code))  # fmt: skip
        rid = s.scalar(select(Person.resident_id).where(Person.region_code.startswith(region))
                       .order_by(Person.id))  # fmt: skip
        assert inst and rid
        return inst, rid


@pytest.mark.parametrize("multiple", ["NaN", "sNaN", "-NaN"])
def test_a_fine_multiple_that_is_not_a_number_is_refused_not_500(
    login: Login, web_engine: Engine, multiple: str
) -> None:
    bureau = login("bureau", "en")
    institution, _ = _party(web_engine)
    before = _count(web_engine, SanctionCase)
    r = _post(bureau, "/review/sanctions", "/review/sanctions", {
        "article": "38", "finding": "duplicate charges", "loss": "100.00",
        "multiple": multiple, "institution": institution})  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].endswith("error=fine_multiple_invalid")
    page = bureau.get(r.headers["location"])
    assert "The fine multiple is not a number with at most two decimals." in page.text
    assert _count(web_engine, SanctionCase) == before


def test_a_department_suspension_of_a_claim_kind_not_in_the_list_is_refused(
    login: Login, web_engine: Engine
) -> None:
    bureau = login("bureau")  # Chinese
    institution, _ = _party(web_engine)
    before = _count(web_engine, Suspension)
    form = {"article": "38", "months": "6", "reason": "分解住院", "institution": institution,
            "department": "内科"}  # fmt: skip
    r = _post(bureau, "/review/sanctions", "/review/suspensions",
              {**form, "kinds": ["inpatient", "surgery"]})  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].endswith("error=claim_kind_unknown")
    assert "请从列表中选择结算类别。" in bureau.get(r.headers["location"]).text
    assert _count(web_engine, Suspension) == before
    ok = _post(bureau, "/review/sanctions", "/review/suspensions", {**form, "kinds": ["inpatient"]})
    assert ok.status_code == 303 and "error" not in ok.headers["location"]
    assert _count(web_engine, Suspension) == before + 1


@pytest.mark.parametrize("seed", ["-1", str(2**31), str(10**30)])
def test_a_spot_check_seed_outside_its_column_is_refused_not_500(
    login: Login, web_engine: Engine, seed: str
) -> None:
    bureau = login("bureau", "en")
    before = _count(web_engine, SpotCheck)
    r = _post(bureau, "/review/spot-checks", "/review/spot-checks",
              {"start": "2017-01-01", "end": "2017-12-31", "seed": seed})  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].endswith("error=seed_invalid")
    assert "The seed is a whole number from 0 to 2147483647." in bureau.get(
        r.headers["location"]).text  # fmt: skip
    assert _count(web_engine, SpotCheck) == before


def test_the_largest_seed_draws(login: Login, web_engine: Engine) -> None:
    bureau = login("bureau", "en")
    r = _post(bureau, "/review/spot-checks", "/review/spot-checks",
              {"start": "2017-01-01", "end": "2017-12-31", "seed": str(2**31 - 1)})  # fmt: skip
    assert r.status_code == 303 and "/review/spot-checks/" in r.headers["location"], r.text
