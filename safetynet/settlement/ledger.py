"""The rows a settled claim writes, and writing a batch of them with one statement per table.

A settled claim is a ``claim`` row with its ``claim_item`` lines and a ``settlement`` entry
(the facts the engine saw and the amounts) with one ``settlement_layer`` row per layer of
the cascade; the accumulators it changes are written by
:func:`safetynet.settlement.accumulators.write_rows`. This module is the one definition of
those rows for online settlement and the year batch alike: :data:`ENTRY_COLUMNS` and
:data:`LAYER_COLUMNS` name them; online, a batch of claims is four multi-row ``INSERT``s,
their ids returned in the order of the batch (:func:`write`) — on PostgreSQL chained in one
fixed statement of one array per column (:mod:`safetynet.store.unnest`); a year's batch
writes the same columns from frames (:func:`entry_frame`, :func:`layer_frame`,
:func:`write_frames`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Connection, delete, insert

from safetynet.engine.compile import CompiledPolicy
from safetynet.engine.facts import status_mask
from safetynet.engine.online import Settlement as EngineSettlement
from safetynet.settlement.facts import ResolvedClaim
from safetynet.settlement.hooks import Entry
from safetynet.settlement.submission import ClaimSubmission
from safetynet.store.bulk import bulk_insert, sync_sequence
from safetynet.store.models import Claim, ClaimItem, EarlyWarningTotalYear
from safetynet.store.models.ledger import EntryKind, Settlement, SettlementLayer
from safetynet.store.unnest import UnnestInsert, chained

_C, _I = Claim.__table__, ClaimItem.__table__
_E, _L = Settlement.__table__, SettlementLayer.__table__
# built once; a list of parameter sets runs as one multi-row statement ("insertmanyvalues")
_INSERT_CLAIMS = insert(_C).returning(_C.c.id, sort_by_parameter_order=True)
_INSERT_ITEMS = insert(_I)
_INSERT_ENTRIES = insert(_E).returning(_E.c.id, sort_by_parameter_order=True)
_INSERT_LAYERS = insert(_L)

# what a settled claim's ledger entry and layer rows hold (besides the entry's id and, online,
# its client key and request hash)
ENTRY_COLUMNS = (
    "entry_kind", "claim_id", "person_id", "household_id", "year", "policy_id", "kind",
    "level", "in_county", "referral", "status_mask", "disease_mask", "age", "claim_date",
    "total_fen", "compliant_fen", "essential_fen", "deducted_fen", "paid_fen",
    "out_of_pocket_fen", "created_by",
)  # fmt: skip
LAYER_COLUMNS = ("settlement_id", "position", "layer_id", "rule_id", "source", "paid_fen", "facts")


@dataclass(frozen=True)
class Settled:
    """A claim settled in memory, waiting to be written."""

    sub: ClaimSubmission
    rc: ResolvedClaim
    result: EngineSettlement
    claim_no: str
    user: str
    client_key: str | None
    request_hash: str


def claim_row(s: Settled) -> dict[str, Any]:
    sub = s.sub
    return {
        "claim_no": s.claim_no,
        "person_id": s.rc.person.id,
        "institution_code": s.rc.institution.code,
        "kind": sub.kind,
        "start_date": sub.date,
        "end_date": sub.discharge_date or sub.date,
        "diagnosis_code": sub.diagnosis,
        "referral": sub.referral,
        "total_fen": int(s.rc.lines["amount_fen"].sum()),  # the bill (a fixed fee may differ)
    }


def item_rows(s: Settled, claim_id: int) -> list[dict[str, Any]]:
    lines = s.rc.lines
    return [
        {
            "claim_id": claim_id,
            "item_code": line.code,
            "quantity": line.quantity,
            "amount_fen": int(amount),
            "deducted_fen": int(deducted),
        }
        for line, amount, deducted in zip(
            s.sub.items, lines["amount_fen"], lines["deducted_fen"], strict=True
        )
    ]


def entry_row(s: Settled, claim_id: int) -> dict[str, Any]:
    """The ledger entry: the facts the engine settled on (for replays) and the amounts."""
    rc, f, result = s.rc, s.rc.facts, s.result
    return {
        "entry_kind": EntryKind.SETTLEMENT,
        "client_key": s.client_key,
        "request_hash": s.request_hash,
        "claim_id": claim_id,
        "person_id": rc.person.id,
        "household_id": rc.person.household_id,
        "year": rc.year,
        "policy_id": rc.policy.policy.id,
        "kind": f.kind,
        "level": f.level,
        "in_county": f.in_county,
        "referral": f.referral,
        "status_mask": status_mask(f.statuses),
        "disease_mask": f.disease_mask,
        "age": f.age,
        "claim_date": s.sub.date,
        "total_fen": f.total_fen,
        "compliant_fen": f.compliant_fen,
        "essential_fen": f.essential_fen,
        "deducted_fen": f.deducted_fen,
        "paid_fen": result.paid_fen,
        "out_of_pocket_fen": result.out_of_pocket_fen,
        "created_by": s.user,
    }


def layer_rows(entry_id: int, result: EngineSettlement) -> list[dict[str, Any]]:
    """One row per layer of the cascade, in its order, with the rule and its numbers."""
    return [
        {
            "settlement_id": entry_id,
            "position": i,
            "layer_id": layer.layer_id,
            "rule_id": layer.rule_id,
            "source": layer.source,
            "paid_fen": layer.paid_fen,
            "facts": layer.facts,
        }
        for i, layer in enumerate(result.layers)
    ]


# PostgreSQL: the same four inserts, each of one array per column, chained in one fixed
# statement (prepared once per connection, whatever the batch's size): a line names its
# claim, an entry its claim and a layer its entry by the place in the batch (1, 2, ...), the
# statement gives them the new ids
_CLAIM_KEYS = ("claim_no", "person_id", "institution_code", "kind", "start_date", "end_date",
               "diagnosis_code", "referral", "total_fen")  # fmt: skip
_ITEM_KEYS = ("claim_id", "item_code", "quantity", "amount_fen", "deducted_fen")
_CHAIN = (
    ("c", UnnestInsert(_C, _CLAIM_KEYS, prefix="c"), None, True),
    ("e", UnnestInsert(_E, ("client_key", "request_hash", *ENTRY_COLUMNS), prefix="e"),
     ("claim_id", "c"), True),
    ("i", UnnestInsert(_I, _ITEM_KEYS, prefix="i"), ("claim_id", "c"), False),
    ("l", UnnestInsert(_L, LAYER_COLUMNS, prefix="l"), ("settlement_id", "e"), False),
)  # fmt: skip
_chain_sql: dict[tuple[str, ...], str] = {}  # by the parts run with it, built once


def _write_chained(conn: Connection, batch: Sequence[Settled], also: Also) -> list[tuple[int, int]]:
    """PostgreSQL: :func:`write` as one statement of four chained inserts (and ``also``)."""
    parts, more = also or ((), {})
    sql = _chain_sql.get(parts)
    if sql is None:
        sql = _chain_sql[parts] = chained(conn, _CHAIN, parts)
    places = list(enumerate(batch, start=1))
    rows = {
        "c": [claim_row(s) for s in batch],
        "e": [entry_row(s, n) for n, s in places],
        "i": [r for n, s in places for r in item_rows(s, n)],
        "l": [r for n, s in places for r in layer_rows(n, s.result)],
    }
    params: dict[str, Any] = dict(more)
    for name, ins, _parent, _numbered in _CHAIN:
        params.update(ins.params(conn, rows[name]))
    found = conn.exec_driver_sql(sql, params).all()
    return [(int(c), int(e)) for c, e in found]


# more parts of the statement's WITH list and their parameters (PostgreSQL)
Also = tuple[tuple[str, ...], dict[str, Any]] | None


def write(conn: Connection, batch: Sequence[Settled], also: Also = None) -> list[tuple[int, int]]:
    """Insert the batch's claims, lines, entries and layers (in the caller's transaction:
    on PostgreSQL one statement, else four); the (claim id, entry id) of each, in the
    batch's order. ``also`` (PostgreSQL): more writes run by the same statement — the
    accumulators' (:func:`safetynet.settlement.accumulators.chain_parts`)."""
    if not batch:
        return []
    if conn.dialect.name == "postgresql":
        return _write_chained(conn, batch, also)
    claim_ids = list(conn.execute(_INSERT_CLAIMS, [claim_row(s) for s in batch]).scalars())
    claims = list(zip(batch, claim_ids, strict=True))
    items = [r for s, c in claims for r in item_rows(s, c)]
    conn.execute(_INSERT_ITEMS, items)
    entry_rows = [entry_row(s, c) for s, c in claims]
    entry_ids = list(conn.execute(_INSERT_ENTRIES, entry_rows).scalars())
    entries = list(zip(batch, entry_ids, strict=True))
    layers = [r for s, e in entries for r in layer_rows(e, s.result)]
    if layers:
        conn.execute(_INSERT_LAYERS, layers)
    return list(zip(claim_ids, entry_ids, strict=True))


