"""Household batches in process: the same results as one piece, one pass for a simulation,
and clear errors for files that cannot be cut by household."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from safetynet.claims.prepare import engine_input
from safetynet.claims.settle_file import NEVER_NULL, results_table, settle_claims
from safetynet.cli.main import app
from safetynet.scaleout.stream import parquet_rows, settle_file, simulate_file
from safetynet.simulation.compare import compare
from tests.engine.helpers import policy

EXAMPLES = Path(__file__).parents[2] / "examples"
REFORM = str(EXAMPLES / "reform-anhui-2017-inpatient-plus5.yaml")
runner = CliRunner()


def _sorted(df: pl.DataFrame) -> pl.DataFrame:
    return df.sort("claim_no")


def test_batches_by_household_equal_one_piece(county_claims: Path, tmp_path: Path) -> None:
    cp = policy("anhui-poor-2017")
    one = settle_claims(cp, county_claims)
    out = tmp_path / "r.parquet"
    totals = settle_file(cp, county_claims, out, batch_claims=one.height // 4)
    many = pl.read_parquet(out)
    assert many.height == one.height == totals.claims
    assert _sorted(many).equals(_sorted(one))
    assert totals.layers["critical"] == one["pay_critical"].sum()


def test_simulation_in_one_pass_equals_two_settlements(county_claims: Path) -> None:
    base, reform = policy("anhui-poor-2017"), policy(REFORM)
    full = compare(settle_claims(base, county_claims), settle_claims(reform, county_claims), 10**6)
    fb, fr = simulate_file(base, reform, county_claims, batch_claims=2_000)
    folded = compare(fb, fr, 10**6)
    for part in ("layers", "ratios", "oop_bands", "oop_percentiles", "catastrophic"):
        assert getattr(folded, part).equals(getattr(full, part)), part
    assert fb.height < settle_claims(base, county_claims).height  # folded per person-year


def _claims_frame(rows: list[tuple[int, int, int, int, bool]]) -> pl.DataFrame:
    return (
        pl.DataFrame(
            {
                "claim_no": [f"C{i}" for i in range(len(rows))],
                "person_id": [f"P{h}-{p}" for h, p, *_ in rows],
                "household_id": [f"H{h}" for h, *_ in rows],
                "date": [f"2017-{1 + d // 28:02d}-{1 + d % 28:02d}" for _, _, d, *_ in rows],
                "kind": ["inpatient" if inp else "outpatient" for *_, inp in rows],
                "level": ["county" if inp else "township" for *_, inp in rows],
                "age": [50] * len(rows),
                "statuses": [["registered_poor"] if h % 2 else [] for h, *_ in rows],
                "total_fen": [yuan * 100 for *_, yuan, _ in rows],
                "compliant_fen": [yuan * 90 for *_, yuan, _ in rows],
            }
        )
        .with_row_index("_line", offset=1)
        .with_columns(pl.col("_line").cast(pl.Int64))
    )


claim_rows = st.lists(
    st.tuples(
        st.integers(0, 5),  # household
        st.integers(0, 2),  # person within it
        st.integers(0, 335),  # day of the year
        st.integers(1, 80_000),  # yuan (a bill of 0.00 settles nothing: refused)
        st.booleans(),  # inpatient
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=claim_rows, parts=st.lists(st.integers(0, 3), min_size=6, max_size=6))
def test_any_partition_by_household_gives_the_same_results(
    rows: list[tuple[int, int, int, int, bool]], parts: list[int]
) -> None:
    """Property: cut the claims into any partitions by household, settle each alone."""
    cp = policy("anhui-poor-2017")
    raw = _claims_frame(rows)
    path = Path("claims.parquet")
    whole = results_table(cp, engine_input(parquet_rows(raw, path), cp))
    piece = pl.col("household_id").str.slice(1).cast(pl.Int64).replace_strict(list(range(6)), parts)
    pieces = [
        results_table(cp, engine_input(parquet_rows(part.drop("_piece"), path), cp))
        for part in raw.with_columns(piece.alias("_piece")).partition_by("_piece")
    ]
    assert _sorted(pl.concat(pieces)).equals(_sorted(whole))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=claim_rows,
    batch_claims=st.integers(1, 45),
    range_rows=st.integers(1, 45),
    spill=st.booleans(),
)
def test_streaming_any_batches_and_ranges_gives_the_same_results(
    rows: list[tuple[int, int, int, int, bool]], batch_claims: int, range_rows: int, spill: bool
) -> None:
    """Property: `settle` streaming the file in household batches of any size (each read by
    a filtering pass or from spilled bucket files, the next one prepared while this one is
    written), written range by range as Arrow, gives the results of one piece; in one batch,
    in file order."""
    import tempfile

    from safetynet.scaleout import partition, stream

    cp = policy("anhui-poor-2017")
    raw = _claims_frame(rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp) / "c.parquet", raw)
        whole = results_table(cp, engine_input(parquet_rows(raw, path), cp))
        out = Path(tmp) / "r.parquet"
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(stream, "RANGE_ROWS", range_rows)
            mp.setattr(partition, "MAX_PASSES", 0 if spill else 16)
            totals = settle_file(cp, path, out, batch_claims=batch_claims)
        streamed = pl.read_parquet(out)
    assert totals.claims == whole.height
    assert totals.out_of_pocket == whole["out_of_pocket_fen"].sum()
    if batch_claims >= whole.height:
        assert streamed.equals(whole)
    assert _sorted(streamed).equals(_sorted(whole))


def test_filtering_passes_and_spilled_buckets_cut_alike(
    county_claims: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bucket read by a filtering pass holds the rows (and ``_line``) of the same bucket
    spilled to a file, in the same order."""
    from safetynet.scaleout import partition

    batch = pl.read_parquet(county_claims).height // 3
    cuts = []
    for passes in (16, 0):
        monkeypatch.setattr(partition, "MAX_PASSES", passes)
        with partition.household_batches(county_claims, batch) as frames:
            cuts.append([frame.collect() for frame in frames])  # read while they exist
    assert len(cuts[0]) == len(cuts[1]) >= 3
    for filtered, spilled in zip(*cuts, strict=True):
        assert filtered.equals(spilled)


