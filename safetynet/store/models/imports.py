"""Import batches: one row per registry file imported, so the same content is not imported twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.store.models.base import Base


class ImportBatch(Base):
    """A file imported whole (persons, households, poverty list, institutions)."""

    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # of the file's bytes
    rows: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    imported_by: Mapped[str | None] = mapped_column(String(64))
