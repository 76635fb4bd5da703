"""The Alembic migrations build exactly the schema the ORM models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from safetynet.store.db import make_engine
from safetynet.store.migrate import upgrade_to_head
from safetynet.store.models import Base


def _no_differences(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_sqlite_migrations_match_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    _no_differences(engine)
    upgrade_to_head(url)  # a second upgrade is a no-op
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_migrations_match_models(pg_engine: Engine) -> None:
    url = pg_engine.url.render_as_string(hide_password=False)
    with pg_engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    try:
        upgrade_to_head(url)
        _no_differences(pg_engine)
    finally:
        with pg_engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        Base.metadata.create_all(pg_engine)  # as the other tests of this worker expect it
