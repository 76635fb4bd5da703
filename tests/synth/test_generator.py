"""The generator: deterministic, valid IDs, consistent tables, claim file and database load."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from safetynet.claims.fileformat import read_claim_file
from safetynet.cli.main import app
from safetynet.registry.alive import after_death_expr
from safetynet.registry.resident_id import parse_resident_id
from safetynet.settlement.year_batch import settle_year
from safetynet.store.bulk import refresh_statistics
from safetynet.store.db import session_scope
from safetynet.store.models import Claim, ClaimItem, Person, Settlement
from safetynet.synth.calibration import SEED_001
from safetynet.synth.claims import within_life
from safetynet.synth.county import claim_file, generate, write_parquet
from safetynet.synth.load import load_county


def test_same_seed_same_county_other_seed_other_county() -> None:
    a, b, c = generate(3_000, seed=5), generate(3_000, seed=5), generate(3_000, seed=6)
    assert a.persons.equals(b.persons) and a.claims.equals(b.claims)
    assert a.claim_items.equals(b.claim_items)
    assert not a.persons.equals(c.persons)


def test_every_resident_id_is_valid_and_agrees_with_sex_and_birth() -> None:
    county = generate(5_000, seed=2)
    persons = county.persons
    assert persons["resident_id"].n_unique() == persons.height
    for row in persons.sample(500, seed=1).iter_rows(named=True):
        rid = parse_resident_id(row["resident_id"])
        assert rid.birth_date == row["birth_date"]
        assert rid.sex.value == row["sex"]


def test_item_lines_add_up_to_each_bill_and_claims_respect_deaths() -> None:
    county = generate(5_000, seed=3)
    sums = county.claim_items.group_by("claim_id").agg(pl.col("amount_fen").sum())
    joined = county.claims.join(sums, left_on="id", right_on="claim_id")
    assert joined.height == county.claims.height
    assert (joined["total_fen"] == joined["amount_fen"]).all()
    assert (county.claim_items["amount_fen"] > 0).all()
    dead = county.claims.filter(pl.col("deceased_on").is_not_null())
    assert (dead["start_date"] < dead["deceased_on"]).all()
    enrolled = set(county.enrollment["person_id"])
    assert set(county.claims["person_id"]) <= enrolled
    inpatient = county.claims.filter(pl.col("kind") == "inpatient")
    assert (inpatient["end_date"] >= inpatient["start_date"]).all()


def test_no_service_after_death_by_the_registrys_one_rule() -> None:
    """No visit or admission on or after the day of death, no stay discharged after it, no
    item line dated after it (:func:`safetynet.registry.alive.after_death`, what the window
    refuses); a stay that would outlast its patient ends on the day of death."""
    county = generate(20_000, seed=3)
    last = county.claim_items.group_by("claim_id").agg(pl.col("service_date").max())
    claims = county.claims.join(last, left_on="id", right_on="claim_id", how="left")
    found = claims.with_columns(
        after_death_expr(pl.col("start_date"), pl.col("end_date"), pl.col("deceased_on"),
                         pl.col("service_date")).alias("after")
    )  # fmt: skip
    assert found.filter(pl.col("after").is_not_null()).height == 0


def test_a_stay_that_would_outlast_its_patient_ends_on_the_day_of_death() -> None:
    d = date
    frame = pl.DataFrame({
        "start_date": [d(2017, 6, 1), d(2017, 6, 25), d(2017, 7, 1), d(2017, 12, 28),
                       d(2017, 6, 28)],
        "end_date": [d(2017, 6, 9), d(2017, 7, 3), d(2017, 7, 1), d(2018, 1, 4), d(2017, 7, 1)],
        "deceased_on": [None, d(2017, 7, 1), d(2017, 7, 1), None, d(2017, 7, 1)],
    })  # fmt: skip
    out = within_life(frame, 2017)
    assert out["start_date"].to_list() == [d(2017, 6, 1), d(2017, 6, 25), d(2017, 12, 28),
                                           d(2017, 6, 28)]  # fmt: skip
    # discharged on the day of death (not after), the year's stays by 31 December
    assert out["end_date"].to_list() == [d(2017, 6, 9), d(2017, 7, 1), d(2017, 12, 31),
                                         d(2017, 7, 1)]  # fmt: skip


def test_claim_file_reads_back_as_a_valid_claim_file(tmp_path: Path) -> None:
    county = generate(2_000, seed=4)
    write_parquet(county, tmp_path)
    parsed = read_claim_file(tmp_path / "claims_settle.parquet")
    assert parsed.claims.height == county.claims.height
    statuses = claim_file(county)["statuses"].explode().drop_nulls().unique().to_list()
    assert "registered_poor" in statuses


def test_load_and_settle_on_the_database(db_engine: Engine) -> None:
    county = generate(1_500, seed=9)
    load_county(db_engine, county)
    with session_scope(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 1_500
        assert s.scalar(select(func.count()).select_from(Claim)) == county.claims.height
        n_items = s.scalar(select(func.count()).select_from(ClaimItem))
        assert n_items == county.claim_items.height
    result = settle_year(db_engine, 2017)
    assert result.settled == county.claims.height and result.paid_fen > 0
    with session_scope(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(Settlement)) == county.claims.height
    # after the bulk load the planner knows the tables' sizes at once
    refresh_statistics(db_engine)
    with db_engine.connect() as conn:
        if db_engine.dialect.name == "postgresql":
            rows = conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE relname = 'person'")
            assert rows.scalar() == 1_500
        else:
            rows = conn.exec_driver_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = 'person'")
            assert {int(stat.split()[0]) for (stat,) in rows} == {1_500}


def test_the_profile_sets_utilisation_and_costs_and_the_cli_chooses_it(tmp_path: Path) -> None:
    default, old = generate(3_000, seed=8), generate(3_000, seed=8, profile=SEED_001)
    assert default.persons.equals(old.persons)  # the same people, other claims
    stays = [c.claims.filter(pl.col("kind") == "inpatient") for c in (default, old)]
    assert stays[0].height > 3 * stays[1].height
    assert stays[0]["total_fen"].mean() > 3 * stays[1]["total_fen"].mean()  # type: ignore[operator]
    out = tmp_path / "seed-001"
    args = ["synth", "--persons", "3000", "--seed", "8", "--profile", "seed-001", "--out"]
    result = CliRunner().invoke(app, [*args, str(out)])
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(out / "claims.parquet").equals(old.claims)
    wrong = CliRunner().invoke(app, [*args[:-2], "seed-002", "--out", str(out)])
    assert wrong.exit_code == 2
    assert "use seed-001 or anhui-2017" in " ".join(wrong.output.split())
