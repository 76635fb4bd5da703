"""The Spark engine (local[2]): results equal in-process to the fen; an unreachable master
is a clear error. Few and small: every Spark job costs seconds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from safetynet.claims.settle_file import settle_claims
from safetynet.cli.main import app
from safetynet.registry.resident_id import check_char
from safetynet.scaleout import spark as on_spark
from safetynet.simulation.compare import compare
from tests.engine.helpers import policy

REFORM = str(Path(__file__).parents[2] / "examples" / "reform-anhui-2017-inpatient-plus5.yaml")
runner = CliRunner()
pytestmark = pytest.mark.slow


def test_settle_on_spark_equals_in_process(spark: Any, county_claims: Path, tmp_path: Path) -> None:
    out = tmp_path / "spark-results"
    args = ["settle", "-p", "anhui-poor-2017", "-c", str(county_claims), "-o", str(out)]
    result = runner.invoke(app, [*args, "--engine", "spark", "--master", "local[2]"])
    assert result.exit_code == 0, result.output
    local = settle_claims(policy("anhui-poor-2017"), county_claims)
    local = local.with_columns(pl.col("^rule_.*$", "kind", "level").cast(pl.String))
    remote = pl.read_parquet(out / "*.parquet").select(local.columns)
    assert remote.height == local.height
    assert remote.sort("claim_no").equals(local.sort("claim_no"))


def test_simulate_on_spark_equals_in_process(spark: Any, county_claims: Path) -> None:
    base, reform = policy("anhui-poor-2017"), policy(REFORM)
    fb, fr, run = on_spark.simulate(base, reform, county_claims, master="local[2]", partitions=3)
    assert run.partitions == 3
    full = compare(settle_claims(base, county_claims), settle_claims(reform, county_claims), 10**6)
    folded = compare(fb, fr, 10**6)
    for part in ("layers", "ratios", "oop_bands", "oop_percentiles", "catastrophic"):
        assert getattr(folded, part).equals(getattr(full, part)), part


def test_an_unreachable_master_is_a_clear_error(county_claims: Path, tmp_path: Path) -> None:
    out = tmp_path / "r"
    args = ["simulate", "-b", "anhui-poor-2017", "-r", REFORM, "-c", str(county_claims)]
    result = runner.invoke(
        app, [*args, "--engine", "spark", "--master", "spark://127.0.0.1:1", "--lang", "en"]
    )
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "cannot reach Spark master spark://127.0.0.1:1" in text
    assert not out.exists()


@pytest.mark.parametrize("command", ("settle", "simulate"))
def test_a_bad_claim_on_spark_is_the_same_clear_error(
    spark: Any, tmp_path: Path, command: str
) -> None:
    """A claim an executor refuses (here a resident ID with a wrong check digit) is the
    file's clear error on the driver, as in process — not a failed Spark job."""
    good = "34042119570312001" + check_char("34042119570312001")
    path = _claim_file(tmp_path, [good, good[:-1] + "7", good], ["H1", "H2", "H1"])
    out = tmp_path / "spark-results"
    text = _refused_on_spark(command, path, out)
    assert "line 2: person_id: check digit is 7, the first 17 digits require 2" in text


@pytest.mark.parametrize("command", ("settle", "simulate"))
def test_a_person_in_two_households_on_spark_is_refused(
    spark: Any, tmp_path: Path, command: str
) -> None:
    """Partitioned by household, a person of two households would be settled in two
    partitions, each with part of the year: the file is refused on the driver, naming the
    person's first line and both households, and nothing is written."""
    person = "34042119570312001" + check_char("34042119570312001")
    other = "34042119600101002" + check_char("34042119600101002")
    h1, h2 = _in_two_partitions(spark, 2)  # no executor sees both (local[2]: 2 partitions)
    persons = [other, other, person, other, person, other]
    path = _claim_file(tmp_path, persons, ["H9", "H9", h1, "H9", h2, "H9"])
    out = tmp_path / "spark-results"
    text = _refused_on_spark(command, path, out)
    assert f"line 3: household_id: person {person} is in households {h1}, {h2}" in text, text
    assert other not in text


def _in_two_partitions(spark: Any, partitions: int) -> tuple[str, str]:
    """Two household ids that Spark's hash partitioning puts in different partitions."""
    from pyspark.sql import functions as F

    rows = (
        spark.createDataFrame([(f"H{i}",) for i in range(1, 40)], ["h"])
        .select("h", F.expr(f"pmod(hash(h), {partitions})").alias("p"))
        .collect()
    )
    first = next(r["h"] for r in rows if r["p"] == 0)
    second = next(r["h"] for r in rows if r["p"] == 1)
    return first, second


def test_a_refused_file_on_spark_leaves_earlier_results_as_they_were(
    spark: Any, tmp_path: Path
) -> None:
    """Results are written beside the folder and put in its place only when every partition
    has settled: a refused claim leaves the earlier results folder whole; a good run
    replaces it."""
    good = "34042119570312001" + check_char("34042119570312001")
    out = tmp_path / "results"
    out.mkdir()
    (out / "earlier.parquet").write_bytes(b"last month's results")
    bad = _claim_file(tmp_path, [good, good[:-1] + "7"], ["H1", "H1"], "bad.parquet")
    args = ["settle", "-p", "anhui-poor-2017", "-o", str(out), "--engine", "spark",
            "--master", "local[2]", "--lang", "en"]  # fmt: skip
    refused = runner.invoke(app, [*args, "-c", str(bad)])
    assert refused.exit_code == 2, refused.output
    assert (out / "earlier.parquet").read_bytes() == b"last month's results"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.parquet", "results"]
    fine = _claim_file(tmp_path, [good, good], ["H1", "H1"], "good.parquet")
    settled = runner.invoke(app, [*args, "-c", str(fine)])
    assert settled.exit_code == 0, settled.output
    assert not (out / "earlier.parquet").exists()
    assert pl.read_parquet(out / "*.parquet").height == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.parquet", "good.parquet", "results"]


def _claim_file(
    folder: Path, persons: list[str], households: list[str], name: str = "c.parquet"
) -> Path:
    """A Parquet claim file of one outpatient claim per person given, a day apart."""
    n = len(persons)
    path = folder / name
    pl.DataFrame(
        {
            "claim_no": [f"C{i}" for i in range(1, n + 1)],
            "person_id": persons,
            "household_id": households,
            "date": [f"2017-03-{i:02d}" for i in range(1, n + 1)],
            "kind": ["outpatient"] * n,
            "level": ["township"] * n,
            "age": [50] * n,
            "total_fen": [1000] * n,
            "compliant_fen": [900] * n,
        }
    ).write_parquet(path)
    return path


def _refused_on_spark(command: str, path: Path, out: Path) -> str:
    """``settle`` (to ``out``) or ``simulate`` of ``path`` on Spark local[2]: exit 2, nothing
    written; the error's text on one line."""
    if command == "settle":
        args = ["settle", "-p", "anhui-poor-2017", "-c", str(path), "-o", str(out)]
    else:
        args = ["simulate", "-b", "anhui-poor-2017", "-r", REFORM, "-c", str(path)]
    result = runner.invoke(
        app, [*args, "--engine", "spark", "--master", "local[2]", "--lang", "en"]
    )
    assert result.exit_code == 2, result.output
    assert not out.exists() or not any(out.glob("*.parquet"))  # nothing written
    return " ".join(result.output.split())
