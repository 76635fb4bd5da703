"""A hand-made county for the indicator tests, in memory and in a database (the same data).

County 341821 with two townships, one village each:

    village V1 (township T1): p1 registered poor (household h1); p2 and p6 ordinary (h2)
    village V2 (township T2): p3 low income (h3); p4 not enrolled, low income by a
                              household status on 1 January (h4); p5 died in 2016 (h5)

Enrollment 2017: p1, p2, p3, p6, 630 yuan each (payers below); 2016: p1 and p2, 600 yuan each.
Ledger 2017 (policy anhui-poor-2017: layers basic, critical, assistance, backstop,
supplement_180), amounts in fen:

    e1 p1 01-10 inpatient  county   in    total 3000_00 compliant 2800_00  basic 2000_00
                                           assistance 400_00 backstop 200_00   oop 400_00
    e2 p2 01-15 outpatient village  in    total   50_00 compliant   50_00  basic   25_00
    e3 p2 02-03 outpatient township in    total  120_00 compliant  100_00  basic   55_00
    e4 p3 02-20 inpatient  city     out   total 8000_00 compliant 7000_00  basic 4000_00
                                           critical 300_00 assistance 900_00   oop 2800_00
    e5 p3 02-25 chronic    township in    total  300_00 compliant  300_00  basic  180_00
    e6 reversal of e5, recorded in March (claim date 02-25)
    e7 p1 02-11 outpatient village  in    total   30_00 compliant   30_00  basic   16_50
    e8 p6 03-02 outpatient village  in    total   20_00 compliant   20_00  basic   10_00
    e9 reversal of e8

Ledger 2016: p2 outpatient, basic 100_00 and supplement_180 10_00 (for the balance).
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from sqlalchemy import Engine, insert

from safetynet.derived.frames import (
    ENROLLMENT_SCHEMA,
    ENTRY_SCHEMA,
    LAYER_SCHEMA,
    PERSON_SCHEMA,
    PRIOR_PAID_SCHEMA,
    PRIOR_RAISED_SCHEMA,
    REGION_SCHEMA,
    IndicatorFrames,
    SourceFrames,
    assemble,
)
from safetynet.indicators.load import category_priority
from safetynet.registry.status import PERIOD_SCHEMA
from safetynet.store.models import (
    Claim,
    Enrollment,
    Household,
    Institution,
    Person,
    PovertyStatusPeriod,
    Region,
    Settlement,
    SettlementLayer,
)

COUNTY, T1, T2 = "341821", "341821100", "341821101"
V1, V2 = "341821100201", "341821101201"
YEAR = 2017
POLICY = "anhui-poor-2017"
LAYERS = ["basic", "critical", "assistance", "backstop", "supplement_180"]

REGIONS = [
    (COUNTY, "郎溪县", "county", None),
    (T1, "建平镇", "township", COUNTY),
    (T2, "十字镇", "township", COUNTY),
    (V1, "东村", "village", T1),
    (V2, "西村", "village", T2),
]
HOUSEHOLDS = [(1, V1), (2, V1), (3, V2), (4, V2), (5, V2)]
# id, household, village, birth date, deceased on
PERSONS = [
    (1, 1, V1, date(1950, 3, 1), None),
    (2, 2, V1, date(1980, 6, 1), None),
    (3, 3, V2, date(1960, 1, 9), None),
    (4, 4, V2, date(1990, 2, 2), None),
    (5, 5, V2, date(1930, 5, 5), date(2016, 5, 1)),
    (6, 2, V1, date(2010, 8, 8), None),
]
STATUSES = [  # id, household, person, status, from, to
    (1, 1, None, "registered_poor", date(2015, 1, 1), None),
    (2, 3, None, "low_income", date(2016, 1, 1), None),
    (3, 4, None, "low_income", date(2016, 6, 1), None),
]
PAYERS = [  # the enrollment's payer columns, in ENROLLMENT_SCHEMA order
    "individual_fen", "subsidy_central_fen", "subsidy_province_fen", "subsidy_city_fen",
    "subsidy_county_fen", "subsidy_township_fen", "medical_assistance_fen",
]  # fmt: skip
ORDINARY = (180_00, 270_00, 90_00, 0, 90_00, 0, 0)
ENROLLMENT = [  # person, year, category, payers
    (1, 2017, "registered_poor", (0, 270_00, 90_00, 0, 270_00, 0, 0)),
    (2, 2017, "ordinary", ORDINARY),
    (3, 2017, "low_income", (90_00, 270_00, 90_00, 0, 90_00, 0, 90_00)),
    (6, 2017, "ordinary", ORDINARY),
    (1, 2016, "registered_poor", (0, 240_00, 90_00, 0, 270_00, 0, 0)),
    (2, 2016, "ordinary", (150_00, 240_00, 90_00, 0, 120_00, 0, 0)),
]
INSTITUTIONS = [
    ("V1", "东村卫生室", "village", True),
    ("T1", "建平镇卫生院", "township", True),
    ("T2", "十字镇卫生院", "township", True),
    ("C1", "县医院", "county", True),
    ("S1", "市医院", "city", False),
]
# id, kind, person, date, level, institution, in county, total, compliant, pays (LAYERS), oop,
# reverses
Entry = tuple[int, str, int, date, str, str, str, bool, int, int, tuple[int, ...], int, int | None]
ENTRIES: list[Entry] = [
    (1, "inpatient", 1, date(2017, 1, 10), "county", "C1", "settlement", True,
     3000_00, 2800_00, (2000_00, 0, 400_00, 200_00, 0), 400_00, None),
    (2, "outpatient", 2, date(2017, 1, 15), "village", "V1", "settlement", True,
     50_00, 50_00, (25_00, 0, 0, 0, 0), 25_00, None),
    (3, "outpatient", 2, date(2017, 2, 3), "township", "T1", "settlement", True,
     120_00, 100_00, (55_00, 0, 0, 0, 0), 65_00, None),
    (4, "inpatient", 3, date(2017, 2, 20), "city", "S1", "settlement", False,
     8000_00, 7000_00, (4000_00, 300_00, 900_00, 0, 0), 2800_00, None),
    (5, "chronic_outpatient", 3, date(2017, 2, 25), "township", "T2", "settlement", True,
     300_00, 300_00, (180_00, 0, 0, 0, 0), 120_00, None),
    (6, "chronic_outpatient", 3, date(2017, 2, 25), "township", "T2", "reversal", True,
     -300_00, -300_00, (-180_00, 0, 0, 0, 0), -120_00, 5),
    (7, "outpatient", 1, date(2017, 2, 11), "village", "V1", "settlement", True,
     30_00, 30_00, (16_50, 0, 0, 0, 0), 13_50, None),
    (8, "outpatient", 6, date(2017, 3, 2), "village", "V1", "settlement", True,
     20_00, 20_00, (10_00, 0, 0, 0, 0), 10_00, None),
    (9, "outpatient", 6, date(2017, 3, 2), "village", "V1", "reversal", True,
     -20_00, -20_00, (-10_00, 0, 0, 0, 0), -10_00, 8),
    (10, "outpatient", 2, date(2016, 5, 5), "village", "V1", "settlement", True,
     200_00, 200_00, (100_00, 0, 0, 0, 10_00), 90_00, None),
]  # fmt: skip
CLAIM_OF = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 5, 7: 7, 8: 8, 9: 8, 10: 10}
HOUSEHOLD_OF = {p[0]: p[1] for p in PERSONS}


def _entries(year: int | None) -> list[Entry]:
    return [e for e in ENTRIES if year is None or e[3].year == year]


def source_frames() -> SourceFrames:
    """The county's source frames for 2017, as the database loader would read them."""
    year = _entries(YEAR)
    prior = _entries(2016)
    return SourceFrames(
        regions=pl.DataFrame(REGIONS, schema=REGION_SCHEMA, orient="row"),
        persons=pl.DataFrame(PERSONS, schema=PERSON_SCHEMA, orient="row"),
        enrollment=pl.DataFrame(
            [(p, cat, *pay) for p, y, cat, pay in ENROLLMENT if y == YEAR],
            schema=ENROLLMENT_SCHEMA,
            orient="row",
        ),
        statuses=pl.DataFrame(STATUSES, schema=PERIOD_SCHEMA, orient="row"),
        entries=pl.DataFrame(
            [
                (
                    e[0],
                    CLAIM_OF[e[0]],
                    e[6],
                    e[2],
                    POLICY,
                    e[3],
                    e[1],
                    e[4],
                    e[7],
                    e[8],
                    e[9],
                    0,
                    sum(e[10]),
                    e[11],
                )
                for e in year
            ],
            schema=ENTRY_SCHEMA,
            orient="row",
        ),
        layers=pl.DataFrame(
            [(e[0], lid, pay) for e in year for lid, pay in zip(LAYERS, e[10], strict=True) if pay],
            schema=LAYER_SCHEMA,
            orient="row",
        ),
        prior_raised=pl.DataFrame(
            [(p, sum(pay)) for p, y, _, pay in ENROLLMENT if y < YEAR],
            schema=PRIOR_RAISED_SCHEMA,
            orient="row",
        ),
        prior_paid=pl.DataFrame(
            [
                (e[2], POLICY, lid, pay)
                for e in prior
                for lid, pay in zip(LAYERS, e[10], strict=True)
                if pay
            ],
            schema=PRIOR_PAID_SCHEMA,
            orient="row",
        ),
    )


