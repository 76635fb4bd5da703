"""The bureau's pages over HTTP on a county-sized database (``safetynet bench pages``).

:func:`prepare` builds a synthetic county into the database when it is empty (or reuses it)
and brings its derived snapshot up to date; :func:`time_pages` starts the real server
(uvicorn, one worker, in a separate process) on it, logs in as the demo ``bureau`` user and
times every page: the first load after the server started, then repeated loads (median),
then once more right after a refund was recorded (the ledger's tail) — each as wall time
and as the CPU time the server process spent on it. :func:`time_arithmetic`
times the indicator computation alone, on frames already in memory, and
:func:`time_cli` the report commands as a user runs them (a new process each).
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
import psutil
from sqlalchemy import select

from safetynet.benchmarks.api_load import start_server
from safetynet.store.db import make_engine, session_scope
from safetynet.synth.county import DEFAULT_COUNTY
from safetynet.synth.demo import DEMO_PASSWORD

YEAR = 2017


@dataclass
class PageTime:
    path: str
    first: float
    repeated: list[float]
    after_refund: float | None = None
    status: int = 200
    size: int = 0
    cpu_first: float = 0.0  # CPU seconds the server spent on the first load
    cpu_repeated: list[float] = field(default_factory=list)
    cpu_after_refund: float = 0.0

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_repeated) if self.cpu_repeated else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.repeated)


@dataclass
class Prepared:
    url: str
    built: bool
    entries: int
    snapshot_seconds: float
    notes: list[str] = field(default_factory=list)


def pages(region: str, month: str, village: str) -> list[str]:
    q = f"region={region}&year={YEAR}"
    return [
        "/",
        "/overview.xlsx",
        f"/dashboard?{q}",
        f"/dashboard.xlsx?{q}",
        f"/indicators?{q}",
        f"/indicators?{q}&period=month&by=township",
        f"/indicators.xlsx?{q}",
        f"/reports/notice?region={region}&month={month}",
        f"/reports/notice?region={village}&month={month}",
        f"/reports/summary.pdf?{q}",
        f"/reports/summary.xlsx?{q}",
    ]


def prepare(url: str, persons: int, seed: int, say: Callable[[str], None]) -> Prepared:
    """The county in the database (built when it is empty) and its snapshot current."""
    from safetynet.derived.snapshot import current
    from safetynet.settlement.year_batch import settle_year
    from safetynet.store.bulk import refresh_statistics
    from safetynet.store.migrate import upgrade_to_head
    from safetynet.synth.county import generate
    from safetynet.synth.demo import ensure_demo_users, is_empty
    from safetynet.synth.load import load_county

    upgrade_to_head(url)
    engine = make_engine(url)
    built = is_empty(engine)
    if built:
        say(f"generating a county of {persons:,} persons (seed {seed})")
        county = generate(persons, seed=seed, year=YEAR)
        say("loading it into the database")
        load_county(engine, county)
        say("settling the year's claims")
        settle_year(engine, YEAR)
        refresh_statistics(engine)
    ensure_demo_users(engine)
    say("bringing the derived snapshot up to date")
    start = time.perf_counter()
    with engine.begin() as conn:
        snap = current(conn, force=True)
    seconds = time.perf_counter() - start
    engine.dispose()
    entries = snap.ledger.entries.height if snap is not None else 0
    return Prepared(url, built, entries, seconds)


def _login(client: httpx.Client) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the login page"
    r = client.post(
        "/login",
        data={"username": "bureau", "password": DEMO_PASSWORD, "csrf_token": token.group(1),
              "next": "/"},
    )  # fmt: skip
    if r.status_code != 303:
        raise RuntimeError(f"login failed: {r.status_code}")


class _Timer:
    """Wall time of a request and the CPU time the server process spent meanwhile (on a busy
    machine the second is the steadier figure)."""

    def __init__(self, client: httpx.Client, pid: int) -> None:
        self.client, self.server = client, psutil.Process(pid)

    def _cpu(self) -> float:
        t = self.server.cpu_times()
        return t.user + t.system

    def get(self, path: str) -> tuple[float, float, int, int]:
        cpu = self._cpu()
        start = time.perf_counter()
        r = self.client.get(path)
        body = r.content
        return time.perf_counter() - start, self._cpu() - cpu, r.status_code, len(body)


def _latest_month(url: str) -> tuple[str, str]:
    """The busiest month's label and a village of the county (for the notice pages)."""
    from safetynet.codes import RegionLevel
    from safetynet.store.models import Region

    engine = make_engine(url)
    with session_scope(engine) as s:
        village = s.scalar(
            select(Region.code).where(Region.level == RegionLevel.VILLAGE).order_by(Region.code)
        )
    engine.dispose()
    return f"{YEAR}-06", str(village)


