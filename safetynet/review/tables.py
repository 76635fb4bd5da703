"""The review's exports as tables (xlsx, PDF) in either language: line decisions, deductions
per institution per month, sanction cases with recoveries, a spot check's extrapolation."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from safetynet.clock import local, stored_days
from safetynet.codes import LineDecision
from safetynet.exports.pdf import write_pdf
from safetynet.exports.table import Column, Table
from safetynet.exports.xlsx import write_xlsx
from safetynet.i18n import gettext_for
from safetynet.review import deductions, sanctions
from safetynet.review.queue import BillDay
from safetynet.review.sampling import Extrapolation
from safetynet.review.schema import ReviewParams
from safetynet.review.texts import DECISIONS, STATES
from safetynet.security.scope import region_contains, within
from safetynet.store.models import Claim, ClaimItem, Person, ReviewCase, ReviewLine


def _day_range(start: date, end: date) -> tuple[datetime, datetime]:
    """The stored (UTC) times of the county's days from ``start`` to ``end``, both included."""
    return stored_days(start, end)


def decisions_table(session: Session, start: date, end: date, locale: str = "en",
                    institution_code: str | None = None, region: str | None = None
                    ) -> Table:  # fmt: skip
    """Every line decided in the period (both ends included), oldest first; with ``region``,
    of claims of persons in that region only (as the review queue scopes cases)."""
    _ = gettext_for(locale)
    lo, hi = _day_range(start, end)
    query = (
        select(ReviewLine, ReviewCase.id, ReviewCase.institution_code, Claim.claim_no,
               ClaimItem.item_code)
        .join(ReviewCase, ReviewCase.id == ReviewLine.case_id)
        .join(Claim, Claim.id == ReviewCase.claim_id)
        .join(ClaimItem, ClaimItem.id == ReviewLine.claim_item_id)
        .where(ReviewLine.decision != LineDecision.PENDING, ReviewLine.decided_at >= lo,
               ReviewLine.decided_at <= hi)
        .order_by(ReviewLine.decided_at, ReviewLine.id)
    )  # fmt: skip
    if institution_code is not None:
        query = query.where(ReviewCase.institution_code == institution_code)
    if region is not None:
        query = query.join(Person, Person.id == Claim.person_id).where(
            within(Person.region_code, region)
        )
    rows = [
        (case_id, inst, claim_no, item, line.amount_fen, _(DECISIONS[line.decision.value]),
         line.deducted_fen, line.reason or "", line.rule_id or "", line.article,
         line.round, line.decided_by or "",
         local(line.decided_at).strftime("%Y-%m-%d %H:%M") if line.decided_at else "")
        for line, case_id, inst, claim_no, item in session.execute(query)
    ]  # fmt: skip
    columns = [
        Column("case", _("case"), "count"), Column("institution", _("institution")),
        Column("claim", _("claim number")), Column("item", _("item code")),
        Column("amount", _("amount"), "money"), Column("decision", _("decision")),
        Column("deducted", _("deducted"), "money"), Column("reason", _("reason"), width=30),
        Column("rule", _("rule")), Column("article", _("article"), "count"),
        Column("round", _("round"), "count"), Column("by", _("decided by")),
        Column("at", _("decided at")),
    ]  # fmt: skip
    note = _("Lines decided from %(start)s to %(end)s") % {"start": start, "end": end}
    return Table(_("Review decisions"), columns, rows, note)


def deductions_by_month(
    session: Session, start: date, end: date, region: str | None = None
) -> list[tuple[str, str, int, int]]:
    """(institution, month ``YYYY-MM``, entries, amount in fen) of the period, sorted; with
    ``region``, of claims of persons in that region only."""
    lo, hi = _day_range(start, end)
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    found = deductions.between(session, lo, hi)
    if region is not None:
        inside = set(session.scalars(
            select(Claim.id).join(Person, Person.id == Claim.person_id)
            .where(Claim.id.in_({d.claim_id for d in found}), within(Person.region_code, region))
        ))  # fmt: skip
        found = [d for d in found if d.claim_id in inside]
    for d in found:
        key = (d.institution_code, local(d.at).strftime("%Y-%m"))
        sums[key][0] += 1
        sums[key][1] += d.amount_fen
    return [(inst, month, n, fen) for (inst, month), (n, fen) in sorted(sums.items())]


def deductions_table(session: Session, start: date, end: date, locale: str = "en",
                     region: str | None = None) -> Table:  # fmt: skip
    """Deductions per institution per month (the ledger's entries recorded in the period)."""
    _ = gettext_for(locale)
    rows = deductions_by_month(session, start, end, region)
    columns = [
        Column("institution", _("institution")), Column("month", _("month")),
        Column("entries", _("entries"), "count"), Column("amount", _("deducted"), "money"),
    ]  # fmt: skip
    table = Table(_("Deductions per institution per month"), columns, list(rows),
                  _("Entries of the deduction ledger recorded from %(start)s to %(end)s")
                  % {"start": start, "end": end})  # fmt: skip
    table.rows.append((_("total"), "", sum(r[2] for r in rows), sum(r[3] for r in rows)))
    table.strong = {len(table.rows) - 1}
    return table


