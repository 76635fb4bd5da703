"""A spot check in the database (both backends): the closed claims drawn, findings
recorded, the extrapolation booked once to the deduction ledger; call-backs flag claims."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, select

from safetynet.codes import CaseState
from safetynet.review import callbacks, cases, deductions, spot_checks
from safetynet.review.errors import ReviewError
from safetynet.review.params import load_params
from safetynet.review.schema import ReviewParams
from safetynet.store.db import session_scope
from safetynet.store.models import AuditEvent, ReviewCase, Settlement
from tests.review.conftest import settle
from tests.settlement.conftest import County

BILL_FEN = 1_000_000  # the standard bill: 6000 + 2000 + 1000 + 1000 yuan


def _half_of_every_claim() -> ReviewParams:
    """The shipped parameters with every stratum drawn at 50 % and no random share."""
    p = load_params()
    strata = [s.model_copy(update={"share": s.share.model_copy(update={"value": 50})})
              for s in p.sampling.strata]  # fmt: skip
    no_random = p.sampling.random_share.model_copy(update={"value": 0})
    sampling = p.sampling.model_copy(update={"strata": strata, "random_share": no_random})
    return p.model_copy(update={"sampling": sampling})


def test_draw_find_extrapolate_and_book_once(db_engine: Engine, county: County) -> None:
    params = _half_of_every_claim()
    claims = [settle(db_engine, rid, day)[0]
              for rid in (county.ordinary_id, county.poor_id)
              for day in (date(2017, 3, 1), date(2017, 6, 1))]  # fmt: skip
    with session_scope(db_engine) as s:
        under_review = cases.open_case(s, claims[0])  # not closed: not in the population
        assert under_review.state == CaseState.SUBMITTED
        check = spot_checks.draw_spot_check(s, region="340421", start=date(2017, 1, 1),
                                            end=date(2017, 12, 31), seed=1, by="inspector",
                                            params=params)  # fmt: skip
        rows = spot_checks.sample(s, check.id)
        # 3 closed claims, all low risk: ceil(50 % × 3) = 2 drawn
        assert check.strata["low"]["claims"] == 3
        assert check.strata["low"]["amount_fen"] == 3 * BILL_FEN
        assert len(rows) == 2 and claims[0] not in {r.claim_id for r in rows}
        again = spot_checks.draw_spot_check(s, region="340421", start=date(2017, 1, 1),
                                            end=date(2017, 12, 31), seed=1, by="inspector",
                                            params=params)  # fmt: skip
        assert [r.claim_id for r in spot_checks.sample(s, again.id)] == [r.claim_id for r in rows]
        with pytest.raises(ReviewError) as early:
            spot_checks.book(s, check.id, by="inspector")
        assert early.value.code == "spot_check_incomplete"
        spot_checks.record_finding(s, rows[0].id, found_fen=100_000, by="inspector")
        spot_checks.record_finding(s, rows[1].id, found_fen=0, by="inspector")
        est = spot_checks.extrapolation(s, check.id, params)
        # R = 100,000 / 2,000,000 = 5 %; the unsampled claim of 1,000,000 fen: 50,000
        assert (est.found_fen, est.to_recover_fen) == (100_000, 50_000)
        # s² = (50,000² + 50,000²) / 1; V = 3² × (1 − 2/3) × s² / 2 = 7.5e9;
        # √V = 86,602.5, z√V = 169,737.9: [0 (clipped), ceil(219,737.9)]
        assert (est.low_fen, est.high_fen) == (0, 219_738)
        assert spot_checks.book(s, check.id, by="inspector") == 150_000
        assert deductions.total(s, institution_code="H-COUNTY") == 150_000
        with pytest.raises(ReviewError) as twice:
            spot_checks.book(s, check.id, by="inspector")
        assert twice.value.code == "spot_check_booked"
        actions = set(s.scalars(select(AuditEvent.action)))
        assert {"spot_check.draw", "spot_check.finding", "spot_check.book"} <= actions


def test_a_disagreeing_call_back_flags_the_claim(db_engine: Engine, county: County) -> None:
    first, sid = settle(db_engine, county.ordinary_id)
    second, _ = settle(db_engine, county.ordinary_id, date(2017, 6, 1))
    with session_scope(db_engine) as s:
        settled = s.get(Settlement, sid)
        assert settled is not None
        oop = settled.out_of_pocket_fen
        ok = callbacks.record(s, first, care_received=True, drugs_received=True, paid_fen=oop,
                              by="township", on=date(2017, 3, 20))  # fmt: skip
        assert (
            ok.agrees and s.scalar(select(ReviewCase).where(ReviewCase.claim_id == first)) is None
        )
        bad = callbacks.record(s, second, care_received=True, drugs_received=False,
                               paid_fen=oop, by="township", on=date(2017, 6, 20))  # fmt: skip
        assert not bad.agrees
        case = s.scalar(select(ReviewCase).where(ReviewCase.claim_id == second))
        assert case is not None and case.flag == "callback"
        overpaid = callbacks.record(
            s,
            first,
            care_received=True,
            drugs_received=True,
            paid_fen=oop + 100,
            by="township",
            on=date(2017, 3, 21),
        )
        assert not overpaid.agrees and overpaid.expected_fen == oop


def test_the_extrapolation_booked_adds_up_to_the_estimate_shown(
    db_engine: Engine, county: County
) -> None:
    """A stratum of one sampled claim, half of it found wrong: with 1 fen unsampled at each
    of two institutions the estimate shown is ½ × 2 = 1 fen, and 1 fen is booked (rounded
    half up per institution, 0.5 + 0.5 booked 1 + 1 = 2); with 1 and 2 fen unsampled the
    estimate ½ × 3 = 1.5 → 2 fen is booked 1 + 1 (largest remainders, ties by code)."""
    from safetynet.store.models import ReviewDeduction, SpotCheck, SpotCheckClaim

    claim_id, _ = settle(db_engine, county.ordinary_id)
    for unsampled, expected in (({"H-COUNTY": 1, "V-CLINIC": 1}, 1),
                                ({"H-COUNTY": 1, "V-CLINIC": 2}, 2)):  # fmt: skip
        with session_scope(db_engine) as s:
            by_inst = dict(unsampled)
            by_inst["H-COUNTY"] += BILL_FEN
            check = SpotCheck(
                region_code="340421", period_from=date(2017, 1, 1), period_to=date(2017, 12, 31),
                params_id="langxi-2021", seed=1, drawn_by="i", drawn_at=deductions.now(),
                strata={"high": {"claims": 1 + len(unsampled), "amount_fen": sum(by_inst.values()),
                                 "by_institution": by_inst}},
            )  # fmt: skip
            s.add(check)
            s.flush()
            s.add(SpotCheckClaim(spot_check_id=check.id, claim_id=claim_id, stratum="high",
                                 amount_fen=BILL_FEN, found_fen=BILL_FEN // 2))  # fmt: skip
            s.flush()
            shown = spot_checks.extrapolation(s, check.id)
            assert shown.to_recover_fen == expected
            booked = spot_checks.book(s, check.id, by="i")
            assert booked == BILL_FEN // 2 + shown.to_recover_fen
            extrapolated = s.scalars(
                select(ReviewDeduction.amount_fen).where(
                    ReviewDeduction.spot_check_id == check.id, ReviewDeduction.claim_id.is_(None)
                )
            ).all()
            assert sum(extrapolated) == expected and all(a > 0 for a in extrapolated)


def test_a_stay_admitted_the_year_before_is_scored_with_its_years_hits(
    db_engine: Engine, county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spot check of 2017's closed claims draws a stay admitted on 2016-12-28 and
    discharged in 2017: its screening hits are in 2016's screening (a claim's year is its
    date's), so 2016 is scored too, not only the period's years."""
    from sqlalchemy import update

    from safetynet.review.risk import Risk
    from safetynet.store.models import Claim

    claim_id, _ = settle(db_engine, county.ordinary_id, date(2017, 1, 2))
    with session_scope(db_engine) as s:
        s.execute(update(Claim).where(Claim.id == claim_id).values(start_date=date(2016, 12, 28)))
    years: list[list[int]] = []

    def risk(_s: object, _region: str, ys: object, _sampling: object) -> Risk:
        years.append(list(ys))  # type: ignore[call-overload]
        return Risk(hits={}, institutions={})

    monkeypatch.setattr(spot_checks, "claim_risk", risk)
    with session_scope(db_engine) as s:
        spot_checks.draw_spot_check(s, region="340421", start=date(2017, 1, 1),
                                    end=date(2017, 12, 31), seed=1, by="i")  # fmt: skip
    assert years == [[2016, 2017]]


