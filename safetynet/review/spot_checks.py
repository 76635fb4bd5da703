"""The bureau's spot check in the database: draw, record findings, extrapolate, book.

The population is the region's settled, unrefunded claims discharged (or visited) in the
period that are not under review (no case, or a closed one): "closed claims". Each gets its
risk score (:mod:`safetynet.review.risk`) and stratum; the sample is drawn by
:func:`safetynet.review.sampling.draw` and stored with each stratum's population (claims and
amount, also per institution). Inspectors record what they found wrong in each sampled
claim; :func:`extrapolation` applies the ratio estimator; :func:`book` appends to the
deduction ledger the amounts found on the sampled claims and, per institution and stratum,
``R_h × its unsampled amount in the stratum`` (rounded half up) — once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from safetynet.clock import local_date, local_today
from safetynet.codes import CaseState, DeductionKind
from safetynet.funds.journal import payer_of
from safetynet.funds.prorata import apportion_exact
from safetynet.review import deductions
from safetynet.review.cases import settled_claims
from safetynet.review.errors import ReviewError
from safetynet.review.params import load_params, params_on, shipped_files
from safetynet.review.risk import claim_risk
from safetynet.review.sampling import (
    Candidate,
    Checked,
    Extrapolation,
    Population,
    draw,
    extrapolate,
    half_up,
    stratum_of,
)
from safetynet.review.schema import ReviewParams
from safetynet.security import audit
from safetynet.security.scope import within
from safetynet.store.models import Claim, Person, ReviewCase, SpotCheck, SpotCheckClaim

MAX_SEED = 2**31 - 1  # the seed is stored in a 32-bit column (and numpy takes no negative)


def population(session: Session, region: str, start: date, end: date) -> list[Any]:
    """The closed claims of the region and period (ended in it: discharged or seen): id,
    number, institution, amount, the claim's date (a visit's day, a stay's admission) and
    the county whose fund paid it (its patient's, :func:`safetynet.funds.journal.payer_of`)."""
    return list(session.execute(
        select(Claim.id, Claim.claim_no, Claim.institution_code, Claim.total_fen,
               Claim.start_date, Person.region_code)
        .join(Person, Person.id == Claim.person_id)
        .outerjoin(ReviewCase, ReviewCase.claim_id == Claim.id)
        .where(
            within(Person.region_code, region),
            Claim.end_date >= start, Claim.end_date <= end,
            Claim.id.in_(settled_claims()),
            or_(ReviewCase.id.is_(None), ReviewCase.state == CaseState.CLOSED),
        )
        .order_by(Claim.id)
    ).all())  # fmt: skip


def draw_spot_check(
    session: Session, *, region: str, start: date, end: date, seed: int, by: str,
    params: ReviewParams | None = None,
) -> SpotCheck:  # fmt: skip
    """Draw and store a spot check's sample, by the sampling design in force on the day it is
    drawn (the county's today; ``params`` default to the file in force that day): the
    same seed, population and design draw the same sample (:func:`sampling.draw`)."""
    today = local_today()
    params = params or params_on(today)
    params.sampling_on(today)
    if end < start:
        raise ReviewError("period_invalid", "the period ends before it starts")
    if not 0 <= seed <= MAX_SEED:
        raise ReviewError("seed_invalid", f"the seed is a whole number from 0 to {MAX_SEED}")
    rows = population(session, region, start, end)
    if not rows:
        raise ReviewError("population_empty", "no closed claims in this region and period")
    # a claim's screening hits are of the year of its date: a stay admitted in December
    # and discharged in the period's January is screened with December's year
    first = min(min(r[4] for r in rows).year, start.year)
    risk = claim_risk(session, region, range(first, end.year + 1), params.sampling)
    candidates = [Candidate(cid, risk.score(no, code), amount)
                  for cid, no, code, amount, _on, _home in rows]  # fmt: skip
    strata: dict[str, dict[str, Any]] = {
        s.id: {"claims": 0, "amount_fen": 0, "by_institution": defaultdict(int),
               "by_payer": defaultdict(int)}
        for s in params.sampling.strata
    }  # fmt: skip
    for (_cid, _no, code, amount, _on, home), c in zip(rows, candidates, strict=True):
        part = strata[stratum_of(c.score, params.sampling)]
        part["claims"] += 1
        part["amount_fen"] += amount
        part["by_institution"][code] += amount
        part["by_payer"][_payer_key(code, payer_of(home))] += amount
    for part in strata.values():
        part["by_institution"] = dict(part["by_institution"])
        part["by_payer"] = dict(part["by_payer"])
    check = SpotCheck(region_code=region, period_from=start, period_to=end, params_id=params.id,
                      seed=seed, drawn_by=by, drawn_at=deductions.now(), strata=strata)  # fmt: skip
    session.add(check)
    session.flush()
    amount = {cid: amt for cid, _no, _code, amt, _on, _home in rows}
    sample = draw(candidates, params.sampling, seed)
    session.add_all(
        SpotCheckClaim(spot_check_id=check.id, claim_id=d.claim_id, stratum=d.stratum,
                       by_random_share=d.by_random_share, amount_fen=amount[d.claim_id])
        for d in sample
    )  # fmt: skip
    session.flush()
    audit.record(session, username=by, action="spot_check.draw", target="spot_check",
                 target_id=str(check.id),
                 detail={"region": region, "from": start.isoformat(), "to": end.isoformat(),
                         "seed": seed, "population": len(rows), "sample": len(sample)})  # fmt: skip
    return check


def _payer_key(institution_code: str, county: str | None) -> str:
    """The key of an institution's claims paid by one county in a stratum's ``by_payer``."""
    return f"{institution_code}|{county or ''}"


def _by_payer(check: SpotCheck, part: dict[str, Any]) -> dict[tuple[str, str | None], int]:
    """A stratum's unsampled-and-sampled amount by (institution, paying county). A check
    drawn before the counties were stored: each institution's amount is the check region's
    county's (its claims are of that region's patients), None when the region is wider."""
    if "by_payer" in part:
        out: dict[tuple[str, str | None], int] = {}
        for key, amount in part["by_payer"].items():
            code, _, county = key.rpartition("|")
            out[(code, county or None)] = int(amount)
        return out
    county = payer_of(check.region_code) if len(check.region_code) >= 6 else None
    return {(code, county): int(amount) for code, amount in part["by_institution"].items()}


def sample(session: Session, spot_check_id: int) -> list[SpotCheckClaim]:
    return list(session.scalars(
        select(SpotCheckClaim).where(SpotCheckClaim.spot_check_id == spot_check_id)
        .order_by(SpotCheckClaim.id)
    ))  # fmt: skip


def record_finding(session: Session, sampled_id: int, *, found_fen: int, by: str
                   ) -> SpotCheckClaim:  # fmt: skip
    """What the inspectors found wrong in a sampled claim (0: nothing)."""
    row = session.get(SpotCheckClaim, sampled_id)
    if row is None:
        raise ReviewError("sampled_unknown", f"no sampled claim {sampled_id}", status=404)
    check = session.get(SpotCheck, row.spot_check_id)
    assert check is not None
    if check.recovered_at is not None:
        raise ReviewError("spot_check_booked", "the spot check's recovery is booked", status=409)
    if not 0 <= found_fen <= row.amount_fen:
        raise ReviewError("found_out_of_range",
                          f"the amount found is 0 to the claim's {row.amount_fen} fen")  # fmt: skip
    row.found_fen = found_fen
    row.checked_by = by
    session.flush()
    audit.record(session, username=by, action="spot_check.finding", target="spot_check_claim",
                 target_id=str(sampled_id), detail={"found_fen": found_fen})  # fmt: skip
    return row


def _population(check: SpotCheck) -> dict[str, Population]:
    return {s: Population(int(p["claims"]), int(p["amount_fen"])) for s, p in check.strata.items()}


def params_of(check: SpotCheck) -> ReviewParams:
    """The review parameters a spot check was drawn with (its ``params_id``; a file no
    longer shipped: the one in force on the day it was drawn)."""
    shipped = shipped_files()
    if check.params_id in shipped:
        return load_params(shipped[check.params_id])
    return params_on(local_date(check.drawn_at))


def extrapolation(session: Session, spot_check_id: int, params: ReviewParams | None = None
                  ) -> Extrapolation:  # fmt: skip
    """The ratio estimate from the claims checked so far, at the confidence of the file the
    sample was drawn with (its ``params_id``; a file no longer shipped: the one in force on
    the day it was drawn)."""
    check = session.get(SpotCheck, spot_check_id)
    if check is None:
        raise ReviewError("spot_check_unknown", f"no spot check {spot_check_id}", status=404)
    params = params or params_of(check)
    checked = [Checked(r.stratum, r.amount_fen, r.found_fen)
               for r in sample(session, spot_check_id) if r.found_fen is not None]  # fmt: skip
    return extrapolate(_population(check), checked, params.sampling.confidence.value / 100)


def book(session: Session, spot_check_id: int, *, by: str) -> int:
    """Append the spot check's recovery to the deduction ledger (once); the total booked."""
    check = session.get(SpotCheck, spot_check_id, with_for_update=True)
    if check is None:
        raise ReviewError("spot_check_unknown", f"no spot check {spot_check_id}", status=404)
    if check.recovered_at is not None:
        raise ReviewError("spot_check_booked", "the spot check's recovery is booked", status=409)
    rows = sample(session, spot_check_id)
    if any(r.found_fen is None for r in rows):
        raise ReviewError("spot_check_incomplete", "some sampled claims are not checked yet",
                          status=409)  # fmt: skip
    claims = {c.id: c for c in session.scalars(
        select(Claim).where(Claim.id.in_([r.claim_id for r in rows])))}  # fmt: skip
    homes: dict[int, str | None] = dict(session.execute(
        select(Claim.id, Person.region_code).join(Person, Person.id == Claim.person_id)
        .where(Claim.id.in_([r.claim_id for r in rows]))
    ).all())  # fmt: skip
    booked = 0
    sampled: dict[tuple[str, str, str | None], int] = defaultdict(int)
    for r in rows:
        claim = claims[r.claim_id]
        sampled[(r.stratum, claim.institution_code, payer_of(homes.get(r.claim_id)))] += (
            r.amount_fen
        )
        if r.found_fen:
            deductions.append(
                session, kind=DeductionKind.SPOT_CHECK, institution_code=claim.institution_code,
                amount_fen=r.found_fen, reason=f"spot check {check.id}: found on the claim",
                decided_by=by, claim_id=claim.id, spot_check_id=check.id,
            )  # fmt: skip
            booked += r.found_fen
    for stratum, part in check.strata.items():
        mine = [r for r in rows if r.stratum == stratum]
        sx = sum(r.amount_fen for r in mine)
        if not sx:
            continue
        ratio = Fraction(sum(r.found_fen or 0 for r in mine), sx)
        # the stratum's estimate (the extrapolation's Ŷ_h, rounded half up once) shared by
        # the institutions' unsampled amounts to the fen, largest remainders: the parts add
        # up to the estimate shown (each rounded half up, they booked up to a fen more per
        # institution). Each institution's part is split by the county whose fund paid the
        # claims (the fund that paid is the fund that recovers): a hospital of county A
        # extrapolated on county-B residents' claims repays B.
        pairs = _by_payer(check, part)
        owed = {_payer_key(code, county): ratio * (amount - sampled.get((stratum, code, county), 0))
                for (code, county), amount in pairs.items()}  # fmt: skip
        estimate = half_up(sum(owed.values(), Fraction(0)))
        shares = apportion_exact(estimate, owed) if estimate else {}
        for key, share in sorted(shares.items()):
            if share:
                code, _, county = key.rpartition("|")
                deductions.append(
                    session, kind=DeductionKind.SPOT_CHECK, institution_code=code,
                    amount_fen=share, decided_by=by, spot_check_id=check.id,
                    reason=f"spot check {check.id}: stratum {stratum} extrapolated",
                    payer_region=county or None,
                )  # fmt: skip
                booked += share
    check.recovered_at = deductions.now()
    session.flush()
    audit.record(session, username=by, action="spot_check.book", target="spot_check",
                 target_id=str(check.id), detail={"booked_fen": booked})  # fmt: skip
    return booked