def hook_entry(s: Settled, claim_id: int, entry_id: int) -> Entry:
    """What the after steps see of a settled claim's entry (the values just written)."""
    rc = s.rc
    return Entry(
        entry_id, False, claim_id, rc.person.id, rc.person.household_id, rc.year, s.sub.date,
        rc.facts.kind.value, rc.institution.code, s.request_hash,
        tuple((layer.layer_id, layer.paid_fen) for layer in s.result.layers), s.claim_no,
        s.client_key,
        (status_mask(rc.facts.statuses), getattr(rc.facts.level, "value", rc.facts.level),
         s.sub.diagnosis, rc.facts.total_fen, rc.facts.compliant_fen, s.result.paid_fen,
         s.result.out_of_pocket_fen, rc.facts.age),
    )  # fmt: skip


# -- a year's settled claims as frames (the year batch), written with COPY / multi-row INSERTs
def entry_frame(settled: pl.DataFrame, cp: CompiledPolicy, user: str) -> pl.DataFrame:
    """The ledger entries of a settled batch frame (``settlement_id`` assigned): ``id`` and
    :data:`ENTRY_COLUMNS`, the same facts and amounts :func:`entry_row` writes for a claim
    settled online."""
    return settled.select(
        pl.col("settlement_id").alias("id"),
        pl.lit(EntryKind.SETTLEMENT.value).alias("entry_kind"),
        "claim_id",
        "person_id",
        "household_id",
        "year",
        pl.lit(cp.policy.id).alias("policy_id"),
        pl.col("kind").cast(pl.String),
        pl.col("level").cast(pl.String),
        "in_county",
        "referral",
        pl.col("status_mask").cast(pl.Int64),
        pl.col("disease_mask").cast(pl.Int64),
        "age",
        pl.col("date").alias("claim_date"),
        "total_fen",
        "compliant_fen",
        "essential_fen",
        "deducted_fen",
        "paid_fen",
        "out_of_pocket_fen",
        pl.lit(user).alias("created_by"),
    )


