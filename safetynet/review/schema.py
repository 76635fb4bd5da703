"""The review-parameter file schema (pydantic): dated, sourced numbers the review runs on.

A file (``files/*.yaml``, ``docs/review.md``) names its region and validity and lists its
sources, then gives:

- ``appeal``: the days an institution has to appeal a decision;
- ``articles``: per article of State Council Decree No. 735 its name, the fine as a range of
  multiples of the fund's loss (or, art. 39, a fixed fine as a range of yuan), and the
  suspension a finding under it may carry (months);
- ``sampling``: the spot check's strata by claim risk score, each with the share of its
  claims drawn, a random share drawn from all claims on top, the weights that turn
  screening hits into a claim's risk score, and the confidence of the extrapolation.

Numbers are written ``{value: 15, unit: day, source: ...}`` like the supervision rules (whose
``Quantity``, ``Names`` and ``Source`` this reuses).

Every value is dated: the file is in force over ``[valid_from, valid_to]`` (both days
included), and ``appeal``, ``sampling`` and each article may start later (their own
``valid_from``: an article of Decree No. 735 applies from the decree's day). A value is read
for a day (:meth:`ReviewParams.appeal_on`, :meth:`ReviewParams.article_on`,
:meth:`ReviewParams.sampling_on`): before its first day, or after the file's last, there is
none (``params_not_in_force``). A value that changes is a new file from the day it changes
(:func:`safetynet.review.params.params_on` picks the file in force on a day).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from safetynet.supervision.schema import Days, Names, Percent, Quantity, Source, _Strict

Months = Quantity[Literal["month"]]
Multiple = Quantity[Literal["times"]]
Yuan = Quantity[Literal["yuan"]]


class Range(_Strict):
    min: Quantity[Literal["month"]] | Quantity[Literal["times"]]
    max: Quantity[Literal["month"]] | Quantity[Literal["times"]]

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min.unit != self.max.unit:
            raise ValueError("min and max are in different units")
        if self.max.value < self.min.value:
            raise ValueError("max is below min")
        return self


class YuanRange(_Strict):
    """A fixed fine's range in yuan, whole fen."""

    min: Yuan
    max: Yuan

    @model_validator(mode="after")
    def _ordered(self) -> YuanRange:
        if self.max.value < self.min.value:
            raise ValueError("max is below min")
        for q in (self.min, self.max):
            if round(q.value * 100) != q.value * 100:
                raise ValueError(f"{q.value} yuan is finer than a fen")
        return self


class Article(_Strict):
    name: Names
    source: str
    valid_from: dt.date | None = None  # none: the file's
    fine: Range | None = None  # multiples of the loss
    # the fine applies only to fraud (art. 41: an individual repays and may be suspended;
    # "if fraud" 2-5x): a case without a multiple fines nothing
    fine_if: Literal["fraud"] | None = None
    fixed_fine: YuanRange | None = None  # a fine in yuan whatever the loss (art. 39)
    department_suspension: Range | None = None  # months
    person_suspension: Range | None = None  # months

    @model_validator(mode="after")
    def _units(self) -> Article:
        if self.fine is not None and self.fine.min.unit != "times":
            raise ValueError("fine: a range of multiples (unit: times)")
        if self.fine is not None and self.fixed_fine is not None:
            raise ValueError("fine and fixed_fine: an article sets one of them")
        if self.fine_if is not None and self.fine is None:
            raise ValueError("fine_if: the article sets no fine multiple")
        for name in ("department_suspension", "person_suspension"):
            rng = getattr(self, name)
            if rng is not None and rng.min.unit != "month":
                raise ValueError(f"{name}: a range of months (unit: month)")
        return self


class Stratum(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: Names
    min_score: float = Field(ge=0, description="claims scoring at least this (and below the "
                             "stratum above) fall in it")  # fmt: skip
    share: Percent


class Sampling(_Strict):
    source: str
    valid_from: dt.date | None = None  # none: the file's
    strata: list[Stratum] = Field(min_length=1)
    random_share: Percent
    confidence: Percent
    hit_weights: dict[Literal["warn", "block", "deduct"], float]
    institution_weight: float = Field(ge=0, description="× the institution's risk score")

    @model_validator(mode="after")
    def _strata(self) -> Sampling:
        scores = [s.min_score for s in self.strata]
        if scores != sorted(scores, reverse=True):
            raise ValueError("strata: list them from the highest min_score down")
        if scores[-1] != 0:
            raise ValueError("strata: the last stratum starts at min_score 0")
        ids = [s.id for s in self.strata]
        if len(set(ids)) != len(ids):
            raise ValueError("strata: ids used twice")
        for share in [*(s.share for s in self.strata), self.random_share]:
            if share.value > 100:
                raise ValueError("a share is above 100 percent")
        if not 50 <= self.confidence.value < 100:
            raise ValueError("confidence: between 50 and 100 percent")
        return self


class Appeal(_Strict):
    deadline: Days
    source: str
    valid_from: dt.date | None = None  # none: the file's


class ReviewParams(_Strict):
    id: str
    title_en: str
    title_zh: str
    region: str = Field(pattern=r"^\d{2,12}$")
    valid_from: dt.date
    valid_to: dt.date | None = None
    sources: dict[str, Source]
    appeal: Appeal
    articles: dict[int, Article]
    sampling: Sampling

    @model_validator(mode="after")
    def _references(self) -> ReviewParams:
        used = [self.appeal.source, self.sampling.source,
                *(a.source for a in self.articles.values())]  # fmt: skip
        missing = sorted({s for s in used if s not in self.sources})
        if missing:
            raise ValueError(f"sources not listed under `sources`: {', '.join(missing)}")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        sections = {"appeal": self.appeal.valid_from, "sampling": self.sampling.valid_from,
                    **{f"article {n}": a.valid_from for n, a in self.articles.items()}}  # fmt: skip
        for name, start in sections.items():
            if start is not None and start < self.valid_from:
                raise ValueError(f"{name}: valid_from is before the file's valid_from")
            if start is not None and self.valid_to is not None and start > self.valid_to:
                raise ValueError(f"{name}: valid_from is after the file's valid_to")
        return self

    def covers(self, day: dt.date) -> bool:
        """Whether ``day`` is within the file's validity (both ends included)."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def _in_force(self, what: str, start: dt.date | None, day: dt.date) -> None:
        from safetynet.review.errors import ReviewError

        first = start or self.valid_from
        if day < first or not self.covers(day):
            last = f" to {self.valid_to.isoformat()}" if self.valid_to else ""
            raise ReviewError(
                "params_not_in_force",
                f"{what} of {self.id} is in force from {first.isoformat()}{last}, "
                f"not on {day.isoformat()}",
            )

    def appeal_on(self, day: dt.date) -> Appeal:
        """The appeal rule in force on ``day`` (refused before its first day)."""
        self._in_force("the appeal deadline", self.appeal.valid_from, day)
        return self.appeal

    def sampling_on(self, day: dt.date) -> Sampling:
        """The sampling design in force on ``day`` (refused before its first day)."""
        self._in_force("the sampling design", self.sampling.valid_from, day)
        return self.sampling

    def article_on(self, number: int, day: dt.date) -> Article:
        """Article ``number`` as in force on ``day`` (KeyError when the file has none;
        refused before its first day)."""
        rules = self.article(number)
        self._in_force(f"article {number}", rules.valid_from, day)
        return rules

    def article(self, number: int) -> Article:
        if number not in self.articles:
            raise KeyError(number)
        return self.articles[number]
