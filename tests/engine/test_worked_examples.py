"""Hand-computed worked examples for every shipped policy (amounts in fen).

Each test writes out the arithmetic a policy officer would do on paper.
"""

from __future__ import annotations

from tests.engine.helpers import claim, paid, policy, settle_stream

POOR = ("registered_poor",)


def test_anhui_poor_two_admissions_351_ceiling_steps_up() -> None:
    cp = policy("anhui-poor-2017")
    first, second = settle_stream(
        cp,
        [
            claim(total=20000, compliant=18000, statuses=POOR, age=60),
            claim(
                "inpatient",
                "province",
                total=100000,
                compliant=90000,
                statuses=POOR,
                in_county=False,
                referral=True,
            ),
        ],
    )
    # Admission 1, county hospital. Basic: (18,000 - 250 deductible of the poor) × 85 %
    # = 15,087.50. Left of compliant: 2,912.50. Critical illness: running 2,912.50 is below
    # the 5,000 threshold -> 0. Assistance (registered poor 20 %): 582.50. Backstop: compliant
    # out-of-pocket 2,330 <= 3,000 (county ceiling) -> 0. Patient: 20,000 - 15,087.50 - 582.50.
    assert paid(first) == {
        "basic": 1508750,
        "critical": 0,
        "assistance": 58250,
        "backstop": 0,
        "supplement_180": 0,
    }
    assert first.out_of_pocket_fen == 433000
    # Admission 2, province hospital with referral. Basic: (90,000 - 1,000) × 70 % = 62,300.
    # Left 27,700. Critical: running 2,912.50 -> 30,612.50; (30,612.50 - 5,000) × 60 %
    # = 15,367.50. Left 12,332.50. Assistance 20 % = 2,466.50 (cap 10,000 not reached).
    # Left 9,866. Backstop: year's compliant out-of-pocket 2,330 + 9,866 = 12,196, the ceiling
    # is now the province's 10,000 -> pays 2,196. Patient: 100,000 - 62,300 - 15,367.50
    # - 2,466.50 - 2,196 = 17,670 (10,000 outside the catalog + 7,670 compliant).
    assert paid(second) == {
        "basic": 6230000,
        "critical": 1536750,
        "assistance": 246650,
        "backstop": 219600,
        "supplement_180": 0,
    }
    assert second.out_of_pocket_fen == 1767000
    # The year's compliant out-of-pocket is exactly the province ceiling.
    assert second.accumulators.as_dict(cp)["backstop/annual"]["out_of_pocket"] == 1000000


def test_anhui_keeps_the_policy_for_those_lifted_out_of_poverty() -> None:
    """脱贫不脱政策: a person lifted out of poverty (exited) keeps the comprehensive policy
    until 2020, so the first admission above settles exactly as for the registered poor;
    an ordinary resident's does not."""
    cp = policy("anhui-poor-2017")

    def admission(*statuses: str):  # type: ignore[no-untyped-def]
        return settle_stream(cp, [claim(total=20000, compliant=18000, statuses=statuses,
                                        age=60)])[0]  # fmt: skip

    exited, poor, ordinary = admission("exited"), admission(*POOR), admission("ordinary")
    assert paid(exited) == paid(poor) and exited.out_of_pocket_fen == poor.out_of_pocket_fen
    # Ordinary: no assistance, and basic at the ordinary deductible and ratio
    assert paid(ordinary)["assistance"] == 0
    assert ordinary.out_of_pocket_fen > poor.out_of_pocket_fen


def test_anhui_180_chronic_outpatient() -> None:
    cp = policy("anhui-poor-2017")
    (s,) = settle_stream(
        cp,
        [
            claim(
                "chronic_outpatient",
                "township",
                total=1000,
                compliant=900,
                statuses=POOR,
                diseases=1 << cp.disease_groups.index("chronic"),
            )
        ],
    )
    # Basic chronic outpatient 60 % of 900 = 540; left 360. Critical: running 360 < 5,000 -> 0.
    # Assistance 20 % = 72; left 288. Backstop covers inpatients only. "180": 80 % of 288
    # = 230.40. Patient: 1,000 - 540 - 72 - 230.40 = 157.60.
    assert paid(s) == {
        "basic": 54000,
        "critical": 0,
        "assistance": 7200,
        "backstop": 0,
        "supplement_180": 23040,
    }
    assert s.out_of_pocket_fen == 15760


def test_anhui_general_outpatient_per_visit_cap_and_essential_drugs() -> None:
    cp = policy("anhui-poor-2017")
    (s,) = settle_stream(cp, [claim("outpatient", "village", total=80, compliant=70, essential=40)])
    # 55 % of 70 = 38.50, plus 5 points on the essential drugs' 40 = 2.00 -> 40.50, above the
    # 30-yuan per-visit cap -> 30. Patient: 80 - 30 = 50.
    assert paid(s)["basic"] == 3000
    assert s.out_of_pocket_fen == 5000
    assert s.layers[0].facts["capped"] == 1