def _write(path: Path, frame: pl.DataFrame) -> Path:
    frame.drop("_line").write_parquet(path)
    return path


def test_a_file_without_household_ids_cannot_be_cut(tmp_path: Path) -> None:
    rows = [(h, 0, d, 100, False) for h in range(3) for d in range(2)]
    path = _write(tmp_path / "c.parquet", _claims_frame(rows).drop("household_id"))
    out = tmp_path / "r.parquet"
    args = ["settle", "-p", "anhui-poor-2017", "-c", str(path), "-o", str(out)]
    result = runner.invoke(app, [*args, "--batch-claims", "2", "--lang", "en"])
    assert result.exit_code == 2
    assert "household_id" in result.output and "column missing" in result.output
    assert not out.exists()


def test_a_person_in_two_households_is_rejected(tmp_path: Path) -> None:
    frame = _claims_frame([(1, 0, 10, 100, False), (1, 0, 20, 100, False)])
    frame = frame.with_columns(pl.Series("household_id", ["H1", "H2"]))
    path = _write(tmp_path / "c.parquet", frame)
    out = tmp_path / "r.parquet"
    result = runner.invoke(
        app, ["settle", "-p", "anhui-poor-2017", "-c", str(path), "-o", str(out), "--lang", "en"]
    )
    assert result.exit_code == 2
    assert "person P1-0 is in households H1, H2" in " ".join(result.output.split())
    assert not out.exists()


def test_cli_batches_write_the_same_results(county_claims: Path, tmp_path: Path) -> None:
    outs = []
    for batch in ("5000000", "1500"):
        out = tmp_path / f"r{batch}.parquet"
        args = ["settle", "-p", "anhui-poor-2017", "-c", str(county_claims), "-o", str(out)]
        result = runner.invoke(app, [*args, "--batch-claims", batch])
        assert result.exit_code == 0, result.output
        outs.append(pl.read_parquet(out))
    assert _sorted(outs[0]).equals(_sorted(outs[1]))
    assert outs[0]["claim_no"].equals(
        settle_claims(policy("anhui-poor-2017"), county_claims)["claim_no"]
    )


