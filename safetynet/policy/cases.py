"""Worked examples a policy officer can read: YAML test cases shipped beside each policy.

``files/cases/<policy id>.yaml`` holds cases of one policy. A case is one person's claims
in a year, settled in order; each claim states what every layer is expected to pay and
what is left to the patient, in yuan, with the arithmetic written as a comment::

    policy: anhui-poor-2017
    cases:
      - name: A registered poor person's admission at the county hospital
        person: {statuses: [registered_poor], age: 60}
        claims:
          - {kind: inpatient, level: county, total: 20000, compliant: 18000}
            # Basic: (18,000 - 250) x 85 % = 15,087.50 ...
          expect:
            paid: {basic: 15087.50, critical: 0, assistance: 582.50}
            out_of_pocket: 4330

This module only reads and validates the files (file:line on every problem, like policy
files); ``safetynet.engine.cases`` settles them.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus
from safetynet.money import to_fen
from safetynet.policy.loader import (
    SHIPPED_DIR,
    PolicyError,
    Problem,
    locate,
    parse_tree,
    read_policy_text,
)

CASES_DIR = SHIPPED_DIR / "cases"


def _yuan(value: Any) -> int:
    """Yuan as written in the file (``15087.50``, ``"15087.50"``, ``0``) -> fen, exactly."""
    if not isinstance(value, int | float | str | Decimal):
        raise ValueError("an amount in yuan, e.g. 1234.50")
    return to_fen(value)


Fen = Annotated[int, BeforeValidator(_yuan)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonFacts(_Strict):
    """What holds for the person all year unless a claim says otherwise."""

    statuses: tuple[PovertyStatus, ...] = (PovertyStatus.ORDINARY,)
    age: int = Field(default=50, ge=0, le=130)


class Expected(_Strict):
    paid: dict[str, Fen] = Field(default_factory=dict, description="layer id -> yuan")
    out_of_pocket: Fen | None = None
    institution_borne: Fen | None = None
    rules: dict[str, str | None] = Field(default_factory=dict, description="layer -> rule id")
    facts: dict[str, dict[str, int]] = Field(default_factory=dict)
    accumulators: dict[str, dict[str, Fen]] = Field(default_factory=dict)


class CaseClaim(_Strict):
    kind: ClaimKind = ClaimKind.INPATIENT
    level: InstitutionLevel = InstitutionLevel.COUNTY
    total: Fen
    compliant: Fen
    essential: Fen = 0
    deducted: Fen = 0
    in_county: bool = True
    referral: bool = False
    statuses: tuple[PovertyStatus, ...] | None = None
    age: int | None = Field(default=None, ge=0, le=130)
    diseases: tuple[str, ...] = ()
    expect: Expected


class Case(_Strict):
    name: str
    person: PersonFacts = PersonFacts()
    claims: list[CaseClaim] = Field(min_length=1)
    line: int = 0  # where the case starts in its file (set by the loader)


class CaseFile(_Strict):
    policy: str
    cases: list[Case] = Field(min_length=1)
    path: str = ""


def load_cases(path: str | Path) -> CaseFile:
    """Read and validate one case file; raise ``PolicyError`` naming file, line and path."""
    path = Path(path)
    filename = str(path)
    if not path.is_file():
        raise PolicyError([Problem(filename, None, "", "file not found")])
    tree = parse_tree(read_policy_text(path), filename)
    try:
        parsed = CaseFile.model_validate({**tree, "path": filename})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            file, line, where = locate(tree, err["loc"], filename)
            message = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown key (check its spelling)"
            elif err["type"] == "missing":
                message = "required but missing"
            problems.append(Problem(file, line, where, message))
        raise PolicyError(problems) from None
    lines = [where[1] for where in tree["cases"].where]
    cases = [c.model_copy(update={"line": ln}) for c, ln in zip(parsed.cases, lines, strict=True)]
    return parsed.model_copy(update={"cases": cases})


def shipped_case_files() -> dict[str, Path]:
    """The case files shipped beside the policies, by policy id (file stem)."""
    return {p.stem: p for p in sorted(CASES_DIR.glob("*.yaml"))}
