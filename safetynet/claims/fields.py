"""The fields of a claim file, as docs/formats.md documents them: name, type, required.

Both file forms read into frames with every one of these columns, of one type each, whether
a field is given on every line, on some, or on none (an all-null or absent column of an
optional field is the same as the field left out). JSON lines carry amounts in yuan as
strings (``"12.50"``) and ratios as ``"10%"``; Parquet carries integer fen and basis points
under the ``_fen`` / ``_bp`` names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

Kind = Literal["text", "whole", "flag", "date", "yuan", "percent", "statuses", "items"]


@dataclass(frozen=True)
class Field:
    name: str  # in JSON lines
    kind: Kind
    required: bool = False

    @property
    def parquet_name(self) -> str:
        """The name in Parquet files: amounts in fen, ratios in basis points."""
        if self.kind == "yuan":
            return f"{self.name}_fen"
        if self.kind == "percent":
            return f"{self.name}_bp"
        return self.name


CLAIM_FIELDS: tuple[Field, ...] = (
    Field("claim_no", "text", required=True),
    Field("person_id", "text", required=True),
    Field("household_id", "text"),
    Field("date", "date", required=True),
    Field("kind", "text", required=True),
    Field("level", "text", required=True),
    Field("in_county", "flag"),
    Field("referral", "flag"),
    Field("statuses", "statuses"),
    Field("age", "whole", required=True),
    Field("diagnosis", "text"),
    Field("institution", "text"),
    Field("doctor", "text"),
    Field("admitted", "date"),
    Field("discharged", "date"),
    Field("seq", "whole"),
    Field("items", "items"),
    Field("total", "yuan"),
    Field("compliant", "yuan"),
    Field("essential", "yuan"),
    Field("deducted", "yuan"),
)
ITEM_FIELDS: tuple[Field, ...] = (
    Field("code", "text"),
    Field("class", "text", required=True),
    Field("amount", "yuan", required=True),
    Field("self_pay", "percent"),
    Field("deducted", "yuan"),
    Field("essential", "flag"),
    Field("quantity", "whole"),
    Field("day", "date"),
)


def _item_struct(parquet: bool) -> pl.Struct:
    return pl.Struct(
        {f.parquet_name if parquet else f.name: dtype(f, parquet) for f in ITEM_FIELDS}
    )


def dtype(field: Field, parquet: bool) -> pl.DataType:
    """The column type a field is read as (JSON lines: text, to be parsed and checked)."""
    if field.kind == "statuses":
        return pl.List(pl.String)
    if field.kind == "items":
        return pl.List(_item_struct(parquet))
    if not parquet:
        return pl.String()
    return {
        "text": pl.String(),
        "whole": pl.Int64(),
        "flag": pl.Boolean(),
        "date": pl.String(),
        "yuan": pl.Int64(),
        "percent": pl.Int64(),
    }[field.kind]
