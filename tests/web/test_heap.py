"""The server's start-up heap is frozen while it serves (the collector's full passes walk
only what it made since) and given back to the collector at shutdown."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi.testclient import TestClient

from safetynet.store.db import make_engine
from safetynet.web.app import create_app


def test_the_start_up_heap_is_frozen_while_serving_and_thawed_at_shutdown(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'heap.db'}")
    app = create_app(engine, secret_key="test-secret-key")
    with TestClient(app) as client:  # runs the start-up (warm-up, freeze) and the shutdown
        frozen = gc.get_freeze_count()
        walked = len(gc.get_objects())  # what a full collection walks
        assert frozen > 100_000  # the compiled policies, numba, SQLAlchemy, pydantic ...
        assert walked < frozen / 10
        assert client.get("/api/health").status_code == 200
    assert gc.get_freeze_count() == 0
    engine.dispose()
