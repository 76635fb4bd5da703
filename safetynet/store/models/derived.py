"""Bookkeeping of derived data: a revision token per source the derived data depends on.

``derived_revision`` holds one row per name (``registry``); database triggers on the registry
tables give the row a new random token whenever a person, an enrollment or a poverty status
period is inserted, changed or deleted (see :mod:`safetynet.derived.revision`), so a snapshot
of the registry knows in one lookup whether it is still current. The ledger needs no token:
it is append-only, and its snapshots keep the highest entry id they hold.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String, event
from sqlalchemy.orm import Mapped, mapped_column

from safetynet.store.models.base import Base


class DerivedRevision(Base):
    __tablename__ = "derived_revision"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger)


REGISTRY = "registry"
REGISTRY_TABLES = ("person", "enrollment", "poverty_status")
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION derived_registry_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE derived_revision SET token = floor(random() * 9e15)::bigint WHERE name = 'registry';
    RETURN NULL;
END $$
"""


def revision_ddl(dialect: str) -> list[str]:
    """The statements that install the registry triggers (idempotent) and the token's row."""
    out: list[str] = []
    if dialect == "postgresql":
        out.append(_PG_FUNCTION)
        for t in REGISTRY_TABLES:
            out.append(f"DROP TRIGGER IF EXISTS derived_registry_{t} ON {t}")
            out.append(
                f"CREATE TRIGGER derived_registry_{t} AFTER INSERT OR UPDATE OR DELETE OR "
                f"TRUNCATE ON {t} FOR EACH STATEMENT EXECUTE FUNCTION derived_registry_changed()"
            )
        token = "floor(random() * 9e15)::bigint"
        out.append(
            f"INSERT INTO derived_revision (name, token) VALUES ('{REGISTRY}', {token}) "
            "ON CONFLICT (name) DO NOTHING"
        )
    else:
        for t in REGISTRY_TABLES:
            for op in ("INSERT", "UPDATE", "DELETE"):
                out.append(
                    f"CREATE TRIGGER IF NOT EXISTS derived_registry_{t}_{op.lower()} AFTER {op} "
                    f"ON {t} BEGIN UPDATE derived_revision SET token = abs(random()) "
                    f"WHERE name = '{REGISTRY}'; END"
                )
        out.append(
            f"INSERT OR IGNORE INTO derived_revision (name, token) VALUES ('{REGISTRY}', "
            "abs(random()))"
        )
    return out


def _install(target, connection, **_kw) -> None:  # type: ignore[no-untyped-def]
    """After ``create_all``: the triggers, when the registry tables were created too."""
    names = set(target.tables)
    if "derived_revision" in names and set(REGISTRY_TABLES) <= names:
        for stmt in revision_ddl(connection.dialect.name):
            connection.exec_driver_sql(stmt)


event.listen(Base.metadata, "after_create", _install)
