"""Risk scores of institutions and doctors against peers of the same level (pure Polars).

For each institution (and each doctor, whose peers are the doctors of institutions of the
same level) the metrics of seed 001's "ten aspects" and the public fraud rules: average
length of stay, cost per admission and per bed-day, drug share of the bill, admissions per
1,000 enrolled (when the catchment is known), the share of admissions followed by a
readmission (within the rules' ``scoring.readmission_days``: 14 days, the public peer
alert's rate), the amount flagged by the screening rules per yuan billed, the share of
low-threshold admissions and of group admissions (``scoring.group_size`` or more people of
one village admitted at one institution on one day).

Each metric becomes a robust z-score against the level's peers, ``(x − median) / (1.4826 ·
MAD)`` (when the MAD is 0, half the peers or more at the median: ``/ (1.2533 · mean absolute
deviation)``; when both are 0, every peer is alike and z is 0), and the composite is
``Σ weight · min(max(z, 0), z_cap)``: only being *above* peers
counts, no single metric outweighs all others (a metric where nearly every peer scores 0
makes huge z), and every term's contribution is a column of its own, so a score is
explained by the metrics that drive it. Units with fewer than ``scoring.min_admissions``
admissions get no inpatient metrics (too few to compare). The numbers are dated, sourced
policy data: the rule file's ``scoring`` (:class:`safetynet.supervision.schema.Scoring`).
A metric whose |z| is above ``scoring.flag_z`` (3, domain notes §A3) is named in the
unit's ``abnormal`` list, either way. The peer alert (``scoring.readmission_alert``, P90)
flags a unit whose readmission rate is strictly above that percentile (linear
interpolation) of the rates of its level's units of its kind (``readmission_alert``; a unit
without the rate is never flagged nor counted). An isolation forest (scikit-learn) was considered
beside it: on a county's hundred-odd institutions per level it adds no explanation of
*which* metric is abnormal and is unstable from seed to seed, so the robust scores stand
alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from safetynet.supervision.frames import ScreenInput, canonical_code
from safetynet.supervision.schema import SCORE_METRICS, Scoring

MAD_SCALE = 1.4826  # the MAD's consistency factor for a normal distribution (not policy)
METRICS = SCORE_METRICS  # the composite's metrics, in order; their weights are in the rules
INPATIENT_METRICS = (
    "length_of_stay",
    "cost_per_admission",
    "cost_per_bed_day",
    "readmission_rate",
    "low_threshold_share",
    "group_admission_share",
)


def _day_key(date: str) -> pl.Expr:
    """A date column as day × 2^32 plus the row's ``_pos`` (below 2^32): in date order, rows
    of one day in position order."""
    return pl.col(date).cast(pl.Int32).cast(pl.Int64) * 2**32 + pl.col("_pos").cast(pl.Int64)


def _planned(frame: pl.DataFrame, planned: Sequence[str]) -> pl.Expr:
    """Whether a row's diagnosis (however written: each distinct one made canonical once)
    is a planned cycle's."""
    if not planned or "diagnosis" not in frame.columns:
        return pl.lit(False)
    written = frame["diagnosis"].unique().drop_nulls().to_list()
    cycles = [d for d in written if (canonical_code(d) or "").startswith(tuple(planned))]
    return pl.col("diagnosis").is_in(cycles).fill_null(False)


