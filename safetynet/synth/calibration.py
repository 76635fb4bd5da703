"""Target figures the synthetic county reproduces, and the generator's own parameters.

The targets are the published figures of ../shared/calibration.md (seed 001, article 3: a
district of about 54,000 enrolled farmers), quoted with their source; tests check the
generated county against them within ±15 %. The parameters below the targets (age
structure, household sizes, poverty shares, disease prevalence) are demographic shapes of a
rural county in central China, not published figures of one county.
"""

from __future__ import annotations

from safetynet.codes import InstitutionLevel as L

SOURCE = "calibration.md, seed 001 article 3"

# -- targets (published) ---------------------------------------------------------------------
ENROLLMENT_RATE = 0.965  # enrolled 52,415, rate 96.5 %
VISITS_PER_ENROLLED = 4.2  # 222,587 visits / 52,415 enrolled
INPATIENT_SHARE_OF_VISITS = 0.0075  # 1,678 of 222,587
OUTPATIENT_LEVEL_SHARES = {  # of visits
    L.VILLAGE: 0.6063,
    L.TOWNSHIP: 0.3468,
    L.COUNTY: 0.0459,
    L.CITY: 0.0007,
    L.PROVINCE: 0.0003,  # "city 0.1 %" in the source covers city and province together
}
OUTPATIENT_COST_YUAN = {  # average cost per outpatient visit
    L.VILLAGE: 9.1,
    L.TOWNSHIP: 22.1,
    L.COUNTY: 60.7,
    L.CITY: 425.0,
    L.PROVINCE: 382.0,
}
INPATIENT_COST_YUAN = {  # average cost per admission ("city and above" 5,003)
    L.TOWNSHIP: 1239.0,
    L.COUNTY: 1597.0,
    L.CITY: 5003.0,
    L.PROVINCE: 5003.0,
    L.OUT_OF_PROVINCE: 5003.0,
}

# -- parameters (shapes, not published figures) ----------------------------------------------
INPATIENT_LEVEL_SHARES = {
    L.TOWNSHIP: 0.40,
    L.COUNTY: 0.45,
    L.CITY: 0.10,
    L.PROVINCE: 0.04,
    L.OUT_OF_PROVINCE: 0.01,
}
STAY_DAYS = {L.TOWNSHIP: 6, L.COUNTY: 8, L.CITY: 10, L.PROVINCE: 11, L.OUT_OF_PROVINCE: 12}
OUTPATIENT_SIGMA = 0.6  # log-normal spread of visit costs
INPATIENT_SIGMA = 0.7
# Age bands (lower bound, share of the population): a rural county with many elderly.
AGE_BANDS = [(0, 0.11), (10, 0.10), (20, 0.11), (30, 0.11), (40, 0.16), (50, 0.15),
             (60, 0.13), (70, 0.08), (80, 0.05)]  # fmt: skip
MALE_SHARE = 0.51
HOUSEHOLD_SIZES = [(1, 0.14), (2, 0.26), (3, 0.22), (4, 0.19), (5, 0.12), (6, 0.07)]
PERSONS_PER_VILLAGE = 1_000
# Shares of households holding a status (registered poor: incidence in 2014-2016).
REGISTERED_POOR = 0.08
EXITED_OF_POOR = 0.45  # lifted out of poverty by the scheme year
RETURNED_OF_EXITED = 0.03
LOW_INCOME = 0.04  # 低保, half of them also registered poor
EXTREMELY_POOR = 0.008  # 特困供养, mostly one elderly person
MARGINAL = 0.015
# Chronic disease prevalence by age band (lower bound, share); the poor ×1.4.
CHRONIC_BY_AGE = [(0, 0.01), (15, 0.05), (45, 0.18), (60, 0.30), (70, 0.40)]
POOR_CHRONIC_FACTOR = 1.4
POOR_USE_FACTOR = 1.3  # visits and admissions of the poor
CHRONIC_USE_FACTOR = 2.0
CHRONIC_OUTPATIENT_SHARE = 0.35  # of a chronic patient's visits at township / county
DEATHS_PER_YEAR_70_PLUS = 0.04
