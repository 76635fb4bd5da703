"""The ledger and the registry as Polars frames: a Parquet snapshot plus the ledger's tail.

A :class:`Snapshot` holds every ledger entry (with its claim's start and end date and
institution) and every layer payment, and the registry frames (persons — name and resident ID
masked before they are stored —, enrollment, poverty status periods). :func:`current` returns
it *current as of the read*, on SQLite and PostgreSQL:

* the ledger is append-only, so the snapshot keeps its highest entry id (the *watermark*)
  and each read adds the entries above it (one indexed statement; nothing when there are
  none). On PostgreSQL an id below the watermark may still belong to a transaction in flight
  when the snapshot was read; such ids are exactly the *gaps* below the watermark, which the
  snapshot lists and each read asks for again. On SQLite writers are serialised, so ids
  commit in order and there are no such gaps. The entry at the watermark is checked on every
  read (the *anchor*), so a database emptied and refilled is noticed and read afresh;
* the registry carries a revision token that triggers on its tables renew on every change
  (:mod:`safetynet.store.models.derived`); a different token means reading it again.

The snapshot lives in memory per process and on disk in ``<data dir>/derived/<database>/``
(rewritten when the tail grows past :data:`COMPACT_ROWS`), so a fresh server answers from the
Parquet files. Small ledgers (fewer entries than ``SAFETYNET_SNAPSHOT_MIN_ENTRIES``, default
100,000) are read directly (:func:`current` returns None). :func:`rebuild` reads everything
again from the database; derived equals rebuilt is what the tests check.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import Connection, String, func, inspect, select, type_coerce
from sqlalchemy.engine import make_url

from safetynet.config import get_settings
from safetynet.derived.facts import combined, facts_of, known_types
from safetynet.derived.frames import PAYER_COLUMNS
from safetynet.registry.masking import mask_id_expr, mask_name_expr
from safetynet.registry.status import PERIOD_SCHEMA
from safetynet.store.fetch import fetch_frame
from safetynet.store.models import (
    Claim,
    DerivedRevision,
    Enrollment,
    Person,
    PovertyStatusPeriod,
    Settlement,
    SettlementLayer,
)
from safetynet.store.models.derived import REGISTRY, revision_ddl

log = logging.getLogger(__name__)
FORMAT = 2  # bump when the stored columns change
COMPACT_ROWS = 20_000  # tail entries kept in memory before the snapshot is rewritten

ENTRY_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "settlement_id": pl.Int64, "claim_id": pl.Int64, "entry_kind": pl.String,
    "reverses_id": pl.Int64, "person_id": pl.Int64, "year": pl.Int64, "policy_id": pl.String,
    "status_mask": pl.Int64, "claim_date": pl.Date, "kind": pl.String, "level": pl.String,
    "in_county": pl.Boolean, "total_fen": pl.Int64, "compliant_fen": pl.Int64,
    "deducted_fen": pl.Int64, "paid_fen": pl.Int64, "out_of_pocket_fen": pl.Int64,
    "created_at": pl.Datetime("us"), "start_date": pl.Date, "end_date": pl.Date,
    "institution_code": pl.String,
}  # fmt: skip
LAYER_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "settlement_id": pl.Int64, "layer_id": pl.String, "position": pl.Int64, "paid_fen": pl.Int64,
}  # fmt: skip
PERSON_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "person_id": pl.Int64, "household_id": pl.Int64, "region_code": pl.String,
    "birth_date": pl.Date, "deceased_on": pl.Date, "name": pl.String, "resident_id": pl.String,
}  # fmt: skip
ENROLLMENT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "person_id": pl.Int64, "year": pl.Int64, "category": pl.String,
    **{c: pl.Int64 for c in PAYER_COLUMNS},
}  # fmt: skip


def _text(col):  # type: ignore[no-untyped-def]
    return type_coerce(col, String).label(col.key)


S, L, C = Settlement, SettlementLayer, Claim
_ENTRIES = select(
    S.id, S.claim_id, _text(S.entry_kind), S.reverses_id, S.person_id, S.year, S.policy_id,
    S.status_mask, S.claim_date, _text(S.kind), _text(S.level), S.in_county, S.total_fen,
    S.compliant_fen, S.deducted_fen, S.paid_fen, S.out_of_pocket_fen, S.created_at,
    C.start_date, C.end_date, C.institution_code,
).join(C, C.id == S.claim_id)  # fmt: skip
_LAYERS = select(L.settlement_id, L.layer_id, L.position, L.paid_fen)
_PERSONS = select(
    Person.id, Person.household_id, Person.region_code, Person.birth_date, Person.deceased_on,
    Person.name, Person.resident_id,
)  # fmt: skip
_ENROLLMENT = select(
    Enrollment.person_id, Enrollment.year, _text(Enrollment.category),
    *(getattr(Enrollment, c) for c in PAYER_COLUMNS),
)  # fmt: skip
P = PovertyStatusPeriod
_STATUSES = select(P.id, P.household_id, P.person_id, _text(P.status), P.valid_from, P.valid_to)


@dataclass(frozen=True)
class Ledger:
    """Every ledger entry and layer payment up to ``watermark`` (but the ``gaps``)."""

    entries: pl.DataFrame  # ENTRY_SCHEMA
    layers: pl.DataFrame  # LAYER_SCHEMA
    watermark: int  # the highest entry id held (0: none)
    gaps: tuple[int, ...]  # ids below the watermark not held (PostgreSQL: maybe in flight)
    anchor: tuple[int, int, int] | None  # claim, person and total of the entry at watermark
    facts: pl.DataFrame  # derived.facts.facts_of the entries, row for row
    unknown: frozenset[str] = frozenset()  # policies of entries whose layers are unknown
    origin: int = 0  # random, drawn when the ledger was read from scratch (kept by tails)
    tail_rows: int = 0  # entries added since the snapshot was last written


@dataclass(frozen=True)
class Registry:
    token: int
    persons: pl.DataFrame  # PERSON_SCHEMA, name and resident ID masked
    enrollment: pl.DataFrame  # ENROLLMENT_SCHEMA, every year
    statuses: pl.DataFrame  # registry.status.PERIOD_SCHEMA, every period


@dataclass(frozen=True)
class Snapshot:
    ledger: Ledger
    registry: Registry

    @property
    def version(self) -> tuple[int, int, tuple[int, ...]]:
        """Changes whenever what the snapshot holds changes (cache key of derived figures)."""
        return (self.registry.token, self.ledger.watermark, self.ledger.gaps)


# -- reading from the database ---------------------------------------------------------------
def _anchor_of(entries: pl.DataFrame, watermark: int) -> tuple[int, int, int] | None:
    row = entries.filter(pl.col("settlement_id") == watermark)
    if row.is_empty():
        return None
    r = row.row(0, named=True)
    return (int(r["claim_id"]), int(r["person_id"]), int(r["total_fen"]))


def _gaps(ids: pl.Series, below: int, dialect: str, start: int = 0) -> tuple[int, ...]:
    """Ids in (start, below] that are not in ``ids`` (PostgreSQL only; see the module)."""
    if dialect != "postgresql" or below <= start:
        return ()
    held = np.zeros(below - start + 1, dtype=bool)
    arr = ids.filter((ids > start) & (ids <= below)).to_numpy()
    held[arr - start] = True
    held[0] = True
    return tuple(int(i) + start for i in np.flatnonzero(~held))


def _masked(persons: pl.DataFrame) -> pl.DataFrame:
    return persons.with_columns(
        mask_name_expr("name").alias("name"), mask_id_expr("resident_id").alias("resident_id")
    )


def read_ledger(conn: Connection) -> Ledger:
    entries = fetch_frame(conn, _ENTRIES, ENTRY_SCHEMA)
    layers = fetch_frame(conn, _LAYERS, LAYER_SCHEMA)
    watermark = int(entries["settlement_id"].max() or 0)  # type: ignore[arg-type]
    gaps = _gaps(entries["settlement_id"], watermark, conn.dialect.name)
    facts, unknown = facts_of(entries, layers)
    anchor = _anchor_of(entries, watermark)
    origin = secrets.randbits(62)
    return Ledger(entries, layers, watermark, gaps, anchor, facts, frozenset(unknown), origin)


def registry_token(conn: Connection) -> int | None:
    return conn.scalar(select(DerivedRevision.token).where(DerivedRevision.name == REGISTRY))


def read_registry(conn: Connection) -> Registry | None:
    """The registry and its token, or None when the database keeps no token (not migrated)."""
    token = registry_token(conn)
    if token is None:
        return None
    persons = _masked(fetch_frame(conn, _PERSONS, PERSON_SCHEMA))
    enrollment = fetch_frame(conn, _ENROLLMENT, ENROLLMENT_SCHEMA)
    statuses = fetch_frame(conn, _STATUSES, PERIOD_SCHEMA)
    if registry_token(conn) != token:  # changed while read (PostgreSQL, READ COMMITTED)
        return None
    return Registry(int(token), persons, enrollment, statuses)


def _tail(conn: Connection, ledger: Ledger) -> Ledger | None:
    """The ledger brought up to date (None: the snapshot does not belong to this database)."""
    if ledger.watermark:
        row = conn.execute(
            select(S.claim_id, S.person_id, S.total_fen).where(S.id == ledger.watermark)
        ).first()
        if row is None or tuple(int(v) for v in row) != ledger.anchor:
            return None
    newer = S.id > ledger.watermark
    if ledger.gaps:
        newer = newer | S.id.in_(ledger.gaps)
    entries = fetch_frame(conn, _ENTRIES.where(newer), ENTRY_SCHEMA)
    if entries.is_empty():
        return ledger
    ids = entries["settlement_id"]
    layers = fetch_frame(conn, _LAYERS.where(L.settlement_id.in_(ids.to_list())), LAYER_SCHEMA)
    watermark = max(ledger.watermark, int(ids.max()))  # type: ignore[arg-type]
    found = set(ids.to_list())
    gaps = tuple(g for g in ledger.gaps if g not in found)
    gaps += _gaps(ids, watermark, conn.dialect.name, start=ledger.watermark)
    merged = pl.concat([ledger.entries, entries], rechunk=False)
    merged_layers = pl.concat([ledger.layers, layers], rechunk=False)
    new_facts, unknown = facts_of(entries, layers)
    facts = combined(ledger.facts, new_facts)
    if merged.n_chunks() > 32:
        merged, merged_layers, facts = merged.rechunk(), merged_layers.rechunk(), facts.rechunk()
    return Ledger(
        merged, merged_layers, watermark, gaps, _anchor_of(entries, watermark) or ledger.anchor,
        facts, ledger.unknown | unknown, ledger.origin, ledger.tail_rows + entries.height,
    )  # fmt: skip


# -- on disk ------------------------------------------------------------------------------------
def min_entries() -> int:
    return get_settings().snapshot_min_entries


def database_key(url: str) -> str:
    """A file-system name for a database: its URL without the password, hashed."""
    safe = make_url(url).render_as_string(hide_password=True)
    return hashlib.sha256(safe.encode()).hexdigest()[:16]


def snapshot_dir(url: str) -> Path:
    return get_settings().data_dir / "derived" / database_key(url)


def _write(frame: pl.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    frame.write_parquet(tmp, compression="lz4", statistics=False)
    os.replace(tmp, path)


def _write_json(data: dict, path: Path) -> None:  # type: ignore[type-arg]
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def save_ledger(ledger: Ledger, where: Path) -> Ledger:
    where.mkdir(parents=True, exist_ok=True)
    _write(ledger.entries, where / "ledger-entries.parquet")
    _write(ledger.layers, where / "ledger-layers.parquet")
    _write(ledger.facts, where / "ledger-facts.parquet")
    meta = {"format": FORMAT, "watermark": ledger.watermark, "gaps": list(ledger.gaps),
            "anchor": ledger.anchor, "types": _types_key(ledger.facts),
            "origin": ledger.origin}  # fmt: skip
    _write_json(meta, where / "ledger.json")  # written last: it names what the files hold
    return replace(ledger, tail_rows=0)


def save_registry(registry: Registry, where: Path) -> None:
    where.mkdir(parents=True, exist_ok=True)
    _write(registry.persons, where / "registry-persons.parquet")
    _write(registry.enrollment, where / "registry-enrollment.parquet")
    _write(registry.statuses, where / "registry-statuses.parquet")
    _write_json({"format": FORMAT, "token": registry.token}, where / "registry.json")


def _meta(path: Path) -> dict | None:  # type: ignore[type-arg]
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return meta if meta.get("format") == FORMAT else None


def load_ledger(where: Path) -> Ledger | None:
    meta = _meta(where / "ledger.json")
    if meta is None:
        return None
    try:
        entries = pl.read_parquet(where / "ledger-entries.parquet")
        layers = pl.read_parquet(where / "ledger-layers.parquet")
        facts = pl.read_parquet(where / "ledger-facts.parquet")
    except (OSError, pl.exceptions.PolarsError):
        return None
    anchor = tuple(meta["anchor"]) if meta["anchor"] else None
    if _anchor_of(entries, int(meta["watermark"])) != anchor:  # files of another write
        return None
    if facts.height != entries.height or meta.get("types") != _types_key(facts):
        facts, _ = facts_of(entries, layers)  # the policies' layers changed since
    unknown = frozenset(known_types(facts["policy_id"].unique().to_list())[1])
    return Ledger(entries, layers, int(meta["watermark"]), tuple(meta["gaps"]), anchor,  # type: ignore[arg-type]
                  facts, unknown, int(meta.get("origin", 0)))  # fmt: skip


def _types_key(facts: pl.DataFrame) -> str:
    """What the facts' layer types were computed from: the ledger's policies' layers."""
    types, _ = known_types(facts["policy_id"].unique().to_list())
    return hashlib.sha256(str(sorted(types.rows())).encode()).hexdigest()


