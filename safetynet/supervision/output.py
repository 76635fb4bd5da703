"""Screening hits as files (Parquet, CSV, xlsx) and their facts as words in either language.

Parquet and CSV keep the hits as they are (``facts`` a JSON object). The xlsx workbook
(through :mod:`safetynet.exports`) shows each rule by its name and the facts as a sentence of
translated labels, in English or Chinese.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import polars as pl

from safetynet.exports.csv_file import write_frame_csv
from safetynet.exports.table import Column, Table
from safetynet.exports.xlsx import write_xlsx
from safetynet.i18n import N_, gettext_for
from safetynet.supervision.schema import RuleSet

SUFFIXES = (".parquet", ".csv", ".xlsx")
SEVERITIES = {"warn": N_("warning"), "block": N_("blocked"), "deduct": N_("deduct")}
FACT_LABELS = {
    "reason": N_("reason"),
    "code": N_("item"),
    "day": N_("day"),
    "days": N_("days"),
    "units": N_("units"),
    "daily_limit": N_("daily limit"),
    "package": N_("package"),
    "unit_price_fen": N_("unit price (fen)"),
    "price_ceiling_fen": N_("price ceiling (fen)"),
    "stay_days": N_("days of stay"),
    "hours": N_("hours"),
    "max_hours_per_day": N_("hours allowed a day"),
    "previous_claim": N_("previous claim"),
    "previous_discharged": N_("previous discharge"),
    "admitted": N_("admitted"),
    "discharged": N_("discharged"),
    "gap_days": N_("days since the discharge"),
    "window_days": N_("window (days)"),
    "category": N_("diagnosis category"),
    "other_claim": N_("other claim"),
    "other_institution": N_("other institution"),
    "other_discharged": N_("other stay's discharge"),
    "stay_claim": N_("stay"),
    "stay_institution": N_("institution of the stay"),
    "visit_date": N_("visit date"),
    "diagnosis": N_("diagnosis"),
    "sex": N_("sex"),
    "age": N_("age"),
    "date": N_("date"),
    "deceased_on": N_("date of death"),
    "sex_restriction": N_("for sex"),
    "min_age": N_("minimum age"),
    "max_age": N_("maximum age"),
    "max_stay_days": N_("longest low-threshold stay (days)"),
    "surgery_or_iv": N_("surgery or IV therapy"),
    "month": N_("month"),
    "purchases": N_("purchases"),
    "max_purchases_per_month": N_("purchases allowed a month"),
    "run_start": N_("first day"),
    "consecutive_days": N_("consecutive days"),
    "limit_days": N_("consecutive days allowed"),
    "self_paid_fen": N_("out-of-catalog amount (fen)"),
    "total_fen": N_("total (fen)"),
    "share_bp": N_("share (basis points)"),
    "max_share_bp": N_("share allowed (basis points)"),
    "prescriptions": N_("prescriptions that day"),
    "max_prescriptions_per_day": N_("prescriptions allowed a day"),
    "earlier_claim": N_("earlier claim"),
    "earlier_institution": N_("institution of the earlier test"),
    "earlier_day": N_("day of the earlier test"),
    "days_since_test": N_("days since the earlier test"),
    "first_treated": N_("first substantive treatment"),
    "untreated_days": N_("days without treatment"),
    "max_untreated_days": N_("days allowed without treatment"),
    "phone": N_("phone number"),
    "persons": N_("insured persons"),
    "max_persons": N_("persons allowed"),
    "top_amount_fen": N_("lowest amount among the top claims (fen)"),
    "ward_units": N_("ordinary bed-days billed"),
    "special_units": N_("special-ward or ICU bed-days billed"),
    "days_billed_twice": N_("bed-days billed twice"),
    "first_day": N_("first day billed twice"),
}
REASONS = {
    "diagnosis for women only": N_("diagnosis for women only"),
    "diagnosis for men only": N_("diagnosis for men only"),
    "diagnosis for newborns only": N_("diagnosis for newborns only"),
    "claim after death": N_("claim after death"),
    "discharge after death": N_("discharge after death"),
    "service after death": N_("service after death"),
    "item restricted by sex or age": N_("item restricted by sex or age"),
    "purchases in a month": N_("purchases in a month"),
    "consecutive days": N_("consecutive days"),
    "split prescriptions": N_("split prescriptions"),
    "one phone number for several persons": N_("one phone number for several persons"),
}
SEXES = {"M": N_("male"), "F": N_("female")}


# how a hit names a claim of the same submission that has no number yet (it was screened
# under a placeholder, :data:`~safetynet.supervision.service.NEW_CLAIM`)
ANOTHER = N_("another claim in this submission")
_SCREENED_NAME = re.compile(r"~new \d+")


def screened_name(value: Any) -> bool:
    """Whether a fact's value is the placeholder a claim of the batch was screened under."""
    return isinstance(value, str) and _SCREENED_NAME.fullmatch(value) is not None


