"""The spot-check sample and the ratio estimator, against numbers worked by hand."""

from __future__ import annotations

import pytest

from safetynet.review.params import load_params
from safetynet.review.sampling import (
    Candidate,
    Checked,
    Population,
    draw,
    extrapolate,
    stratum_of,
)

SAMPLING = load_params().sampling  # high ≥ 3: 50 %, medium ≥ 1: 20 %, low: 5 %; random 2 %


def test_strata_by_score() -> None:
    assert [stratum_of(s, SAMPLING) for s in (9, 3, 2.99, 1, 0.5, 0)] == [
        "high", "high", "medium", "medium", "low", "low"]  # fmt: skip


def test_the_sample_has_each_stratum_share_plus_a_random_share_and_is_reproducible() -> None:
    scores = [5, 4, 3.5, 2, 1.5] + [0] * 5  # 3 high, 2 medium, 5 low
    claims = [Candidate(i + 1, s, 1000) for i, s in enumerate(scores)]
    drawn = draw(claims, SAMPLING, seed=7)
    by = [(d.stratum, d.by_random_share) for d in drawn]
    # high: ceil(50 % × 3) = 2; medium: ceil(20 % × 2) = 1; low: ceil(5 % × 5) = 1;
    # random: ceil(2 % × 10) = 1 more from the 6 not drawn
    assert sum(1 for s, r in by if s == "high" and not r) == 2
    assert sum(1 for s, r in by if s == "medium" and not r) == 1
    assert sum(1 for s, r in by if s == "low" and not r) == 1
    assert sum(1 for _, r in by if r) == 1 and len(drawn) == 5
    assert len({d.claim_id for d in drawn}) == 5
    assert draw(list(reversed(claims)), SAMPLING, seed=7) == drawn  # same seed, same sample
    assert any(draw(claims, SAMPLING, seed=s) != drawn for s in range(8, 20))


def test_the_ratio_estimate_and_its_interval_by_hand() -> None:
    population = {
        "high": Population(claims=4, amount_fen=1000),  # claims of 100, 200, 300, 400
        "medium": Population(claims=3, amount_fen=3000),
        "low": Population(claims=10, amount_fen=5000),
    }
    checked = [
        Checked("high", 100, 10), Checked("high", 300, 60),  # found 70 of 400
        Checked("medium", 1000, 0),  # one claim checked: no variance estimate
    ]  # fmt: skip
    est = extrapolate(population, checked, confidence=0.95)
    high, medium, low = est.strata
    # R = 70/400 = 0.175; unsampled 1000 − 400 = 600; Ŷ = 0.175 × 600 = 105
    assert (high.ratio, high.unsampled_fen, high.to_recover_fen) == (0.175, 600, 105)
    # residuals 10 − 17.5 = −7.5, 60 − 52.5 = 7.5: s² = 112.5 / 1;
    # V = 4² × (1 − 2/4) × 112.5 / 2 = 450
    assert high.variance == pytest.approx(450)
    assert (medium.to_recover_fen, medium.variance, medium.variance_estimated) == (0, 0, False)
    assert (low.checked, low.to_recover_fen) == (0, 0)
    # 105 ± 1.959964 × √450 = 105 ± 41.577: [63.42, 146.58] → [63, 147] (outward)
    assert (est.to_recover_fen, est.low_fen, est.high_fen) == (105, 63, 147)
    assert est.found_fen == 70 and est.error_rate == pytest.approx(70 / 1400)


def test_rounding_is_half_up_to_the_fen() -> None:
    # R = 33/300 = 0.11 on an unsampled 701 fen: 77.11 → 77; R = 1/2 on 5 fen: 2.5 → 3
    a = extrapolate({"s": Population(5, 1001)}, [Checked("s", 100, 33), Checked("s", 200, 0)],
                    0.95)  # fmt: skip
    b = extrapolate({"s": Population(3, 9)}, [Checked("s", 2, 1), Checked("s", 2, 1)], 0.95)
    assert (a.to_recover_fen, b.to_recover_fen) == (77, 3)


def test_an_error_ratio_over_nothing_checked_is_undefined() -> None:
    """A stratum with no claim checked, or a spot check with none checked yet, has no error
    ratio (None, a dash), not 0 %; nothing is extrapolated from it."""
    est = extrapolate({"s": Population(5, 1000), "t": Population(2, 10)},
                      [Checked("s", 100, 10)], 0.95)  # fmt: skip
    s, t = est.strata
    assert s.ratio == pytest.approx(0.1) and t.ratio is None and t.to_recover_fen == 0
    empty = extrapolate({"s": Population(5, 1000)}, [], 0.95)
    assert empty.error_rate is None and empty.strata[0].ratio is None
