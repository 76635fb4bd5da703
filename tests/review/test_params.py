"""The review-parameter file: the shipped one loads, a bad one is refused naming file:line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from safetynet.policy.tree import PolicyError
from safetynet.review.params import FILES, load_params, shipped_files


def test_the_shipped_file_holds_the_decree_numbers() -> None:
    params = load_params()
    assert "langxi-2021" in shipped_files()
    fine38, fine40 = params.articles[38].fine, params.articles[40].fine
    assert fine38 is not None and (fine38.min.value, fine38.max.value) == (1, 2)
    assert fine40 is not None and (fine40.min.value, fine40.max.value) == (2, 5)
    person = params.articles[41].person_suspension
    assert person is not None and (person.min.value, person.max.value) == (3, 12)
    department = params.articles[38].department_suspension
    assert department is not None and (department.min.value, department.max.value) == (6, 12)
    assert params.appeal.deadline.value == 15
    assert [s.id for s in params.sampling.strata] == ["high", "medium", "low"]


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("max: {value: 2, unit: times}", "max: {value: 0.5, unit: times}", "max is below min"),
        ("share: {value: 50, unit: percent}", "share: {value: 50, unit: day}", "unit"),
        ("  source: design-default\n  # a claim", "  source: nowhere\n  # a claim", "nowhere"),
    ],
)
def test_a_bad_file_is_refused_with_its_line(tmp_path: Path, old: str, new: str, says: str
                                              ) -> None:  # fmt: skip
    text = (FILES / "langxi-2021.yaml").read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PolicyError) as refused:
        load_params(bad)
    message = str(refused.value)
    assert re.search(r"bad\.yaml:\d+", message) and says in message
