"""What the notice tests check against: the ledger summed the plain way (entry by entry, in
Python), every person's real name and resident ID, refunds, and the text of the outputs."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from datetime import date, datetime

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import Engine, select

from safetynet.clock import local_date
from safetynet.regions import descendants
from safetynet.settlement.service import refund
from safetynet.store.db import session_scope
from safetynet.store.models import Claim, Institution, Person, Region, Settlement, SettlementLayer
from safetynet.store.models.ledger import EntryKind

FULL_ID = re.compile(r"\d{17}[\dXx]")


def month_of(entry: Settlement, claim: Claim) -> tuple[int, int]:
    """The notice month of a ledger entry: discharge for a settlement, recording for a refund
    (the county's date of the stored UTC time)."""
    day = (
        claim.end_date if entry.entry_kind == EntryKind.SETTLEMENT else local_date(entry.created_at)
    )
    return day.year, day.month


def ledger_month(engine: Engine, region_code: str, year: int, month: int) -> dict[str, int]:
    """Net claims, persons and every amount of the region's entries of the month; a settlement
    refunded in the same month and its refund are left out, both."""
    out: dict[str, int] = defaultdict(int)
    persons: set[int] = set()
    with session_scope(engine) as s:
        codes = set(descendants(s, region_code))
        ids = []
        rows = [
            (entry, person)
            for entry, claim, person in s.execute(
                select(Settlement, Claim, Person)
                .join(Claim, Claim.id == Settlement.claim_id)
                .join(Person, Person.id == Settlement.person_id)
            ).all()
            if person.region_code in codes and month_of(entry, claim) == (year, month)
        ]
        listed = {entry.id for entry, _ in rows}
        cancelled = {e.id for e, _ in rows if e.reverses_id in listed}
        cancelled |= {e.reverses_id for e, _ in rows if e.reverses_id in listed}
        for entry, person in rows:
            if entry.id in cancelled:
                continue
            ids.append(entry.id)
            persons.add(person.id)
            out["claims"] += 1 if entry.entry_kind == EntryKind.SETTLEMENT else -1
            for key in ("total_fen", "compliant_fen", "paid_fen", "out_of_pocket_fen"):
                out[key] += getattr(entry, key)
        wanted = set(ids)
        for layer in s.scalars(select(SettlementLayer)):
            if layer.settlement_id in wanted:
                out[f"layer_{layer.layer_id}_fen"] += layer.paid_fen
    out["persons"] = len(persons)
    out["lines"] = len(ids)
    return dict(out)


def busiest_month(engine: Engine) -> tuple[int, int]:
    counts: dict[tuple[int, int], int] = defaultdict(int)
    with session_scope(engine) as s:
        for entry, claim in s.execute(
            select(Settlement, Claim).join(Claim, Claim.id == Settlement.claim_id)
        ).all():
            counts[month_of(entry, claim)] += 1
    return max(counts, key=lambda m: (counts[m], m))


def secrets(engine: Engine) -> tuple[list[str], list[str]]:
    """Every person's real name and resident ID. Names that also occur in region or
    institution names (``建平`` in ``建平镇``) are left out: they would be found anyway."""
    with session_scope(engine) as s:
        people = s.execute(select(Person.name, Person.resident_id)).all()
        corpus = " ".join([*s.scalars(select(Region.name)), *s.scalars(select(Institution.name))])
    names = sorted({n for n, _ in people if n not in corpus})
    assert len(names) > 0.9 * len({n for n, _ in people})
    return names, [r for _, r in people]


def assert_nothing_unmasked(texts: list[str], engine: Engine) -> None:
    """No real resident ID (nor anything shaped like one) and no real name in any text."""
    names, ids = secrets(engine)
    blob = "\n".join(texts)
    assert not FULL_ID.search(blob), FULL_ID.search(blob)
    assert [i for i in ids if i in blob] == []
    assert [n for n in names if n in blob] == []


def xlsx_cells(data: bytes) -> list[str]:
    """Every non-empty cell of every sheet, as text."""
    wb = load_workbook(io.BytesIO(data))
    return [
        str(cell.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def pdf_text(data: bytes) -> str:
    """The text pypdf extracts (ReportLab's STSong-Light text comes out as Unicode)."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def refund_one(
    engine: Engine, region_code: str, year: int, month: int, when: datetime | None = None
) -> tuple[Settlement, Settlement]:
    """Refund a settlement of the region paid in the month; with ``when`` the refund is
    dated then (``when`` is a stored time: naive UTC). Returns the original and the reversal."""
    with session_scope(engine) as s:
        codes = set(descendants(s, region_code))
        refunded = select(Settlement.reverses_id).where(Settlement.reverses_id.is_not(None))
        candidates = s.execute(
            select(Settlement, Claim, Person)
            .join(Claim, Claim.id == Settlement.claim_id)
            .join(Person, Person.id == Settlement.person_id)
            .where(
                Settlement.entry_kind == EntryKind.SETTLEMENT,
                Settlement.paid_fen > 0,
                Settlement.id.not_in(refunded),
                Claim.end_date >= date(year, month, 1),
            )
            .order_by(Settlement.id)
        ).all()
        original = next(
            e
            for e, c, p in candidates
            if p.region_code in codes and month_of(e, c) == (year, month)
        )
        view = refund(s, original.id, user="tester", reason="billing error")
        reversal = s.get(Settlement, view.settlement_id)
        assert reversal is not None
        if when is not None:
            reversal.created_at = when
        s.flush()
        return original, reversal
