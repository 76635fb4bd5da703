"""The programme's indicators (pure Polars): per batch verified, treated / managed rates,
in-county share, clinical pathways (admissions entered, completed, deviating, treated at a
designated hospital: :mod:`safetynet.programmes.pathways`) and costs against fixed fees (at
designated hospitals); contract rate, delivery rate (履约率), on-time
follow-ups, blood-pressure and glucose control, health-record coverage; by county, township or
village and by year or month. Their written definitions are the ``programmes`` section of
``safetynet/indicators/definitions.yaml``.

Each figure carries its numerator and denominator, so a rate can be checked by hand and
summed over regions.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import polars as pl

from safetynet.programmes.pathways import evaluate
from safetynet.programmes.plan import disease_prefix, slots
from safetynet.programmes.schema import ProgrammeRules
from safetynet.programmes.states import OUTCOMES

# indicator id -> what it is also given for (None: one figure)
COMPUTED: dict[str, str | None] = {
    "programme_verified": "batch",
    "programme_treated_rate": "batch",
    "programme_in_county_share": "batch",
    "pathway_entered": "batch",
    "pathway_completion_rate": "batch",
    "pathway_deviation_rate": "batch",
    "pathway_designated_share": "batch",
    "fixed_fee_cost_ratio": None,
    "fixed_fee_overrun": None,
    "contract_rate": None,
    "delivery_rate": None,
    "follow_up_on_time_rate": None,
    "bp_control_rate": None,
    "glucose_control_rate": None,
    "health_record_rate": None,
}
RATIOS = {k for k in COMPUTED if k.endswith(("_rate", "_share", "_ratio"))}
LEVELS = ("county", "township", "village")
_PART_SCHEMA = {"indicator": pl.String, "part": pl.String, "region_code": pl.String,
                "numerator": pl.Int64, "denominator": pl.Int64}  # fmt: skip
RESULT_SCHEMA = {"indicator": pl.String, "part": pl.String, "region_code": pl.String,
                 "period": pl.Date, "numerator": pl.Int64, "denominator": pl.Int64,
                 "value": pl.Float64}  # fmt: skip


@dataclass(frozen=True)
class Frames:
    """What the rates read. ``villages``: village code → township and county codes;
    ``targets``: person ids of the target population, either one Series for every period or
    a frame of ``person_id`` and ``period`` (each period's start: its own population, as
    :func:`safetynet.programmes.load.targets_by_period` gives it); ``claims``: the year's
    claims with ``in_county``, ``level``, ``end_date`` and ``item_kinds`` (the pathways'
    columns); the rest as :mod:`safetynet.programmes.load` gives them."""

    persons: pl.DataFrame  # person_id, region_code (village), optionally deceased_on
    villages: pl.DataFrame  # village, township, county
    targets: pl.Series | pl.DataFrame
    patients: pl.DataFrame
    claims: pl.DataFrame
    contracts: pl.DataFrame
    services: pl.DataFrame


def periods(year: int, by_month: bool) -> list[tuple[dt.date, dt.date]]:
    if not by_month:
        return [(dt.date(year, 1, 1), dt.date(year + 1, 1, 1))]
    return [(dt.date(year, m, 1), dt.date(year + (m == 12), m % 12 + 1, 1)) for m in range(1, 13)]


def _pattern(prefixes: list[str]) -> str:
    return "^(?:" + "|".join(prefixes) + ")"


def _count(rows: pl.DataFrame, indicator: str, flag: str, part: str | None = None
           ) -> pl.DataFrame:  # fmt: skip
    """numerator = rows with ``flag``, denominator = rows, per region (and part)."""
    keys = ["region", *([part] if part else [])]
    agg = rows.group_by(keys).agg(
        pl.col(flag).sum().cast(pl.Int64).alias("numerator"),
        pl.len().cast(pl.Int64).alias("denominator"),
    )
    return agg.select(
        pl.lit(indicator).alias("indicator"),
        (pl.col(part) if part else pl.lit(None, pl.String)).alias("part"),
        pl.col("region").alias("region_code"), "numerator", "denominator",
    )  # fmt: skip


def _with_totals(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows per part plus the whole (part null) summed over parts."""
    if frame.is_empty():
        return frame
    whole = (
        frame.group_by("indicator", "region_code")
        .agg(pl.col("numerator").sum(), pl.col("denominator").sum())
        .with_columns(pl.lit(None, pl.String).alias("part"))
    )
    return pl.concat([frame, whole.select(frame.columns)])


