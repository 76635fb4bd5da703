"""The facts of one claim that the engine settles on (already priced and categorised)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus, code
from safetynet.engine import layout as L


def status_mask(statuses: frozenset[PovertyStatus] | set[PovertyStatus]) -> int:
    mask = 0
    for s in statuses:
        mask |= 1 << code(s)
    return mask


def statuses_of(mask: int) -> frozenset[PovertyStatus]:
    return frozenset(s for s in PovertyStatus if mask >> code(s) & 1)


@dataclass(frozen=True)
class ClaimFacts:
    kind: ClaimKind
    level: InstitutionLevel
    in_county: bool
    referral: bool
    statuses: frozenset[PovertyStatus]  # held on the claim date
    disease_mask: int  # bits of the policy's disease groups the diagnosis falls in
    age: int
    total_fen: int
    compliant_fen: int
    essential_fen: int = 0
    deducted_fen: int = 0

    def __post_init__(self) -> None:
        amounts = (self.total_fen, self.compliant_fen, self.essential_fen, self.deducted_fen)
        if min(amounts) < 0:
            raise ValueError("claim amounts may not be negative")
        if self.deducted_fen > self.total_fen:
            raise ValueError("the deducted amount exceeds the total")
        if self.compliant_fen > self.total_fen - self.deducted_fen:
            raise ValueError("the compliant amount exceeds what is chargeable")
        if self.essential_fen > self.compliant_fen:
            raise ValueError("the essential-drug amount exceeds the compliant amount")

    @classmethod
    def from_columns(cls, r: Mapping[str, Any]) -> ClaimFacts:
        """From a row of an engine input table (``status_mask`` for the statuses)."""
        return cls(
            kind=ClaimKind(r["kind"]),
            level=InstitutionLevel(r["level"]),
            in_county=r["in_county"],
            referral=r["referral"],
            statuses=statuses_of(r["status_mask"]) or frozenset({PovertyStatus.ORDINARY}),
            disease_mask=r["disease_mask"],
            age=r["age"],
            total_fen=r["total_fen"],
            compliant_fen=r["compliant_fen"],
            essential_fen=r["essential_fen"],
            deducted_fen=r["deducted_fen"],
        )

    def row(self) -> np.ndarray:
        r = np.zeros(L.N_CLAIM_COLS, np.int64)
        r[L.C_KIND] = code(self.kind)
        r[L.C_LEVEL] = code(self.level)
        r[L.C_IN_COUNTY] = int(self.in_county)
        r[L.C_REFERRAL] = int(self.referral)
        r[L.C_STATUS] = status_mask(self.statuses)
        r[L.C_DISEASE] = self.disease_mask
        r[L.C_AGE] = self.age
        r[L.C_TOTAL] = self.total_fen
        r[L.C_COMPLIANT] = self.compliant_fen
        r[L.C_ESSENTIAL] = self.essential_fen
        r[L.C_DEDUCTED] = self.deducted_fen
        return r
