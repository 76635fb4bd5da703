"""Background design searches for the web page: one thread per search, its progress and
its result kept in memory for its owner (the last few searches; a restart forgets them). A
search is its owner's, over the claims of the owner's region when it started: only that
user, still bound to that region, sees it."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from safetynet.design.errors import DesignError
from safetynet.design.reform import reform_text
from safetynet.design.search import Result
from safetynet.design.service import Design, InfeasibleDesign, prepare, run
from safetynet.i18n import N_

KEEP = 20  # searches kept, oldest dropped first


@dataclass
class Job:
    id: str
    owner: str
    design: Design
    claims: str  # what the claims year is, for titles and the reforms' comments
    trials: int
    region: str = ""  # the owner's region when it started (the claims searched are of it)
    state: str = "preparing"  # preparing, searching, done, failed
    done: int = 0
    total: int = 0
    error: DesignError | None = None
    result: Result | None = None
    reforms: list[str] = field(default_factory=list)  # the best reforms' policy files
    started: float = field(default_factory=time.time)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


class Jobs:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}

    def start(
        self, owner: str, design: Design, claims: str, load: Callable[[], pl.DataFrame],
        trials: int, write: int = 3, region: str = "",
    ) -> Job:  # fmt: skip
        """Start a search in a thread; one running search per user at a time."""
        with self._lock:
            if any(j.owner == owner and not j.finished for j in self._jobs.values()):
                raise DesignError(N_("a search of yours is still running; wait for it to finish"))
            job = Job(secrets.token_urlsafe(12), owner, design, claims, trials, region=region)
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP:
                oldest = min(self._jobs.values(), key=lambda j: j.started)
                del self._jobs[oldest.id]
        threading.Thread(target=self._run, args=(job, load, write), daemon=True).start()
        return job

    def get(self, job_id: str, owner: str, region: str | None = None) -> Job | None:
        """The search if ``owner`` started it (and, given ``region``, from that region: a
        user moved to another region since no longer sees it); None otherwise."""
        job = self._jobs.get(job_id)
        if job is None or job.owner != owner or (region is not None and job.region != region):
            return None
        return job

    def _run(self, job: Job, load: Callable[[], pl.DataFrame], write: int) -> None:
        def progress(done: int, total: int) -> None:
            job.done, job.total, job.state = done, total, "searching"

        try:
            year = prepare(job.design, load())
            job.result = run(job.design, year, trials=job.trials, progress=progress)
            job.reforms = [
                reform_text(job.design.space, job.result, cand, rank, Path("."), job.claims)
                for rank, cand in enumerate(job.result.best(write), 1)
            ]
            job.state = "done"
        except InfeasibleDesign as exc:
            job.result, job.error, job.state = exc.result, exc, "failed"
        except DesignError as exc:
            job.error, job.state = exc, "failed"
        except Exception as exc:  # the page must say the search stopped
            job.state = "failed"
            job.error = DesignError(N_("the search stopped: %(reason)s"), reason=str(exc))


JOBS = Jobs()
