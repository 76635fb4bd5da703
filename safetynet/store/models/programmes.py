"""The three batches and family-doctor contracts: programme patients with their dated states,
doctor teams, contracts, follow-ups and drug deliveries."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
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
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.codes import Batch, PatientState, Service
from safetynet.store.models.base import Base, Fen, enum_column


class ProgrammePatient(Base):
    """A person in one batch of a year (a person may be in several batches), with the date of
    each state reached: screened → verified → plan → treated / managed / backstopped."""

    __tablename__ = "programme_patient"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    batch: Mapped[Batch] = mapped_column(enum_column(Batch))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    rules: Mapped[str] = mapped_column(String(64))  # the programme file's id
    list_id: Mapped[str | None] = mapped_column(String(32))  # the disease list that matched
    disease_code: Mapped[str | None] = mapped_column(String(16))
    found_in: Mapped[str] = mapped_column(String(16))  # claims, import
    state: Mapped[PatientState] = mapped_column(enum_column(PatientState))
    screened_on: Mapped[date] = mapped_column(Date)
    verified_on: Mapped[date | None] = mapped_column(Date)
    plan_on: Mapped[date | None] = mapped_column(Date)
    outcome_on: Mapped[date | None] = mapped_column(Date)
    institution_code: Mapped[str | None] = mapped_column(ForeignKey("institution.code"))
    updated_by: Mapped[str] = mapped_column(String(64))
    __table_args__ = (
        UniqueConstraint("year", "batch", "person_id", name="year_batch_person"),
        Index("ix_programme_patient_year_state", "year", "state"),
    )


class DoctorTeam(Base):
    """A family-doctor team (doctor, nurse, public-health worker) of a township or village."""

    __tablename__ = "doctor_team"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    doctor: Mapped[str] = mapped_column(String(64))
    nurse: Mapped[str | None] = mapped_column(String(64))
    public_health: Mapped[str | None] = mapped_column(String(64))
    institution_code: Mapped[str | None] = mapped_column(ForeignKey("institution.code"))


class DoctorContract(Base):
    """A person's family-doctor contract over ``[valid_from, valid_to)``; renewal is a new row
    naming the one it renews."""

    __tablename__ = "doctor_contract"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("doctor_team.id"), index=True)
    package: Mapped[str] = mapped_column(String(32))
    signed_on: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)  # exclusive
    fee_fen: Mapped[int] = mapped_column(Fen, default=0)  # what the person pays (0 if free)
    free: Mapped[bool] = mapped_column(Boolean, default=False)
    health_record_no: Mapped[str | None] = mapped_column(String(32))  # 电子健康档案
    disease_code: Mapped[str | None] = mapped_column(String(16))  # the chronic disease managed
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("doctor_contract.id"))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    __table_args__ = (
        UniqueConstraint("person_id", "valid_from", name="person_from"),
        CheckConstraint("valid_to > valid_from", name="period"),
    )


class FollowUp(Base):
    """A service done under a contract: a follow-up (blood pressure, fasting glucose in tenths
    of mmol/L, drugs, next date), a health check or a drug delivery."""

    __tablename__ = "follow_up"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("doctor_contract.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[Service] = mapped_column(enum_column(Service))
    disease_code: Mapped[str | None] = mapped_column(String(16))  # the disease followed up
    done_on: Mapped[date] = mapped_column(Date)
    systolic: Mapped[int | None] = mapped_column(Integer)  # mmHg
    diastolic: Mapped[int | None] = mapped_column(Integer)
    glucose_tenths: Mapped[int | None] = mapped_column(Integer)  # 0.1 mmol/L
    drugs: Mapped[str | None] = mapped_column(String(200))
    next_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
    __table_args__ = (UniqueConstraint("contract_id", "kind", "done_on", name="contract_kind_day"),)
