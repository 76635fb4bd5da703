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


def _catalog_up_and_down(url: str, engine: Engine) -> None:
    """The dated-catalog migration: undated entries become valid from CATALOG_START; down,
    one entry per code is kept (the one in force today), undated; up again."""
    from datetime import date

    from alembic import command

    from safetynet.catalogs.in_force import CATALOG_START
    from safetynet.store.migrate import alembic_config

    cfg = alembic_config(url)
    command.upgrade(cfg, "a9b8c7d6e5f4")
    insert = text(
        "INSERT INTO catalog_item (code, name, kind, item_class, self_pay_bp, essential) "
        "VALUES (:code, :name, 'drug', 'A', 0, true)"
    )
    with engine.begin() as conn:
        conn.execute(insert, [{"code": "X1", "name": "x"}, {"code": "Y1", "name": "y"}])
    command.upgrade(cfg, "b4c6d8e0f2a1")
    read = text(
        "SELECT code, valid_from, valid_to, name FROM catalog_item ORDER BY code, valid_from"
    )
    with engine.begin() as conn:
        rows = [tuple(r) for r in conn.execute(read)]
        assert [(c, str(f), t) for c, f, t, _ in rows] == [
            ("X1", str(CATALOG_START), None),
            ("Y1", str(CATALOG_START), None),
        ]
        conn.execute(text("UPDATE catalog_item SET valid_to = '2020-01-01' WHERE code = 'X1'"))
        conn.execute(text(
            "INSERT INTO catalog_item (code, valid_from, name, kind, item_class, self_pay_bp, "
            "essential) VALUES ('X1', '2020-01-01', 'x 2020', 'drug', 'B', 1000, false)"
        ))  # fmt: skip
    with pytest.raises(Exception, match=r"(?i)check|constraint"), engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO catalog_item (code, valid_from, valid_to, name, kind, item_class, "
            "self_pay_bp, essential) VALUES ('Z1', '2020-01-01', '2020-01-01', 'z', 'drug', 'A', "
            "0, false)"
        ))  # fmt: skip
    command.downgrade(cfg, "a9b8c7d6e5f4")
    with engine.begin() as conn:
        rows = [tuple(r) for r in conn.execute(read)]
    assert rows == [("X1", None, None, "x 2020"), ("Y1", None, None, "y")]
    command.upgrade(cfg, "head")
    with engine.begin() as conn:
        rows = [tuple(r) for r in conn.execute(read)]
    assert [(c, str(f), n) for c, f, _, n in rows] == [
        ("X1", str(date(2000, 1, 1)), "x 2020"),
        ("Y1", "2000-01-01", "y"),
    ]
    _no_differences(engine)


