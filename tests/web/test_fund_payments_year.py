"""A payment round's year on the web is a scheme year (2000-2100, the rule of every room's
year): a round for 1995 is a 422 naming ``year`` and nothing is drafted."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from safetynet.store.db import session_scope
from safetynet.store.models import PaymentBatch
from tests.web.conftest import csrf_of


def _rounds(engine: Engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(PaymentBatch)) or 0


def test_a_round_outside_the_scheme_years_is_refused(login, web_engine: Engine) -> None:
    bureau = login("bureau", "en")
    token = csrf_of(bureau.get("/funds/payments?year=2017").text)
    before = _rounds(web_engine)
    for year in ("1995", "1999", "2101"):
        made = bureau.post("/funds/payments", data={"csrf_token": token, "year": year, "month": 1})
        assert made.status_code == 422, (year, made.text)
        assert "Year is too" in made.text
        assert bureau.get(f"/funds/payments?year={year}").status_code == 422
    assert _rounds(web_engine) == before
