"""The risk scores' numbers are dated, sourced data in the rule file (``scoring``): the
shipped values give the scores the constants in the code gave (the readmission window
aside, 14 days as the notes' peer alert), moving a value moves the scores, and a bad value is
refused with its file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from safetynet.policy.tree import PolicyError
from safetynet.supervision.load import frames_from_tables
from safetynet.supervision.rules import load_rules
from safetynet.supervision.schema import Scoring
from safetynet.supervision.scores import METRICS, catchment, scorecard
from safetynet.supervision.screen import screen
from safetynet.synth.county import generate
from safetynet.synth.violations import plant

RULES = load_rules()
# The scorecard of this county computed by the code before the numbers were data
# (readmission within 15 days, groups of 3, 5 admissions, z capped at 10, weights 1 and 2),
# with the rules of that time; the score and the hit-amount rate recomputed so when the
# planted county gained repeated tests and ghost beds (more claims, other amounts); the
# readmission rate since a stay is compared with every later stay of the person, not only the
# next one admitted (19.189952 before: a stay admitted during a long one hid a readmission);
# the score and the hit-amount rate since both claims of an overlapping pair are flagged
# (543.520335 and 90.152425 when only the later-admitted one was); the score and the
# hit-amount rate since the out-of-catalog share's amount is floored to the fen, so a claim
# above it has at least a fen at stake (509.955417 and 122.002997 rounded half up).
BEFORE = {"score": 509.946875, "readmission_rate": 19.206345, "hit_amount_rate": 122.003243,
          "length_of_stay": 552.140876}  # fmt: skip


@pytest.fixture(scope="module")
def county() -> tuple[Any, pl.DataFrame, pl.DataFrame]:
    synth, _labels = plant(generate(4000, seed=11, year=2017), 0.01, seed=11)
    data = frames_from_tables(synth.claims, synth.claim_items, synth.persons)
    # the rules of the time the constants were in the code (no split prescriptions yet)
    new = ("repeat_test", "ghost_bed", "shared_phone", "concurrent_bed_charge")
    then = RULES.model_copy(update={"rules": [
        r.model_copy(update={"params": r.params.model_copy(  # type: ignore[union-attr]
            update={"max_prescriptions_per_day": None})}) if r.kind == "outpatient_abuse" else r
        for r in RULES.rules if r.kind not in new]})  # fmt: skip
    hits = screen(then, data)
    enrolled = synth.enrollment.join(
        synth.persons.select(pl.col("id").alias("person_id"), "region_code"), on="person_id"
    )["region_code"]
    return data, hits, catchment(synth.institutions, enrolled)


def moved(**values: float) -> Scoring:
    """The shipped scoring with some numbers moved (``hit_amount_rate=0``: a weight)."""
    update: dict[str, Any] = {}
    weights: dict[str, Any] = {}
    for name, value in values.items():
        if name in METRICS:
            weights[name] = getattr(RULES.scoring.weights, name).model_copy(update={"value": value})
        else:
            update[name] = getattr(RULES.scoring, name).model_copy(update={"value": value})
    return RULES.scoring.model_copy(
        update={**update, "weights": RULES.scoring.weights.model_copy(update=weights)}
    )


def sums(card: pl.DataFrame) -> dict[str, float]:
    return {c: round(float(card[c].fill_null(0).fill_nan(0).sum()), 6) for c in BEFORE}


def test_the_shipped_numbers_and_their_sources() -> None:
    s = RULES.scoring
    assert (s.readmission_days.value, s.group_size.value, s.min_admissions.value,
            s.z_cap.value) == (14, 3, 5, 10)  # fmt: skip
    assert {k: s.weights.of(k) for k in METRICS} == {
        **{k: 1.0 for k in METRICS}, "hit_amount_rate": 2.0}  # fmt: skip
    # the readmission window is the notes' peer alert (public code, M); the rest design
    # defaults (L) to verify
    assert s.readmission_days.source is not None
    assert RULES.sources[s.readmission_days.source].confidence == "compiled"
    # the flag line |z| > 3: the notes' public code (M)
    assert s.flag_z.value == 3 and s.flag_z.source is not None
    assert RULES.sources[s.flag_z.source].confidence == "compiled"
    # the peer alert's percentile (P90): the notes' public code (M)
    assert s.readmission_alert is not None and s.readmission_alert.value == 90
    assert s.readmission_alert.source == s.readmission_days.source
    for q in s.quantities()[1:]:
        if q is not s.flag_z and q is not s.readmission_alert:
            assert q.source is not None and RULES.sources[q.source].confidence == "recalled"


def test_the_shipped_numbers_give_the_scores_of_before(county: Any) -> None:
    data, hits, enrolled = county
    as_before = scorecard(data, hits, enrolled, scoring=moved(readmission_days=15))
    assert sums(as_before) == BEFORE
    shipped = scorecard(data, hits, enrolled, scoring=RULES.scoring)
    got = sums(shipped)  # only the readmissions on day 15 after a discharge no longer count
    assert got["hit_amount_rate"] == BEFORE["hit_amount_rate"]
    assert got["length_of_stay"] == BEFORE["length_of_stay"]
    assert got["readmission_rate"] < BEFORE["readmission_rate"]


@pytest.mark.parametrize(
    ("change", "column"),
    [({"readmission_days": 30}, "readmission_rate"), ({"hit_amount_rate": 0}, "score"),
     ({"z_cap": 1}, "score"), ({"min_admissions": 50}, "length_of_stay")],
)  # fmt: skip
def test_moving_a_number_moves_the_scores(
    county: Any, change: dict[str, float], column: str
) -> None:
    data, hits, enrolled = county
    shipped = sums(scorecard(data, hits, enrolled, scoring=RULES.scoring))
    assert sums(scorecard(data, hits, enrolled, scoring=moved(**change)))[column] != shipped[column]


def test_the_group_size_moves_the_group_admissions(county: Any) -> None:
    data, hits, enrolled = county
    persons = data.persons.with_columns(pl.lit("V1").alias("village"))  # one village
    with_village = type(data)(data.claims, data.lines, persons)

    def share(size: int) -> float:
        card = scorecard(with_village, hits, enrolled, scoring=moved(group_size=size))
        return float(card["group_admission_share"].fill_null(0).sum())

    assert share(1) > share(2) > share(3) >= 0


@pytest.mark.parametrize(
    ("line", "bad", "said"),
    [("  group_size: {value: 3, unit: count", "  group_size: {value: 2.5, unit: count",
      "scoring.group_size"),
     ("    drug_share: {value: 1, unit: weight", "    drug_sharing: {value: 1, unit: weight",
      "scoring.weights.drug_sharing"),
     ("  z_cap: {value: 10, unit: sd", "  z_cap: {value: 10, unit: day", "scoring.z_cap")],
)  # fmt: skip
def test_a_bad_number_is_refused_with_file_and_line(
    tmp_path: Path, line: str, bad: str, said: str
) -> None:
    text = (Path(__file__).parents[2] / "safetynet/supervision/files/anhui-2021.yaml").read_text(
        encoding="utf-8"
    )
    assert line in text
    path = tmp_path / "rules.yaml"
    path.write_text(text.replace(line, bad), encoding="utf-8")
    number = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith(line))
    with pytest.raises(PolicyError) as refused:
        load_rules(path)
    message = str(refused.value)
    assert said in message
    assert f"{path.resolve()}:{number}" in message or f"{path}:{number}" in message, message


def test_a_metric_beyond_the_flag_line_either_way_is_named_abnormal() -> None:
    """Domain notes §A3: a metric is flagged at |z| > 3 (the rule file's ``flag_z``): at 3
    exactly it is not, just above it is, below −3 too; the list keeps the metrics' order."""
    from safetynet.supervision.scores import abnormal

    z = {f"z_{k}": [0.0, 0.0, 0.0, 0.0] for k in METRICS}
    z["z_length_of_stay"] = [3.0, 3.0001, -3.0001, 2.9999]
    z["z_drug_share"] = [0.0, 10.0, 0.0, -2.0]
    out = pl.DataFrame(z).select(abnormal(RULES.scoring.flag_z.value).alias("a"))["a"].to_list()
    assert out == [[], ["length_of_stay", "drug_share"], ["length_of_stay"], []]
    assert RULES.scoring.flag_z.value == 3
    moved_out = pl.DataFrame(z).select(abnormal(2.5).alias("a"))["a"].to_list()
    assert moved_out[3] == ["length_of_stay"]


def test_the_scorecard_names_each_units_abnormal_metrics(county: Any) -> None:
    data, hits, enrolled = county
    card = scorecard(data, hits, enrolled, scoring=RULES.scoring)
    for row in card.iter_rows(named=True):
        beyond = [k for k in METRICS if row[f"z_{k}"] is not None and abs(row[f"z_{k}"]) > 3]
        assert row["abnormal"] == beyond
    assert card["abnormal"].list.len().sum() > 0
    wider = scorecard(data, hits, enrolled, scoring=moved(flag_z=100))
    assert wider["abnormal"].list.len().sum() == 0