def facts_text(facts: str, locale: str = "en") -> str:
    """A hit's facts as ``label: value; ...`` in ``locale``."""
    _ = gettext_for(locale)
    parts = []
    for key, value in json.loads(facts).items():
        if value is None:
            continue
        shown: Any = value
        if screened_name(value):
            shown = _(ANOTHER)
        elif key == "reason":
            shown = _(REASONS.get(value, value))
        elif key in ("sex", "sex_restriction"):
            shown = _(SEXES.get(value, value))
        elif isinstance(value, bool):
            shown = _("yes") if value else _("no")
        parts.append(f"{_(FACT_LABELS.get(key, key))}: {shown}")
    return "; ".join(parts)


def hits_table(hits: pl.DataFrame, rules: RuleSet, locale: str = "en") -> Table:
    """The hits as an export table: rule names, severities and facts in ``locale``."""
    _ = gettext_for(locale)
    zh = locale.startswith("zh")
    names = {i: (r.name.zh if zh else r.name.en) for i, r in rules.rule_names().items()}
    columns = [
        Column("rule", _("rule")),
        Column("severity", _("severity")),
        Column("article", _("article of Decree No. 735"), "count"),
        Column("claim_no", _("claim")),
        Column("person_id", _("person")),
        Column("institution", _("institution")),
        Column("doctor", _("doctor")),
        Column("date", _("date"), "date"),
        Column("amount_fen", _("amount at stake"), "money"),
        Column("facts", _("facts"), width=80),
    ]
    rows = [
        (
            names.get(h["rule_id"], h["rule_id"]),
            _(SEVERITIES[h["severity"]]),
            h["article"],
            h["claim_no"],
            h["person_id"],
            h["institution"],
            h["doctor"],
            h["date"],
            h["amount_fen"],
            facts_text(h["facts"], locale),
        )
        for h in hits.iter_rows(named=True)
    ]
    title = _("Screening hits: %(rules)s") % {"rules": rules.title_zh if zh else rules.title_en}
    return Table(title, columns, rows, sheet=_("hits"))


def indicators_table(indicators: pl.DataFrame, rules: RuleSet, locale: str = "en") -> Table:
    """The supervision indicators with their written definitions, in ``locale``."""
    from safetynet.indicators.definitions import definitions

    _ = gettext_for(locale)
    zh = locale.startswith("zh")
    defs = definitions().by_id()
    names = {i: (r.name.zh if zh else r.name.en) for i, r in rules.rule_names().items()}
    rows = []
    for ind, part, value in indicators.iter_rows():
        d = defs[ind]
        shown = None if value is None else round(value) if d.unit == "money" else round(value, 2)
        rows.append((d.name(locale), names.get(part, part) if part else _("all"), shown,
                     d.formula(locale)))  # fmt: skip
    columns = [
        Column("indicator", _("indicator")),
        Column("part", _("for")),
        Column("value", _("value"), "number"),
        Column("formula", _("formula"), width=60),
    ]
    return Table(_("Supervision indicators"), columns, rows, sheet=_("indicators"))


def write_hits(
    hits: pl.DataFrame,
    path: Path,
    rules: RuleSet,
    locale: str = "en",
    indicators: pl.DataFrame | None = None,
) -> None:
    """Write the hits by the file's suffix: ``.parquet``, ``.csv`` or ``.xlsx``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        hits.write_parquet(path)
    elif path.suffix == ".csv":
        write_frame_csv(hits, path)
    elif path.suffix == ".xlsx":
        tables = [hits_table(hits, rules, locale)]
        if indicators is not None:
            tables.append(indicators_table(indicators, rules, locale))
        write_xlsx(tables, path)
    else:
        raise ValueError(f"{path}: write .parquet, .csv or .xlsx")
