"""Write a generated county into the database: every table in one transaction, in bulk.

The database must be empty of registry data (a synthetic county is a fresh deployment);
the shipped catalogs are loaded first. Uses ``store/bulk.py`` (COPY on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from safetynet.catalogs.load import load_catalogs
from safetynet.store.bulk import bulk_insert, sync_sequence
from safetynet.store.models import (
    Claim,
    ClaimItem,
    Enrollment,
    Household,
    Institution,
    Person,
    PovertyStatusPeriod,
    Region,
)
from safetynet.synth.county import County

Progress = Callable[[str, int, int], None]  # (table, rows done, rows in table)

ORDER = [
    ("regions", Region, ["code", "name", "level", "parent_code"]),
    ("households", Household, ["id", "number", "region_code", "address"]),
    ("persons", Person, ["id", "resident_id", "name", "sex", "birth_date", "household_id",
                         "relation", "region_code", "phone", "deceased_on"]),
    ("poverty_status", PovertyStatusPeriod, ["id", "household_id", "person_id", "status",
                                             "valid_from", "valid_to", "department", "reference"]),
    ("institutions", Institution, ["code", "name", "level", "in_county", "region_code",
                                   "designated_from", "designated_to", "inpatient", "outpatient"]),
    ("enrollment", Enrollment, None),
    ("claims", Claim, ["id", "claim_no", "person_id", "institution_code", "kind", "start_date",
                       "end_date", "diagnosis_code", "referral", "total_fen", "doctor_code"]),
    ("claim_items", ClaimItem, ["claim_id", "item_code", "quantity", "amount_fen",
                                "deducted_fen", "service_date"]),
]  # fmt: skip


class CountyNotEmpty(RuntimeError):
    """The database already holds persons: a synthetic county goes into an empty one."""


def load_county(engine: Engine, county: County, progress: Progress | None = None) -> None:
    """Insert the county (and the shipped catalogs) in one transaction; all or nothing."""
    with Session(engine) as session:
        if session.scalar(select(func.count()).select_from(Person)):
            raise CountyNotEmpty("the database already holds persons; use an empty database")
        load_catalogs(session)
        session.flush()
        conn = session.connection()
        for name, model, columns in ORDER:
            frame: pl.DataFrame = getattr(county, name)
            if columns is not None:
                frame = frame.select(columns)
            table = model.__table__
            done = 0

            def step(rows: int, name: str = name, total: int = frame.height) -> None:
                nonlocal done
                done += rows
                if progress is not None:
                    progress(name, done, total)

            bulk_insert(conn, table, frame, progress=step)
            if "id" in table.c:
                sync_sequence(conn, table)
        session.commit()
