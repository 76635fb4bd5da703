"""A claim's risk score from the screening of supervision (reused, not copied).

``score = Σ hit_weights[severity] over the claim's screening hits + institution_weight ×
max(0, its institution's composite risk score)`` — the weights are in the parameter file.
The hits and the institutions' scores come from :func:`safetynet.supervision.service.
year_scores`, which screens and scores a region's year.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy.orm import Session

from safetynet.review.schema import Sampling
from safetynet.supervision.service import year_scores


@dataclass
class Risk:
    """The parts of the claims' scores: hit weights by claim number, institution parts."""

    hits: dict[str, float] = field(default_factory=dict)
    institutions: dict[str, float] = field(default_factory=dict)

    def score(self, claim_no: str, institution_code: str) -> float:
        return self.hits.get(claim_no, 0.0) + self.institutions.get(institution_code, 0.0)


def claim_risk(session: Session, region: str, years: Iterable[int], sampling: Sampling) -> Risk:
    """The risk parts of the region's claims of ``years``."""
    risk = Risk()
    weights = pl.DataFrame(
        {"severity": list(sampling.hit_weights), "w": list(sampling.hit_weights.values())}
    )
    for year in sorted(set(years)):
        scored = year_scores(session, region, year)
        hits = (
            scored.hits.join(weights, on="severity", how="left")
            .group_by("claim_no")
            .agg(pl.col("w").fill_null(0).sum())
        )
        risk.hits.update({str(c): float(w) for c, w in hits.iter_rows()})
        inst = scored.card.filter(pl.col("unit_type") == "institution").select("unit", "score")
        for unit, score in inst.iter_rows():
            part = sampling.institution_weight * max(0.0, float(score))
            risk.institutions[str(unit)] = max(risk.institutions.get(str(unit), 0.0), part)
    return risk