def layer_frame(settled: pl.DataFrame, cp: CompiledPolicy) -> pl.DataFrame:
    """The :data:`LAYER_COLUMNS` rows of a settled batch frame: one per entry and layer, in
    the cascade's order, with the rule and its source (as :func:`layer_rows`)."""
    return pl.concat(
        [
            settled.select(
                pl.col("settlement_id"),
                pl.lit(i).alias("position"),
                pl.lit(lid).alias("layer_id"),
                pl.col(f"rule_{lid}").cast(pl.String).alias("rule_id"),
                pl.col(f"rule_{lid}")
                .cast(pl.String)
                .replace_strict(
                    {r.rule_id: r.source for r in cp.rules if r.layer_id == lid},
                    default=None,
                    return_dtype=pl.String,
                )
                .alias("source"),
                pl.col(f"pay_{lid}").alias("paid_fen"),
                pl.lit("{}").alias("facts"),
            )
            for i, lid in enumerate(cp.layer_ids)
        ]
    )


def write_frames(conn: Connection, entries: pl.DataFrame, layers: pl.DataFrame) -> None:
    """Insert a batch's entries and layer rows (in the caller's transaction), then move the
    entries' id sequence past the ids the batch assigned. The years written are no longer
    read from the early-warning check's running totals (their mark is dropped: ``safetynet
    warnings totals --year Y`` rebuilds them)."""
    years = sorted(set(entries["year"].to_list()))
    if years:
        Y = EarlyWarningTotalYear
        conn.execute(delete(Y).where(Y.year.in_(years)))
    bulk_insert(conn, Settlement.__table__, entries)  # type: ignore[arg-type]
    sync_sequence(conn, Settlement.__table__)  # type: ignore[arg-type]
    bulk_insert(conn, SettlementLayer.__table__, layers)  # type: ignore[arg-type]
