"""The monitoring list and a re-assistance round as export tables (xlsx, PDF), in a language."""

from __future__ import annotations

import polars as pl

from safetynet.exports.table import Column, Table
from safetynet.i18n import N_, gettext_for

RULE_NAMES = {
    "self_pay_year": N_("compliant self-pay of the year above the line"),
    "household_half_income": N_("household out-of-pocket at half its income or more"),
    "household_above_income": N_("household out-of-pocket above its income"),
    "poor_promise": N_("promise to the poor broken (out-of-pocket or reimbursed share)"),
    "serious_disease": N_("a serious disease of the list"),
    "admissions": N_("several admissions in the year"),
}
LEVEL_NAMES = {"watch": N_("watch"), "alert": N_("alert"), "severe": N_("severe")}
STATE_NAMES = {
    "open": N_("to verify"),
    "verified": N_("verified"),
    "handed_over": N_("handed over"),
    "measures": N_("measures taken"),
    "closed": N_("closed"),
    "dismissed": N_("dismissed"),
}

STEP_NAMES = {
    "visit_confirmed": N_("home visit: risk confirmed"),
    "visit_dismissed": N_("home visit: no risk found"),
    "hand_over": N_("handed over to civil affairs and the poverty office"),
    "measure:re_assistance": N_("measure: re-assistance"),
    "measure:medical_assistance": N_("measure: medical assistance"),
    "measure:three_batches": N_("measure: three-batches treatment"),
    "measure:status_change": N_("measure: change of poverty status"),
    "follow_up_below": N_("follow-up: below the lines"),
    "follow_up_above": N_("follow-up: still above a line"),
    "measure": N_("a measure taken"),
    "close": N_("closed"),
}
ERROR_NAMES = {
    "step.out_of_order": N_("This step cannot come now: the warning is not at that stage."),
    "close.too_early": N_(
        "Not yet: the household has not been followed up below the lines for enough months."
    ),
    "step.before_detection": N_("The date is before the warning was raised."),
    "measure.unknown": N_("Choose the measure taken."),
    "step.unknown": N_("Choose a step."),
}
KIND_NAMES = {
    "inpatient": N_("inpatient"),
    "outpatient": N_("outpatient"),
    "chronic_outpatient": N_("chronic-disease outpatient"),
}
SOURCE_NAMES = {"declared": N_("declared"), "poverty_office": N_("poverty office")}


def translated(column: str, names: dict[str, str], lang: str) -> pl.Expr:
    """A column of codes shown in ``lang`` (a code without a name stays as it is)."""
    _ = gettext_for(lang)
    return pl.col(column).replace_strict(
        {k: _(v) for k, v in names.items()}, default=pl.col(column), return_dtype=pl.String
    )


def rule_name(rule_id: str, lang: str) -> str:
    _ = gettext_for(lang)
    return _(RULE_NAMES[rule_id]) if rule_id in RULE_NAMES else rule_id


def monitoring_table(frame: pl.DataFrame, year: int, lang: str) -> Table:
    """The monitoring list (``service.monitoring_list``'s rows, with ``person_name`` and
    ``household_no`` when known) as one table."""
    _ = gettext_for(lang)
    rows = frame.with_columns(
        pl.col("rule_id")
        .replace_strict({k: _(v) for k, v in RULE_NAMES.items()}, default=pl.col("rule_id"))
        .alias("rule"),
        pl.col("level").replace_strict({k: _(v) for k, v in LEVEL_NAMES.items()}).alias("lvl"),
        pl.col("state").replace_strict({k: _(v) for k, v in STATE_NAMES.items()}).alias("st"),
        pl.when(pl.col("unit") == "fen").then(pl.col("measure")).alias("amount"),
        pl.when(pl.col("overdue")).then(pl.lit(_("overdue"))).otherwise(pl.lit("")).alias("late"),
    )
    columns = [
        Column("region_code", _("Village"), width=14),
        Column("household_id", _("Household"), "count", width=10),
        Column("person_id", _("Person"), "count", width=10),
        Column("rule", _("Rule"), width=36),
        Column("lvl", _("Level"), width=8),
        Column("amount", _("Amount"), "money", width=12),
        Column("detected_on", _("Detected"), "date", width=11),
        Column("verify_due_on", _("Visit due"), "date", width=11),
        Column("st", _("State"), width=12),
        Column("late", _("Overdue"), width=8),
    ]
    return Table.from_frame(_("Monitoring list of %(year)s") % {"year": year}, rows, columns)


def round_table(
    frame: pl.DataFrame, year: int, budget_fen: int, lang: str, window_fen: int = 0
) -> Table:
    """A re-assistance round: each household's amount with what explains it."""
    _ = gettext_for(lang)
    columns = [
        Column("household_id", _("Household"), "count", width=10),
        Column("persons", _("Persons above the line"), "count", width=10),
        Column("self_pay_fen", _("Compliant self-pay"), "money", width=14),
        Column("excess_fen", _("Above the line"), "money", width=14),
        Column("entitlement_fen", _("Entitlement"), "money", width=14),
        Column("window_fen", _("Paid at the window"), "money", width=14),
        Column("owed_fen", _("Owed"), "money", width=14),
        Column("scale", _("Share of the budget"), "ratio", width=10),
        Column("amount_fen", _("Paid in this round"), "money", width=14),
    ]
    rows = frame.with_columns((pl.col("scale_bp") / 10_000).alias("scale"))
    total = int(frame["amount_fen"].sum() or 0)
    note = _(
        "Budget %(budget)s yuan, of which paid at the window %(window)s yuan; paid in this "
        "round %(paid)s yuan. Owed = entitlement less what was paid at the window."
    ) % {
        "budget": f"{budget_fen / 100:,.2f}", "window": f"{window_fen / 100:,.2f}",
        "paid": f"{total / 100:,.2f}",
    }  # fmt: skip
    return Table.from_frame(_("Re-assistance round of %(year)s") % {"year": year}, rows, columns,
                            note)  # fmt: skip
