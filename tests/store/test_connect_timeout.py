"""A PostgreSQL server that accepts a connection and never answers (a server stopping, or
its port taken meanwhile by something else) fails a new connection after
``PG_CONNECT_TIMEOUT`` instead of hanging the request, or the event loop, that opened it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy.exc import OperationalError

from safetynet.store import db


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for s in [*accepted, server]:
        s.close()


def test_a_database_that_never_answers_fails_the_connection_in_time(
    silent_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PG_CONNECT_TIMEOUT", 2)  # libpq's least
    engine = db.make_engine(f"postgresql://nobody@127.0.0.1:{silent_port}/none")
    began = time.monotonic()
    with pytest.raises(OperationalError), engine.connect():
        pass
    assert time.monotonic() - began < 8