def compute(
    rules: ProgrammeRules, f: Frames, year: int, *, level: str = "county", by_month: bool = False
) -> pl.DataFrame:
    """Every indicator of ``COMPUTED`` for each region of ``level`` and each period."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    where = f.persons.join(f.villages, left_on="region_code", right_on="village").select(
        "person_id", pl.col(level if level != "village" else "region_code").alias("region")
    )
    deaths = (
        f.persons.select("person_id", "deceased_on")
        if "deceased_on" in f.persons.columns
        else f.persons.select("person_id", pl.lit(None, pl.Date).alias("deceased_on"))
    )
    contracts = f.contracts.drop("deceased_on", strict=False).join(
        deaths, on="person_id", how="left"
    )
    slot = slots(rules, contracts, f.services.select("contract_id", "kind", "done_on")).join(
        where, on="person_id"
    )
    hyper = _pattern(rules.disease_list(rules.control.hypertension_list).prefixes())
    diab = _pattern(rules.disease_list(rules.control.diabetes_list).prefixes())
    measured = f.services.join(
        f.contracts.select(pl.col("id").alias("contract_id"),
                           pl.col("disease_code").alias("contract_disease")),
        on="contract_id",
    ).join(where, on="person_id")  # fmt: skip
    outcome_states = [s.value for s in OUTCOMES]
    admissions = evaluate(rules, f.claims).join(where, on="person_id")
    out: list[pl.DataFrame] = []
    for start, end in periods(year, by_month):
        parts: list[pl.DataFrame] = []
        p = f.patients.join(where, on="person_id")
        verified = p.filter(pl.col("verified_on") >= start, pl.col("verified_on") < end)
        parts.append(_with_totals(
            _count(verified.with_columns(pl.lit(True).alias("_v")), "programme_verified",
                   "_v", "batch").with_columns(pl.col("denominator").alias("numerator"))
        ))  # fmt: skip
        known = p.filter(pl.col("verified_on") < end).with_columns(
            (pl.col("state").is_in(outcome_states) & (pl.col("outcome_on") < end)).alias("_done")
        )
        parts.append(_with_totals(_count(known, "programme_treated_rate", "_done", "batch")))
        claims = f.claims.filter(pl.col("start_date") >= start, pl.col("start_date") < end)
        theirs = claims.join(known.select("person_id", "batch").unique(), on="person_id").join(
            where, on="person_id"
        )
        parts.append(_with_totals(
            _count(theirs, "programme_in_county_share", "in_county", "batch")
        ))  # fmt: skip
        entered = admissions.filter(pl.col("start_date") >= start, pl.col("start_date") < end)
        ours = entered.join(known.select("person_id", "batch").unique(), on="person_id")
        parts.append(_with_totals(
            _count(ours.with_columns(pl.lit(True).alias("_e")), "pathway_entered", "_e", "batch")
            .with_columns(pl.col("denominator").alias("numerator"))
        ))  # fmt: skip
        ours = ours.with_columns((~pl.col("completed")).alias("deviated"))
        for indicator, flag in (("pathway_completion_rate", "completed"),
                                ("pathway_deviation_rate", "deviated"),
                                ("pathway_designated_share", "designated")):  # fmt: skip
            parts.append(_with_totals(_count(ours, indicator, flag, "batch")))
        priced = entered.filter(pl.col("fee_fen").is_not_null())  # at a designated hospital
        fee_sums = priced.group_by("region").agg(
            pl.col("total_fen").sum().alias("numerator"),
            pl.col("fee_fen").sum().alias("denominator"),
            (pl.col("total_fen") - pl.col("fee_fen")).clip(lower_bound=0).sum().alias("overrun"),
        )  # fmt: skip
        parts.append(fee_sums.select(pl.lit("fixed_fee_cost_ratio").alias("indicator"),
                                     pl.lit(None, pl.String).alias("part"),
                                     pl.col("region").alias("region_code"),
                                     "numerator", "denominator"))  # fmt: skip
        parts.append(fee_sums.select(pl.lit("fixed_fee_overrun").alias("indicator"),
                                     pl.lit(None, pl.String).alias("part"),
                                     pl.col("region").alias("region_code"),
                                     pl.col("overrun").alias("numerator"),
                                     pl.lit(1, pl.Int64).alias("denominator")))  # fmt: skip
        live = f.contracts.filter(pl.col("valid_from") < end, pl.col("valid_to") > start)
        if isinstance(f.targets, pl.Series):  # the same for every period
            ids = f.targets
        else:
            ids = f.targets.filter(pl.col("period") == start)["person_id"]
        targets = where.filter(pl.col("person_id").is_in(ids.implode()))
        signed = targets.with_columns(
            pl.col("person_id").is_in(live["person_id"].implode()).alias("_c"),
            pl.col("person_id")
            .is_in(live.filter(pl.col("health_record_no").is_not_null())["person_id"].implode())
            .alias("_r"),
        )
        parts.append(_count(signed, "contract_rate", "_c"))
        parts.append(_count(signed, "health_record_rate", "_r"))
        due = slot.filter(pl.col("due_on") >= start, pl.col("due_on") < end).with_columns(
            (pl.col("done_on").is_not_null() & (pl.col("done_on") < end)).alias("_done"),
            # on time by the follow-up's own window, which may end after the period: a slot
            # due on the period's last day done a few days later is on time, not late
            (
                pl.col("done_on").is_not_null()
                & (pl.col("done_on") <= pl.col("due_on") + pl.duration(
                    days=rules.contracts.on_time_days))
            ).alias("_on_time"),
        )  # fmt: skip
        parts.append(_count(due, "delivery_rate", "_done"))
        parts.append(_count(due.filter(pl.col("kind") == "follow_up"), "follow_up_on_time_rate",
                            "_on_time"))  # fmt: skip
        inside = measured.filter(pl.col("done_on") >= start, pl.col("done_on") < end)
        code = disease_prefix("contract_disease").fill_null("")
        bp = (
            inside.filter(code.str.contains(hyper), pl.col("systolic").is_not_null())
            .sort("done_on", "id").group_by("person_id", "region").last()
            .with_columns(((pl.col("systolic") < rules.control.systolic_below)
                           & (pl.col("diastolic") < rules.control.diastolic_below)).alias("_ok"))
        )  # fmt: skip
        parts.append(_count(bp, "bp_control_rate", "_ok"))
        # glucose is recorded in tenths: below the line ⇔ below its tenths rounded up (exact
        # for a line of any precision: int() cut 6.95 to 6.9 and lost the readings of 6.9)
        glucose_line = math.ceil(rules.control.glucose_below * 10)
        gl = (
            inside.filter(code.str.contains(diab), pl.col("glucose_tenths").is_not_null())
            .sort("done_on", "id").group_by("person_id", "region").last()
            .with_columns((pl.col("glucose_tenths") < glucose_line).alias("_ok"))
        )  # fmt: skip
        parts.append(_count(gl, "glucose_control_rate", "_ok"))
        filled = [x.cast({"numerator": pl.Int64, "denominator": pl.Int64})
                  for x in parts if not x.is_empty()]  # fmt: skip
        frame = pl.concat(filled) if filled else pl.DataFrame(schema=_PART_SCHEMA)
        out.append(frame.with_columns(pl.lit(start).alias("period")))
    result = pl.concat(out)
    value = (
        pl.when(pl.col("indicator").is_in(list(RATIOS)))
        .then(pl.when(pl.col("denominator") > 0)
              .then(pl.col("numerator") / pl.col("denominator")))
        .otherwise(pl.col("numerator").cast(pl.Float64))
    )  # fmt: skip
    return (
        result.with_columns(value.alias("value"))
        .select(list(RESULT_SCHEMA))
        .cast(RESULT_SCHEMA)  # type: ignore[arg-type]
        .sort("indicator", "period", "region_code", "part", nulls_last=False)
    )
