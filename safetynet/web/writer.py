"""A server process's settlement writer: one thread that takes every submission queued
since it last wrote, settles them together in one transaction, and answers each request
when that transaction commits (group commit with one statement per table).

Request threads :meth:`Writer.put` a job and wait for its answer; ``async`` routes
:meth:`Writer.put_async` it and await theirs (the writer answers all of one event loop's jobs
of a batch with one wake-up of that loop, not one thread-safe call per job). A writer thread
takes what is queued (at most ``MAX_BATCH``, in arrival order; under load it waits
``linger`` for more) and hands the list to the batch function, which returns one outcome per
job — a result, or the exception of that job alone — and commits. When the batch's
transaction fails as a whole (a unique key lost to another process, an unexpected error),
every job is run again alone, in a transaction of its own, so the failure is only its own;
when the database is unreachable every job gets that error at once (the API answers 503).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

log = logging.getLogger("safetynet.web")
MAX_BATCH = 64  # jobs per transaction: bounds the statements' size and a batch's latency
# under load (the last batch held several jobs) a batch waits this long for more after its
# first job: a few milliseconds more latency, fewer and larger transactions; alone, a job
# never waits. The server's writer chooses per database (safetynet.web.settling).
LINGER = 0.003

J = TypeVar("J")
Outcome = Any | BaseException
BatchFunction = Callable[[Sequence[J]], list[Outcome]]


class _Awaited:
    """The answer of a job queued from an event loop: its future, on that loop."""

    __slots__ = ("future", "loop")

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.future: asyncio.Future[Any] = self.loop.create_future()


Answer = Future[Any] | _Awaited


def _answer_all(answers: list[tuple[asyncio.Future[Any], Outcome]]) -> None:
    """On the event loop: each future its outcome (one whose request was cancelled meanwhile
    is left alone: the settlement stands, its answer has no one to go to)."""
    for future, outcome in answers:
        if future.done():
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


def _unreachable(exc: BaseException) -> bool:
    """The database cannot be reached (down, restarting, connection lost)."""
    return isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


class Writer(Generic[J]):
    """A queue of jobs and the thread that settles them in batches with ``run``."""

    def __init__(
        self,
        run: BatchFunction[J],
        *,
        threads: int = 1,
        name: str = "settlement-writer",
        stopped: Callable[[], None] | None = None,
        linger: float = LINGER,
    ) -> None:
        self._run = run
        self._linger = linger
        self._stopped = stopped  # called once every thread has stopped (closes connections)
        self._queue: queue.SimpleQueue[tuple[J, Answer] | None] = queue.SimpleQueue()
        self.batches = 0  # for tests and measurements
        self.jobs = 0
        self._threads = [
            threading.Thread(target=self._loop, name=f"{name}-{i}", daemon=True)
            for i in range(threads)
        ]
        for t in self._threads:
            t.start()

    def put(self, job: J) -> Future[Any]:
        """Queue ``job``; its future gets the job's result or raises its exception."""
        future: Future[Any] = Future()
        self._queue.put((job, future))
        return future

    def put_async(self, job: J) -> asyncio.Future[Any]:
        """Queue ``job`` from a coroutine; await the returned future for its result."""
        answer = _Awaited()
        self._queue.put((job, answer))
        return answer.future

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            t.join(timeout=10)
        if self._stopped is not None:
            self._stopped()

    def _take(self, first: tuple[J, Answer], busy: bool) -> list[tuple[J, Answer]]:
        taken = [first]
        until = time.monotonic() + (self._linger if busy else 0.0)
        while len(taken) < MAX_BATCH:
            try:
                wait = until - time.monotonic()
                item = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:  # this thread stops after this batch
                self._queue.put(None)
                break
            taken.append(item)
        return taken

    def _loop(self) -> None:
        last = 0
        while True:
            first = self._queue.get()
            if first is None:
                return
            taken = self._take(first, busy=last > 1)
            last = len(taken)
            self.batches += 1
            self.jobs += len(taken)
            _answer(taken, self._settle([j for j, _ in taken]))

    def _settle(self, jobs: list[J]) -> list[Outcome]:
        try:
            return self._run(jobs)
        except Exception as exc:  # the whole transaction failed (rolled back)
            if len(jobs) == 1 or _unreachable(exc):
                return [exc] * len(jobs)
            log.info("a batch of %d settlements failed (%s); settling each alone", len(jobs), exc)
        outcomes: list[Outcome] = []
        for job in jobs:
            try:
                outcomes.extend(self._run([job]))
            except Exception as exc:
                outcomes.append(exc)
        return outcomes


def _answer(taken: list[tuple[J, Answer]], outcomes: list[Outcome]) -> None:
    """Each job its outcome: a waiting thread's future at once, the jobs of each event loop
    with one call on that loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Outcome]]] = {}
    for (_job, answer), outcome in zip(taken, outcomes, strict=True):
        if isinstance(answer, _Awaited):
            by_loop.setdefault(answer.loop, []).append((answer.future, outcome))
        elif answer.cancelled():
            continue
        elif isinstance(outcome, BaseException):
            answer.set_exception(outcome)
        else:
            answer.set_result(outcome)
    for loop, answers in by_loop.items():
        try:
            loop.call_soon_threadsafe(_answer_all, answers)
        except RuntimeError:  # the loop closed meanwhile (a server stopping): no one waits
            continue
