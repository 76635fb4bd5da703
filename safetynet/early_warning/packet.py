"""The hand-over packet of a warning for civil affairs and the poverty office: the household
and its members, its income and the income's history, the year's claims and out-of-pocket,
every rule hit and the workflow so far — as tables for Excel or PDF, in a language.

Names are given in full (the receiving offices act on them); resident IDs are masked as
everywhere else in exports.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from safetynet.clock import local_date_expr
from safetynet.early_warning.load import load_ledger
from safetynet.early_warning.tables import (
    KIND_NAMES,
    LEVEL_NAMES,
    SOURCE_NAMES,
    STEP_NAMES,
    rule_name,
    translated,
)
from safetynet.exports.pdf import write_pdf
from safetynet.exports.table import Column, Table
from safetynet.exports.xlsx import xlsx_bytes
from safetynet.i18n import gettext_for
from safetynet.registry.masking import mask_resident_id
from safetynet.store.models import (
    EarlyWarning,
    Household,
    HouseholdIncome,
    Person,
    Region,
    WarningEvent,
)


def _frame(rows: list[tuple[object, ...]], schema: dict[str, type[pl.DataType]]) -> pl.DataFrame:
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def packet_tables(session: Session, warning_id: int, lang: str) -> list[Table]:
    """The packet's tables (raises ``LookupError`` for an unknown warning)."""
    _ = gettext_for(lang)
    warning = session.get(EarlyWarning, warning_id)
    if warning is None:
        raise LookupError(f"no warning {warning_id}")
    home = session.get(Household, warning.household_id)
    assert home is not None
    ledger = load_ledger(session.connection(), warning.year, household_id=home.id)
    # the members of the year: the present ones, and whoever was settled in the household
    # or warned with it that year (a member who moved away since keeps their name on their
    # claims and on the warning named to this household)
    W = EarlyWarning
    warned = select(W.person_id).where(
        W.household_id == home.id, W.year == warning.year, W.person_id.is_not(None)
    )
    settled = sorted(set(ledger["person_id"].to_list()))
    members = _frame(
        session.execute(
            select(Person.id, Person.name, Person.resident_id, Person.relation)
            .where(
                (Person.household_id == home.id) | Person.id.in_(settled) | Person.id.in_(warned)
            )
            .order_by(Person.id)
        ).all(),
        {"person_id": pl.Int64, "name": pl.String, "resident_id": pl.String, "relation": pl.String},
    ).with_columns(pl.col("resident_id").map_elements(mask_resident_id, return_dtype=pl.String))
    paid = ledger.group_by("person_id").agg(
        pl.col("total_fen", "paid_fen", "out_of_pocket_fen").sum()
    )
    members = members.join(paid, on="person_id", how="left").with_columns(
        pl.col("total_fen", "paid_fen", "out_of_pocket_fen").fill_null(0)
    )
    head = Table.from_frame(
        _("Household %(number)s, village %(village)s")
        % {"number": home.number, "village": _village(session, home.region_code)},
        members,
        [
            Column("name", _("Name"), width=10),
            Column("resident_id", _("Resident ID"), width=20),
            Column("relation", _("Relation"), width=8),
            Column("total_fen", _("Total cost"), "money", width=12),
            Column("paid_fen", _("Paid by the scheme"), "money", width=12),
            Column("out_of_pocket_fen", _("Out of pocket"), "money", width=12),
        ],
        _("The year %(year)s, every member's claims") % {"year": warning.year},
    )
    H = HouseholdIncome
    income = _frame(
        session.execute(
            select(H.year, H.income_fen, type_coerce(H.source, String), H.reference, H.recorded_at)
            .where(H.household_id == home.id)
            .order_by(H.year, H.id)
        ).all(),
        {"year": pl.Int64, "income_fen": pl.Int64, "source": pl.String, "reference": pl.String,
         "recorded_at": pl.Datetime},
    )  # fmt: skip
    income = income.with_columns(
        local_date_expr("recorded_at"), translated("source", SOURCE_NAMES, lang)
    )
    incomes = Table.from_frame(
        _("Household income and its history"),
        income,
        [
            Column("year", _("Year"), width=6),
            Column("income_fen", _("Income"), "money", width=12),
            Column("source", _("Source"), width=12),
            Column("reference", _("Reference"), width=14),
            Column("recorded_at", _("Recorded"), "date", width=11),
        ],
    )
    names = dict(members.select("person_id", "name").iter_rows())
    claims = ledger.sort("claim_date", "claim_id").with_columns(
        pl.col("person_id").replace_strict(names, default="").alias("name"),
        translated("kind", KIND_NAMES, lang),
    )
    claim_table = Table.from_frame(
        _("Claims of the year"),
        claims,
        [
            Column("claim_date", _("Date"), "date", width=11),
            Column("name", _("Name"), width=10),
            Column("kind", _("Kind"), width=12),
            Column("diagnosis", _("Diagnosis"), width=8),
            Column("total_fen", _("Total cost"), "money", width=12),
            Column("paid_fen", _("Paid by the scheme"), "money", width=12),
            Column("out_of_pocket_fen", _("Out of pocket"), "money", width=12),
        ],
    )
    hits = _frame(
        session.execute(
            select(
                W.id, W.rule_id, W.level, W.person_id, W.measure, W.threshold, W.unit, W.detected_on
            )
            .where(W.household_id == home.id, W.year == warning.year)
            .order_by(W.id)
        ).all(),
        {
            "id": pl.Int64,
            "rule_id": pl.String,
            "level": pl.String,
            "person_id": pl.Int64,
            "measure": pl.Int64,
            "threshold": pl.Int64,
            "unit": pl.String,
            "detected_on": pl.Date,
        },
    ).with_columns(
        pl.col("rule_id").map_elements(lambda r: rule_name(r, lang), return_dtype=pl.String),
        pl.col("level").replace_strict({k: _(v) for k, v in LEVEL_NAMES.items()}),
        pl.col("person_id").replace_strict(names, default="", return_dtype=pl.String).alias("name"),
        pl.when(pl.col("unit") == "fen").then(pl.col("measure")).alias("amount"),
        pl.when(pl.col("unit") == "fen").then(pl.col("threshold")).alias("line"),
    )
    rules = Table.from_frame(
        _("Rules hit"),
        hits,
        [
            Column("rule_id", _("Rule"), width=36),
            Column("level", _("Level"), width=8),
            Column("name", _("Name"), width=10),
            Column("amount", _("Amount"), "money", width=12),
            Column("line", _("Line"), "money", width=12),
            Column("detected_on", _("Detected"), "date", width=11),
        ],
    )
    E = WarningEvent
    steps = _frame(
        session.execute(
            select(E.done_on, E.step, E.note, E.recorded_by)
            .join(W, W.id == E.warning_id)
            .where(W.household_id == home.id, W.year == warning.year)
            .order_by(E.done_on, E.id)
        ).all(),
        {"done_on": pl.Date, "step": pl.String, "note": pl.String, "recorded_by": pl.String},
    ).with_columns(translated("step", STEP_NAMES, lang))
    workflow = Table.from_frame(
        _("Steps so far"),
        steps,
        [
            Column("done_on", _("Date"), "date", width=11),
            Column("step", _("Step"), width=20),
            Column("note", _("Note"), width=40),
            Column("recorded_by", _("By"), width=10),
        ],
    )
    return [head, incomes, claim_table, rules, workflow]


def packet_title(session: Session, warning_id: int, lang: str) -> str:
    _ = gettext_for(lang)
    return _("Hand-over packet of warning %(id)s") % {"id": warning_id}


def packet_xlsx(session: Session, warning_id: int, lang: str) -> bytes:
    return xlsx_bytes(packet_tables(session, warning_id, lang))


def packet_pdf(session: Session, warning_id: int, lang: str, today: date) -> bytes:
    tables = packet_tables(session, warning_id, lang)
    return write_pdf(packet_title(session, warning_id, lang), tables, subtitle=today.isoformat())


def _village(session: Session, code: str) -> str:
    """A village by its name, its code beside it (the packet is handed over on paper)."""
    name = session.scalar(select(Region.name).where(Region.code == code))
    return f"{name} ({code})" if name else code
