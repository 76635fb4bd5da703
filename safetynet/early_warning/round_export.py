"""A re-assistance round as export tables (xlsx, PDF) for a reader's region: the round's
figures, each household's explained amount, and the households' members (names and resident
IDs as :mod:`round_view` gives them: masked for a reader without the right to see them).
The writers keep hostile text inert: formulas written as text, markup escaped."""

from __future__ import annotations

from safetynet.early_warning.round_view import STATES, HouseholdRow, RoundSummary
from safetynet.exports.pdf import write_pdf
from safetynet.exports.table import Column, Table
from safetynet.exports.xlsx import xlsx_bytes
from safetynet.i18n import gettext_for


def round_tables(summary: RoundSummary, rows: list[HouseholdRow], lang: str) -> list[Table]:
    """The round's households and their members as two tables."""
    _ = gettext_for(lang)
    title = _("Re-assistance round %(id)s of %(year)s") % {"id": summary.id, "year": summary.year}
    note = _(
        "%(state)s. Budget %(budget)s yuan, of which paid at the window %(window)s yuan; "
        "owed %(owed)s yuan; paid in this round %(paid)s yuan. Owed = entitlement less what "
        "was paid at the window; when the pot is short each household gets the same share."
    ) % {
        "state": _(STATES.get(summary.state, summary.state)),
        "budget": f"{summary.budget_fen / 100:,.2f}", "window": f"{summary.window_fen / 100:,.2f}",
        "owed": f"{summary.owed_fen / 100:,.2f}", "paid": f"{summary.amount_fen / 100:,.2f}",
    }  # fmt: skip
    households = Table(
        title,
        [
            Column("number", _("Household"), width=14),
            Column("village", _("Village"), width=12),
            Column("persons", _("Persons above the line"), "count", width=10),
            Column("self_pay", _("Compliant self-pay"), "money", width=14),
            Column("excess", _("Above the line"), "money", width=14),
            Column("entitlement", _("Entitlement"), "money", width=14),
            Column("window", _("Paid at the window"), "money", width=14),
            Column("owed", _("Owed"), "money", width=14),
            Column("scale", _("Share of the budget"), "ratio", width=10),
            Column("amount", _("Paid in this round"), "money", width=14),
        ],
        [
            (
                h.number,
                h.village,
                h.persons,
                h.self_pay_fen,
                h.excess_fen,
                h.entitlement_fen,
                h.window_fen,
                h.owed_fen,
                h.scale,
                h.amount_fen,
            )
            for h in rows
        ],
        note,
        sheet=_("Households"),
    )
    members = Table(
        _("Members of the households"),
        [
            Column("number", _("Household"), width=14),
            Column("name", _("Name"), width=12),
            Column("resident_id", _("Resident ID"), width=20),
            Column("relation", _("Relation"), width=8),
        ],
        [(h.number, m.name, m.resident_id, m.relation or "") for h in rows for m in h.members],
        sheet=_("Members"),
    )
    return [households, members]


def round_xlsx(summary: RoundSummary, rows: list[HouseholdRow], lang: str) -> bytes:
    return xlsx_bytes(round_tables(summary, rows, lang))


def round_pdf(summary: RoundSummary, rows: list[HouseholdRow], lang: str) -> bytes:
    tables = round_tables(summary, rows, lang)
    return write_pdf(tables[0].title, tables, subtitle=tables[0].note)
