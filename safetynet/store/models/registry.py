"""Registry tables: regions, households, persons, dated poverty status, enrollment."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from safetynet.codes import PovertyStatus, RegionLevel, Sex
from safetynet.store.models.base import Base, Fen, enum_column


class Region(Base):
    """An administrative division: county → township → village (codes of GB/T 2260 style)."""

    __tablename__ = "region"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[RegionLevel] = mapped_column(enum_column(RegionLevel))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)


class Household(Base):
    """A household (户); its members are persons."""

    __tablename__ = "household"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # 户编号
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)  # village
    address: Mapped[str | None] = mapped_column(String(200))
    members: Mapped[list[Person]] = relationship(back_populates="household")


class Person(Base):
    """An insured person; the resident ID is validated (check digit) before it gets here."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    sex: Mapped[Sex] = mapped_column(enum_column(Sex))
    birth_date: Mapped[date] = mapped_column(Date)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    relation: Mapped[str | None] = mapped_column(String(16))  # to the head: head, spouse, child...
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)  # village
    phone: Mapped[str | None] = mapped_column(String(20))
    deceased_on: Mapped[date | None] = mapped_column(Date)
    household: Mapped[Household] = relationship(back_populates="members")


class PovertyStatusPeriod(Base):
    """One dated period of a poverty status, for a person or (person_id NULL) a whole household.

    ``valid_to`` is exclusive; NULL means open. The status on date D is a query.
    """

    __tablename__ = "poverty_status"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[PovertyStatus] = mapped_column(enum_column(PovertyStatus))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    department: Mapped[str] = mapped_column(String(64))  # who reported it
    reference: Mapped[str | None] = mapped_column(String(128))  # document / list number
    recorded_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="period"),
        Index("ix_poverty_status_lookup", "person_id", "valid_from"),
    )


class Enrollment(Base):
    """A person's enrollment for one scheme year, with the contribution split by payer (fen)."""

    __tablename__ = "enrollment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)  # totals by year
    category: Mapped[PovertyStatus] = mapped_column(enum_column(PovertyStatus))
    individual_fen: Mapped[int] = mapped_column(Fen, default=0)
    subsidy_central_fen: Mapped[int] = mapped_column(Fen, default=0)
    subsidy_province_fen: Mapped[int] = mapped_column(Fen, default=0)
    subsidy_city_fen: Mapped[int] = mapped_column(Fen, default=0)
    subsidy_county_fen: Mapped[int] = mapped_column(Fen, default=0)
    subsidy_township_fen: Mapped[int] = mapped_column(Fen, default=0)
    medical_assistance_fen: Mapped[int] = mapped_column(Fen, default=0)  # paid by civil affairs
    enrolled_on: Mapped[date] = mapped_column(Date)
    __table_args__ = (UniqueConstraint("person_id", "year", name="person_year"),)
