"""The serious diseases of the three-batches programme as the early-warning rule reads them.

Issue 18 asks for a warning on "a serious disease of the three-batches lists": the rule names
a batch (``batch: serious``) and a claim is on it when its diagnosis (ICD-10, dots and case
ignored) starts with a code of one of the batch's lists *in force on the claim's date* —
from the list's ``valid_from`` (inclusive) to its ``valid_to`` (exclusive), within its
programme file's period — and, for a county's own list (``region``), when the household lives
in that county. So a 2019 claim of thyroid cancer (C73, on the national 30 from 2020) is not
on the list, and Langxi's 15 apply to Langxi's households only. A list is read from the
programme file in force for the household's region on the claim's date
(:func:`safetynet.programmes.rules.rules_for`: a county's own file, else the national one),
so a county whose own file lists other diseases is held to its own lists. A disease the programme
file bounds by age (``age_bounds``: the children's diseases, 0–14 周岁) is on the list only
for a patient within the bound on the claim's date — the programme's own rule
(:func:`safetynet.programmes.screen.within_bounds`), on the age the settlement stored
(whole years, a birthday counting); a claim of unknown age is not.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from safetynet.policy.rule_files import listed, own_folder
from safetynet.programmes import rules as programme_rules
from safetynet.programmes.rules import CAPABILITY
from safetynet.programmes.schema import AgeBound, ProgrammeRules
from safetynet.programmes.screen import within_bounds, within_bounds_on
from safetynet.regions import in_region, significant


@dataclass(frozen=True)
class Window:
    """One list of the batch: its prefixes as a regular expression, its period
    ``[start, end)``, its region (None: every region) and its programme file's age bounds."""

    pattern: str
    start: dt.date
    end: dt.date | None
    region: str | None
    ages: tuple[AgeBound, ...] = ()
    # where and when another programme file is the one in force (a county's own file beside
    # the national one): (region, start, end) with ``[start, end)``; the list does not apply
    beside: tuple[tuple[str | None, dt.date, dt.date | None], ...] = ()

    def matches(
        self, code: str | None, on: dt.date, region_code: str | None, age: int | None = None
    ) -> bool:
        """The rule on one claim (:func:`expr` on columns); ``age``: whole years on ``on``
        (None: unknown, off the list for a disease bounded by age)."""
        if not self.lists(code, on, region_code):
            return False
        return within_bounds_on(self.ages, code, on, age)

    def lists(self, code: str | None, on: dt.date, region_code: str | None) -> bool:
        """:meth:`matches` but the age bounds: the list's code, period and region."""
        if code is None or on < self.start or (self.end is not None and on >= self.end):
            return False
        if self.region is not None and not in_region(region_code, self.region):
            return False
        for region, start, end in self.beside:
            held = region is None or in_region(region_code, region)
            if held and start <= on and (end is None or on < end):
                return False
        return re.search(self.pattern, code.upper().replace(".", "")) is not None

    def expr(self, code: pl.Expr, day: pl.Expr, age: pl.Expr | None = None) -> pl.Expr:
        """:meth:`matches` on columns (``code`` upper-cased, no dots; ``region_code``): the
        region short or padded, by its significant prefix; ``age`` (default: the column
        ``age``)."""
        one = code.str.contains(self.pattern) & (day >= self.start)
        if self.end is not None:
            one = one & (day < self.end)
        if self.region is not None:
            one = one & pl.col("region_code").str.starts_with(significant(self.region))
        for region, start, end in self.beside:
            other = day >= start
            if end is not None:
                other = other & (day < end)
            if region is not None:
                other = other & pl.col("region_code").str.starts_with(significant(region))
            one = one & ~other.fill_null(False)
        if self.ages:
            one = one & within_bounds(self.ages, code, day, pl.col("age") if age is None else age)
        return one.fill_null(False)


def windows(batch: str) -> tuple[Window, ...]:
    """Every list of ``batch`` in the programme files, shipped and the deployment's own
    (``SAFETYNET_RULES_DIR``; a file's ``valid_to`` is its last day, a list's is the day
    after its last)."""
    return _windows(batch, str(programme_rules.FILES), own_folder(CAPABILITY))


@lru_cache(maxsize=16)
def _windows(batch: str, folder: str, own: str | None) -> tuple[Window, ...]:
    out = []
    files = [programme_rules.load_rules(p) for p in listed(folder, own).values()]

    def key(r: ProgrammeRules) -> tuple[int, dt.date]:  # as rules_for chooses among files
        return len(significant(r.region or "")), r.valid_from

    for rules in files:
        beside = tuple(
            (other.region, other.valid_from,
             other.valid_to and other.valid_to + dt.timedelta(days=1))
            for other in files if key(other) > key(rules)
        )  # fmt: skip
        for b in rules.batches:
            if b.id.value != batch:
                continue
            last = rules.valid_to and rules.valid_to + dt.timedelta(days=1)
            for dl in b.lists:
                ends = [d for d in (dl.valid_to, last) if d is not None]
                start = max(rules.valid_from, dl.valid_from)
                pattern = "^(?:" + "|".join(dl.prefixes()) + ")"
                end = min(ends) if ends else None
                out.append(Window(pattern, start, end, dl.region or rules.region,
                                  tuple(rules.age_bounds), beside))  # fmt: skip
    if not out:
        raise LookupError(f"no disease lists of the batch {batch!r} in the programme files")
    return tuple(out)


def needs_region(batch: str) -> bool:
    """Whether a list of the batch is a county's own, or a county's own file stands beside
    the national one (the claims need their region)."""
    return any(
        w.region is not None or any(r is not None for r, _s, _e in w.beside) for w in windows(batch)
    )


def expr(batch: str) -> pl.Expr:
    """Claims (``diagnosis``, ``claim_date``, ``region_code``: the household's village, may be
    null; ``age``: the patient's whole years on the date, as settled) on one of the batch's
    lists in force on their date, within its age bounds."""
    code = pl.col("diagnosis").str.to_uppercase().str.replace_all(".", "", literal=True)
    day = pl.col("claim_date")
    hit = pl.lit(False)
    for w in windows(batch):
        hit = hit | w.expr(code, day)
    return hit
