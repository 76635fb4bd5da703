"""Derived = rebuilt: the figures cut from the ledger's snapshot (kept current with its tail)
equal those read from scratch — indicators, overview, public notice, years — on SQLite and
PostgreSQL, before and after concurrent settlements, refunds and re-settlements, after a
change of the registry, and from the files alone (a fresh process)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy import Engine, select, update

from safetynet.codes import RegionLevel
from safetynet.derived import snapshot
from safetynet.indicators.service import indicator_years, indicators
from safetynet.reports.notice import latest_month, public_notice
from safetynet.reports.overview import overview
from safetynet.settlement.service import refund, submit
from safetynet.settlement.submission import ClaimSubmission
from safetynet.settlement.year_batch import settle_year
from safetynet.store.db import session_scope
from safetynet.store.models import Claim, ClaimItem, Person, Region, Settlement
from safetynet.store.models.ledger import EntryKind
from safetynet.synth.county import generate
from safetynet.synth.load import load_county

YEAR = 2017
COUNTY = "341821"


@pytest.fixture
def county(db_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("SAFETYNET_DATA_DIR", str(tmp_path / "data"))
    load_county(db_engine, generate(400, seed=11, year=YEAR))
    settle_year(db_engine, YEAR)
    snapshot.forget()
    yield db_engine
    snapshot.forget()


def _regions(engine: Engine) -> list[str]:
    with session_scope(engine) as s:
        township = s.scalar(
            select(Region.code).where(Region.level == RegionLevel.TOWNSHIP).order_by(Region.code)
        )
        village = s.scalar(
            select(Region.code).where(Region.parent_code == township).order_by(Region.code)
        )
    return [COUNTY, str(township), str(village)]


def _figures(engine: Engine, regions: list[str]) -> dict[str, object]:
    """Everything the pages show, as plain values (frames sorted, so order cannot differ)."""
    out: dict[str, object] = {}
    with session_scope(engine) as s:
        out["years"] = indicator_years(s)
        for code in regions:
            for period, by, cat in (("month", "village", True), ("year", None, False)):
                res = indicators(s, code, YEAR, period, by, cat)
                out[f"ind {code} {period}"] = res.frame.sort(pl.all())
            ov = asdict(overview(s, code, YEAR))
            ov["layers"] = sorted(ov["layers"])
            out[f"overview {code}"] = ov
            last = latest_month(s, code)
            out[f"latest {code}"] = last
            assert last is not None
            for month in {last[1], 3}:
                n = public_notice(s, code, YEAR, month)
                out[f"notice {code} {month}"] = (n.rows, n.groups, n.totals, n.layers)
    return out


def _assert_same(a: dict[str, object], b: dict[str, object]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, tuple) and x and isinstance(x[0], pl.DataFrame):
            for fx, fy in zip(x, y, strict=True):  # type: ignore[arg-type]
                if isinstance(fx, pl.DataFrame):
                    assert_frame_equal(fx, fy)
                else:
                    assert fx == fy, key
        elif isinstance(x, pl.DataFrame):
            assert_frame_equal(x, y)  # type: ignore[arg-type]
        else:
            assert x == y, key


def _direct(engine: Engine, regions: list[str], monkeypatch: pytest.MonkeyPatch) -> dict:  # type: ignore[type-arg]
    """From scratch: no snapshot at all (the ledger counts as small)."""
    saved = dict(snapshot._CACHE)
    snapshot.forget()
    monkeypatch.setenv("SAFETYNET_SNAPSHOT_MIN_ENTRIES", str(10**12))
    try:
        return _figures(engine, regions)
    finally:
        monkeypatch.setenv("SAFETYNET_SNAPSHOT_MIN_ENTRIES", "0")
        snapshot._CACHE.update(saved)


def _copy_of(engine: Engine, claim_id: int, shift: int) -> ClaimSubmission:
    """A new claim like a stored one, ``shift`` days later (same year)."""
    with session_scope(engine) as s:
        claim = s.get(Claim, claim_id)
        assert claim is not None
        rid = s.scalar(select(Person.resident_id).where(Person.id == claim.person_id))
        items = s.scalars(select(ClaimItem).where(ClaimItem.claim_id == claim_id)).all()
        days = min(shift, (claim.end_date.replace(month=12, day=31) - claim.end_date).days)
        data = {
            "resident_id": rid, "institution_code": claim.institution_code,
            "kind": claim.kind.value, "date": claim.start_date.toordinal() + days,
            "discharge_date": claim.end_date.toordinal() + days,
            "diagnosis": claim.diagnosis_code, "referral": claim.referral,
            "items": [{"code": i.item_code, "quantity": i.quantity,
                       "amount": Decimal(i.amount_fen) / 100,
                       "deducted": Decimal(i.deducted_fen) / 100} for i in items],
        }  # fmt: skip
    from datetime import date

    data["date"] = date.fromordinal(data["date"])  # type: ignore[arg-type]
    data["discharge_date"] = date.fromordinal(data["discharge_date"])  # type: ignore[arg-type]
    return ClaimSubmission.model_validate(data)


def _activity(engine: Engine, seed: int) -> None:
    """Settlements, refunds and re-settlements (a refund and the claim settled again), run
    from four threads at once."""
    rng = random.Random(seed)
    with session_scope(engine) as s:
        pairs = s.execute(
            select(Settlement.id, Settlement.claim_id)
            .where(Settlement.entry_kind == EntryKind.SETTLEMENT)
            .order_by(Settlement.id)
        ).all()
    picks = rng.sample(pairs, 18)
    jobs = [("settle", p) for p in picks[:6]] + [("refund", p) for p in picks[6:12]]
    jobs += [("resettle", p) for p in picks[12:]]
    rng.shuffle(jobs)

    def run(i: int) -> None:
        what, (entry_id, claim_id) = jobs[i]
        if what in ("refund", "resettle"):
            with session_scope(engine, write_lock=True) as s:
                refund(s, entry_id, user="test", reason="derived test")
        if what in ("settle", "resettle"):
            sub = _copy_of(engine, claim_id, 1 + i)
            with session_scope(engine, write_lock=True) as s:
                submit(s, sub, user="test", client_key=f"derived-{seed}-{i}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(run, range(len(jobs))))


@pytest.mark.slow
def test_derived_equals_rebuilt(county: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = county
    regions = _regions(engine)
    monkeypatch.setenv("SAFETYNET_SNAPSHOT_MIN_ENTRIES", "0")
    with engine.begin() as conn:
        built = snapshot.rebuild(conn)
    assert built is not None and built.ledger.watermark > 0
    first = _figures(engine, regions)
    _assert_same(first, _direct(engine, regions, monkeypatch))

    # new settlements, refunds and re-settlements: the tail brings the snapshot up to date
    before = snapshot._CACHE.copy()
    _activity(engine, seed=5)
    derived = _figures(engine, regions)
    (snap,) = snapshot._CACHE.values()
    assert snap.ledger.watermark > next(iter(before.values())).ledger.watermark
    assert snap.ledger.tail_rows > 0  # read as a tail, not rebuilt
    _assert_same(derived, _direct(engine, regions, monkeypatch))
    assert derived["overview " + COUNTY] != first["overview " + COUNTY]

    # a fresh process: the files plus the tail
    snapshot.forget()
    _assert_same(_figures(engine, regions), derived)

    # rebuilt from scratch by the command's function: the same again
    with engine.begin() as conn:
        snapshot.rebuild(conn)
    _assert_same(_figures(engine, regions), derived)

    # a change of the registry (a person moves village) is seen at once
    with session_scope(engine) as s:
        pid = s.scalar(select(Settlement.person_id).order_by(Settlement.id))
        s.execute(update(Person).where(Person.id == pid).values(region_code=regions[2]))
    _activity(engine, seed=6)
    _assert_same(_figures(engine, regions), _direct(engine, regions, monkeypatch))


def test_small_ledgers_are_read_directly(county: Engine) -> None:
    """Below SAFETYNET_SNAPSHOT_MIN_ENTRIES nothing is derived (and no file is written)."""
    with county.connect() as conn:
        assert snapshot.current(conn) is None
    assert not snapshot._CACHE
