"""Set-based writes for imports: read a table in one query, diff by natural key, bulk insert/update.

Nothing here queries per row: existing rows come in one SELECT as a Polars frame, the diff is a
join, and inserts / updates are executemany calls in chunks (reported to the progress callback).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import ColumnElement, String, insert, select, type_coerce, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from safetynet.tabular.reading import Progress

CHUNK = 5_000
FOUND = "_found"


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def load_frame(
    session: Session,
    columns: dict[str, InstrumentedAttribute[Any]],
    schema: dict[str, Any],
    *where: ColumnElement[bool],
) -> pl.DataFrame:
    """One SELECT of ``columns`` (name -> ORM attribute) as a frame; enum columns come as text."""
    exprs = [
        type_coerce(attr, String).label(name) if schema[name] == pl.String else attr.label(name)
        for name, attr in columns.items()
    ]
    rows = session.execute(select(*exprs).where(*where)).all()
    return pl.DataFrame(rows, schema=schema, orient="row")


def diff(
    incoming: pl.DataFrame, existing: pl.DataFrame, key: Sequence[str], compare: Sequence[str]
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """(rows to insert, rows to update (existing values as ``<name>_old``), unchanged count).

    ``existing`` holds ``key``, ``compare`` and any other columns the update needs (its ids).
    """
    marked = existing.with_columns(pl.lit(True).alias(FOUND))
    joined = incoming.join(marked, on=list(key), how="left", suffix="_old")
    found = pl.col(FOUND).fill_null(False)
    new = joined.filter(~found)
    old = joined.filter(found)
    if compare:
        changed = pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_old")) for c in compare)
        changed_rows = old.filter(changed)
    else:
        changed_rows = old.clear()
    return new, changed_rows, old.height - changed_rows.height


def _chunks(frame: pl.DataFrame) -> list[list[dict[str, Any]]]:
    return [part.to_dicts() for part in frame.iter_slices(CHUNK)]


def _executemany(
    session: Session, statement: Any, frame: pl.DataFrame, columns: Sequence[str],
    step: str, progress: Progress | None,
) -> int:  # fmt: skip
    done = 0
    for rows in _chunks(frame.select(columns)):
        session.execute(statement, rows)
        done += len(rows)
        if progress is not None:
            progress(step, done, frame.height)
    return done


def bulk_insert(
    session: Session, model: type, frame: pl.DataFrame, columns: Sequence[str],
    progress: Progress | None = None,
) -> int:  # fmt: skip
    """INSERT ``columns`` of every row (executemany, in chunks)."""
    return _executemany(session, insert(model), frame, columns, "insert", progress)


def bulk_update(
    session: Session, model: type, frame: pl.DataFrame, columns: Sequence[str],
    progress: Progress | None = None,
) -> int:  # fmt: skip
    """UPDATE by primary key: ``columns`` must include the key (ORM bulk update, in chunks)."""
    return _executemany(session, update(model), frame, columns, "update", progress)


def upsert(
    session: Session,
    model: type,
    incoming: pl.DataFrame,
    existing: pl.DataFrame,
    *,
    key: Sequence[str],
    pk: str | Sequence[str],
    insert_columns: Sequence[str],
    compare: Sequence[str],
    progress: Progress | None = None,
) -> Counts:
    """Insert new rows, update changed ones (the compared columns, by ``pk``), count the rest.

    ``pk`` (a column, or the columns of a composite key) is either part of ``key`` or a
    column of ``existing`` only (e.g. a surrogate id).
    """
    new, changed, unchanged = diff(incoming, existing, key, compare)
    inserted = bulk_insert(session, model, new, insert_columns, progress)
    pks = [pk] if isinstance(pk, str) else list(pk)
    updated = bulk_update(session, model, changed, [*pks, *compare], progress)
    return Counts(inserted, updated, unchanged)
