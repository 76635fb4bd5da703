"""Person search results and a person's claims as export tables in the reader's language.

The search results table is what the persons page shows, cell for cell: the page renders
this table, so for a user who sees masked lists (analysts) the names, resident IDs and birth
dates are masked here, together (:func:`safetynet.registry.masking.masked_identity`: the
year of birth only, the ID without its tail), once, and neither the page nor the workbook
can show more than the other. Such a user sees no age either: the age today beside the year
of birth says whether the birthday is past, and read on the day it changes gives the whole
birth date back.
"""

from __future__ import annotations

from collections.abc import Sequence

from safetynet import labels
from safetynet.exports.table import Column, Table
from safetynet.i18n import translations
from safetynet.registry.lookup import ClaimRow, Found, PersonRecord
from safetynet.registry.masking import masked_identity
from safetynet.store.models.ledger import EntryKind


def persons_table(found: Sequence[Found], masked: bool, locale: str, note: str | None) -> Table:
    """The search results; names, resident IDs and birth dates masked when ``masked``."""
    _ = translations(locale).gettext
    columns = [
        Column("name", _("Name"), "text", 12),
        Column("resident_id", _("Resident ID"), "text", 21),
        Column("sex", _("Sex"), "text", 8),
        Column("birth_year", _("Year of birth"), "text", 10)
        if masked
        else Column("birth_date", _("Birth date"), "date"),
        *([] if masked else [Column("age", _("Age"), "count")]),
        Column("village", _("Village"), "text", 14),
        Column("status", _("Poverty status"), "text", 18),
    ]
    sep = "、" if locale == "zh_Hans" else ", "
    rows = []
    for f in found:
        p = f.person
        shown = (
            masked_identity(p.name, p.resident_id, p.birth_date)
            if masked
            else (p.name, p.resident_id, p.birth_date)
        )
        sex = _(labels.SEX.get(p.sex.value, p.sex.value))
        status = sep.join(_(labels.STATUS[s]) for s in sorted(f.statuses))
        age = () if masked else (f.age,)
        rows.append((shown[0], shown[1], sex, shown[2], *age, f.village, status))
    return Table(_("Persons"), columns, list(rows), note=note)


def _entries(row: ClaimRow, locale: str) -> str:
    """The claim's ledger entries as the page's links read: ``slip #12, refund #13``."""
    _ = translations(locale).gettext
    words = {EntryKind.SETTLEMENT: _("slip"), EntryKind.REVERSAL: _("refund")}
    return ", ".join(f"{words.get(e.entry_kind, e.entry_kind)} #{e.id}" for e in row.entries)


def claims_table(record: PersonRecord, locale: str) -> Table:
    """The person page's claims: as the page, the amounts of the first ledger entry."""
    _ = translations(locale).gettext
    columns = [
        Column("date", _("Date"), "date"),
        Column("kind", _("Kind"), "text", 16),
        Column("institution", _("Institution"), "text", 28),
        Column("diagnosis", _("Diagnosis"), "text", 10),
        Column("total_fen", _("Total (yuan)"), "money"),
        Column("paid_fen", _("Paid (yuan)"), "money"),
        Column("out_of_pocket_fen", _("Patient pays (yuan)"), "money"),
        Column("entries", _("Ledger entries"), "text", 24),
    ]
    rows = []
    for row in record.claims:
        c, first = row.claim, (row.entries[0] if row.entries else None)
        rows.append((
            c.start_date,
            _(labels.KIND.get(c.kind.value, c.kind.value)),
            row.institution.name if row.institution else c.institution_code,
            c.diagnosis_code or "",
            c.total_fen,
            first.paid_fen if first else None,
            first.out_of_pocket_fen if first else None,
            _entries(row, locale),
        ))  # fmt: skip
    p = record.person
    return Table(_("Claims"), columns, rows, note=f"{p.name} {p.resident_id}")