def _claim_facts(
    data: ScreenInput,
    hits: pl.DataFrame,
    scoring: Scoring,
    after: pl.DataFrame | None = None,
    planned: Sequence[str] = (),
) -> pl.DataFrame:
    """One row per claim with what the metrics read (``after``, ``planned``:
    :func:`scorecard`'s)."""
    claims = data.claims
    stays = (
        claims.filter(pl.col("kind") == "inpatient")
        .sort("person_id", "admitted", "claim_no")
        .with_row_index("_pos")
    )
    stays = stays.with_columns(_planned(stays, planned).alias("_planned"))
    # a planned cycle (chemotherapy, radiotherapy) is neither a readmission nor readmitted
    dated = stays.filter(
        pl.col("admitted").is_not_null() & pl.col("discharged").is_not_null() & ~pl.col("_planned")
    )
    # Readmitted: ANY later stay of the person admitted within the days after the discharge,
    # not only the next one admitted (a short stay admitted during a long one hid the
    # readmission after it): the earliest admission on or after the discharge among the stays
    # sorted after it, by an as-of join on (day, position).
    later = dated.select("person_id", "admitted", pl.col("_pos").cast(pl.Int64))
    if after is not None:  # the admissions after the period a stay of it may be followed by
        after = after.filter(~_planned(after, planned))
        more = after.select(pl.col("person_id").cast(pl.String), "admitted").with_row_index("_pos")
        shifted = more.with_columns((pl.col("_pos").cast(pl.Int64) + stays.height).alias("_pos"))
        later = pl.concat([later, shifted.select("person_id", "admitted", "_pos")])
    later = later.select(
        "person_id", _day_key("admitted").alias("_key"), pl.col("admitted").alias("_next")
    ).sort("_key")
    readmitted = (
        dated.with_columns((_day_key("discharged") + 1).alias("_key"))
        .sort("_key")
        .join_asof(later, on="_key", by="person_id", strategy="forward", check_sortedness=False)
        .select(
            "claim_no",
            (pl.col("_next") - pl.col("discharged"))
            .dt.total_days()
            .is_between(0, int(scoring.readmission_days.value))
            .alias("readmitted"),
        )
    )
    stays = (
        stays.select("claim_no", "_planned")
        .join(readmitted, on="claim_no", how="left")
        .select(
            "claim_no",
            # a planned cycle is no stay of the rate (null: not counted either way)
            pl.when(~pl.col("_planned")).then(pl.col("readmitted").fill_null(False)),
        )
    )
    drugs = data.lines.group_by("claim_no").agg(
        pl.col("amount_fen").filter(pl.col("code").str.starts_with("D")).sum().alias("drug_fen"),
        pl.col("amount_fen").sum().alias("lines_fen"),
    )
    flagged = (
        hits.unique(["claim_no", "rule_id", "facts"])
        .group_by("claim_no")
        .agg(
            pl.col("amount_fen").sum().alias("hit_fen"),
            (pl.col("kind") == "low_threshold_admission").any().alias("low_threshold"),
        )
    )
    out = (
        claims.join(stays, on="claim_no", how="left")
        .join(drugs, on="claim_no", how="left")
        .join(flagged, on="claim_no", how="left")
        .with_columns(
            pl.col("hit_fen").fill_null(0),
            pl.col("low_threshold").fill_null(False),
            (pl.col("kind") == "inpatient").alias("inpatient"),
            pl.max_horizontal((pl.col("discharged") - pl.col("admitted")).dt.total_days(), 1).alias(
                "bed_days"
            ),
        )
    )
    if data.persons is not None and "village" in data.persons.columns:
        village = data.persons.select("person_id", "village")
        out = out.join(village, on="person_id", how="left")
        # persons, not claims: one person's two bills of one admission are one person
        people = pl.col("person_id").filter(pl.col("inpatient")).n_unique()
        group = people.over("institution", "admitted", "village") >= int(scoring.group_size.value)
        out = out.with_columns(
            (pl.col("inpatient") & group & pl.col("village").is_not_null()).alias("group")
        )
    else:
        out = out.with_columns(pl.lit(None, pl.Boolean).alias("group"))
    return out


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """``numerator ÷ denominator``, null (no such metric, like too few admissions) when the
    denominator is not above zero: a unit whose claims bill no item line or no amount has no
    drug share or flagged-amount rate. 0/0 would be NaN, which polars orders above every
    number, so one such unit would take the level's median, and so every peer's z and score,
    to NaN and rank first itself."""
    return pl.when(denominator > 0).then(numerator / denominator).otherwise(None)


def _metrics(
    facts: pl.DataFrame, unit: str, enrolled: pl.DataFrame | None, min_admissions: int
) -> pl.DataFrame:
    adm = pl.col("inpatient")
    m = (
        facts.filter(pl.col(unit).is_not_null())
        .group_by(unit)
        .agg(
            # a doctor at institutions of two levels as often: the first by name, every run
            pl.col("level").mode().sort().first().alias("level"),
            pl.len().alias("claims"),
            adm.sum().alias("admissions"),
            pl.col("total_fen").sum().alias("billed_fen"),
            pl.col("bed_days").filter(adm).mean().alias("length_of_stay"),
            pl.col("total_fen").filter(adm).mean().alias("cost_per_admission"),
            _ratio(
                pl.col("total_fen").filter(adm).sum(), pl.col("bed_days").filter(adm).sum()
            ).alias("cost_per_bed_day"),
            _ratio(pl.col("drug_fen").sum(), pl.col("lines_fen").sum()).alias("drug_share"),
            pl.col("readmitted").filter(adm).mean().alias("readmission_rate"),
            _ratio(pl.col("hit_fen").sum(), pl.col("total_fen").sum()).alias("hit_amount_rate"),
            pl.col("low_threshold").filter(adm).mean().alias("low_threshold_share"),
            pl.col("group").filter(adm).mean().alias("group_admission_share"),
        )
    )
    few = pl.col("admissions") < min_admissions
    m = m.with_columns(
        pl.when(few).then(None).otherwise(pl.col(c)).alias(c) for c in INPATIENT_METRICS
    )
    if enrolled is not None and unit == "institution":
        m = m.join(enrolled, on="institution", how="left").with_columns(
            _ratio(pl.col("admissions") * 1000, pl.col("enrolled")).alias("admissions_per_1000")
        )
    else:
        m = m.with_columns(pl.lit(None, pl.Float64).alias("admissions_per_1000"))
    return m.rename({unit: "unit"}).with_columns(pl.lit(unit).alias("unit_type"))


