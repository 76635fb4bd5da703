"""Hostile input to the review's steps and the bureau's forms over HTTP, on both databases:
what used to answer 500 (a fine multiple of NaN, a claim kind not in the list, a spot-check
seed outside its column) is refused with its sentence and writes nothing; and no one moves
an appeal deadline by the date written on a step — an office cannot appeal late by dating
its appeal back, a reviewer cannot date a review back so its deadline has passed already,
nor close a case early by dating the close after the deadline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from safetynet.clock import local_today
from safetynet.review import cases
from safetynet.store.db import session_scope
from safetynet.store.models import (
    Claim,
    Institution,
    Person,
    ReviewCase,
    SanctionCase,
    Settlement,
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


# --- the dates of a case's steps -----------------------------------------------------


def _new_case(engine: Engine) -> tuple[int, list[int]]:
    """A case opened now on a settled stay of the office's institution that has none yet."""
    with session_scope(engine) as s:
        code = s.scalar(select(User.institution_code).where(User.username == "office"))
        taken = select(ReviewCase.claim_id)
        for (claim_id,) in s.execute(
            select(Claim.id).join(Settlement, Settlement.claim_id == Claim.id)
            .where(Claim.institution_code == code, Claim.kind == "inpatient",
                   Claim.id.not_in(taken))
            .order_by(Claim.id.desc())
        ):  # fmt: skip
            case = cases.open_case(s, claim_id)
            return case.id, [x.id for x in cases.lines(s, case.id)]
    raise AssertionError("no settled stay of the office's institution without a case")


def _state(engine: Engine, case_id: int) -> tuple[str, date | None]:
    with session_scope(engine) as s:
        case = s.get(ReviewCase, case_id)
        assert case is not None
        return case.state.value, case.appeal_deadline


def _reviewed(login: Login, engine: Engine) -> tuple[int, str, TestClient, TestClient]:
    """A case reviewed today (every line approved), the office's and a reviewer's clients."""
    case_id, lines = _new_case(engine)
    office, reviewer = login("office", "en"), login("reviewer", "en")
    here = f"/review/cases/{case_id}"
    for line_id in lines:
        r = _post(reviewer, here, f"{here}/lines/{line_id}",
                  {"decision": "approved", "version": "0"})  # fmt: skip
        assert r.status_code == 303
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    back = _post(reviewer, here, f"{here}/finish", {"on": yesterday})
    assert back.status_code == 422 and "a step of a case is not dated back" in back.text
    assert _state(engine, case_id)[0] == "submitted"
    assert _post(reviewer, here, f"{here}/finish", {}).status_code == 303
    state, deadline = _state(engine, case_id)
    assert state == "reviewed" and deadline == local_today() + timedelta(days=15)
    return case_id, here, office, reviewer


def test_an_appeal_dated_back_does_not_beat_the_deadline(login: Login, web_engine: Engine) -> None:
    case_id, here, office, _ = _reviewed(login, web_engine)
    # the deadline passes (as if 16 days went by)
    with session_scope(web_engine) as s:
        s.execute(update(ReviewCase).where(ReviewCase.id == case_id)
                  .values(appeal_deadline=local_today() - timedelta(days=1)))  # fmt: skip
    deadline = (local_today() - timedelta(days=1)).isoformat()
    for on in (deadline, "2017-01-01"):
        r = _post(office, here, f"{here}/appeal", {"note": "the price was approved", "on": on})
        assert r.status_code == 422 and "Date" in r.text, (on, r.status_code)
        assert _state(web_engine, case_id)[0] == "reviewed"
    late = _post(office, here, f"{here}/appeal", {"note": "the price was approved"})
    assert late.status_code == 409 and "The appeal deadline has passed." in late.text
    assert _state(web_engine, case_id)[0] == "reviewed"
    # an acceptance is not dated back either
    back = _post(office, here, f"{here}/accept", {"on": "2017-01-01"})
    assert back.status_code == 422 and _state(web_engine, case_id)[0] == "reviewed"


def test_a_close_dated_after_the_deadline_does_not_end_the_appeal_early(
    login: Login, web_engine: Engine
) -> None:
    case_id, here, office, reviewer = _reviewed(login, web_engine)
    deadline = _state(web_engine, case_id)[1]
    assert deadline is not None
    after = (deadline + timedelta(days=1)).isoformat()
    early = _post(reviewer, here, f"{here}/close", {"on": after})
    assert early.status_code == 409
    assert "The institution may still appeal; close after the deadline." in early.text
    assert _state(web_engine, case_id)[0] == "reviewed"
    # the office may still appeal, on the deadline's day at the latest
    r = _post(office, here, f"{here}/appeal", {"note": "the price was approved",
                                               "on": deadline.isoformat()})  # fmt: skip
    assert r.status_code == 303 and _state(web_engine, case_id)[0] == "appealed"