def _refund_one(url: str) -> None:
    """Record a refund of the newest settlement (a new ledger entry, as at the window)."""
    from safetynet.settlement.service import refund
    from safetynet.store.models import Settlement
    from safetynet.store.models.ledger import EntryKind

    engine = make_engine(url)
    with session_scope(engine, write_lock=True) as s:
        refunded = select(Settlement.reverses_id).where(Settlement.reverses_id.is_not(None))
        entry = s.scalar(
            select(Settlement.id)
            .where(Settlement.entry_kind == EntryKind.SETTLEMENT, Settlement.id.not_in(refunded))
            .order_by(Settlement.id.desc())
            .limit(1)
        )
        assert entry is not None
        refund(s, entry, user="bench", reason="bench pages: a refund right before a load")
    engine.dispose()


def time_pages(url: str, port: int, repeats: int, data_dir: Path) -> list[PageTime]:
    """Start the server on the database and time every page (see the module)."""
    month, village = _latest_month(url)
    paths = pages(DEFAULT_COUNTY, month, village)
    proc = start_server(url, port, 1, data_dir)
    out: list[PageTime] = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
            _login(client)
            timer = _Timer(client, proc.pid)
            for path in paths:
                first, cpu, status, size = timer.get(path)
                runs = [timer.get(path) for _ in range(repeats)]
                out.append(PageTime(path, first, [r[0] for r in runs], status=status, size=size,
                                    cpu_first=cpu, cpu_repeated=[r[1] for r in runs]))  # fmt: skip
            _refund_one(url)
            for row in out:
                seconds, cpu, status, _ = timer.get(row.path)
                row.after_refund, row.cpu_after_refund = seconds, cpu
                row.status = max(row.status, status)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return out


def time_arithmetic(url: str, repeats: int) -> list[tuple[str, float]]:
    """The indicator computation alone (frames in memory): the dashboard's figures and every
    indicator by village × month × category."""
    from safetynet.codes import RegionLevel
    from safetynet.indicators.compute import IndicatorQuery
    from safetynet.indicators.load import load_frames
    from safetynet.indicators.service import result_of
    from safetynet.reports.dashboard_data import oop_distribution

    engine = make_engine(url)
    frames = replace(load_frames(engine, DEFAULT_COUNTY, YEAR), version=None)  # no memo
    engine.dispose()

    def dashboard() -> None:
        result_of(frames, IndicatorQuery("year", RegionLevel.TOWNSHIP, False))
        result_of(frames, IndicatorQuery("month", None, False))
        oop_distribution(frames)

    def village() -> None:
        result_of(frames, IndicatorQuery("month", RegionLevel.VILLAGE, True))

    out = []
    for label, fn in (("dashboard's figures", dashboard),
                      ("every indicator, village × month × category", village)):  # fmt: skip
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - start)
        out.append((label, statistics.median(runs)))
    return out


def time_cli(url: str, data_dir: Path) -> list[tuple[str, float, int]]:
    """The report commands, each a new process (start-up and imports included)."""
    import os

    env = {**os.environ, "SAFETYNET_DATABASE_URL": url, "SAFETYNET_DATA_DIR": str(data_dir)}
    month, village = _latest_month(url)
    exe = [str(Path(sys.executable).parent / "safetynet")]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        commands = [
            ["report", "indicators", "--region", DEFAULT_COUNTY, "--year", str(YEAR)],
            ["report", "summary", "--region", DEFAULT_COUNTY, "--year", str(YEAR), "--out",
             f"{tmp}/summary.xlsx"],
            ["report", "notice", "--region", village, "--month", month, "--out",
             f"{tmp}/notice.pdf"],
            ["--help"],
        ]  # fmt: skip
        for args in commands:
            start = time.perf_counter()
            done = subprocess.run([*exe, *args], env=env, capture_output=True, check=False)
            out.append(("safetynet " + " ".join(a for a in args if not a.startswith(tmp)),
                        time.perf_counter() - start, done.returncode))  # fmt: skip
    return out
