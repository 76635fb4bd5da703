"""Progress of ``safetynet demo`` while it builds the county: a Rich progress bar over the
build's steps (what it is doing, steps done of all, time so far), and one line per finished
step with its duration, which stays on screen (and in a log when the output is not a
terminal)."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from safetynet.synth.demo import BUILD_STEPS


class DemoProgress:
    """``with DemoProgress(console) as p: build_demo(..., say=p.step)``."""

    def __init__(self, console: Console, total: int = BUILD_STEPS) -> None:
        self.console = console
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.task = self.progress.add_task("preparing the demo database", total=total)
        self.current: str | None = None
        self.started = time.monotonic()

    def _finish_current(self) -> None:
        if self.current is not None:
            took = time.monotonic() - self.started
            self.progress.console.print(f"[green]✓[/green] {self.current} ({took:.1f} s)")
            self.progress.advance(self.task)

    def step(self, message: str) -> None:
        """A new step starts: the one before is done."""
        self._finish_current()
        self.current, self.started = message, time.monotonic()
        self.progress.update(self.task, description=message)

    def __enter__(self) -> DemoProgress:
        self.progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None:
            self._finish_current()
        self.progress.stop()
