"""The indicators' written definitions (``definitions.yaml``), loaded strictly.

Every indicator the computation produces has exactly one definition — unit, names, formula
and what is counted, in English and Chinese — that interfaces show beside the number. A
problem (an unknown key, a missing text, an indicator without a definition or a definition
without an indicator) is a :class:`DefinitionsError` naming the file and the line.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, model_validator

from safetynet.indicators.compute import indicator_parts
from safetynet.policy.loader import Problem, locate, read_tree, validation_problems
from safetynet.policy.tree import TreeMap

DEFINITIONS_FILE = Path(__file__).with_name("definitions.yaml")
# the modules whose ``COMPUTED`` list each room's section of indicators, named by dotted
# path: those rooms read these definitions, so this catalogue does not import them
SUPERVISION = "safetynet.supervision.indicators"
EARLY_WARNING = "safetynet.early_warning.indicators"
REVIEW = "safetynet.review.indicators"
PROGRAMMES = "safetynet.programmes.rates"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Unit = Literal["count", "money", "ratio", "money_per", "count_per", "days"]
Per = Literal["enrolled_person", "person_compensated", "visit", "admission", "poor_patient"]
Parts = Literal["institution_level", "payer", "layer_type", "rule", "institution", "month", "batch"]
PeriodBasis = Literal["period", "year_to_date", "year"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Definition(_Strict):
    """One indicator: what the number is, in both languages."""

    id: Text
    unit: Unit
    per: Per | None = None  # what an average is per (units money_per, count_per)
    parts: Parts | None = None  # also given for each institution level / payer / layer type
    period_basis: PeriodBasis
    name_en: Text
    name_zh: Text
    formula_en: Text
    formula_zh: Text
    counted_en: Text
    counted_zh: Text

    @model_validator(mode="after")
    def _per(self) -> Definition:
        average = self.unit in ("money_per", "count_per")
        if average and self.per is None:
            raise ValueError(f"unit {self.unit} needs `per` (what the average is per)")
        if not average and self.per is not None:
            raise ValueError(f"`per` is only for averages, not unit {self.unit}")
        return self

    def name(self, locale: str = "en") -> str:
        return self.name_zh if locale.startswith("zh") else self.name_en

    def formula(self, locale: str = "en") -> str:
        return self.formula_zh if locale.startswith("zh") else self.formula_en

    def counted(self, locale: str = "en") -> str:
        return self.counted_zh if locale.startswith("zh") else self.counted_en


class Convention(_Strict):
    """A rule that holds for every indicator (periods, reversals, regions, categories)."""

    en: Text
    zh: Text

    def text(self, locale: str = "en") -> str:
        return self.zh if locale.startswith("zh") else self.en


class Definitions(_Strict):
    conventions: list[Convention]
    indicators: list[Definition]
    supervision: list[Definition] = []  # safetynet.supervision.indicators
    early_warning: list[Definition] = []  # safetynet.early_warning.indicators
    review: list[Definition] = []  # safetynet.review.indicators
    programmes: list[Definition] = []  # safetynet.programmes.rates

    @model_validator(mode="after")
    def _unique(self) -> Definitions:
        seen: set[str] = set()
        for d in [
            *self.indicators,
            *self.supervision,
            *self.early_warning,
            *self.review,
            *self.programmes,
        ]:
            if d.id in seen:
                raise ValueError(f"indicator {d.id!r} is defined twice")
            seen.add(d.id)
        return self

    def by_id(self) -> dict[str, Definition]:
        return {
            d.id: d
            for d in [
                *self.indicators,
                *self.supervision,
                *self.early_warning,
                *self.review,
                *self.programmes,
            ]
        }


class DefinitionsError(ValueError):
    """The definitions file cannot be used; ``problems`` name file, line and reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_definitions(path: str | Path = DEFINITIONS_FILE) -> Definitions:
    """Load and check a definitions file against the indicators the computation produces."""
    path = Path(path)
    if not path.is_file():
        raise DefinitionsError([Problem(str(path), None, "", "no such file")])
    tree = read_tree(path)
    try:
        defs = Definitions.model_validate(dict(tree))
    except ValidationError as exc:
        raise DefinitionsError(validation_problems(exc, tree, str(path))) from None
    computed = indicator_parts()
    problems = []
    for i, d in enumerate(defs.indicators):
        if d.id not in computed:
            where = locate(tree, ("indicators", i, "id"), str(path))
            problems.append(Problem(*where, f"no indicator {d.id!r} is computed"))
        elif d.parts != computed[d.id]:
            where = locate(tree, ("indicators", i), str(path))
            problems.append(
                Problem(*where, f"{d.id} is computed with parts {computed[d.id]}, not {d.parts}")
            )
    missing = [i for i in computed if i not in defs.by_id()]
    if missing:
        where = locate(tree, ("indicators",), str(path))
        problems.append(Problem(*where, f"no definition for: {', '.join(missing)}"))
    problems += _supervision_problems(defs, tree, str(path))
    problems += _early_warning_problems(defs, tree, str(path))
    problems += _review_problems(defs, tree, str(path))
    problems += _programme_problems(defs, tree, str(path))
    if problems:
        raise DefinitionsError(problems)
    return defs


def _supervision_problems(defs: Definitions, tree: TreeMap, path: str) -> list[Problem]:
    """The ``supervision`` section against what safetynet.supervision.indicators computes."""
    COMPUTED = importlib.import_module(SUPERVISION).COMPUTED

    return _section_problems("supervision", defs.supervision, COMPUTED, tree, path)


def _early_warning_problems(defs: Definitions, tree: TreeMap, path: str) -> list[Problem]:
    """The ``early_warning`` section against what safetynet.early_warning.indicators computes."""
    COMPUTED = importlib.import_module(EARLY_WARNING).COMPUTED

    return _section_problems("early_warning", defs.early_warning, COMPUTED, tree, path)


def _review_problems(defs: Definitions, tree: TreeMap, path: str) -> list[Problem]:
    """The ``review`` section against what safetynet.review.indicators computes."""
    COMPUTED = importlib.import_module(REVIEW).COMPUTED

    return _section_problems("review", defs.review, COMPUTED, tree, path)


def _section_problems(
    section: str,
    found: list[Definition],
    computed: dict[str, str | None],
    tree: TreeMap,
    path: str,
) -> list[Problem]:
    """A section's definitions against what its room computes: one definition each."""
    problems = []
    label = section.replace("_", " ")
    for i, d in enumerate(found):
        where = locate(tree, (section, i, "id"), path)
        if d.id not in computed:
            problems.append(Problem(*where, f"no {label} indicator {d.id!r} is computed"))
        elif d.parts != computed[d.id]:
            problems.append(Problem(*where, f"{d.id} is computed with parts {computed[d.id]}"))
    missing = [i for i in computed if i not in {d.id for d in found}]
    if missing:
        where = locate(tree, (section,), path)
        problems.append(Problem(*where, f"no definition for: {', '.join(missing)}"))
    return problems


def _programme_problems(defs: Definitions, tree: TreeMap, path: str) -> list[Problem]:
    """The ``programmes`` section against what safetynet.programmes.rates computes."""
    COMPUTED = importlib.import_module(PROGRAMMES).COMPUTED

    return _section_problems("programmes", defs.programmes, COMPUTED, tree, path)


@lru_cache(maxsize=1)
def definitions() -> Definitions:
    """The shipped definitions (loaded once)."""
    return load_definitions()


def definition(indicator_id: str) -> Definition:
    """The shipped definition of one indicator; ``KeyError`` when there is none."""
    return definitions().by_id()[indicator_id]
