"""The audit log page's events as an export table in the reader's language: the page's
columns, the time split into a real date and the time of day, on the county's clock (as
the page shows them)."""

from __future__ import annotations

from collections.abc import Sequence

from safetynet.clock import local, local_date
from safetynet.exports.table import Column, Table
from safetynet.i18n import translations
from safetynet.labels import AUDIT_ACTION, AUDIT_TARGET, named
from safetynet.store.models.security import AuditEvent


def audit_table(events: Sequence[AuditEvent], locale: str, note: str | None = None) -> Table:
    _ = translations(locale).gettext
    columns = [
        Column("date", _("Date (county time)"), "date"),
        Column("time", _("Time (county time)"), "text", 10),
        Column("username", _("User"), "text", 14),
        Column("action", _("Action"), "text", 14),
        Column("target", _("What"), "text", 14),
        Column("target_id", _("Which"), "text", 22),
        Column("client", _("Client address"), "text", 16),
    ]
    rows = [
        (local_date(e.at), local(e.at).strftime("%H:%M:%S"), e.username or "",
         named(AUDIT_ACTION, e.action, _),
         named(AUDIT_TARGET, e.target, _),
         e.target_id or "", e.client or "")
        for e in events
    ]  # fmt: skip
    return Table(_("Audit log"), columns, list(rows), note=note)
