"""A batch's rows inserted from arrays on PostgreSQL (safetynet.store.unnest): the values as
SQLAlchemy writes them, the ids in the rows' order, one statement text for every size."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine, event, select, text

from safetynet.store.models.ledger import Accumulator, AccumulatorScope
from safetynet.store.models.security import AuditEvent
from safetynet.store.unnest import UnnestInsert

pytestmark = pytest.mark.postgres

AUDIT = UnnestInsert(
    AuditEvent.__table__,  # type: ignore[arg-type]
    ("at", "username", "action", "target", "target_id", "detail", "client"),
    returning="id",
)
ACCS = UnnestInsert(
    Accumulator.__table__,  # type: ignore[arg-type]
    ("scope", "owner_id", "year", "policy_id", "slots", "version"),
)


@pytest.fixture
def pg(pg_engine: Engine) -> Iterator[Engine]:
    """The PostgreSQL test database with the two tables written here empty, before and after."""

    def empty() -> None:
        with pg_engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_event, accumulator RESTART IDENTITY"))

    empty()
    yield pg_engine
    empty()


def _audit_rows(n: int, tag: str) -> list[dict[str, object]]:
    at = datetime(2026, 12, 1, 9, 30)
    return [
        {
            "at": at,
            "username": f"{tag}{i}",
            "action": "settle",
            "target": "settlement",
            "target_id": str(i) if i % 2 else None,
            "detail": {"n": i, "zh": "结算"} if i else None,
            "client": None,
        }
        for i in range(n)
    ]


def test_rows_and_ids_in_order(pg: Engine) -> None:
    with pg.begin() as conn:
        first = AUDIT(conn, _audit_rows(3, "a"))
        second = AUDIT(conn, _audit_rows(40, "b"))
        ACCS(
            conn,
            [
                {
                    "scope": AccumulatorScope.HOUSEHOLD,
                    "owner_id": 7,
                    "year": 2017,
                    "policy_id": "p",
                    "slots": [1, 2, 3],
                    "version": 2,
                },
            ],
        )
        assert AUDIT(conn, []) == []
    assert first == [1, 2, 3]
    assert second == list(range(4, 44))
    with pg.connect() as conn:
        rows = conn.execute(select(AuditEvent).order_by(AuditEvent.id)).all()
        nulls = conn.execute(
            text("SELECT count(*) FROM audit_event WHERE detail::text = 'null'")
        ).scalar()
        acc = conn.execute(select(Accumulator)).one()
    assert [r.username for r in rows] == [f"a{i}" for i in range(3)] + [f"b{i}" for i in range(40)]
    assert rows[1].detail == {"n": 1, "zh": "结算"} and rows[1].target_id == "1"
    assert rows[0].detail is None and rows[0].target_id is None and rows[0].client is None
    assert nulls == 2  # None is JSON null, as SQLAlchemy's JSON type writes it
    assert rows[5].at == datetime(2026, 12, 1, 9, 30)
    assert (acc.scope, acc.owner_id, acc.slots, acc.version) == (
        AccumulatorScope.HOUSEHOLD,
        7,
        [1, 2, 3],
        2,
    )


def test_one_statement_text_for_every_size(pg: Engine) -> None:
    seen: list[str] = []

    def record(_c: object, _cur: object, statement: str, *_a: object) -> None:
        seen.append(statement)

    event.listen(pg, "before_cursor_execute", record)
    try:
        with pg.begin() as conn:
            for n in (1, 2, 9, 64):
                AUDIT(conn, _audit_rows(n, "s"))
            conn.rollback()
    finally:
        event.remove(pg, "before_cursor_execute", record)
    inserts = [s for s in seen if s.startswith("INSERT")]
    assert len(inserts) == 4 and len(set(inserts)) == 1


def test_a_column_with_a_client_side_default_must_be_given() -> None:
    with pytest.raises(ValueError, match="version"):
        UnnestInsert(Accumulator.__table__, ("scope", "owner_id", "year", "policy_id", "slots"))  # type: ignore[arg-type]


def test_scalar_arrays_sent_as_text_read_back_the_same(pg: Engine) -> None:
    """:func:`array_text`: every awkward value reads back as it was, through each cast."""
    import json
    from datetime import date
    from decimal import Decimal

    from safetynet.store.unnest import array_text

    texts = ['a"b', "c\\d", "{e,f}", "NULL", "", " g ", "结算", None]
    cases: list[tuple[str, list[object]]] = [
        ("text[]", texts),
        ("varchar(40)[]", texts),
        ("bigint[]", [0, -7, 2**40, None]),
        ("boolean[]", [True, False, None]),
        ("date[]", [date(2017, 1, 31), None]),
        ("numeric[]", [Decimal("6.00"), Decimal("-0.5"), None]),
        ("timestamp[]", [datetime(2026, 12, 1, 9, 30, 5), None]),
        ("json[]", ['{"zh": "结算", "q": "\\"x\\""}', None]),
    ]
    with pg.connect() as conn:
        for cast, values in cases:
            back = conn.exec_driver_sql(
                f"SELECT %(v)s::{cast}", {"v": array_text(values)}
            ).scalar_one()
            if cast == "json[]":  # read back parsed
                values = [None if v is None else json.loads(str(v)) for v in values]
            assert back == values, (cast, back)
