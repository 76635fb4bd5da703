"""The settlement writer's queue: jobs queued while it writes are taken together, in
arrival order; a batch whose transaction fails is run again job by job, so a failure is
only its own job's; an unreachable database fails the batch at once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from safetynet.web.writer import Writer, _answer_all

Gates = tuple[threading.Event, threading.Event]


def _writer(fail: type[Exception]) -> tuple[Writer[str], list[list[str]], Gates]:
    """A writer whose batch function upper-cases jobs, holds the batch of "first" until the
    gate opens (saying when it holds it), and fails a batch holding "bad" with ``fail``."""
    batches: list[list[str]] = []
    holding, gate = threading.Event(), threading.Event()

    def run(jobs: Sequence[str]) -> list[object]:
        batches.append(list(jobs))
        if jobs == ["first"]:
            holding.set()
            gate.wait(10)
        if "bad" in jobs:
            raise fail("INSERT ...", {}, Exception("duplicate key"))
        return [j.upper() for j in jobs]

    return Writer(run), batches, (holding, gate)


def test_jobs_queued_meanwhile_are_one_batch_and_a_failure_stays_alone() -> None:
    writer, batches, (holding, gate) = _writer(IntegrityError)
    first = writer.put("first")
    assert holding.wait(10)
    later = [writer.put(j) for j in ("a", "bad", "c")]
    gate.set()
    assert first.result(10) == "FIRST"
    assert later[0].result(10) == "A" and later[2].result(10) == "C"
    with pytest.raises(IntegrityError):
        later[1].result(10)
    writer.stop()
    assert batches == [["first"], ["a", "bad", "c"], ["a"], ["bad"], ["c"]]
    assert (writer.batches, writer.jobs) == (2, 4)


def test_an_unreachable_database_fails_the_batch_at_once() -> None:
    writer, batches, (holding, gate) = _writer(OperationalError)
    first = writer.put("first")
    assert holding.wait(10)
    later = [writer.put(j) for j in ("a", "bad")]
    gate.set()
    first.result(10)
    for f in later:
        with pytest.raises(OperationalError):
            f.result(10)
    writer.stop()
    assert batches == [["first"], ["a", "bad"]]  # no retry one by one against a dead server


def test_an_event_loops_jobs_are_answered_together_and_a_cancelled_one_harms_none() -> None:
    """``put_async``: the jobs of one batch queued from an event loop are answered with one
    call on that loop (not one wake-up per job), each its own outcome, a failure its own; a
    request cancelled while its job waits (a client gone) neither stops the writer nor
    spoils the others' answers."""
    writer, batches, (holding, gate) = _writer(IntegrityError)
    calls: list[int] = []

    async def main() -> tuple[list[object], bool]:
        loop = asyncio.get_running_loop()
        plain = loop.call_soon_threadsafe

        def counted(callback, *args, **kw):  # type: ignore[no-untyped-def]
            if callback is _answer_all:
                calls.append(len(args[0]))
            return plain(callback, *args, **kw)

        loop.call_soon_threadsafe = counted  # type: ignore[method-assign]
        first = writer.put_async("first")
        await asyncio.to_thread(holding.wait, 10)
        later = [writer.put_async(j) for j in ("a", "gone", "b", "bad")]
        later[1].cancel()
        gate.set()
        answers = await asyncio.gather(first, *later, return_exceptions=True)
        again = await writer.put_async("after")  # the writer still runs
        return answers, again == "AFTER"

    # a loop of its own in a thread of its own (a test before may leave this thread's loop
    # running, e.g. a browser test's)
    with ThreadPoolExecutor(1) as own:
        answers, alive = own.submit(asyncio.run, main()).result(60)
    writer.stop()
    assert answers[0] == "FIRST" and answers[1] == "A" and answers[3] == "B"
    assert isinstance(answers[2], asyncio.CancelledError)
    assert isinstance(answers[4], IntegrityError)
    assert alive
    assert batches[1] == ["a", "gone", "b", "bad"]  # the cancelled one was settled all the same
    assert calls == [1, 4, 1]  # one call on the loop per batch, with every answer of it
