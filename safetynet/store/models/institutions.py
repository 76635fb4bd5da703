"""Designated medical institutions (定点医疗机构)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.codes import InstitutionLevel
from safetynet.store.models.base import Base, enum_column


class Institution(Base):
    __tablename__ = "institution"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    level: Mapped[InstitutionLevel] = mapped_column(enum_column(InstitutionLevel))
    in_county: Mapped[bool] = mapped_column(Boolean)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    designated_from: Mapped[date | None] = mapped_column(Date)
    designated_to: Mapped[date | None] = mapped_column(Date)  # exclusive; NULL = open
    inpatient: Mapped[bool] = mapped_column(Boolean, default=True)
    outpatient: Mapped[bool] = mapped_column(Boolean, default=True)
