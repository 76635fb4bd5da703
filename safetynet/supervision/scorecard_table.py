"""The risk scorecard as an export table (xlsx) in either language."""

from __future__ import annotations

import polars as pl

from safetynet.exports.table import Column, Table
from safetynet.i18n import N_, gettext_for
from safetynet.supervision.scores import METRICS

METRIC_LABELS = {
    "length_of_stay": N_("length of stay (days)"),
    "cost_per_admission": N_("cost per admission"),
    "cost_per_bed_day": N_("cost per bed-day"),
    "drug_share": N_("drug share"),
    "admissions_per_1000": N_("admissions per 1,000 enrolled"),
    "readmission_rate": N_("readmissions within the rules' days"),
    "hit_amount_rate": N_("flagged amount per yuan billed"),
    "low_threshold_share": N_("low-threshold admissions"),
    "group_admission_share": N_("group admissions"),
}
# the peer alert (``scoring.readmission_alert``): its label on the scorecard's pages
READMISSION_ALERT = N_("readmission rate above its peers' percentile")
UNIT_TYPES = {"institution": N_("institution"), "doctor": N_("doctor")}
LEVELS = {
    "village": N_("village clinic"),
    "township": N_("township health centre"),
    "county": N_("county hospital"),
    "city": N_("city hospital"),
    "province": N_("provincial hospital"),
    "out_of_province": N_("out-of-province hospital"),
}
KIND = {"cost_per_admission": "money", "cost_per_bed_day": "money", "drug_share": "ratio",
        "readmission_rate": "ratio", "hit_amount_rate": "ratio", "low_threshold_share": "ratio",
        "group_admission_share": "ratio"}  # fmt: skip


def scorecard_table(card: pl.DataFrame, locale: str = "en", title: str = "") -> Table:
    """Every unit's rank, score, metrics and each metric's contribution to the score."""
    _ = gettext_for(locale)
    columns = [
        Column("unit_type", _("kind")),
        Column("unit", _("code")),
        Column("level", _("level")),
        Column("rank", _("rank in level"), "count"),
        Column("score", _("risk score"), "number"),
        Column("abnormal", _("abnormal metrics (robust z beyond the flag line)")),
        Column("readmission_alert", _(READMISSION_ALERT)),
        Column("claims", _("claims"), "count"),
        Column("admissions", _("admissions"), "count"),
    ]
    columns += [Column(k, _(METRIC_LABELS[k]), KIND.get(k, "number")) for k in METRICS]  # type: ignore[arg-type]
    columns += [
        Column(f"c_{k}", _("contribution: %(metric)s") % {"metric": _(METRIC_LABELS[k])},
               "number")
        for k in METRICS
    ]  # fmt: skip
    money = [k for k, v in KIND.items() if v == "money"]
    names = {k: _(v) for k, v in METRIC_LABELS.items()}
    shown = card.with_columns(
        pl.col("abnormal").list.eval(pl.element().replace_strict(names)).list.join(", "),
        pl.when(pl.col("readmission_alert")).then(pl.lit(_("yes"))).otherwise(pl.lit("")),
        pl.col("unit_type").replace_strict({k: _(v) for k, v in UNIT_TYPES.items()}),
        pl.col("level").replace_strict(
            {k: _(v) for k, v in LEVELS.items()}, default=pl.col("level")
        ),
        *(pl.col(k).round(0).cast(pl.Int64) for k in money),
        *(pl.col(c).round(2) for c in ["score", *(f"c_{k}" for k in METRICS),
                                        "length_of_stay", "admissions_per_1000"]),
    )  # fmt: skip
    return Table.from_frame(title or _("Risk scorecard"), shown, columns)
