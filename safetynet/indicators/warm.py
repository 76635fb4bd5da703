"""Server start-up: the derived snapshot of a large ledger loaded into memory with the
counties' indicator frames, so the first page finds them (above the snapshot, which the
indicators read)."""

from __future__ import annotations

import logging

import polars as pl
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import SQLAlchemyError

from safetynet.codes import RegionLevel
from safetynet.derived.snapshot import Snapshot, _persistent, current, snapshot_dir
from safetynet.indicators.load import load_frames
from safetynet.store.models import Region

log = logging.getLogger("safetynet.derived")


def warm(engine: Engine) -> None:
    """Load the snapshot of a large ledger into memory when its files are there, with the
    counties' indicator frames (server start-up: the first page then finds them); nothing
    for a small ledger or without files."""
    url = engine.url.render_as_string(hide_password=False)
    if not _persistent(url) or not (snapshot_dir(url) / "ledger.json").exists():
        return
    try:
        with engine.connect() as conn:
            snap = current(conn)
            if snap is not None:
                _warm_frames(conn, snap)
    except (OSError, SQLAlchemyError, pl.exceptions.PolarsError, LookupError, ValueError) as exc:
        log.warning("the derived snapshot was not loaded at start-up: %s", exc)


WARM_COUNTIES = 8


def _warm_frames(conn: Connection, snap: Snapshot) -> None:
    """The indicator frames of the counties (at most :data:`WARM_COUNTIES`) for the ledger's
    latest year, so their first dashboard computes only its figures."""
    years = snap.ledger.facts["year"]
    if years.is_empty():
        return
    year = int(years.max())  # type: ignore[arg-type]
    counties = conn.scalars(
        select(Region.code).where(Region.level == RegionLevel.COUNTY).order_by(Region.code)
    ).all()
    for code in counties[:WARM_COUNTIES]:
        load_frames(conn, code, year)
