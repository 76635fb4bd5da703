"""Batch settlement: a year (or several) of claims as a columnar table, in one pass.

Claims are ordered by household, year, date and submission sequence; each household-year
is settled claim by claim through the same kernel as online settlement, households in
parallel. Input columns (``BATCH_COLUMNS``): ids, ``year``, ``date``, ``seq``, the claim's
``kind`` and ``level`` (enum values, as ``pl.Enum`` or strings), flags, ``status_mask``,
``disease_mask``, ``age`` and the amounts in fen. Output: the input order, with
``pay_<layer>`` (fen), ``rule_<layer>`` (an Enum of the layer's rule ids) and
``out_of_pocket_fen``. Input already in settlement order is not re-sorted; the sort is
stable, so claims equal on every key settle in the input's order. One year's claims whose
households each come in (date, seq) order — a claim file sorted by date — are not sorted
at all: one sequential pass per core settles them where they lie, the accumulators in
person and household tables (``kernel.settle_in_file_order``), in consecutive ranges of
rows if asked (``settle_in_ranges``: a range's results can be written while the next
settles); the few households out of order settle apart in blocks. The results are the
same either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numba
import numpy as np
import polars as pl
from numba import njit, prange

from safetynet.codes import ClaimKind, InstitutionLevel
from safetynet.engine import layout as L
from safetynet.engine.compile import CompiledPolicy
from safetynet.engine.compliance import AMOUNTS
from safetynet.engine.kernel import settle_blocks, settle_in_file_order
from safetynet.engine.keys import settlement_order

KIND_ENUM = pl.Enum([k.value for k in ClaimKind])
LEVEL_ENUM = pl.Enum([k.value for k in InstitutionLevel])

BATCH_COLUMNS: dict[str, pl.DataType] = {
    "person_id": pl.Int64(),
    "household_id": pl.Int64(),
    "year": pl.Int32(),
    "date": pl.Date(),
    "seq": pl.Int64(),
    "kind": KIND_ENUM,
    "level": LEVEL_ENUM,
    "in_county": pl.Boolean(),
    "referral": pl.Boolean(),
    "status_mask": pl.Int64(),
    "disease_mask": pl.Int64(),
    "age": pl.Int32(),
    "total_fen": pl.Int64(),
    "compliant_fen": pl.Int64(),
    "essential_fen": pl.Int64(),
    "deducted_fen": pl.Int64(),
}
ORDER = ("household_id", "year", "date", "seq")
_MATRIX_SOURCES = {
    L.C_KIND: "kind",
    L.C_LEVEL: "level",
    L.C_IN_COUNTY: "in_county",
    L.C_REFERRAL: "referral",
    L.C_STATUS: "status_mask",
    L.C_DISEASE: "disease_mask",
    L.C_AGE: "age",
    L.C_TOTAL: "total_fen",
    L.C_COMPLIANT: "compliant_fen",
    L.C_ESSENTIAL: "essential_fen",
    L.C_DEDUCTED: "deducted_fen",
}


@njit(cache=True, parallel=True)
def _person_slots(
    person: np.ndarray, starts: np.ndarray, out: np.ndarray, counts: np.ndarray
) -> None:
    """Number each distinct person within each block (household-year) 0, 1, ...; ``counts``
    gets the number of persons of each block."""
    nb = starts.shape[0] - 1
    for b in prange(nb):
        lo, hi = starts[b], starts[b + 1]
        k = 0
        for i in range(lo, hi):
            seen = -1
            for j in range(lo, i):
                if person[j] == person[i]:
                    seen = out[j]
                    break
            if seen < 0:
                out[i] = k
                k += 1
            else:
                out[i] = seen
        counts[b] = k


def prepare_codes(df: pl.DataFrame) -> pl.DataFrame:
    """Cast ``kind`` and ``level`` to their Enums; an unknown value is a ``ValueError``."""
    try:
        return df.with_columns(pl.col("kind").cast(KIND_ENUM), pl.col("level").cast(LEVEL_ENUM))
    except pl.exceptions.PolarsError as exc:
        raise ValueError(f"unknown kind or level value: {exc}") from None


def check_batch_input(df: pl.DataFrame) -> None:
    """Every column present, no missing codes, and amounts that can be settled."""
    missing = [c for c in BATCH_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"claims table lacks column(s): {', '.join(missing)}")
    amounts = AMOUNTS
    counts = df.select(
        pl.col("kind").null_count().alias("kind"),
        pl.col("level").null_count().alias("level"),
        pl.any_horizontal(pl.col(c).is_null() for c in amounts).sum().alias("missing"),
        (
            (pl.min_horizontal(*amounts) < 0)
            | (pl.col("deducted_fen") > pl.col("total_fen"))
            | (pl.col("compliant_fen") > pl.col("total_fen") - pl.col("deducted_fen"))
            | (pl.col("essential_fen") > pl.col("compliant_fen"))
        )
        .sum()
        .alias("bad"),
    ).row(0, named=True)
    for col in ("kind", "level"):
        if counts[col]:
            raise ValueError(f"{counts[col]} claim(s) have no {col}")
    if counts["missing"]:
        raise ValueError(f"{counts['missing']} claim(s) lack an amount")
    if counts["bad"]:
        raise ValueError(
            f"{counts['bad']} claim(s) have inconsistent amounts (negative, or compliant / "
            "deducted / essential above what the total allows)"
        )


def _is_ordered(df: pl.DataFrame) -> bool:
    if df.height < 2:
        return True
    cols = [df.get_column(c).to_physical().to_numpy() for c in ORDER]
    later = np.zeros(df.height - 1, bool)  # strictly greater on an earlier key
    equal = np.ones(df.height - 1, bool)
    for a in cols:
        d = a[1:].astype(np.int64) - a[:-1].astype(np.int64)
        if np.any(equal & (d < 0)):
            return False
        later |= equal & (d > 0)
        equal &= d == 0
    return True


@njit(cache=True)
def _households_out_of_order(
    person: np.ndarray,
    household: np.ndarray,
    date: np.ndarray,
    seq: np.ndarray,
    n_persons: int,
    n_households: int,
) -> tuple[bool, np.ndarray]:
    """(whether every person's claims name one household, each household whose claims do
    not come in (date, seq) order). For the other households the input order is the
    order a stable sort by ``ORDER`` gives (for claims of one year)."""
    home = np.full(n_persons, -1, np.int64)
    last_date = np.full(n_households, np.iinfo(np.int64).min, np.int64)
    last_seq = np.full(n_households, np.iinfo(np.int64).min, np.int64)
    late = np.zeros(n_households, np.bool_)
    for i in range(person.shape[0]):
        p, h = person[i], household[i]
        if home[p] < 0:
            home[p] = h
        elif home[p] != h:
            return False, late
        d, s = np.int64(date[i]), np.int64(seq[i])
        if d < last_date[h] or (d == last_date[h] and s < last_seq[h]):
            late[h] = True
        last_date[h] = d
        last_seq[h] = s
    return True, late


def _int_array(s: pl.Series) -> np.ndarray | None:
    """The column's integers (physical values of enums, dates, flags), or ``None`` if it has
    nulls."""
    if s.null_count():
        return None
    return np.ascontiguousarray(s.to_physical().to_numpy())


@dataclass
class _FileOrderRun:
    """Claims already in each household's settlement order (``_households_out_of_order``),
    one year, with small non-negative person and household ids: settled by sequential
    passes in the order they come, in consecutive ranges of rows if asked (the person and
    household tables carry the accumulators from one range to the next)."""

    cp: CompiledPolicy
    sources: list[np.ndarray]  # the claim columns, in _MATRIX_SOURCES order
    person: np.ndarray
    household: np.ndarray
    late: np.ndarray  # households not in (date, seq) order: settled apart, in blocks
    pstate: np.ndarray
    hstate: np.ndarray
    late_rows: np.ndarray  # the rows of those households (rising) and their results:
    late_results: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # pay, rule, ...

    @classmethod
    def start(cls, cp: CompiledPolicy, claims: pl.DataFrame) -> _FileOrderRun | None:
        """The run, with the households out of order already settled; ``None`` where the
        claims do not allow it."""
        n = claims.height
        if n == 0:
            return None
        ids = claims.select(
            pl.col("person_id", "household_id").min().name.suffix("_min"),
            pl.col("person_id", "household_id").max().name.suffix("_max"),
            (
                (pl.col("year").min() == pl.col("year").max()) & (pl.col("year").null_count() == 0)
            ).alias("one_year"),
        ).row(0, named=True)
        if not ids["one_year"] or any(v is None for v in ids.values()):
            return None
        if min(ids["person_id_min"], ids["household_id_min"]) < 0:
            return None
        n_p, n_h = ids["person_id_max"] + 1, ids["household_id_max"] + 1
        if max(n_p, n_h) > n + 1024:  # ids too sparse for tables indexed by them
            return None
        arrays = {
            c: _int_array(claims.get_column(c))
            for c in ("person_id", "household_id", "date", "seq")
        }
        sources = [_int_array(claims.get_column(name)) for name in _MATRIX_SOURCES.values()]
        if any(a is None for a in (*arrays.values(), *sources)):
            return None
        person, household = arrays["person_id"], arrays["household_id"]
        assert person is not None and household is not None
        one_home, late = _households_out_of_order(
            person, household, arrays["date"], arrays["seq"], n_p, n_h
        )
        if not one_home:
            return None
        rows = np.flatnonzero(late[household])
        if rows.size:  # the few households out of order in the file: sorted, as a batch alone
            part = claims[rows]
            order = settlement_order(
                part.get_column("household_id").to_numpy(),
                [part.get_column(c).to_physical().to_numpy() for c in ORDER[1:]],
            )
            late_results = _settle_blocks_arrays(cp, part, _blocks(part, order))
        else:
            n_l = cp.n_layers
            late_results = (
                np.empty((n_l, 0), np.int64),
                np.empty((n_l, 0), np.uint32),
                np.empty((n_l, 0), np.bool_),
                np.empty(0, np.int64),
            )
        return cls(
            cp,
            [a for a in sources if a is not None],
            person,
            household,
            late,
            # a table no pool of the policy is kept in has no rows: not allocated, and the
            # kernel does not ask for its rows ahead (``settle_in_file_order``)
            np.zeros((n_p if cp.keeps_state(household=False) else 0, cp.n_slots), np.int64),
            np.zeros((n_h if cp.keeps_state(household=True) else 0, cp.n_slots), np.int64),
            rows,
            late_results,
        )

    def settle(self, lo: int, hi: int, n_parts: int | None = None) -> RangeResults:
        """The results of rows ``lo`` to ``hi``; ranges must come in order and together
        cover the claims. ``n_parts`` passes in parallel (default: numba's threads)."""
        cp, n_l, n = self.cp, self.cp.n_layers, hi - lo
        # arrays of the range only (every row's results are written): memory is taken
        # afresh for a range's results, not for the whole batch's at once
        pay, oop = np.empty((n_l, n), np.int64), np.empty(n, np.int64)
        rule, applied = np.empty((n_l, n), np.uint32), np.empty((n_l, n), np.bool_)
        threads = numba.get_num_threads()
        parts = threads if n_parts is None else n_parts
        # no more of numba's threads than passes: an idle thread of the team would wait for
        # the others at the end, spinning (CPU time that does nothing, e.g. one pass beside
        # the results writer's thread)
        numba.set_num_threads(max(1, min(parts, threads)))
        try:
            settle_in_file_order(
                *self.sources,
                self.person,
                self.household,
                self.pstate,
                self.hstate,
                self.late,
                parts,
                lo,
                hi,
                *cp.kernel_arrays,
                pay,
                rule,
                applied,
                oop,
            )
        finally:
            numba.set_num_threads(threads)
        first, last = np.searchsorted(self.late_rows, [lo, hi])
        if last > first:  # rows of households settled apart: their results from there
            at = self.late_rows[first:last] - lo
            late_pay, late_rule, late_applied, late_oop = self.late_results
            pay[:, at], rule[:, at] = late_pay[:, first:last], late_rule[:, first:last]
            applied[:, at], oop[at] = late_applied[:, first:last], late_oop[first:last]
        return RangeResults(pay, rule, applied, oop)


def _settle_in_file_order(cp: CompiledPolicy, claims: pl.DataFrame) -> pl.DataFrame | None:
    """The results columns by one sequential pass over claims that are already in each
    household's settlement order (see ``_FileOrderRun``); ``None`` where that does not
    hold."""
    run = _FileOrderRun.start(cp, claims)
    return None if run is None else run.settle(0, claims.height).frame(cp)


@dataclass(frozen=True)
class RangeResults:
    """The kernel's results for a range of claims, as it wrote them (input order): each
    layer's payment ``pay[layer, row]`` (fen), rule ``rule[layer, row]`` (index among the
    layer's rules, meaningful where ``applied``) and the out-of-pocket ``oop[row]``."""

    pay: np.ndarray
    rule: np.ndarray
    applied: np.ndarray
    oop: np.ndarray

    @property
    def rows(self) -> int:
        return int(self.oop.shape[0])

    def frame(self, cp: CompiledPolicy) -> pl.DataFrame:
        """As Polars columns: ``pay_<layer>``, ``rule_<layer>`` (Enum), ``out_of_pocket_fen``."""
        return _results_frame(cp, self.pay, self.rule, self.applied, self.oop)


def settle_ranges(
    cp: CompiledPolicy,
    claims: pl.DataFrame,
    rows: int,
    *,
    check: bool = True,
    n_parts: int | None = None,
) -> Iterator[RangeResults]:
    """The kernel's results in consecutive ranges of at most ``rows`` input rows, in input
    order: each range can be written while the next one settles. Claims that cannot be
    settled in the order they come (several years, out-of-range ids) come in one piece.
    Together, the same numbers as ``settle_batch``."""
    claims = prepare_codes(claims)
    if check:
        check_batch_input(claims)
    run = _FileOrderRun.start(cp, claims)
    if run is None:
        yield RangeResults(*_settle_blocks_arrays(cp, claims, _blocks(claims, _order(claims))))
        return
    for lo in range(0, claims.height, max(rows, 1)):
        yield run.settle(lo, min(lo + max(rows, 1), claims.height), n_parts)


def settle_in_ranges(
    cp: CompiledPolicy,
    claims: pl.DataFrame,
    rows: int,
    *,
    check: bool = True,
    n_parts: int | None = None,
) -> Iterator[pl.DataFrame]:
    """``settle_ranges`` as ``settle_batch``'s results columns (``pay_<layer>``,
    ``rule_<layer>``, ``out_of_pocket_fen``). Concatenated, the same frame as
    ``settle_batch``'s results columns."""
    for part in settle_ranges(cp, claims, rows, check=check, n_parts=n_parts):
        yield part.frame(cp)


def _results_frame(
    cp: CompiledPolicy, pay: np.ndarray, rule: np.ndarray, applied: np.ndarray, oop: np.ndarray
) -> pl.DataFrame:
    out = []
    for li, layer_id in enumerate(cp.layer_ids):
        out.append(pl.Series(f"pay_{layer_id}", pay[li]))
        out.append(_rule_series(cp, li, rule[li], applied[li]))
    out.append(pl.Series("out_of_pocket_fen", oop))
    return pl.DataFrame(out)


def _claim_columns(df: pl.DataFrame) -> np.ndarray:
    """The engine's claim columns [N_CLAIM_COLS, n] (int64, input order)."""
    cols = np.zeros((L.N_CLAIM_COLS, df.height), np.int64)
    for c, name in _MATRIX_SOURCES.items():
        cols[c] = df.get_column(name).to_physical().to_numpy()
    return cols


@dataclass(frozen=True)
class _Blocks:
    """Claims in settlement order cut into household-years, with each claim's person row."""

    order: np.ndarray  # input rows in settlement order
    starts: np.ndarray  # first claim of each block, plus n
    pidx: np.ndarray  # the claim's person row within its block
    persons: np.ndarray  # persons per block

    @property
    def most_persons(self) -> int:
        return int(self.persons.max()) if self.persons.size else 0


def _blocks(df: pl.DataFrame, order: np.ndarray | None = None) -> _Blocks:
    """Blocks of the claims taken in ``order`` (default: as they stand)."""
    n = df.height
    hh = df.get_column("household_id").to_numpy()
    yr = df.get_column("year").to_numpy()
    person = df.get_column("person_id").to_numpy()
    if order is not None:
        hh, yr, person = hh[order], yr[order], person[order]
    change = np.empty(n, bool)
    if n:
        change[0] = True
        change[1:] = (hh[1:] != hh[:-1]) | (yr[1:] != yr[:-1])
    starts = np.append(np.flatnonzero(change), n).astype(np.int64)
    pidx = np.empty(n, np.int64)
    counts = np.zeros(len(starts) - 1, np.int64)
    _person_slots(np.ascontiguousarray(person, dtype=np.int64), starts, pidx, counts)
    identity = np.arange(n, dtype=np.int64) if order is None else order.astype(np.int64)
    return _Blocks(identity, starts, pidx, counts)


def _rule_series(cp: CompiledPolicy, li: int, rule: np.ndarray, applied: np.ndarray) -> pl.Series:
    """One layer's rules as an Enum of its rule ids (null where no rule of the layer applied)."""
    layer_id = cp.layer_ids[li]
    first, last = int(cp.layers[li, L.L_RULE_START]), int(cp.layers[li, L.L_RULE_END])
    if last <= first:
        return pl.Series(f"rule_{layer_id}", [None] * rule.shape[0], dtype=pl.String)
    enum = pl.Enum([ref.rule_id for ref in cp.rules[first:last]])
    series = pl.Series(f"rule_{layer_id}", rule).cat.to(enum)
    missing = pl.Series(~applied)
    return series.set(missing, None) if missing.any() else series


@dataclass(frozen=True)
class FinalState:
    """Accumulators at the end of the batch: one row per person-year and household-year."""

    persons: pl.DataFrame  # person_id, year, slots (list of int64, the engine's layout)
    households: pl.DataFrame  # household_id, year, slots


def settle_batch(cp: CompiledPolicy, claims: pl.DataFrame, *, check: bool = True) -> pl.DataFrame:
    """Settle every claim; return the input, in its order, with each layer's payment and rule.

    Input out of settlement order is gathered into order first (claims grouped by household
    in linear time, see ``engine.keys``, so the engine reads memory in sequence) and the
    results are put back into the input's order at the end.
    """
    return settle_batch_with_state(cp, claims, check=check, keep_state=False)[0]


def settle_batch_with_state(
    cp: CompiledPolicy, claims: pl.DataFrame, *, check: bool = True, keep_state: bool = True
) -> tuple[pl.DataFrame, FinalState | None]:
    """``settle_batch``, and (``keep_state``) every person's and household's final accumulators."""
    claims = prepare_codes(claims)
    if check:
        check_batch_input(claims)
    if not keep_state:  # a claim file in date order needs no sort, gather or put-back
        results = _settle_in_file_order(cp, claims)
        if results is not None:
            return pl.concat([claims, results], how="horizontal"), None
    results, state = _settle_ordered(cp, claims, keep_state, _order(claims))
    return pl.concat([claims, results], how="horizontal"), state


def _order(claims: pl.DataFrame) -> np.ndarray | None:
    """The input rows in settlement order, ``None`` if they are in it already; stable:
    claims equal on every key keep the input's (line) order."""
    if _is_ordered(claims):
        return None
    return settlement_order(
        claims.get_column("household_id").to_numpy(),
        [claims.get_column(c).to_physical().to_numpy() for c in ORDER[1:]],
    )


@dataclass(frozen=True)
class PreparedBatch:
    """Claims checked, in settlement order and cut into blocks once, to be settled many
    times under different policies (:func:`settle_prepared`), e.g. by a policy search."""

    claims: pl.DataFrame  # the input columns, in settlement order
    columns: np.ndarray  # the engine's claim columns
    blocks: _Blocks

    @property
    def block_starts(self) -> np.ndarray:
        """First claim of each household-year, plus the number of claims."""
        return self.blocks.starts

    @property
    def person_rows(self) -> np.ndarray:
        """Each claim's person-year as a dense row number (0 .. person-years - 1)."""
        bl = self.blocks
        offsets = np.zeros(len(bl.starts) - 1, np.int64)
        if offsets.size:
            offsets[1:] = np.cumsum(bl.persons)[:-1]
        return offsets.repeat(np.diff(bl.starts)) + bl.pidx


def prepare_batch(claims: pl.DataFrame, *, check: bool = True) -> PreparedBatch:
    """Check the claims and put them in settlement order once."""
    claims = prepare_codes(claims)
    if check:
        check_batch_input(claims)
    if not _is_ordered(claims):
        claims = claims[claims.select(pl.arg_sort_by(list(ORDER))).to_series()]
    return PreparedBatch(claims, _claim_columns(claims), _blocks(claims))


def settle_prepared(cp: CompiledPolicy, pb: PreparedBatch) -> tuple[np.ndarray, np.ndarray]:
    """Only the kernel: each layer's payments ``[n_layers, n]`` and the out-of-pocket ``[n]``
    (fen, in ``pb.claims`` order) — the same numbers as :func:`settle_batch`."""
    n, nb = pb.claims.height, len(pb.blocks.starts) - 1
    pay = np.zeros((cp.n_layers, n), np.int64)
    oop = np.zeros(n, np.int64)
    offsets = np.zeros(nb, np.int64)
    if nb:
        offsets[1:] = np.cumsum(pb.blocks.persons)[:-1]
    settle_blocks(
        pb.columns,
        pb.blocks.order,
        pb.blocks.starts,
        pb.blocks.pidx,
        max(pb.blocks.most_persons, 1),
        *cp.kernel_arrays,
        cp.n_slots,
        pay,
        np.zeros((cp.n_layers, n), np.uint32),
        np.zeros((cp.n_layers, n), np.bool_),
        oop,
        offsets,
        np.zeros((0, cp.n_slots), np.int64),
        np.zeros((0, cp.n_slots), np.int64),
    )
    return pay, oop


def _person_offsets(bl: _Blocks) -> np.ndarray:
    """The first person row of each block."""
    offsets = np.zeros(len(bl.starts) - 1, np.int64)
    if offsets.size:
        offsets[1:] = np.cumsum(bl.persons)[:-1]
    return offsets


def _settle_blocks_arrays(
    cp: CompiledPolicy,
    claims: pl.DataFrame,
    bl: _Blocks,
    person_out: np.ndarray | None = None,
    household_out: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``settle_blocks`` on the claims cut into ``bl``: pay, rule, applied, out-of-pocket
    (input order); each block's final accumulators into ``person_out`` / ``household_out``
    when they have rows."""
    n, n_l = claims.height, cp.n_layers
    pay = np.zeros((n_l, n), np.int64)
    rule = np.zeros((n_l, n), np.uint32)
    applied = np.zeros((n_l, n), np.bool_)
    oop = np.zeros(n, np.int64)
    settle_blocks(
        _claim_columns(claims),
        bl.order,
        bl.starts,
        bl.pidx,
        max(bl.most_persons, 1),
        *cp.kernel_arrays,
        cp.n_slots,
        pay,
        rule,
        applied,
        oop,
        _person_offsets(bl),
        np.zeros((0, cp.n_slots), np.int64) if person_out is None else person_out,
        np.zeros((0, cp.n_slots), np.int64) if household_out is None else household_out,
    )
    return pay, rule, applied, oop


def _settle_ordered(
    cp: CompiledPolicy, claims: pl.DataFrame, keep_state: bool, order: np.ndarray | None = None
) -> tuple[pl.DataFrame, FinalState | None]:
    """The results columns, in input order, for claims taken in settlement ``order`` (the
    kernel reads the claim columns through it: nothing is gathered or put back)."""
    bl = _blocks(claims, order)
    nb = len(bl.starts) - 1
    offsets = _person_offsets(bl)
    n_person_rows = int(bl.persons.sum()) if keep_state else 0
    person_out = np.zeros((n_person_rows, cp.n_slots), np.int64)
    household_out = np.zeros((nb if keep_state else 0, cp.n_slots), np.int64)
    pay, rule, applied, oop = _settle_blocks_arrays(cp, claims, bl, person_out, household_out)
    results = _results_frame(cp, pay, rule, applied, oop)
    if not keep_state:
        return results, None
    first = bl.starts[:-1]
    # the claim where each person first appears in its block gives the person's id
    person = claims.get_column("person_id").to_numpy()[bl.order]
    slot_of_claim = offsets.repeat(np.diff(bl.starts)) + bl.pidx
    person_ids = np.zeros(n_person_rows, np.int64)
    person_ids[slot_of_claim] = person
    years = claims.get_column("year").to_numpy()[bl.order]
    block_of_row = np.repeat(np.arange(nb), bl.persons)
    state = FinalState(
        persons=pl.DataFrame(
            {
                "person_id": person_ids,
                "year": years[first][block_of_row],
                "slots": person_out,
            }
        ),
        households=pl.DataFrame(
            {
                "household_id": claims.get_column("household_id").to_numpy()[bl.order][first],
                "year": years[first],
                "slots": household_out,
            }
        ),
    )
    return results, state
