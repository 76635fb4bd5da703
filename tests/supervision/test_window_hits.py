"""A claim submitted at the window, screened with the person's claims from the database."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import aliased

from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.db import make_engine, session_scope
from safetynet.store.models import Base, Claim, Person
from safetynet.supervision.service import blocking, submission_hits
from safetynet.synth.county import generate
from safetynet.synth.load import load_county


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path: Path = tmp_path_factory.mktemp("window") / "county.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    load_county(engine, generate(1500, seed=3, year=2017))
    return engine


def test_a_readmission_warns_and_an_overpriced_item_blocks(engine: Engine) -> None:
    with session_scope(engine) as s:
        stay = s.scalars(
            select(Claim).where(Claim.kind == "inpatient", Claim.diagnosis_code == "J18.9")
        ).first()
        assert stay is not None
        resident = s.get(Person, stay.person_id).resident_id  # type: ignore[union-attr]
        readmitted = stay.end_date + timedelta(days=10)
        claim = ClaimSubmission(
            resident_id=resident, institution_code=stay.institution_code, kind="inpatient",
            date=readmitted, discharge_date=readmitted + timedelta(days=4), diagnosis="J18.0",
            claim_no="W1", items=[{"code": "S0002", "quantity": 4, "amount": "140.00"}],
        )  # fmt: skip
        hits = submission_hits(s, claim)
        assert hits["rule_id"].to_list() == ["split-admission"]
        assert blocking(hits).is_empty()
        pricey = ClaimSubmission.model_validate({
            **claim.model_dump(), "diagnosis": "K35.8",
            "items": [{"code": "S0004", "quantity": 1, "amount": "99.00"}],
        })  # fmt: skip
        refused = blocking(submission_hits(s, pricey))
        assert refused["rule_id"].to_list() == ["over-standard-charge"]


def test_a_bad_screening_setting_stops_the_app_naming_the_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safetynet.supervision.window import ScreeningSettingError
    from safetynet.web.app import create_app

    monkeypatch.setenv("SAFETYNET_SCREENING_RULES", str(tmp_path / "missing.yaml"))
    with pytest.raises(ScreeningSettingError, match=r"SAFETYNET_SCREENING_RULES=.*not found"):
        create_app(make_engine("sqlite://"), secret_key="k")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nextends: anhui-2021\nrules:\n  - id: r\n    kind: teleport\n")
    monkeypatch.setenv("SAFETYNET_SCREENING_RULES", str(bad))
    with pytest.raises(ScreeningSettingError) as refused:
        create_app(make_engine("sqlite://"), secret_key="k")
    assert "bad.yaml:4" in str(refused.value) and "teleport" in str(refused.value)


def test_a_stay_admitted_before_a_settled_one_it_overlaps_is_refused(engine: Engine) -> None:
    """Either claim of an overlapping pair is flagged, so the one submitted last is refused
    whichever was admitted first: a stay admitted two days before a settled stay elsewhere
    and ending inside it, and a stay holding a settled visit elsewhere. A stay ending on the
    day the settled one is admitted (a transfer) is not."""
    from safetynet.store.models import Institution

    # the person's visit and stay admitted after the rules' first day (2017-01-01), with two
    # days to spare for a stay admitted before them
    FIRST = date(2017, 1, 3)
    seen = aliased(Claim)
    visited = select(seen.id).where(
        seen.person_id == Claim.person_id, seen.kind == "outpatient", seen.start_date >= FIRST
    )
    with session_scope(engine) as s:
        settled = s.scalars(
            # admitted after the rules' first day (2017-01-01) with two days to spare
            select(Claim).where(Claim.kind == "inpatient", Claim.end_date > Claim.start_date,
                                Claim.start_date >= FIRST, visited.exists())
            .order_by(Claim.id)
        ).first()  # fmt: skip
        assert settled is not None
        resident = s.get(Person, settled.person_id).resident_id  # type: ignore[union-attr]
        other = s.scalar(select(Institution.code).where(
            Institution.level == "county",
            Institution.code != settled.institution_code))  # fmt: skip
        assert other

        def stay(start_days: int, end_days: int) -> ClaimSubmission:
            start = settled.start_date + timedelta(days=start_days)
            return ClaimSubmission(
                resident_id=resident, institution_code=other, kind="inpatient", date=start,
                discharge_date=settled.start_date + timedelta(days=end_days),
                diagnosis="K35.8", claim_no="W2",
                items=[{"code": "S0002", "quantity": max(end_days - start_days, 1),
                        "amount": f"{35 * max(end_days - start_days, 1)}.00"}],
            )  # fmt: skip

        refused = blocking(submission_hits(s, stay(-2, 1)))
        assert refused["rule_id"].to_list() == ["overlapping-stay"]
        assert settled.claim_no in refused["facts"][0]
        assert blocking(submission_hits(s, stay(-2, 0))).is_empty()  # a transfer that day
        visit = s.scalars(
            select(Claim).where(Claim.person_id == settled.person_id, Claim.start_date >= FIRST,
                                Claim.kind == "outpatient").order_by(Claim.id)
        ).first()  # fmt: skip
        assert visit is not None
        # a stay elsewhere around the person's settled visit
        around = stay(0, 0).model_copy(update={
            "date": visit.start_date - timedelta(days=1),
            "discharge_date": visit.start_date + timedelta(days=1),
            "institution_code": next(c for c in (other, settled.institution_code)
                                     if c != visit.institution_code)})  # fmt: skip
        held = blocking(submission_hits(s, ClaimSubmission.model_validate(around.model_dump())))
        assert held["rule_id"].to_list() == ["overlapping-stay"]