def test_a_close_after_the_deadline_has_passed_is_taken(login: Login, web_engine: Engine) -> None:
    case_id, here, _, reviewer = _reviewed(login, web_engine)
    with session_scope(web_engine) as s:
        s.execute(update(ReviewCase).where(ReviewCase.id == case_id)
                  .values(appeal_deadline=local_today() - timedelta(days=1)))  # fmt: skip
    assert _post(reviewer, here, f"{here}/close", {}).status_code == 303
    assert _state(web_engine, case_id)[0] == "closed"


def test_a_case_is_assigned_only_to_a_reviewer_of_its_region(
    login: Login, web_engine: Engine
) -> None:
    """Not to the institution's office (it does not decide), a user without the review's
    permission, an unknown name, nor a reviewer of another township; to a reviewer whose
    region holds the claim, and back to the queue (blank)."""
    case_id, _ = _new_case(web_engine)
    reviewer = login("reviewer", "en")
    here = f"/review/cases/{case_id}"
    with session_scope(web_engine) as s:
        person_region = s.scalar(
            select(Person.region_code).join(Claim, Claim.person_id == Person.id)
            .join(ReviewCase, ReviewCase.claim_id == Claim.id).where(ReviewCase.id == case_id)
        )  # fmt: skip
        other = s.scalar(select(User.region_code).where(User.username == "township"))
    assert person_region and other
    assert not person_region.startswith(other)  # "township" is a bureau user of another one
    refused = ["office", "analyst", "nobody-such", "township"]
    for name in refused:
        r = _post(reviewer, here, f"{here}/assign", {"reviewer": name})
        assert r.status_code == 422, (name, r.status_code)
        assert "Assign the case to an active reviewer of its region." in r.text
        with session_scope(web_engine) as s:
            case = s.get(ReviewCase, case_id)
            assert case is not None and case.assigned_to is None
    for name, held in (("bureau", "bureau"), ("", None)):
        assert _post(reviewer, here, f"{here}/assign", {"reviewer": name}).status_code == 303
        with session_scope(web_engine) as s:
            case = s.get(ReviewCase, case_id)
            assert case is not None and case.assigned_to == held


def test_a_persons_case_without_fraud_is_opened_with_no_fine(
    login: Login, web_engine: Engine
) -> None:
    """Art. 41 fines 2–5× only "if fraud": no multiple is a repayment with no fine; a
    multiple outside 2–5 is still refused."""
    bureau = login("bureau", "en")
    _, resident = _party(web_engine)
    form = {"article": "41", "finding": "lent the card", "loss": "80.00", "resident_id": resident}
    r = _post(bureau, "/review/sanctions", "/review/sanctions", {**form, "multiple": ""})
    assert r.status_code == 303 and "error" not in r.headers["location"]
    with session_scope(web_engine) as s:
        case = s.scalars(select(SanctionCase).order_by(SanctionCase.id.desc())).first()
        assert case is not None and (case.article, case.loss_fen, case.fine_fen) == (41, 8000, 0)
    r = _post(bureau, "/review/sanctions", "/review/sanctions", {**form, "multiple": "1.5"})
    assert r.headers["location"].endswith("error=fine_multiple_out_of_range")


def test_a_call_back_is_dated_between_the_discharge_and_today(
    login: Login, web_engine: Engine
) -> None:
    """The township calls a discharged patient: a call dated before the discharge (or after
    today, a call not made yet) is refused, records nothing and flags nothing; on the
    discharge day it is taken."""
    from safetynet.store.models import Callback

    reviewer = login("reviewer", "en")
    with session_scope(web_engine) as s:
        region = s.scalar(select(User.region_code).where(User.username == "reviewer"))
        row = s.execute(
            select(Claim.claim_no, Claim.end_date).join(Person, Person.id == Claim.person_id)
            .join(Settlement, Settlement.claim_id == Claim.id)
            .where(Claim.kind == "inpatient", Person.region_code.startswith(region),
                   Claim.id.not_in(select(ReviewCase.claim_id)))
            .order_by(Claim.id)
        ).first()  # fmt: skip
    assert row is not None
    claim_no, discharged = row
    before = _count(web_engine, Callback)
    form = {"claim_no": claim_no, "care_received": "no", "drugs_received": "yes", "paid": "0"}
    early = (discharged - timedelta(days=1)).isoformat()
    r = _post(reviewer, "/review", "/review/callbacks", {**form, "on": early})
    assert r.status_code == 303 and r.headers["location"].endswith(
        "error=callback_before_discharge")  # fmt: skip
    assert "A call-back is dated on or after the patient" in reviewer.get(
        r.headers["location"]).text  # fmt: skip
    ahead = (local_today() + timedelta(days=1)).isoformat()
    assert _post(reviewer, "/review", "/review/callbacks", {**form, "on": ahead}).status_code == 422
    assert _count(web_engine, Callback) == before
    with session_scope(web_engine) as s:
        flagged = s.scalar(select(ReviewCase).join(Claim, Claim.id == ReviewCase.claim_id)
                           .where(Claim.claim_no == claim_no))  # fmt: skip
        assert flagged is None
    r = _post(reviewer, "/review", "/review/callbacks", {**form, "on": discharged.isoformat()})
    assert r.status_code == 303 and "error" not in r.headers["location"]
    assert _count(web_engine, Callback) == before + 1