def test_an_extrapolated_recovery_goes_back_to_the_county_that_paid(
    db_engine: Engine, county: County
) -> None:
    """A spot check of county B's claims at a hospital of county A: B's fund paid them, so
    the extrapolated share (no claim of its own) is recovered into B's fund, as the amounts
    found on the sampled claims are; the journal stays balanced (debits = credits)."""
    from sqlalchemy import func

    from safetynet.funds.rules import default_rules
    from safetynet.store.models import FundLine
    from tests.funds.checks import unbalanced_entries
    from tests.funds.test_payer_region import B, _two_counties

    _two_counties(db_engine, county)  # one claim of B's resident at H-COUNTY (county A)
    settle(db_engine, county.ordinary_id, date(2017, 6, 1))
    params = _half_of_every_claim()
    with session_scope(db_engine) as s:
        check = spot_checks.draw_spot_check(s, region=B, start=date(2017, 1, 1),
                                            end=date(2017, 12, 31), seed=1, by="inspector",
                                            params=params)  # fmt: skip
        rows = spot_checks.sample(s, check.id)
        assert len(rows) == 1 and check.strata["low"]["claims"] == 2
        spot_checks.record_finding(s, rows[0].id, found_fen=100_000, by="inspector")
        booked = spot_checks.book(s, check.id, by="inspector")
        assert booked > 100_000  # the found amount and an extrapolated share
        fund = default_rules().deductions_fund
        by_county: dict[str | None, int] = dict(s.execute(
            select(FundLine.payer_region, func.sum(FundLine.amount_fen))
            .where(FundLine.fund == fund, FundLine.account.in_(("deductions", "recoveries")))
            .group_by(FundLine.payer_region)
        ).all())  # fmt: skip
        assert {k: -int(v) for k, v in by_county.items() if v} == {B: booked}
        assert unbalanced_entries(s) == []