def cases_table(session: Session, locale: str = "en", institution_code: str | None = None,
                region: str | None = None) -> Table:  # fmt: skip
    """Sanction cases with the fine, recovered and outstanding amounts; with ``region``, of
    institutions and persons in that region only."""
    _ = gettext_for(locale)
    rows = [
        (r.id, r.party, r.article, r.finding, r.loss_fen, float(r.fine_multiple), r.fine_fen,
         r.recovered_fen, r.outstanding_fen, _(STATES[r.state]), r.opened_on)
        for r in sanctions.case_rows(session, institution_code)
        if region is None or region_contains(session, region, r.region_code)
    ]  # fmt: skip
    columns = [
        Column("id", _("case"), "count"), Column("party", _("institution or person")),
        Column("article", _("article"), "count"), Column("finding", _("finding"), width=30),
        Column("loss", _("loss to the fund"), "money"),
        Column("multiple", _("fine multiple"), "number"), Column("fine", _("fine"), "money"),
        Column("recovered", _("recovered"), "money"),
        Column("outstanding", _("outstanding"), "money"), Column("state", _("state")),
        Column("opened", _("opened"), "date"),
    ]  # fmt: skip
    return Table(_("Sanction cases and recoveries"), columns, rows,
                 _("Decree No. 735: loss, fine as a multiple of the loss, recovered"))  # fmt: skip


def extrapolation_table(est: Extrapolation, locale: str = "en",
                        names: dict[str, str] | None = None) -> Table:  # fmt: skip
    """A spot check's ratio estimate per stratum (``names``: the strata's names) and in total."""
    _ = gettext_for(locale)
    names = names or {}
    rows: list[tuple[object, ...]] = [
        (names.get(s.stratum, s.stratum), s.claims, s.amount_fen, s.checked, s.checked_fen,
         s.found_fen, s.ratio, s.to_recover_fen)
        for s in est.strata
    ]  # fmt: skip
    rows.append((_("total"), sum(s.claims for s in est.strata),
                 sum(s.amount_fen for s in est.strata), sum(s.checked for s in est.strata),
                 sum(s.checked_fen for s in est.strata), est.found_fen, est.error_rate,
                 est.to_recover_fen))  # fmt: skip
    columns = [
        Column("stratum", _("stratum")), Column("claims", _("claims"), "count"),
        Column("amount", _("amount"), "money"), Column("checked", _("checked"), "count"),
        Column("checked_fen", _("amount checked"), "money"),
        Column("found", _("found"), "money"), Column("ratio", _("error ratio"), "ratio"),
        Column("recover", _("to recover (unsampled)"), "money"),
    ]  # fmt: skip
    table = Table(_("Spot check: extrapolation per stratum"), columns, rows,
                  _("Interval at %(confidence)s: %(low)s to %(high)s yuan") % {
                      "confidence": f"{est.confidence:.0%}", "low": f"{est.low_fen / 100:,.2f}",
                      "high": f"{est.high_fen / 100:,.2f}"})  # fmt: skip
    table.strong = {len(rows) - 1}
    return table


def stratum_names(params: ReviewParams, locale: str) -> dict[str, str]:
    """The strata's names in ``locale`` (zh_Hans or English)."""
    return {s.id: s.name.zh if locale == "zh_Hans" else s.name.en for s in params.sampling.strata}


def write(tables: list[Table], out: Path, title: str) -> None:
    """Write ``tables`` as ``out``'s suffix says: .xlsx or .pdf."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".xlsx":
        write_xlsx(tables, out)
    elif out.suffix == ".pdf":
        out.write_bytes(write_pdf(title, tables))
    else:
        raise ValueError(f"{out}: write .xlsx or .pdf")


def daily_bill_table(days: list[BillDay], locale: str = "en") -> Table:
    """The daily bill (一日清单): each day's items and the day's total."""
    _ = gettext_for(locale)
    rows: list[tuple[object, ...]] = []
    strong = set()
    for day in days:
        for code, name, qty, amount in day.lines:
            rows.append((day.day, code, name, qty, amount))
        rows.append((day.day, "", _("day's total"), None, day.total_fen))
        strong.add(len(rows) - 1)
    columns = [
        Column("day", _("day"), "date"), Column("code", _("item code")),
        Column("name", _("item"), width=28), Column("quantity", _("quantity"), "count"),
        Column("amount", _("amount"), "money"),
    ]  # fmt: skip
    table = Table(_("Daily bill"), columns, rows)
    table.strong = strong
    return table