def frames(region_code: str = COUNTY) -> IndicatorFrames:
    return assemble(
        source_frames(),
        region_code=region_code,
        year=YEAR,
        priority=category_priority(region_code, YEAR),
    )


def write_county(engine: Engine) -> None:
    """The same county into an empty database (every layer row, zero payments too)."""
    now = datetime(2017, 3, 5, 9, 0)
    with engine.begin() as conn:
        conn.execute(
            insert(Region),
            [dict(code=c, name=n, level=lv, parent_code=p) for c, n, lv, p in REGIONS],
        )
        conn.execute(
            insert(Household), [dict(id=i, number=f"H{i}", region_code=r) for i, r in HOUSEHOLDS]
        )
        conn.execute(
            insert(Person),
            [
                dict(
                    id=i,
                    resident_id=f"34182119{i:010d}",
                    name=f"人{i}",
                    sex="M",
                    birth_date=b,
                    household_id=h,
                    region_code=r,
                    deceased_on=d,
                )
                for i, h, r, b, d in PERSONS
            ],
        )
        conn.execute(
            insert(PovertyStatusPeriod),
            [
                dict(
                    id=i,
                    household_id=h,
                    person_id=p,
                    status=s,
                    valid_from=f,
                    valid_to=t,
                    department="test",
                )
                for i, h, p, s, f, t in STATUSES
            ],
        )
        conn.execute(
            insert(Enrollment),
            [
                dict(
                    person_id=p,
                    year=y,
                    category=cat,
                    enrolled_on=date(y, 1, 1),
                    **dict(zip(PAYERS, pay, strict=True)),
                )
                for p, y, cat, pay in ENROLLMENT
            ],
        )
        conn.execute(
            insert(Institution),
            [dict(code=c, name=n, level=lv, in_county=ic) for c, n, lv, ic in INSTITUTIONS],
        )
        claims = {CLAIM_OF[e[0]]: e for e in ENTRIES if e[6] == "settlement"}
        conn.execute(
            insert(Claim),
            [
                dict(
                    id=cid,
                    claim_no=f"C{cid}",
                    person_id=e[2],
                    institution_code=e[5],
                    kind=e[1],
                    start_date=e[3],
                    end_date=e[3],
                    total_fen=e[8],
                )
                for cid, e in sorted(claims.items())
            ],
        )
        for e in ENTRIES:  # one by one: a reversal points at the entry it reverses
            conn.execute(
                insert(Settlement),
                [
                    dict(
                        id=e[0],
                        entry_kind=e[6],
                        claim_id=CLAIM_OF[e[0]],
                        person_id=e[2],
                        household_id=HOUSEHOLD_OF[e[2]],
                        year=e[3].year,
                        policy_id=POLICY,
                        reverses_id=e[12],
                        kind=e[1],
                        level=e[4],
                        in_county=e[7],
                        referral=False,
                        status_mask=0,
                        disease_mask=0,
                        age=40,
                        claim_date=e[3],
                        total_fen=e[8],
                        compliant_fen=e[9],
                        essential_fen=0,
                        deducted_fen=0,
                        paid_fen=sum(e[10]),
                        out_of_pocket_fen=e[11],
                        created_at=now,
                        created_by="test",
                    )
                ],
            )
        conn.execute(
            insert(SettlementLayer),
            [
                dict(settlement_id=e[0], position=i, layer_id=lid, paid_fen=pay, facts={})
                for e in ENTRIES
                for i, (lid, pay) in enumerate(zip(LAYERS, e[10], strict=True))
            ],
        )
