"""The one definition of the cascade's arithmetic, compiled by numba.

``settle_claim`` settles one claim row through every layer of a compiled policy, reading
and updating the running annual state (pools) of the person and household. Online
settlement calls it for one claim; batch settlement calls it for every claim of a block of
households, blocks in parallel. Same function, same integer arithmetic: same cents.

Rounding: every ratio is applied with ``(amount * bp + 5000) // 10000`` (half up, fen).
Payments reduce the compliant remainder first, then the rest of the bill.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from safetynet.engine import layout as L
from safetynet.engine.prefetch import prefetch_row

_INF = np.int64(2**62)
_AHEAD = 16  # claims ahead whose person and household rows the file-order pass asks for


@njit(cache=True, inline="always")
def _ratio(amount: int, bp: int) -> int:
    return (amount * bp + 5000) // 10000


@njit(cache=True, inline="always")
def _matches(k: np.ndarray, c: np.ndarray) -> bool:
    """Whether claim row ``c`` meets condition row ``k`` (a rule's, a bonus's, pay-later's)."""
    if k[L.K_STATUS] != 0 and (k[L.K_STATUS] & c[L.C_STATUS]) == 0:
        return False
    if k[L.K_KIND] != 0 and (k[L.K_KIND] >> c[L.C_KIND]) & 1 == 0:
        return False
    if k[L.K_LEVEL] != 0 and (k[L.K_LEVEL] >> c[L.C_LEVEL]) & 1 == 0:
        return False
    if k[L.K_DISEASE] != 0 and (k[L.K_DISEASE] & c[L.C_DISEASE]) == 0:
        return False
    if k[L.K_IN_COUNTY] >= 0 and k[L.K_IN_COUNTY] != c[L.C_IN_COUNTY]:
        return False
    if k[L.K_REFERRAL] >= 0 and k[L.K_REFERRAL] != c[L.C_REFERRAL]:
        return False
    if k[L.K_AGE_FROM] >= 0 and c[L.C_AGE] < k[L.K_AGE_FROM]:
        return False
    return not (k[L.K_AGE_TO] >= 0 and c[L.C_AGE] >= k[L.K_AGE_TO])


@njit(cache=True)
def matches(k: np.ndarray, c: np.ndarray) -> bool:
    """:func:`_matches` for callers outside the kernel."""
    return _matches(k, c)


@njit(cache=True, inline="always")
def settle_claim(
    c: np.ndarray,
    layers: np.ndarray,
    cond: np.ndarray,
    params: np.ndarray,
    deductible: np.ndarray,
    tier_from: np.ndarray,
    tier_bp: np.ndarray,
    ceiling: np.ndarray,
    bonus_cond: np.ndarray,
    bonus_points: np.ndarray,
    pool_household: np.ndarray,
    pstate: np.ndarray,
    hstate: np.ndarray,
    pay_out: np.ndarray,
    rule_out: np.ndarray,
    explain: bool,
    ex_out: np.ndarray,
) -> int:
    """Settle claim row ``c``; write each layer's payment and rule; return out-of-pocket."""
    level = c[L.C_LEVEL]
    rem_total = c[L.C_TOTAL] - c[L.C_DEDUCTED]
    rem_comp = min(c[L.C_COMPLIANT], rem_total)
    for li in range(layers.shape[0]):
        pay_out[li] = 0
        rule_out[li] = -1
        r = -1
        for ri in range(layers[li, L.L_RULE_START], layers[li, L.L_RULE_END]):
            if _matches(cond[ri], c):
                r = ri
                break
        if r < 0:
            continue
        rule_out[li] = r
        p = params[r]
        slot = p[L.P_POOL] * L.SLOTS_PER_POOL
        st = hstate[c[L.C_HIDX]] if pool_household[p[L.P_POOL]] == 1 else pstate[c[L.C_PIDX]]
        if layers[li, L.L_MECHANISM] == L.MECH_RATIO:
            base = rem_total if layers[li, L.L_BASE_TOTAL] == 1 else rem_comp
            ded = min(deductible[r, level], base)
            x = base - ded
            acc = st[slot + L.S_BASE]
            paid = st[slot + L.S_PAID]
            bonus = 0
            for b in range(p[L.P_BONUS_START], p[L.P_BONUS_END]):
                if _matches(bonus_cond[b], c):
                    bonus += bonus_points[b]
            gross = 0
            eff = 0
            nt = p[L.P_N_TIERS]
            for t in range(nt):
                start = tier_from[r, t]
                end = tier_from[r, t + 1] if t + 1 < nt else _INF
                lo = max(acc, start)
                hi = min(acc + x, end)
                bp = tier_bp[r, t, level]
                if bp > 0:
                    bp = min(max(bp + bonus, 0), 10000)
                if hi > lo:
                    gross += _ratio(hi - lo, bp)
                if acc + x > start or t == 0:
                    eff = bp
            if p[L.P_ESSENTIAL_POINTS] != 0:
                gross += _ratio(min(c[L.C_ESSENTIAL], x), p[L.P_ESSENTIAL_POINTS])
                gross = max(gross, 0)
            pay = gross
            capped = 0
            if p[L.P_PER_CLAIM_CAP] >= 0 and pay > p[L.P_PER_CLAIM_CAP]:
                pay = p[L.P_PER_CLAIM_CAP]
                capped |= L.CAPPED_PER_CLAIM
            if p[L.P_ANNUAL_CAP] >= 0 and pay > p[L.P_ANNUAL_CAP] - paid:
                pay = max(p[L.P_ANNUAL_CAP] - paid, 0)
                capped |= L.CAPPED_ANNUAL
            if pay > base:
                pay = base
                capped |= L.CAPPED_REMAINING
            st[slot + L.S_BASE] = acc + x
            st[slot + L.S_PAID] = paid + pay
            if explain:
                e = ex_out[li]
                e[L.E_BASE] = base
                e[L.E_DEDUCTIBLE] = ded
                e[L.E_ELIGIBLE] = x
                e[L.E_RATIO] = eff
                e[L.E_GROSS] = gross
                e[L.E_CAPPED] = capped
                e[L.E_ACC_BEFORE] = acc
                e[L.E_PAID_BEFORE] = paid
                e[L.E_ALLOWED] = -1
                e[L.E_BONUS] = bonus
        else:
            oop = rem_total if p[L.P_OOP_TOTAL] == 1 else rem_comp
            cost = (
                c[L.C_COMPLIANT] if p[L.P_COST_COMPLIANT] == 1 else c[L.C_TOTAL] - c[L.C_DEDUCTED]
            )
            cost_before = st[slot + L.S_COST]
            oop_before = st[slot + L.S_OOP]
            used = st[slot + L.S_MAX_LEVEL] - 1
            lvl = level if p[L.P_CEILING_BY_CLAIM] == 1 else max(used, level)
            year_cost = cost_before + cost
            fixed = ceiling[r, lvl]
            share = _ratio(year_cost, p[L.P_COST_SHARE]) if p[L.P_COST_SHARE] >= 0 else -1
            if fixed < 0:
                allowed = share
            elif share < 0:
                allowed = fixed
            elif p[L.P_COMBINE_MAX] == 1:
                allowed = max(fixed, share)
            else:
                allowed = min(fixed, share)
            pay = min(max(oop_before + oop - allowed, 0), oop)
            st[slot + L.S_COST] = year_cost
            st[slot + L.S_OOP] = oop_before + oop - pay
            st[slot + L.S_MAX_LEVEL] = max(st[slot + L.S_MAX_LEVEL], lvl + 1)
            if explain:
                e = ex_out[li]
                e[L.E_BASE] = oop
                e[L.E_DEDUCTIBLE] = 0
                e[L.E_ELIGIBLE] = oop
                e[L.E_RATIO] = -1
                e[L.E_GROSS] = pay
                e[L.E_CAPPED] = 0
                e[L.E_ACC_BEFORE] = oop_before
                e[L.E_PAID_BEFORE] = cost_before
                e[L.E_ALLOWED] = allowed
                e[L.E_BONUS] = 0
        pay_out[li] = pay
        rem_total -= pay
        rem_comp = max(rem_comp - pay, 0)
    return rem_total


@njit(cache=True, parallel=True)
def settle_blocks(
    cols: np.ndarray,
    order: np.ndarray,
    block_starts: np.ndarray,
    pidx: np.ndarray,
    max_persons: int,
    layers: np.ndarray,
    cond: np.ndarray,
    params: np.ndarray,
    deductible: np.ndarray,
    tier_from: np.ndarray,
    tier_bp: np.ndarray,
    ceiling: np.ndarray,
    bonus_cond: np.ndarray,
    bonus_points: np.ndarray,
    pool_household: np.ndarray,
    n_slots: int,
    pay: np.ndarray,
    rule: np.ndarray,
    applied: np.ndarray,
    oop: np.ndarray,
    person_offset: np.ndarray,
    person_out: np.ndarray,
    household_out: np.ndarray,
) -> None:
    """Settle claims block by block (a block is one household-year), in parallel.

    ``cols`` holds the claim columns [N_CLAIM_COLS, n] in input order; ``order`` lists the
    input rows in settlement order and ``block_starts`` cuts it into blocks; ``pidx`` is the
    person's row within its block (``< max_persons``). A block's accumulators start at zero
    and live in scratch rows of the task, so the state stays in cache and nothing of the size
    of the input is allocated. Results land in input order: ``pay`` [n_layers, n] in fen,
    ``rule`` [n_layers, n] the rule's index *within its layer* (0 where none applied),
    ``applied`` [n_layers, n] whether a rule of the layer applied, ``oop`` [n].
    When ``person_out`` has rows, each block's final accumulators are kept: person ``k`` of
    block ``b`` in row ``person_offset[b] + k`` of ``person_out``, the household in row ``b``
    of ``household_out``.
    """
    dummy = np.zeros((0, L.N_EXPLAIN_COLS), np.int64)
    n_cols = cols.shape[0]
    n_layers = layers.shape[0]
    n_blocks = block_starts.shape[0] - 1
    chunk = 4096  # blocks per task: scratch is allocated once per task, not per block
    for t in prange((n_blocks + chunk - 1) // chunk):
        row = np.zeros(n_cols, np.int64)
        pay_row = np.zeros(n_layers, np.int64)
        rule_row = np.zeros(n_layers, np.int64)
        pstate = np.zeros((max_persons, n_slots), np.int64)
        hstate = np.zeros((1, n_slots), np.int64)
        for b in range(t * chunk, min(n_blocks, (t + 1) * chunk)):
            lo, hi = block_starts[b], block_starts[b + 1]
            used = 0
            for i in range(lo, hi):
                used = max(used, pidx[i] + 1)
            pstate[:used] = 0
            hstate[0] = 0
            for i in range(lo, hi):
                j = order[i]
                for c in range(n_cols):
                    row[c] = cols[c, j]
                row[L.C_HIDX] = 0
                row[L.C_PIDX] = pidx[i]
                oop[j] = settle_claim(
                    row,
                    layers,
                    cond,
                    params,
                    deductible,
                    tier_from,
                    tier_bp,
                    ceiling,
                    bonus_cond,
                    bonus_points,
                    pool_household,
                    pstate,
                    hstate,
                    pay_row,
                    rule_row,
                    False,
                    dummy,
                )
                for li in range(n_layers):
                    pay[li, j] = pay_row[li]
                    hit = rule_row[li] >= 0
                    applied[li, j] = hit
                    rule[li, j] = rule_row[li] - layers[li, L.L_RULE_START] if hit else 0
            if person_out.shape[0] > 0:
                for k in range(used):
                    person_out[person_offset[b] + k] = pstate[k]
                household_out[b] = hstate[0]


@njit(cache=True, parallel=True, nogil=True)
def settle_in_file_order(
    kind: np.ndarray,
    level: np.ndarray,
    in_county: np.ndarray,
    referral: np.ndarray,
    status: np.ndarray,
    disease: np.ndarray,
    age: np.ndarray,
    total: np.ndarray,
    compliant: np.ndarray,
    essential: np.ndarray,
    deducted: np.ndarray,
    person: np.ndarray,
    household: np.ndarray,
    pstate: np.ndarray,
    hstate: np.ndarray,
    skip: np.ndarray,
    n_parts: int,
    lo: int,
    hi: int,
    layers: np.ndarray,
    cond: np.ndarray,
    params: np.ndarray,
    deductible: np.ndarray,
    tier_from: np.ndarray,
    tier_bp: np.ndarray,
    ceiling: np.ndarray,
    bonus_cond: np.ndarray,
    bonus_points: np.ndarray,
    pool_household: np.ndarray,
    pay: np.ndarray,
    rule: np.ndarray,
    applied: np.ndarray,
    oop: np.ndarray,
) -> None:
    """Settle rows ``lo`` to ``hi`` in the order given, which is each household's
    settlement order (the caller has checked it, e.g. a date-sorted claim file): one
    sequential pass per part, households split over the parts by ``household % n_parts``
    (in parallel), the accumulators in the tables ``pstate`` (a row per person, ``person``
    indexes it, each person in one household) and ``hstate`` (a row per household), which
    carry them from one call to the next: the rows of a file may be settled in consecutive
    ranges (and each range's results used while the next settles); a table of no rows is one
    no pool of the policy is kept in (never read). Claims of households
    with ``skip`` set are left untouched. The claim columns are read where they lie and the
    results written in input order (row ``i`` at column ``i - lo`` of ``pay``, ``rule``,
    ``applied`` and ``oop``, arrays of the range), so nothing is gathered or put back.
    Same results as :func:`settle_blocks` on the same claims (same ``settle_claim``, same
    order within each household)."""
    dummy = np.zeros((0, L.N_EXPLAIN_COLS), np.int64)
    n_layers = layers.shape[0]
    # a state table without rows is one no pool of the policy is kept in: never read, its
    # rows not asked for (e.g. a policy without household pools)
    ahead_p, ahead_h = pstate.shape[0] > 0, hstate.shape[0] > 0
    for t in prange(n_parts):
        row = np.zeros(L.N_CLAIM_COLS, np.int64)
        pay_row = np.zeros(n_layers, np.int64)
        rule_row = np.zeros(n_layers, np.int64)
        for i in range(lo, hi):
            # the rows of this part's claim further on: their cache misses overlap the work
            if i + _AHEAD < hi and household[i + _AHEAD] % n_parts == t:
                if ahead_p:
                    prefetch_row(pstate, person[i + _AHEAD])
                if ahead_h:
                    prefetch_row(hstate, household[i + _AHEAD])
            h = household[i]
            if h % n_parts != t or skip[h]:
                continue
            row[L.C_PIDX] = person[i]
            row[L.C_HIDX] = h
            row[L.C_KIND] = kind[i]
            row[L.C_LEVEL] = level[i]
            row[L.C_IN_COUNTY] = in_county[i]
            row[L.C_REFERRAL] = referral[i]
            row[L.C_STATUS] = status[i]
            row[L.C_DISEASE] = disease[i]
            row[L.C_AGE] = age[i]
            row[L.C_TOTAL] = total[i]
            row[L.C_COMPLIANT] = compliant[i]
            row[L.C_ESSENTIAL] = essential[i]
            row[L.C_DEDUCTED] = deducted[i]
            oop[i - lo] = settle_claim(
                row,
                layers,
                cond,
                params,
                deductible,
                tier_from,
                tier_bp,
                ceiling,
                bonus_cond,
                bonus_points,
                pool_household,
                pstate,
                hstate,
                pay_row,
                rule_row,
                False,
                dummy,
            )
            for li in range(n_layers):
                pay[li, i - lo] = pay_row[li]
                hit = rule_row[li] >= 0
                applied[li, i - lo] = hit
                rule[li, i - lo] = rule_row[li] - layers[li, L.L_RULE_START] if hit else 0
