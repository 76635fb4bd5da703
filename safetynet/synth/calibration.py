"""Target figures the synthetic county reproduces, and the generator's own parameters.

Utilisation and costs come from a :class:`Profile`, quoted with its sources from the
published figures of ../shared/calibration.md:

``SEED_001``    a district of about 54,000 enrolled farmers in the 2000s (seed 001, article
                3): visits per person, shares and average costs by institution level, all
                published; tests/synth checks a generated county against them within ±15 %.
``ANHUI_2017``  the county's own year and policy (the default): admissions per person and
                cost per admission of 2017 (seed 000); where no 2017 figure is published
                (outpatient costs, the split of costs and visits by level) seed 001's shapes
                with costs scaled by stated price-level factors (assumptions, not figures).

Seed 001's utilisation and costs with Anhui's 2017 contributions (630 yuan a person) and
policy leave the fund used about 10 %; the 2017 profile is what the county's contributions
and policy were set for. The parameters below the profiles (age
structure, household sizes, poverty shares, disease prevalence) are demographic shapes of a
rural county in central China, not published figures of one county, and both profiles share
them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from safetynet.codes import InstitutionLevel as L

# Published (seed 001 art. 3: enrolled 52,415, rate 96.5 %); 95.4-98.2 % in 2014-2018 (000).
ENROLLMENT_RATE = 0.965


@dataclass(frozen=True)
class Profile:
    """Utilisation and costs of a year of claims: how often, where and at what cost."""

    name: str  # as ``safetynet synth --profile`` names it
    source: str
    outpatient_visits: float  # a year per enrolled person (chronic-disease visits included)
    admissions: float  # a year per enrolled person
    outpatient_level_shares: Mapping[L, float]  # of outpatient visits
    outpatient_cost_yuan: Mapping[L, float]  # average cost per visit
    inpatient_level_shares: Mapping[L, float]  # of admissions
    inpatient_cost_yuan: Mapping[L, float]  # average cost per admission

    def mean_admission_yuan(self) -> float:
        """Average cost per admission over the levels, weighted by their shares."""
        shares = self.inpatient_level_shares
        return sum(shares[lv] * self.inpatient_cost_yuan[lv] for lv in shares) / sum(
            shares.values()
        )


# -- seed 001, article 3: a district in the 2000s (every figure published except the split
#    of admissions by level) ---------------------------------------------------------------
SEED_001 = Profile(
    name="seed-001",
    source="calibration.md, seed 001 article 3",
    # 222,587 visits of 52,415 enrolled = 4.2 a person; 1,678 of them (0.75 %) admissions
    outpatient_visits=4.2 * (1 - 0.0075),
    admissions=4.2 * 0.0075,
    outpatient_level_shares={  # of visits
        L.VILLAGE: 0.6063,
        L.TOWNSHIP: 0.3468,
        L.COUNTY: 0.0459,
        L.CITY: 0.0007,
        L.PROVINCE: 0.0003,  # "city 0.1 %" in the source covers city and province together
    },
    outpatient_cost_yuan={  # average cost per outpatient visit
        L.VILLAGE: 9.1,
        L.TOWNSHIP: 22.1,
        L.COUNTY: 60.7,
        L.CITY: 425.0,
        L.PROVINCE: 382.0,
    },
    inpatient_level_shares={  # a shape, not a published figure: 85 % in the county
        L.TOWNSHIP: 0.40,
        L.COUNTY: 0.45,
        L.CITY: 0.10,
        L.PROVINCE: 0.04,
        L.OUT_OF_PROVINCE: 0.01,
    },
    inpatient_cost_yuan={  # average cost per admission ("city and above" 5,003)
        L.TOWNSHIP: 1239.0,
        L.COUNTY: 1597.0,
        L.CITY: 5003.0,
        L.PROVINCE: 5003.0,
        L.OUT_OF_PROVINCE: 5003.0,
    },
)

# -- Anhui 2017: the county's own year, contributions (anhui-2017) and policy ---------------
# Published (seed 000, a city of about 1.24 million: its 395,000 registered poor were an
# incidence of 31.8 %): "all residents 2017: 171,600 admissions, total cost 1,090.46
# million yuan".
ADMISSIONS_2017 = 171_600 / 1_240_000  # 0.138 a person a year
COST_PER_ADMISSION_2017 = 1_090_460_000 / 171_600  # 6,355 yuan
# Published, and checked on the settled county rather than put in (tests/indicators/
# test_calibration.py): seed 004, the poor of an Anhui county under the comprehensive
# policy to July 2018: in-county visits 90.03 %, actual compensation ratio 88.76 % (all
# their claims), 89.97 % for in-province admissions; seed 002: with the three layers the
# poor get about 80 % of inpatient costs, about 10 points above other people.
#
# Assumptions, not published figures: no 2017 figure is published for outpatient visits a
# person, where visits and admissions go, or the costs of each level, so these are seed
# 001's shapes, with costs scaled by a price level:
# - admissions: the factor that turns seed 001's mean across admissions (1,965 yuan with
#   the shares above) into the published 6,355, about 3.2 — township 4,007, county 5,165,
#   city and above 16,182 yuan;
# - outpatient visits: 1.0, seed 001's costs. At the published 2017 admissions and cost the
#   admissions alone use about 90 % of the fund (630 yuan a person), which the published
#   utilization (96 % and 97.9 %, 001; 85-100 %) leaves little room beside: counties of
#   30,000 use 99-104 % of their fund with a factor of 2, 94-102 % with 1.0 (12 seeds, one
#   above 100 %).
INPATIENT_PRICE_FACTOR = COST_PER_ADMISSION_2017 / SEED_001.mean_admission_yuan()
OUTPATIENT_PRICE_FACTOR = 1.0

ANHUI_2017 = Profile(
    name="anhui-2017",
    source="calibration.md, seed 000 (2017 admissions and costs); seed 001 art. 3 (shapes)",
    outpatient_visits=SEED_001.outpatient_visits,
    admissions=ADMISSIONS_2017,
    outpatient_level_shares=SEED_001.outpatient_level_shares,
    outpatient_cost_yuan={
        lv: yuan * OUTPATIENT_PRICE_FACTOR for lv, yuan in SEED_001.outpatient_cost_yuan.items()
    },
    inpatient_level_shares=SEED_001.inpatient_level_shares,
    inpatient_cost_yuan={
        lv: yuan * INPATIENT_PRICE_FACTOR for lv, yuan in SEED_001.inpatient_cost_yuan.items()
    },
)
PROFILES = {p.name: p for p in (SEED_001, ANHUI_2017)}

# -- parameters (shapes, not published figures) ----------------------------------------------
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
