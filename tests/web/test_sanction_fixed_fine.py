"""Art. 39 over HTTP (both databases): a fixed fine in yuan opens a case, one outside its
range is refused with the sentence in the user's language, and the list shows no multiple."""

from __future__ import annotations

from sqlalchemy import Engine, select

from safetynet.store.db import session_scope
from safetynet.store.models import SanctionCase, User
from tests.web.conftest import csrf_of


def test_an_article_39_case_with_a_fixed_fine_over_http(login, web_engine: Engine) -> None:
    bureau = login("bureau", "zh_Hans")
    page = bureau.get("/review/sanctions")
    assert "10000–50000元" in page.text and "或固定罚款（元，第三十九条）" in page.text
    with session_scope(web_engine) as s:
        code = s.scalar(select(User.institution_code).where(User.username == "office"))
    form = {"csrf_token": csrf_of(page.text), "article": "39", "institution": code,
            "finding": "prescriptions not kept", "loss": "0"}  # fmt: skip
    refused = bureau.post("/review/sanctions", data={**form, "fine": "50000.01"})
    assert refused.status_code == 303
    assert "fine_amount_out_of_range" in refused.headers["location"]
    assert "罚款金额超出该条款规定的范围。" in bureau.get(refused.headers["location"]).text
    twice = bureau.post("/review/sanctions", data={**form, "fine": "20000", "multiple": "2"})
    assert "article_fixed_fine" in twice.headers["location"]
    r = bureau.post("/review/sanctions", data={**form, "fine": "20000"})
    assert r.status_code == 303 and "error" not in r.headers["location"]
    with session_scope(web_engine) as s:
        case = s.scalar(select(SanctionCase).order_by(SanctionCase.id.desc()))
        assert case is not None
        assert (case.article, case.fine_fen, case.fine_multiple_pct) == (39, 2_000_000, 0)
    listed = bureau.get("/review/sanctions").text
    row = listed[listed.index(f'data-case="{case.id}"') :]
    row = row[: row.index("</tr>")]
    assert "20,000.00" in row and "×" not in row