def test_bench_settle_file_prints_its_figures(county_claims: Path) -> None:
    args = ["bench", "settle-file", "-c", str(county_claims), "--repeats", "1"]
    result = runner.invoke(app, [*args, "--batch-claims", "2000", "--spark-master", ""])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    for figure in ("claims/s (median)", "peak RSS", "kernel alone", "household batch(es)"):
        assert figure in text, figure
    claims = int(text.split("claims │ ")[1].split(" in ")[0].replace(",", ""))
    assert claims == pl.read_parquet(county_claims).height
    # the floor: each part alone, and what their sum allows on this machine's cores
    cells = " ".join(result.output.replace("│", " ").split())  # a cell's wrapped lines joined
    floor = cells.split("floor: each part alone, CPU ")[1]
    assert floor.startswith("read the file ") and "uncompressed" in floor
    best = re.search(r"at best on \d+ cores ([\d.]+) CPU-s .*? = ([\d,]+) claims/s", cells)
    assert best is not None, cells
    assert float(best[1]) > 0 and int(best[2].replace(",", "")) > 0


def test_the_benchs_floor_is_the_sum_of_its_parts_over_the_cores() -> None:
    from safetynet.scaleout.bench import FileRun

    run = FileRun(
        claims=4_000, batches=1, seconds=2.0, parts={}, kernel_seconds=0.5, peak_rss_mb=1.0,
        cpu_seconds=3.0, parts_cpu={}, load_average=0.0, kernel_cpu_seconds=1.0,
        read_alone_cpu=0.5, write_alone_cpu=0.9, write_plain_cpu=0.5,
    )  # fmt: skip
    assert run.floor_cpu == 2.0  # read + kernel + uncompressed write; the zstd write aside
    assert run.floor_claims_per_second(2) == 4_000.0


def test_folding_on_person_keys_equals_grouping_by_id(county_claims: Path) -> None:
    """``for_compare`` with the batch's person keys (linear-time fold) gives the same rows as
    the Polars group-by on the id strings."""
    from safetynet.scaleout.stream import for_compare

    cp = policy("anhui-poor-2017")
    raw = pl.read_parquet(county_claims).with_row_index("_line", offset=1)
    raw = raw.with_columns(pl.col("_line").cast(pl.Int64))
    prepared = engine_input(parquet_rows(raw, county_claims), cp)
    results = results_table(cp, prepared)
    keys = ["person_id", "date", "status_mask", "kind"]
    by_id = for_compare(results).sort(keys)
    by_key = for_compare(results, prepared.get_column("person_key"))
    assert by_key.height == by_id.height > 0
    assert by_key.sort(keys).equals(by_id)


@pytest.mark.parametrize("range_rows", [61, 997, 10**6])
def test_results_written_range_by_range_equal_one_piece(
    county_claims: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, range_rows: int
) -> None:
    """`settle` writes each range of claims while the next settles: the file holds the
    results of settling in one piece, in file order, one row group per range."""
    import pyarrow.parquet as pq

    from safetynet.scaleout import stream

    monkeypatch.setattr(stream, "RANGE_ROWS", range_rows)
    cp = policy("anhui-poor-2017")
    one = settle_claims(cp, county_claims)
    out = tmp_path / "r.parquet"
    totals = settle_file(cp, county_claims, out)
    assert pl.read_parquet(out).equals(one)
    assert totals.claims == one.height
    assert totals.out_of_pocket == one["out_of_pocket_fen"].sum()
    groups = pq.ParquetFile(out).metadata.num_row_groups
    assert groups == -(-one.height // range_rows)
    # the columns no claim leaves empty are required (no definition levels), the rest not
    schema = pq.ParquetFile(out).schema
    required = {
        schema.column(i).name
        for i in range(len(schema))
        if schema.column(i).max_definition_level == 0
    }
    assert required == {c for c in one.columns if c.startswith("pay_")} | NEVER_NULL


def test_the_warm_up_loads_the_kernels_a_file_needs() -> None:
    """In a fresh process, the warm-up thread has loaded (or compiled) the pass in file
    order, the blocks for households out of order, the key numbering and the resident-ID
    check, and read the programme files (fixed fees), before the file's claims need them."""
    import subprocess
    import sys

    code = (
        "from safetynet.engine import kernel, keys\n"
        "from safetynet.scaleout.warm import WarmUp\n"
        "from tests.engine.helpers import policy\n"
        "WarmUp(policy('anhui-poor-2017')).join()\n"
        "from safetynet.registry import resident_id_column as ids\n"
        "from safetynet.programmes import rules\n"
        "loaded = [kernel.settle_in_file_order, kernel.settle_blocks, keys._dense_ids]\n"
        "loaded.append(ids._classify)\n"
        "print(*[len(f.signatures) for f in loaded], rules._loaded.cache_info().currsize)\n"
    )
    root = Path(__file__).parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True
    )
    assert all(int(n) >= 1 for n in done.stdout.split())


