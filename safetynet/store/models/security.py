"""Users, their role and region, and the audit log of who read or changed what."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.store.models.base import Base, enum_column


class Role(StrEnum):
    """What a user may do; the region limits where."""

    ADMIN = "admin"  # everything, users included
    BUREAU = "bureau"  # medical security bureau: registry, review, funds, reports
    CLERK = "clerk"  # one-stop window of an institution: settle and print
    REVIEWER = "reviewer"  # claim review and fund supervision
    ANALYST = "analyst"  # reports and the policy simulator; masked personal data
    AUDITOR = "auditor"  # reads everything in the region and the audit log
    VILLAGE_DOCTOR = "village_doctor"  # family doctor: the worklist of the village's contracts


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # the username folded (lower case): unique, so no two accounts differ only by case
    username_key: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    region_code: Mapped[str] = mapped_column(String(12))  # sees this region and below
    institution_code: Mapped[str | None] = mapped_column(String(32))  # a clerk's window
    locale: Mapped[str] = mapped_column(String(8), default="zh_Hans")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # raised by logout and a password change: every session cookie and remembered Basic
    # credential carrying an earlier value is no longer accepted
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AuditEvent(Base):
    """One read or change of personal or financial data, or a login."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(32))  # read | create | update | login | ...
    target: Mapped[str] = mapped_column(String(64))  # person | household | settlement | ...
    target_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, object] | None] = mapped_column(JSON)
    client: Mapped[str | None] = mapped_column(String(64))
