"""Claims as submitted: one outpatient visit or hospital stay, with itemised expenses."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.codes import ClaimKind
from safetynet.store.models.base import Base, Fen, enum_column


class Claim(Base):
    __tablename__ = "claim"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_no: Mapped[str] = mapped_column(String(40), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    institution_code: Mapped[str] = mapped_column(ForeignKey("institution.code"), index=True)
    kind: Mapped[ClaimKind] = mapped_column(enum_column(ClaimKind))
    start_date: Mapped[date] = mapped_column(Date)  # visit or admission
    end_date: Mapped[date] = mapped_column(Date)  # visit or discharge
    diagnosis_code: Mapped[str | None] = mapped_column(String(16))
    referral: Mapped[bool] = mapped_column(Boolean, default=False)
    total_fen: Mapped[int] = mapped_column(Fen)
    doctor_code: Mapped[str | None] = mapped_column(String(40))  # attending doctor (supervision)
    __table_args__ = (Index("ix_claim_person_date", "person_id", "start_date"),)


class ClaimItem(Base):
    __tablename__ = "claim_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claim.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    amount_fen: Mapped[int] = mapped_column(Fen)
    deducted_fen: Mapped[int] = mapped_column(Fen, default=0)  # removed by review
    service_date: Mapped[date | None] = mapped_column(Date)  # the day it was given