def load_registry(where: Path, token: int) -> Registry | None:
    meta = _meta(where / "registry.json")
    if meta is None or meta.get("token") != token:
        return None
    try:
        frames = [pl.read_parquet(where / f"registry-{n}.parquet")
                  for n in ("persons", "enrollment", "statuses")]  # fmt: skip
    except (OSError, pl.exceptions.PolarsError):
        return None
    return Registry(token, *frames)


# -- the process-wide snapshot --------------------------------------------------------------
_LOCK = threading.Lock()
_CACHE: dict[str, Snapshot] = {}


def _url(conn: Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=False)


def _persistent(url: str) -> bool:
    """In-memory SQLite databases live and die with their connection: no files for them."""
    u = make_url(url)
    return not (u.get_backend_name() == "sqlite" and u.database in (None, "", ":memory:"))


def current(conn: Connection, *, force: bool = False) -> Snapshot | None:
    """The snapshot of the connection's database, brought up to date inside the connection's
    transaction; None when the ledger is small (read it directly) or the database keeps no
    registry token. ``force``: whatever the ledger's size."""
    url = _url(conn)
    with _LOCK:
        snap = _CACHE.get(url)
        if snap is None and not force:
            top = conn.scalar(select(func.max(S.id))) or 0
            if top < min_entries():
                return None
        if snap is None and not _has_token_table(conn, url):
            return None  # a database not yet upgraded: read directly
        snap = _refresh(conn, url, snap)
        if snap is None:
            _CACHE.pop(url, None)
        else:
            _CACHE[url] = snap
        return snap


