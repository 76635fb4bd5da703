"""Column layouts shared by the compiler, the kernel and the explanation (plain int constants).

The engine works on int64 matrices: a claim matrix (one row per claim), rule parameter
tables (one row per rule), state tables (one row per person-year or household-year) and
output tables (one column per layer). These constants name their columns.
"""

from __future__ import annotations

# Claim matrix columns.
C_PIDX = 0  # dense index of (person, year): row of the person state table
C_HIDX = 1  # dense index of (household, year): row of the household state table
C_KIND = 2  # codes.ClaimKind code
C_LEVEL = 3  # codes.InstitutionLevel code
C_IN_COUNTY = 4  # 0 / 1
C_REFERRAL = 5  # 0 / 1
C_STATUS = 6  # bitmask of codes.PovertyStatus codes held on the claim date
C_DISEASE = 7  # bitmask of the policy's disease groups matched by the diagnosis
C_AGE = 8  # age in whole years on the claim date
C_TOTAL = 9  # total cost, fen
C_COMPLIANT = 10  # policy-range (compliant) cost, fen
C_ESSENTIAL = 11  # compliant cost of essential drugs, fen
C_DEDUCTED = 12  # removed by review, borne by the institution, fen
N_CLAIM_COLS = 13

# Condition columns (rules and bonuses).
K_STATUS = 0  # any-of mask, 0 = any
K_KIND = 1  # mask of kinds, 0 = any
K_LEVEL = 2  # mask of levels, 0 = any
K_DISEASE = 3  # any-of mask, 0 = any
K_IN_COUNTY = 4  # -1 any, else 0 / 1
K_REFERRAL = 5  # -1 any, else 0 / 1
K_AGE_FROM = 6  # -1 none, inclusive
K_AGE_TO = 7  # -1 none, exclusive
N_COND_COLS = 8

# Scalar rule parameters.
P_POOL = 0  # pool index (a pool = running state shared by the rules that name it)
P_N_TIERS = 1
P_PER_CLAIM_CAP = 2  # -1 none
P_ANNUAL_CAP = 3  # -1 none
P_ESSENTIAL_POINTS = 4
P_BONUS_START = 5  # bonuses of the rule: rows [start, end) of the bonus tables
P_BONUS_END = 6
P_CEILING_BY_CLAIM = 7  # ceiling rules: 0 highest level of the year, 1 the claim's level
P_COST_SHARE = 8  # ceiling rules: -1 none, else bp
P_COMBINE_MAX = 9  # ceiling rules: 0 min, 1 max of ceiling and share
P_COST_COMPLIANT = 10  # ceiling rules: cost basis 0 total, 1 compliant
P_OOP_TOTAL = 11  # ceiling rules: out-of-pocket basis 0 compliant, 1 total
N_RULE_PARAMS = 12

# Layer table columns.
L_MECHANISM = 0  # 0 ratio, 1 ceiling
L_BASE_TOTAL = 1  # 0 compliant remaining, 1 total remaining
L_RULE_START = 2
L_RULE_END = 3
N_LAYER_COLS = 4

MECH_RATIO = 0
MECH_CEILING = 1

# Pool state slots. Ratio pools: running base, paid. Ceiling pools: cost, out-of-pocket,
# highest level used (+1, so 0 means none yet).
S_BASE = 0
S_PAID = 1
S_COST = 0
S_OOP = 1
S_MAX_LEVEL = 2
SLOTS_PER_POOL = 3

# Explanation columns (per claim and layer).
E_BASE = 0  # amount the layer looked at
E_DEDUCTIBLE = 1  # per-claim deductible applied
E_ELIGIBLE = 2  # base after the deductible (ratio) / out-of-pocket considered (ceiling)
E_RATIO = 3  # effective ratio of the first tier reached, bp (ratio layers)
E_GROSS = 4  # before caps
E_CAPPED = 5  # bits: 1 per-claim cap, 2 annual cap, 4 what was left
E_ACC_BEFORE = 6  # running base (ratio) / out-of-pocket (ceiling) before the claim
E_PAID_BEFORE = 7  # paid this year before the claim (ratio) / cost before (ceiling)
E_ALLOWED = 8  # ceiling layers: the year's allowed out-of-pocket
E_BONUS = 9  # bonus points applied
N_EXPLAIN_COLS = 10

CAPPED_PER_CLAIM = 1
CAPPED_ANNUAL = 2
CAPPED_REMAINING = 4

NO_LIMIT = -1
