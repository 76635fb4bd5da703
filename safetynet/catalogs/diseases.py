"""The disease lists policies refer to by name (``catalog_list: chronic_special``).

Each entry is an ICD-10 code prefix without the dot (``N185`` matches ``N18.5`` and its
subcodes). The shipped lists are the common provincial ones; a county edits
``data/disease_lists.csv`` or loads its own into the database.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import polars as pl

DATA = resources.files("safetynet.catalogs") / "data"


@cache
def load_lists() -> pl.DataFrame:
    """The named lists: code, name_zh, name_en."""
    return pl.read_csv(DATA.joinpath("lists.csv").read_bytes(), infer_schema=False)


@cache
def load_disease_lists() -> pl.DataFrame:
    """Every list's entries: list_code, icd_prefix (upper case, no dot), name_zh, name_en."""
    frame = pl.read_csv(DATA.joinpath("disease_lists.csv").read_bytes(), infer_schema=False)
    frame = frame.with_columns(pl.col("icd_prefix").str.to_uppercase().str.replace_all(r"\.", ""))
    unknown = set(frame.get_column("list_code").unique()) - set(load_lists().get_column("code"))
    if unknown:
        raise ValueError(f"disease_lists.csv names lists that lists.csv lacks: {sorted(unknown)}")
    return frame


def list_entries(list_code: str) -> pl.DataFrame:
    """The entries of one list; an unknown list is an error naming the known ones."""
    lists = load_disease_lists()
    found = lists.filter(pl.col("list_code") == list_code)
    if found.is_empty():
        known = ", ".join(load_lists().get_column("code").to_list())
        raise KeyError(f"no disease list {list_code!r}; known lists: {known}")
    return found
