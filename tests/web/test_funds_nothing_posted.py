"""The fund page of a county that has posted nothing to the fund journal yet: the page the
navigation leads to says so in the user's language (200), not "not found"; the region is
still checked."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from safetynet.store.db import session_scope
from safetynet.store.models import FundEntry


def test_nothing_posted_is_a_page_not_an_error(login, web_engine: Engine) -> None:
    with session_scope(web_engine) as s:
        assert not s.scalar(select(func.count(FundEntry.id)))  # this module posts nothing
    page = login("bureau", "zh_Hans").get("/funds")
    assert page.status_code == 200, page.text
    assert 'id="funds-nothing-posted"' in page.text and "基金账簿尚未记账" in page.text
    assert "未找到" not in page.text
    english = login("bureau", "en").get("/funds")
    assert english.status_code == 200
    assert "Nothing is posted to the fund journal yet" in english.text
    assert login("township", "en").get("/funds?region=110000").status_code == 404
    assert login("clerk").get("/funds").status_code == 403