_TABLES: dict[str, bool] = {}


def _has_token_table(conn: Connection, url: str) -> bool:
    if not _TABLES.get(url):
        _TABLES[url] = inspect(conn).has_table(DerivedRevision.__tablename__)
    return _TABLES[url]


def _refresh(conn: Connection, url: str, snap: Snapshot | None) -> Snapshot | None:
    where = snapshot_dir(url) if _persistent(url) else None
    token = registry_token(conn)
    if token is None:
        return None
    registry = snap.registry if snap is not None and snap.registry.token == token else None
    if registry is None and where is not None:
        registry = load_registry(where, int(token))
    if registry is None:
        registry = read_registry(conn)
        if registry is None:
            return None
        if where is not None:
            save_registry(registry, where)
    ledger = snap.ledger if snap is not None else None
    if ledger is None and where is not None:
        ledger = load_ledger(where)
    ledger = _tail(conn, ledger) if ledger is not None else None
    if ledger is None:
        ledger = read_ledger(conn)
        if where is not None:
            ledger = save_ledger(ledger, where)
    elif where is not None and ledger.tail_rows > COMPACT_ROWS:
        ledger = save_ledger(replace(ledger, entries=ledger.entries.rechunk(),
                                     layers=ledger.layers.rechunk()), where)  # fmt: skip
    return Snapshot(ledger, registry)


def ensure_token(conn: Connection) -> None:
    """Give the registry a revision token if the database has none (after a ``TRUNCATE``)."""
    if registry_token(conn) is None:
        for stmt in revision_ddl(conn.dialect.name)[-1:]:  # the token's row
            conn.exec_driver_sql(stmt)


def rebuild(conn: Connection) -> Snapshot | None:
    """Read the ledger and the registry again from the database and rewrite the files (the
    caller commits: a database without a registry token gets one)."""
    url = _url(conn)
    with _LOCK:
        _CACHE.pop(url, None)
        ensure_token(conn)
        registry = read_registry(conn)
        if registry is None:
            return None
        ledger = read_ledger(conn)
        if _persistent(url):
            where = snapshot_dir(url)
            save_registry(registry, where)
            ledger = save_ledger(ledger, where)
        snap = Snapshot(ledger, registry)
        _CACHE[url] = snap
        return snap


def forget() -> None:
    """Drop every in-memory snapshot (tests; the files stay)."""
    with _LOCK:
        _CACHE.clear()
