"""A SQLite database's WAL checkpoints on a thread of their own, off the settlement writer.

In WAL mode SQLite appends each commit to the write-ahead log and, by default, the commit
that takes the log past 1,000 pages copies it back into the database file and syncs it (an
"automatic checkpoint"): that commit, one in a few dozen of the server's settlement
batches, takes several times as long as the others, and every request of its batch waits.
A server's :class:`WalCheckpointer` copies the log back every few tenths of a second on a
connection of its own (``PRAGMA wal_checkpoint(PASSIVE)``: it never waits for a writer or a
reader, and SQLite releases Python's lock while it works, so it runs on the other core), so
the log never grows to the automatic checkpoint's size and the writer's commits stay short.
Nothing changes for durability: a checkpoint moves committed pages, it never holds a commit.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

log = logging.getLogger("safetynet.store")
CHECKPOINT_EVERY = 0.2  # seconds between two checkpoints of the log


class WalCheckpointer:
    """A daemon thread checkpointing ``engine``'s write-ahead log every ``every`` seconds
    until :meth:`stop`."""

    def __init__(self, engine: Engine, every: float = CHECKPOINT_EVERY) -> None:
        self._engine = engine
        self._every = every
        self._stopping = threading.Event()
        self.checkpoints = 0  # for tests and measurements
        self._thread = threading.Thread(target=self._loop, name="wal-checkpointer", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        conn = self._engine.raw_connection()
        try:
            while not self._stopping.wait(self._every):
                try:
                    conn.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpoints += 1
                except Exception as exc:  # a busy or closing database: the next turn retries
                    log.debug("WAL checkpoint skipped: %s", exc)
        finally:
            conn.close()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=10)
