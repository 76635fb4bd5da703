"""psycopg converts the placeholders of the settlement batch's long statements once, not at
every execution (:func:`safetynet.store.db.convert_long_statements_once`)."""

from __future__ import annotations

import pytest
from psycopg import _queries
from sqlalchemy import Engine

pytestmark = pytest.mark.postgres


def test_a_long_statement_with_many_parameters_is_converted_once(pg_engine: Engine) -> None:
    # as the ledger's chained insert (53 array parameters) and the early-warning household
    # query (9 KB): beyond psycopg's own limits of 4,096 characters and 50 parameters
    columns = ", ".join(f"%(p{i})s::int AS c{i}" for i in range(60))
    long_sql = f"SELECT {columns} /* {'x' * 5000} */"  # 60 parameters, over 4,096 characters
    params = {f"p{i}": i for i in range(60)}
    with pg_engine.connect() as conn:
        conn.exec_driver_sql(long_sql, params).one()
        before = _queries._query2pg.cache_info()
        for _ in range(3):
            assert conn.exec_driver_sql(long_sql, params).one()[59] == 59
        after = _queries._query2pg.cache_info()
    assert after.hits - before.hits >= 3
    assert after.misses == before.misses