@pytest.mark.parametrize("command", ("settle", "simulate"))
def test_a_person_in_households_of_two_batches_is_rejected(tmp_path: Path, command: str) -> None:
    """Household batches: a person whose two households fall in different batches would be
    settled twice, each with part of the year; the file is refused, nothing written."""
    from safetynet.scaleout.partition import bucket_expr

    rows = [(h, 0, 10 + h, 100, False) for h in range(40)]
    frame = _claims_frame(rows)
    buckets = frame.select(bucket_expr(4)).to_series().to_list()
    other = next(h for h in range(40) if buckets[h] != buckets[0])
    extra = frame.head(1).with_columns(
        pl.lit("X1").alias("claim_no"), pl.lit(f"H{other}").alias("household_id"),
        pl.lit(41, pl.Int64).alias("_line"),
    )  # fmt: skip
    path = _write(tmp_path / "c.parquet", pl.concat([frame, extra]))
    out = tmp_path / ("r.parquet" if command == "settle" else "r.xlsx")
    if command == "settle":
        args = ["settle", "-p", "anhui-poor-2017", "-c", str(path), "-o", str(out)]
    else:
        args = ["simulate", "-b", "anhui-poor-2017", "-r", REFORM, "-c", str(path)]
        args += ["--xlsx", str(out)]
    result = runner.invoke(app, [*args, "--batch-claims", "11", "--lang", "en"])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert f"line 1: household_id: person P0-0 is in households H0, H{other}" in text
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.parquet"]


def test_settling_leaves_the_doctor_unread_but_checks_its_type(tmp_path: Path) -> None:
    """What settling does not use (``doctor``) is not read from a Parquet file; a column of
    the wrong type is still refused, as when the file is read whole."""
    from safetynet.claims.fileformat import read_claim_file, scan_parquet

    frame = _claims_frame([(1, 0, 10, 100, False), (1, 1, 20, 100, True)])
    path = _write(tmp_path / "c.parquet", frame.with_columns(pl.lit("DR1").alias("doctor")))
    assert read_claim_file(path).claims["doctor"].to_list() == ["DR1", "DR1"]
    settled = parquet_rows(scan_parquet(path), path).claims
    assert "doctor" not in settled.columns
    assert settled.equals(read_claim_file(path).claims.drop("doctor"))
    bad = _write(tmp_path / "bad.parquet", frame.with_columns(pl.lit(1.5).alias("doctor")))
    out = tmp_path / "r.parquet"
    args = ["settle", "-p", "anhui-poor-2017", "-c", str(bad), "-o", str(out), "--lang", "en"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "doctor: column of Float64; must be text" in " ".join(result.output.split())
    assert not out.exists()


def test_a_run_spares_the_heap_from_the_collector_and_gives_it_back() -> None:
    import gc

    from safetynet.scaleout.stream import heap_spared

    # A web app started by an earlier test of this worker (a session's client) may hold its
    # heap frozen: start from a thawed heap, and leave it as it was found.
    frozen_before = gc.get_freeze_count() > 0
    gc.unfreeze()
    try:
        with heap_spared():
            assert gc.get_freeze_count() > 0
        assert gc.get_freeze_count() == 0
        gc.freeze()  # a process that froze its heap itself (the web app): left as it was
        with heap_spared():
            pass
        assert gc.get_freeze_count() > 0  # not thawed
    finally:
        gc.unfreeze()
        if frozen_before:
            gc.freeze()
