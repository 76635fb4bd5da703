"""The simulator against first principles on hand-made claims: a reform that changes nothing
gives the base to the fen (every table of the comparison); raising the residents' inpatient
ratio (+5 points) changes no outpatient claim and no poor person's ratio the reform leaves
alone, and never lowers what the layers pay a person over the year (a single claim may get
less when an annual cap or a threshold is reached earlier; rounding to the fen per claim
allows at most a fen per claim)."""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl

from safetynet.claims.settle_file import settle_claims
from safetynet.scaleout import stream
from safetynet.simulation.compare import compare
from tests.claims.helpers import claim, write_jsonl
from tests.engine.helpers import policy

EXAMPLES = Path(__file__).parents[2] / "examples"
REFORM = str(EXAMPLES / "reform-anhui-2017-inpatient-plus5.yaml")
LEVELS = ["village", "township", "county", "city", "province", "out_of_province"]
SAME = """extends: anhui-poor-2017
id: anhui-poor-2017-same
title_en: "Reform: nothing changed"
title_zh: 改革测算：不变
"""


def _claims(tmp_path: Path, seed: int) -> Path:
    rnd = random.Random(seed)
    rows = []
    for p in range(40):
        status = rnd.choice(["ordinary", "registered_poor", "low_income", "marginal"])
        for k in range(rnd.randint(1, 5)):
            kind = rnd.choice(["inpatient", "inpatient", "outpatient"])
            level = rnd.choice(LEVELS if kind == "inpatient" else LEVELS[:3])
            total = rnd.randint(20, 800) if kind == "outpatient" else rnd.randint(300, 300_000)
            rows.append(claim(
                f"C{p:02d}{k}", f"P{p}", f"2017-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
                kind=kind, level=level, statuses=[status], household_id=f"H{p // 2}",
                total=f"{total}.{rnd.randint(0, 99):02d}", compliant=f"{int(total * 0.8)}.00",
                in_county=level in LEVELS[:3],
            ))  # fmt: skip
    return write_jsonl(tmp_path / f"claims-{seed}.jsonl", rows)


def _paid(frame: pl.DataFrame) -> pl.Expr:
    return pl.sum_horizontal([pl.col(c) for c in frame.columns if c.startswith("pay_")])


def test_a_reform_that_changes_nothing_is_the_base_to_the_fen(tmp_path: Path) -> None:
    same = tmp_path / "same.yaml"
    same.write_text(SAME, encoding="utf-8")
    path = _claims(tmp_path, 1)
    rb, rs = stream.simulate_file(policy("anhui-poor-2017"), policy(str(same)), path)
    cmp = compare(rb, rs, 1_000_000)
    assert cmp.layers["change_fen"].to_list() == [0] * cmp.layers.height
    assert cmp.layers["base_fen"].sum() > 0
    assert cmp.ratios["base"].to_list() == cmp.ratios["reform"].to_list()
    assert cmp.oop_bands["base_persons"].to_list() == cmp.oop_bands["reform_persons"].to_list()
    assert cmp.oop_percentiles["base_fen"].to_list() == cmp.oop_percentiles["reform_fen"].to_list()
    assert (
        cmp.catastrophic["base_persons"].to_list() == cmp.catastrophic["reform_persons"].to_list()
    )


def test_a_higher_inpatient_ratio_moves_only_admissions_and_never_lowers_a_persons_year(
    tmp_path: Path,
) -> None:
    for seed in (1, 2):
        path = _claims(tmp_path, seed)
        base = settle_claims(policy("anhui-poor-2017"), path)
        reform = settle_claims(policy(REFORM), path)
        both = base.select("claim_no", "person_id", "kind", _paid(base).alias("b")).join(
            reform.select("claim_no", _paid(reform).alias("r")), on="claim_no"
        )
        assert both.height == base.height == reform.height
        outpatient = both.filter(pl.col("kind") != "inpatient")
        assert outpatient.height and (outpatient["b"] == outpatient["r"]).all()
        assert (both["r"] > both["b"]).any()  # the reform does raise some admissions
        years = both.group_by("person_id").agg(
            pl.col("b").sum(), pl.col("r").sum(), pl.len().alias("n")
        )
        lower = years.filter(pl.col("r") < pl.col("b") - pl.col("n"))
        assert lower.is_empty(), lower
