"""Import one file of any kind whole or not at all, and record it as an ImportBatch.

Every row is validated first and every problem is collected; only a file without errors is
written, in one transaction. The same content (by SHA-256) is not imported twice unless forced;
when forced, row-level upserts keyed by natural keys still make a repeat change nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.catalogs import item_import, nhsa
from safetynet.clock import local, utc_now
from safetynet.early_warning import income_import
from safetynet.programmes.imports import contracts, follow_ups, teams
from safetynet.registry.imports import households, institutions, persons, poverty_lists
from safetynet.store.models import ImportBatch
from safetynet.tabular.columns import bind
from safetynet.tabular.problems import (
    ImportRejected,
    ImportResult,
    Severity,
    sort_problems,
)
from safetynet.tabular.reading import Progress, read_bytes

KINDS: dict[str, ModuleType] = {
    "persons": persons,
    "households": households,
    "poverty": poverty_lists,
    "institutions": institutions,
    "items": item_import,
    "icd10-nhsa": nhsa,
    "household-income": income_import,
    "doctor-teams": teams,
    "contracts": contracts,
    "follow-ups": follow_ups,
}


def previous_import(session: Session, kind: str, sha256: str) -> ImportBatch | None:
    return session.scalars(
        select(ImportBatch)
        .where(ImportBatch.kind == kind, ImportBatch.sha256 == sha256)
        .order_by(ImportBatch.imported_at.desc())
        .limit(1)
    ).first()


def import_file(
    session: Session,
    kind: str,
    source: str | Path | bytes,
    *,
    file_name: str | None = None,
    imported_by: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
    commit: bool = True,
) -> ImportResult:
    """Validate and import a file of ``kind`` (persons, households, poverty, institutions).

    With errors nothing is written and ``result.errors`` lists them all. On success the rows
    and an ImportBatch are written in the session's transaction, committed unless ``commit``
    is false (then the caller commits or rolls back).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}; use one of {', '.join(KINDS)}")
    module = KINDS[kind]
    if isinstance(source, bytes):
        data, name = source, file_name or f"{kind}.csv"
    else:
        data, name = Path(source).read_bytes(), file_name or Path(source).name
    result = ImportResult(kind=kind, file_name=name, sha256=hashlib.sha256(data).hexdigest())
    previous = previous_import(session, kind, result.sha256)
    if previous is not None and not force:
        result.already_imported_on = local(previous.imported_at)  # as the county reads it
        result.rows_read = result.unchanged = previous.rows
        result.batch_id = previous.id
        return result
    try:
        sheet = read_bytes(data, name, progress)
    except ImportRejected as exc:
        result.errors = exc.problems
        return result
    result.rows_read = sheet.rows
    bound = bind(sheet, module.COLUMNS)
    problems = bound.problems
    prepared = None
    if not any(p.severity is Severity.ERROR for p in problems):
        if progress is not None:
            progress("validate", 0, sheet.rows)
        prepared, more = module.validate(session, bound)
        problems += more
        if progress is not None:
            progress("validate", sheet.rows, sheet.rows)
    result.errors = sort_problems([p for p in problems if p.severity is Severity.ERROR])
    result.warnings = sort_problems([p for p in problems if p.severity is Severity.WARNING])
    if result.errors or prepared is None:
        if commit:
            session.rollback()  # ends the read-only transaction; nothing was written
        return result
    try:
        counts = module.write(session, prepared, bound, progress)
        batch = ImportBatch(
            kind=kind, file_name=name[:255], sha256=result.sha256, rows=sheet.rows,
            imported_at=utc_now().replace(microsecond=0), imported_by=imported_by,
        )  # fmt: skip
        session.add(batch)
        session.flush()
        if commit:
            session.commit()
    except BaseException:
        if commit:
            session.rollback()
        raise
    result.inserted, result.updated, result.unchanged = (
        counts.inserted, counts.updated, counts.unchanged,
    )  # fmt: skip
    result.batch_id = batch.id
    return result