def test_langxi_re_assistance_for_an_ordinary_resident() -> None:
    cp = policy("anhui-langxi-2018")
    (s,) = settle_stream(
        cp,
        [
            claim(
                "inpatient",
                "province",
                total=60000,
                compliant=60000,
                in_county=False,
                referral=True,
            )
        ],
    )
    # Basic (ordinary): (60,000 - 2,000) × 65 % = 37,700; left 22,300. Critical (residents):
    # (22,300 - 20,000) × 50 % = 1,150; left 21,150. No assistance, backstop or "180" for an
    # ordinary resident. Re-assistance: (21,150 - 10,000) × 60 % = 6,690. Patient 14,460.
    assert paid(s) == {
        "basic": 3770000,
        "critical": 115000,
        "assistance": 0,
        "backstop": 0,
        "supplement_180": 0,
        "re_assistance": 669000,
    }
    assert s.out_of_pocket_fen == 1446000


def test_ningxia_both_readings_of_the_backstop() -> None:
    c = claim(total=30000, compliant=30000, statuses=POOR)
    # Basic: (30,000 - 300) × (80 % + 5 points for the poor) = 25,245; left 4,755.
    # Critical (poor): (4,755 - 3,000) × 65 % = 1,140.75; left 3,614.25.
    # Reading "better for the patient": allowed = min(10 % × 30,000, 5,000) = 3,000 -> the
    # backstop pays 614.25. Reading "fund meets either": allowed = max(3,000, 5,000) -> 0.
    (a,) = settle_stream(policy("ningxia-guyuan-2017"), [c])
    (b,) = settle_stream(policy("ningxia-guyuan-2017-either"), [c])
    assert paid(a) == {"basic": 2524500, "critical": 114075, "assistance": 0, "backstop": 61425}
    assert a.out_of_pocket_fen == 300000
    assert paid(b)["backstop"] == 0
    assert b.out_of_pocket_fen == 361425


def test_guizhou_tiers_and_age_band() -> None:
    cp = policy("guizhou-county-2019")
    (s,) = settle_stream(cp, [claim(total=16000, compliant=15000, age=75)])
    # In county, deductible 300 -> 14,700. Age 75: +10 points. First 10,000 at 80 + 10
    # = 90 % -> 9,000; the next 4,700 at 70 + 10 = 80 % -> 3,760. Basic pays 12,760.
    assert paid(s) == {"basic": 1276000}
    assert s.out_of_pocket_fen == 324000


def test_guizhou_serious_disease_rule_comes_first() -> None:
    cp = policy("guizhou-county-2019")
    serious = 1 << cp.disease_groups.index("serious")
    (s,) = settle_stream(cp, [claim(total=300000, compliant=300000, diseases=serious)])
    # 70 % of 300,000 = 210,000, capped at 200,000 a year.
    assert paid(s) == {"basic": 20000000}
    assert s.layers[0].rule_id == "serious_disease"


def test_jiangxi_2025_tilted_critical_illness_and_assistance() -> None:
    cp = policy("jiangxi-nanchang-2025")
    (s,) = settle_stream(
        cp,
        [
            claim(
                "inpatient",
                "city",
                total=55000,
                compliant=50000,
                statuses=("low_income",),
                in_county=False,
                referral=True,
            )
        ],
    )
    # Basic grade 3: (50,000 - 600) × 60 % = 29,640; left 20,360. Critical (tilted): threshold
    # 8,500, 65 % -> 11,860 × 65 % = 7,709; left 12,651. Assistance (low income 70 %)
    # = 8,855.70. Patient: 5,000 outside the catalog + 3,795.30 = 8,795.30.
    assert paid(s) == {"basic": 2964000, "critical": 770900, "assistance": 885570}
    assert s.out_of_pocket_fen == 879530


def test_jiangxi_2022_has_no_critical_layer_and_marginal_threshold() -> None:
    cp = policy("jiangxi-nanchang-2022")
    (s,) = settle_stream(cp, [claim(total=20000, compliant=20000, statuses=("marginal",))])
    # Basic grade 2: (20,000 - 400) × 80 % = 15,680; left 4,320. Assistance (marginal):
    # 4,320 - 3,400 threshold = 920 × 60 % = 552.
    assert paid(s) == {"basic": 1568000, "assistance": 55200}


def test_deducted_items_are_borne_by_the_institution() -> None:
    cp = policy("anhui-poor-2017")
    (s,) = settle_stream(cp, [claim(total=10000, compliant=8000, deducted=1000)])
    # Chargeable 9,000; basic ordinary county: (8,000 - 500) × 80 % = 6,000.
    assert paid(s)["basic"] == 600000
    assert s.institution_borne_fen == 100000
    assert s.paid_fen + s.institution_borne_fen + s.out_of_pocket_fen == 1000000
