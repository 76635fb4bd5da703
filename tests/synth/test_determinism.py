"""The synthetic county is deterministic: the same seed gives the same tables in any process,
whatever Python's string hashing (PYTHONHASHSEED) and however many threads Polars runs —
the Parquet files of ``safetynet synth`` (with planted violations) and the demo database
``safetynet demo`` builds (registry, claims, ledger, programme, contracts, follow-ups)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

SAFETYNET = str(Path(sys.executable).with_name("safetynet"))
RUNS = ({"PYTHONHASHSEED": "1", "POLARS_MAX_THREADS": "1"},
        {"PYTHONHASHSEED": "2", "POLARS_MAX_THREADS": "2"})  # fmt: skip
# differ by design between two builds: clocks, salted password hashes, a random revision token
VOLATILE = {"created_at", "updated_at", "recorded_at", "password_hash", "token"}


def _env(run: dict[str, str], **extra: str) -> dict[str, str]:
    env = {**os.environ, **run, **extra}
    env.pop("SAFETYNET_DATABASE_URL", None)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [SAFETYNET, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _wait(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        _, stderr = p.communicate(timeout=900)
        assert p.returncode == 0, stderr.decode()


def test_the_parquet_county_is_the_same_in_any_process(tmp_path: Path) -> None:
    dirs = [tmp_path / "a", tmp_path / "b"]
    args = ["synth", "--persons", "3000", "--seed", "7", "--violations", "0.01", "--out"]
    _wait([_run([*args, str(d)], _env(run)) for d, run in zip(dirs, RUNS, strict=True)])
    names = sorted(p.name for p in dirs[0].glob("*.parquet"))
    assert {"claims.parquet", "claim_items.parquet", "claims_settle.parquet",
            "violation_labels.parquet", "persons.parquet"} <= set(names)  # fmt: skip
    assert names == sorted(p.name for p in dirs[1].glob("*.parquet"))
    for name in names:
        a, b = (pl.read_parquet(d / name) for d in dirs)
        assert a.height > 0, name
        assert a.schema == b.schema and a.equals(b), name


def _tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows (without the volatile columns), ordered by every column kept."""
    out = {}
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"
        )]  # fmt: skip
        for t in tables:
            cols = [f'"{r[1]}"' for r in db.execute(f"pragma table_info('{t}')")
                    if r[1] not in VOLATILE]  # fmt: skip
            listed = ", ".join(cols)
            out[t] = db.execute(f'select {listed} from "{t}" order by {listed}').fetchall()
    return out


@pytest.mark.slow
def test_the_demo_database_is_the_same_in_any_process(tmp_path: Path) -> None:
    dirs = [tmp_path / "a", tmp_path / "b"]
    args = ["demo", "--no-serve", "--persons", "1500"]
    _wait([_run(args, _env(run, SAFETYNET_DATA_DIR=str(d)))
           for d, run in zip(dirs, RUNS, strict=True)])  # fmt: skip
    a, b = (_tables(d / "safetynet.db") for d in dirs)
    assert a.keys() == b.keys()
    for table in ("claim", "settlement", "doctor_contract", "follow_up", "programme_patient"):
        assert a[table], table  # the demo holds its programme
    for table in sorted(a):
        assert a[table] == b[table], table
