"""Write the shipped catalogs into the database: disease lists, WHO ICD-10, items.

Idempotent: lists are replaced by the shipped ones, diagnoses and items are inserted when
missing and updated when changed (a county's own imports of other codes are kept). The
shipped items are entries from ``CATALOG_START`` on: a code's later entries (a county's dated
imports) are kept, and so is the end the first entry got from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import delete
from sqlalchemy.orm import Session

from safetynet.catalogs.diseases import load_disease_lists, load_lists
from safetynet.catalogs.icd10 import who_codes
from safetynet.catalogs.items import catalog_rows
from safetynet.store.models import CatalogItem, Diagnosis, DiseaseList, DiseaseListEntry
from safetynet.tabular.writing import Counts, load_frame, upsert

DIAGNOSIS_SCHEMA = {
    "code": pl.String, "title_en": pl.String, "title_zh": pl.String, "chapter": pl.String,
    "edition": pl.String,
}  # fmt: skip
ITEM_SCHEMA = {
    "code": pl.String, "valid_from": pl.Date, "name": pl.String, "kind": pl.String,
    "item_class": pl.String,
    "self_pay_bp": pl.Int64, "essential": pl.Boolean, "price_ceiling_fen": pl.Int64,
    "sex_restriction": pl.String, "min_age": pl.Int64, "max_age": pl.Int64,
}  # fmt: skip


@dataclass
class CatalogCounts:
    """What a load wrote, per catalog."""

    tables: dict[str, Counts] = field(default_factory=dict)


def load_catalogs(session: Session) -> CatalogCounts:
    """Load every shipped catalog in the session's transaction (the caller commits)."""
    out = CatalogCounts()
    lists = load_lists()
    session.execute(delete(DiseaseListEntry))
    existing = load_frame(
        session, {"code": DiseaseList.code, "name_en": DiseaseList.name_en,
                  "name_zh": DiseaseList.name_zh},
        {"code": pl.String, "name_en": pl.String, "name_zh": pl.String},
    )  # fmt: skip
    out.tables["disease_list"] = upsert(
        session, DiseaseList, lists, existing, key=["code"], pk="code",
        insert_columns=["code", "name_en", "name_zh"], compare=["name_en", "name_zh"],
    )  # fmt: skip
    entries = load_disease_lists().select("list_code", "icd_prefix", "name_zh", "name_en")
    session.execute(DiseaseListEntry.__table__.insert(), entries.to_dicts())
    out.tables["disease_list_entry"] = Counts(inserted=entries.height)
    diagnoses = who_codes()
    existing = load_frame(
        session, {k: getattr(Diagnosis, k) for k in DIAGNOSIS_SCHEMA}, DIAGNOSIS_SCHEMA,
        Diagnosis.edition == "who",
    )  # fmt: skip
    out.tables["diagnosis"] = upsert(
        session, Diagnosis, diagnoses, existing, key=["code"], pk="code",
        insert_columns=list(DIAGNOSIS_SCHEMA), compare=["title_en", "title_zh", "chapter"],
    )  # fmt: skip
    existing = load_frame(session, {k: getattr(CatalogItem, k) for k in ITEM_SCHEMA}, ITEM_SCHEMA)
    out.tables["catalog_item"] = upsert(
        session, CatalogItem, catalog_rows().select(list(ITEM_SCHEMA)), existing,
        key=["code", "valid_from"], pk=["code", "valid_from"], insert_columns=list(ITEM_SCHEMA),
        compare=[c for c in ITEM_SCHEMA if c not in ("code", "valid_from")],
    )  # fmt: skip
    session.flush()
    return out