def test_sqlite_dated_catalog_migration_up_and_down(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    try:
        _catalog_up_and_down(url, engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_dated_catalog_migration_up_and_down(pg_engine: Engine) -> None:
    url = pg_engine.url.render_as_string(hide_password=False)
    with pg_engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    try:
        _catalog_up_and_down(url, pg_engine)
    finally:
        with pg_engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        Base.metadata.create_all(pg_engine)


def _username_keys_up(url: str, engine: Engine) -> None:
    """The case-insensitive usernames migration: accounts differing only by case are refused
    before anything changes, named; once one of them is gone, every account gets its
    folded name, unique."""
    from alembic import command

    from safetynet.store.migrate import alembic_config

    cfg = alembic_config(url)
    command.upgrade(cfg, "e6a8c0d2f4b1")
    insert = text(
        "INSERT INTO app_user (username, display_name, password_hash, role, region_code, "
        "locale, active, created_at) VALUES (:u, :u, 'x', 'bureau', '341821', 'en', true, "
        "'2026-12-01 08:00:00')"
    )
    with engine.begin() as conn:
        conn.execute(insert, [{"u": "Bureau"}, {"u": "bureau"}, {"u": " Clerk "}])
    with pytest.raises(RuntimeError, match=r"differ only by case[\s\S]*'Bureau', 'bureau'"):
        command.upgrade(cfg, "head")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM app_user WHERE username = 'bureau'"))
    command.upgrade(cfg, "head")
    with engine.begin() as conn:
        rows = [tuple(r) for r in conn.execute(
            text("SELECT username, username_key FROM app_user ORDER BY username_key")
        )]  # fmt: skip
        assert rows == [("Bureau", "bureau"), (" Clerk ", "clerk")]
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO app_user (username, username_key, display_name, password_hash, role, "
            "region_code, locale, active, created_at, session_epoch) VALUES ('BUREAU', "
            "'bureau', 'x', 'x', 'bureau', '341821', 'en', true, '2026-12-01 08:00:00', 0)"
        ))  # fmt: skip
    _no_differences(engine)


def test_sqlite_username_keys_migration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    try:
        _username_keys_up(url, engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_username_keys_migration(pg_engine: Engine) -> None:
    url = pg_engine.url.render_as_string(hide_password=False)
    with pg_engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    try:
        _username_keys_up(url, pg_engine)
    finally:
        with pg_engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        Base.metadata.create_all(pg_engine)


def _one_sanction_per_act_up(url: str, engine: Engine) -> None:
    """The one-act-one-sanction migration: a database holding two standing sanction cases of
    one party on one review case is refused, the cases named, nothing changed; once one is
    cancelled the indexes are made (and refuse a second standing case from then on)."""
    from datetime import date

    from alembic import command

    from safetynet.review import cases, sanctions
    from safetynet.store.db import session_scope
    from safetynet.store.migrate import alembic_config
    from tests.review.conftest import settle
    from tests.settlement.conftest import build_county

    cfg = alembic_config(url)
    command.upgrade(cfg, "head")
    with session_scope(engine) as s:
        resident = build_county(s).ordinary_id
    claim_id, _ = settle(engine, resident)
    with session_scope(engine) as s:
        review_id = cases.open_case(s, claim_id).id
        first = sanctions.open_case(
            s, article=38, finding="x", loss_fen=100, fine_multiple="1", by="i",
            today=date(2017, 5, 2), institution_code="H-COUNTY", review_case_id=review_id,
        ).id  # fmt: skip
    command.downgrade(cfg, "c5d7e9f1a3b2")
    columns = ("institution_code, person_id, review_case_id, article, finding, loss_fen, "
               "fine_multiple_pct, fine_fen, state, opened_by, opened_on, version")  # fmt: skip
    copy = text(f"INSERT INTO sanction_case ({columns}) SELECT {columns} FROM sanction_case")
    with engine.begin() as conn:  # a second standing case, as a race wrote it before
        conn.execute(copy)
        second = conn.scalar(text("SELECT max(id) FROM sanction_case"))
    with pytest.raises(RuntimeError) as error:
        command.upgrade(cfg, "head")
    assert f"review case {review_id}, institution_code H-COUNTY: sanction cases {first}, " \
        f"{second}" in str(error.value)  # fmt: skip
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE sanction_case SET cancelled_on = '2017-05-03' "
                          f"WHERE id = {second}"))  # fmt: skip
    command.upgrade(cfg, "head")
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), engine.begin() as conn:
        conn.execute(text(f"INSERT INTO sanction_case ({columns}) SELECT {columns} "
                          f"FROM sanction_case WHERE id = {first}"))  # fmt: skip
    _no_differences(engine)


def test_sqlite_one_sanction_per_act_migration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    engine = make_engine(url)
    try:
        _one_sanction_per_act_up(url, engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_one_sanction_per_act_migration(pg_engine: Engine) -> None:
    url = pg_engine.url.render_as_string(hide_password=False)
    with pg_engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    try:
        _one_sanction_per_act_up(url, pg_engine)
    finally:
        with pg_engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        Base.metadata.create_all(pg_engine)
