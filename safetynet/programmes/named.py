"""The hospitals a programme file names (``pathways: designated: institutions:``) checked
against the institutions known where they are known (the database's institution codes).

The loader (:func:`safetynet.programmes.rules.load_rules`) has no database: it refuses a
malformed code at its file and line. :func:`unknown_institutions` reports, in the same form,
each well-formed code no institution has — run by ``safetynet programmes check``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.policy.loader import Problem, locate, parse_tree
from safetynet.programmes.rules import load_rules
from safetynet.store.models import Institution


def unknown_institutions(path: str | Path, known: Iterable[str]) -> list[Problem]:
    """Each named hospital of a programme file whose code is not in ``known``, at its file and
    line (the file is first loaded strictly: a malformed file raises ``PolicyError``)."""
    path = Path(path)
    rules = load_rules(path)
    tree = parse_tree(path.read_text(encoding="utf-8"), path.name)
    known = set(known)
    problems = []
    for i, pw in enumerate(rules.pathways):
        for j, d in enumerate(pw.designated):
            for k, code in enumerate(d.institutions):
                if code not in known:
                    loc = ("pathways", i, "designated", j, "institutions", k)
                    file, line, where = locate(tree, loc, path.name)
                    problems.append(Problem(file, line, where, f"no institution has code {code!r}"))
    return problems


def institution_codes(session: Session) -> set[str]:
    """The codes of the institutions in the database."""
    return set(session.scalars(select(Institution.code)))


def institution_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """The names of the institutions of ``codes`` the database has (a code it lacks: none)."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = session.execute(
        select(Institution.code, Institution.name).where(Institution.code.in_(wanted))
    )
    return {code: name for code, name in rows}
