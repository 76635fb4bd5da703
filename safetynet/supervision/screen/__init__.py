"""Fund-supervision screening: every rule over a year of claims, vectorised with Polars.

- :mod:`.run` — :func:`screen` (every enabled rule of a rule set over the frames, each claim
  by the file of its person's region, within the set's validity) and the rules' table;
- :mod:`.charges`, :mod:`.stays`, :mod:`.identity`, :mod:`.outpatient` — the rules, by what
  they look at;
- :mod:`.exprs` — what the rules share (the hits' columns, facts as JSON, runs of rows);
- :mod:`.claims` — a few claims screened with their persons' history.
"""

from safetynet.supervision.frames import OUTPATIENT_KINDS
from safetynet.supervision.screen.charges import (
    concurrent_bed_charge,
    duplicate_charge,
    out_of_catalog_share,
    over_standard_charge,
    repeat_test,
)
from safetynet.supervision.screen.claims import screen_claim, screen_claims
from safetynet.supervision.screen.exprs import HIT_SCHEMA
from safetynet.supervision.screen.identity import impersonation, shared_phone
from safetynet.supervision.screen.outpatient import outpatient_abuse
from safetynet.supervision.screen.run import RULES, in_force, screen, screen_rule
from safetynet.supervision.screen.stays import (
    ghost_bed,
    low_threshold_admission,
    overlapping_stay,
    split_admission,
)

__all__ = [
    "HIT_SCHEMA",
    "OUTPATIENT_KINDS",
    "RULES",
    "concurrent_bed_charge",
    "duplicate_charge",
    "ghost_bed",
    "impersonation",
    "in_force",
    "low_threshold_admission",
    "out_of_catalog_share",
    "outpatient_abuse",
    "over_standard_charge",
    "overlapping_stay",
    "repeat_test",
    "screen",
    "screen_claim",
    "screen_claims",
    "screen_rule",
    "shared_phone",
    "split_admission",
]