def robust_z(metric: str) -> pl.Expr:
    """The metric's robust z-score among the rows of the same level (a null or NaN value:
    no z, and not counted in the level's median)."""
    x = pl.col(metric).cast(pl.Float64).fill_nan(None)
    median = x.median().over("level")
    mad = (x - median).abs().median().over("level") * MAD_SCALE
    mean_ad = (x - median).abs().mean().over("level") * 1.2533  # when half the peers tie
    scale = pl.when(mad > 0).then(mad).otherwise(mean_ad)
    return pl.when(x.is_null()).then(None).when(scale > 0).then((x - median) / scale).otherwise(0.0)


def abnormal(flag: float) -> pl.Expr:
    """The metrics (in :data:`METRICS` order) whose robust z is beyond ``flag`` either way
    (``|z| > flag``, the rule file's ``scoring.flag_z``): a list per row, empty when none."""
    beyond = [pl.when(pl.col(f"z_{k}").abs() > flag).then(pl.lit(k)) for k in METRICS]
    return pl.concat_list(beyond).list.drop_nulls()


def readmission_alert(percentile: float | None) -> pl.Expr:
    """Whether the unit's readmission rate is strictly above ``percentile`` (0–100, the rule
    file's ``scoring.readmission_alert``) of the rates of its level (linear interpolation
    between the peers' rates; the units without a rate left out); never when no percentile
    is set or the unit has no rate."""
    if percentile is None:
        return pl.lit(False).alias("readmission_alert")
    rate = pl.col("readmission_rate").cast(pl.Float64)
    line = rate.quantile(percentile / 100, interpolation="linear").over("level")
    # above by more than a float's rounding: a rate equal to the line is not above it
    return (rate > line + 1e-12).fill_null(False).alias("readmission_alert")


def scorecard(
    data: ScreenInput,
    hits: pl.DataFrame,
    enrolled: pl.DataFrame | None = None,
    *,
    scoring: Scoring,
    after: pl.DataFrame | None = None,
    planned: Sequence[str] = (),
) -> pl.DataFrame:
    """Institutions and doctors ranked within their level: metrics, z-scores, contributions.

    ``enrolled`` (institution, enrolled) gives each institution's catchment for admissions
    per 1,000 enrolled; without it that metric is left out. ``scoring``: the rule file's.
    ``after`` (person_id, admitted): the admissions of the days after the period
    (:func:`~safetynet.supervision.load.admissions_after`), read only as what a stay of the
    period is followed by — a December stay readmitted in January is readmitted.
    ``planned``: the diagnoses of planned cycles (:meth:`RuleSet.planned_cycles`), stays
    left out of the readmission rate on both sides.
    """
    facts = _claim_facts(data, hits, scoring, after, planned)
    cap = scoring.z_cap.value
    frames = []
    for unit in ("institution", "doctor"):
        m = _metrics(facts, unit, enrolled, int(scoring.min_admissions.value))
        m = m.with_columns(robust_z(k).alias(f"z_{k}") for k in METRICS)
        m = m.with_columns(
            (pl.col(f"z_{k}").clip(0, cap).fill_null(0) * scoring.weights.of(k)).alias(f"c_{k}")
            for k in METRICS
        )
        m = m.with_columns(pl.sum_horizontal(f"c_{k}" for k in METRICS).alias("score"))
        m = m.with_columns(abnormal(scoring.flag_z.value).alias("abnormal"))
        alert = scoring.readmission_alert
        m = m.with_columns(readmission_alert(None if alert is None else alert.value))
        # equal scores share a rank (1, 2, 2, 4) and are listed by code: the order of a
        # tie never depends on the order polars grouped the claims in
        m = m.with_columns(pl.col("score").rank("min", descending=True).over("level").alias("rank"))
        frames.append(m)
    columns = ["unit_type", "unit", "level", "rank", "score", "abnormal", "readmission_alert",
               "claims",
               "admissions", "billed_fen", *METRICS, *(f"z_{k}" for k in METRICS),
               *(f"c_{k}" for k in METRICS)]  # fmt: skip
    return (
        pl.concat([f.select(columns) for f in frames])
        .with_columns(pl.col("rank").cast(pl.Int64))
        .sort("unit_type", "level", "rank", "unit")
    )


def catchment(institutions: pl.DataFrame, enrolled_villages: pl.Series) -> pl.DataFrame:
    """Enrolled persons each institution serves: a village clinic its village, a township
    centre its township's villages, any other institution the whole county.

    ``institutions``: code, level, region_code; ``enrolled_villages``: the village code of
    every enrolled person.
    """
    counts = enrolled_villages.value_counts(name="n").rename({enrolled_villages.name: "village"})
    total = int(counts["n"].sum())
    rows = []
    for code, level, region in institutions.select("code", "level", "region_code").iter_rows():
        if level == "village":
            n = counts.filter(pl.col("village") == region)["n"].sum()
        elif level == "township":
            n = counts.filter(pl.col("village").str.starts_with(region or "-"))["n"].sum()
        else:
            n = total
        rows.append((code, int(n)))
    return pl.DataFrame(rows, schema={"institution": pl.String, "enrolled": pl.Int64}, orient="row")
