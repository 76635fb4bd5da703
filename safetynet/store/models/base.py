"""Declarative base and the column types every model shares (money is integer fen)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import BigInteger, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


Fen = BigInteger  # money: integer fen, never float


def enum_column(enum: type[StrEnum]) -> Enum:
    """A portable enum column storing the member's value (VARCHAR + CHECK)."""
    return Enum(
        enum,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        create_constraint=True,
        length=32,
        name=enum.__name__.lower(),
    )
