"""Resident identity numbers (GB 11643-1999): validation, derived sex and birth date, check digits.

An ID is 18 characters: a 6-digit region code, the birth date YYYYMMDD, a
3-digit sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check
character (0-9 or X). The region code is *not* checked here against any table:
codes of abolished divisions stay valid on real cards of elderly people. A code
missing from the division table is a warning raised by the importers, never a
rejection (see ``safetynet.registry.divisions``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np

from safetynet.clock import local_today
from safetynet.codes import Sex
from safetynet.i18n import N_
from safetynet.numerals import numeric_text

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # indexed by (sum of weighted digits) mod 11
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
EARLIEST_BIRTH = date(1880, 1, 1)


class ResidentIdError(ValueError):
    """A resident ID that cannot be right; ``code`` names the problem, ``template`` (a message
    id of the translation catalog) and ``params`` say it in words; ``str()`` is English."""

    def __init__(self, code: str, template: str, **params: object) -> None:
        super().__init__(template % params if params else template)
        self.code, self.template, self.params = code, template, params


@dataclass(frozen=True, slots=True)
class ResidentId:
    number: str
    region_code: str
    birth_date: date
    sex: Sex


def check_char(body17: str) -> str:
    """The check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(body17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def as_typed(raw: str) -> str:
    """An ID as typed, in its canonical characters: full-width forms of a Chinese input method
    folded (``３４１８…Ｘ``, by the one rule for numbers), the ends stripped, ``x`` as ``X``.
    Every lookup of a person by the ID a user or a system sends goes through it."""
    return numeric_text(raw).upper()


def parse_resident_id(raw: str, *, today: date | None = None) -> ResidentId:
    """Validate an ID and return its parts; raises :class:`ResidentIdError` with a plain message."""
    number = as_typed(raw)
    if len(number) != 18:
        raise ResidentIdError(
            "length", N_("must be 18 characters, got %(length)s"), length=len(number)
        )
    if not _SHAPE.match(number):
        raise ResidentIdError("characters", N_("must be 17 digits followed by a digit or X"))
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ResidentIdError(
            "birth_date", N_("birth date %(date)s is not a date"), date=number[6:14]
        ) from None
    if born < EARLIEST_BIRTH or born > (today or local_today()):
        raise ResidentIdError(
            "birth_date", N_("birth date %(date)s is out of range"), date=born.isoformat()
        )
    expected = check_char(number[:17])
    if number[17] != expected:
        raise ResidentIdError(
            "check_digit",
            N_("check digit is %(given)s, the first 17 digits require %(expected)s"),
            given=number[17],
            expected=expected,
        )
    sex = Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE
    return ResidentId(number, number[:6], born, sex)


def contradictions(
    rid: ResidentId, *, sex: Sex | None, birth_date: date | None
) -> list[tuple[str, dict[str, str]]]:
    """Contradictions between an ID and separately given sex / birth date: message ids of the
    translation catalog and their params (empty when none)."""
    found = []
    if sex is not None and sex != rid.sex:
        template = N_("sex %(given)s contradicts the ID, which says %(expected)s")
        found.append((template, {"given": sex.value, "expected": rid.sex.value}))
    if birth_date is not None and birth_date != rid.birth_date:
        template = N_("birth date %(given)s contradicts the ID, which says %(expected)s")
        given, expected = birth_date.isoformat(), rid.birth_date.isoformat()
        found.append((template, {"given": given, "expected": expected}))
    return found


def validate_against(rid: ResidentId, *, sex: Sex | None, birth_date: date | None) -> list[str]:
    """Contradictions between an ID and separately given sex / birth date, in English."""
    return [t % p for t, p in contradictions(rid, sex=sex, birth_date=birth_date)]


def append_check_digits(bodies: np.ndarray) -> np.ndarray:
    """Vectorised: 17-digit bodies as an int64 array → the 18-character IDs (unicode array).

    Used by the synthetic county to make millions of valid IDs without a Python loop.
    """
    bodies = np.asarray(bodies, dtype=np.int64)
    digits = np.empty((bodies.size, 17), dtype=np.int64)
    rest = bodies.copy()
    for i in range(16, -1, -1):
        digits[:, i] = rest % 10
        rest //= 10
    total = digits @ np.asarray(WEIGHTS, dtype=np.int64)
    checks = np.frombuffer(CHECK_CHARS.encode(), dtype="S1")[total % 11]
    body_text = np.char.zfill(bodies.astype("U17"), 17)
    return np.char.add(body_text, checks.astype("U1"))


def id_problem(raw: str, *, today: date | None = None) -> tuple[str, dict[str, object]]:
    """What is wrong with an ID that ``resident_id_column.invalid_resident_ids`` flags: a
    message id of the translation catalog and its params (from :func:`parse_resident_id`)."""
    try:
        number = parse_resident_id(raw, today=today).number
    except ResidentIdError as exc:
        return exc.template, exc.params
    return N_("write the resident ID as %(id)s (no spaces, a capital X)"), {"id": number}
