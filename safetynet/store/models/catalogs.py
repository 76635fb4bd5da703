"""Catalog tables: ICD-10 diagnoses, disease lists policies refer to, drug and service items."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.codes import ItemClass, ItemKind, Sex
from safetynet.store.models.base import Base, Fen, enum_column


class Diagnosis(Base):
    """An ICD-10 code: WHO list with English titles, Chinese titles where known."""

    __tablename__ = "diagnosis"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    title_en: Mapped[str | None] = mapped_column(String(255))
    title_zh: Mapped[str | None] = mapped_column(String(255))
    chapter: Mapped[str | None] = mapped_column(String(16))
    edition: Mapped[str] = mapped_column(String(32), default="who")  # who | nhsa-2.0 | ...


class DiseaseList(Base):
    """A named list of diseases a policy refers to (chronic special outpatient, serious, ...)."""

    __tablename__ = "disease_list"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(128))
    name_zh: Mapped[str] = mapped_column(String(128))


class DiseaseListEntry(Base):
    """One disease of a list, matched by ICD-10 code prefix (``I10`` matches ``I10.x``)."""

    __tablename__ = "disease_list_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_code: Mapped[str] = mapped_column(ForeignKey("disease_list.code"), index=True)
    icd_prefix: Mapped[str] = mapped_column(String(16))
    name_zh: Mapped[str | None] = mapped_column(String(128))
    name_en: Mapped[str | None] = mapped_column(String(128))


# The earliest day an entry can be in force (the default start): the entries of the catalog
# as it was before it was dated start here (the migration), and so do the shipped demo
# catalog's. No claim is older (``settlement.submission.EARLIEST_DATE``, tested equal).
CATALOG_START = date(2000, 1, 1)


class CatalogItem(Base):
    """One entry of a drug, service or material of the reimbursement catalog (class A/B/C):
    what the code is over ``[valid_from, valid_to)`` (``valid_to`` exclusive, NULL = open).
    A code has one entry per period, never two in force on one day
    (:mod:`safetynet.catalogs.in_force` says which prices a line)."""

    __tablename__ = "catalog_item"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    valid_from: Mapped[date] = mapped_column(Date, primary_key=True, default=CATALOG_START)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind))
    item_class: Mapped[ItemClass] = mapped_column(enum_column(ItemClass))
    self_pay_bp: Mapped[int] = mapped_column(Integer, default=0)  # class-B self-pay share
    essential: Mapped[bool] = mapped_column(Boolean, default=False)  # national essential drug
    price_ceiling_fen: Mapped[int | None] = mapped_column(Fen)
    sex_restriction: Mapped[Sex | None] = mapped_column(enum_column(Sex))
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    valid_to: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="period"),)
