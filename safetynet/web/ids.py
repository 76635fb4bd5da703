"""Ids in paths: a row id is a positive 32-bit integer (INTEGER columns in PostgreSQL), so a
larger one is answered 422 before it reaches the database (which would refuse it with an
error, not "not found")."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="row id")]
