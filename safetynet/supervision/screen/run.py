"""Every screening rule over a year of claims, vectorised (Polars joins and window functions).

:func:`screen` takes a rule set and the canonical frames (:mod:`safetynet.supervision.frames`)
and returns one row per hit: the rule (id, kind, severity, article), the claim (number,
person, institution, doctor, date), the amount at stake in fen and ``facts``, a JSON object
of the values that triggered the hit (the parameter included). No loop runs over claims:
each rule is a handful of sorts, joins and ``over`` windows, so a county's year screens in
seconds and one claim with its person's history in milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import polars as pl

from safetynet.supervision.frames import ScreenInput, canonical_code
from safetynet.supervision.schema import (
    Rule,
    RuleSet,
)
from safetynet.supervision.screen.charges import (
    concurrent_bed_charge,
    duplicate_charge,
    out_of_catalog_share,
    over_standard_charge,
    repeat_test,
)
from safetynet.supervision.screen.exprs import (
    HIT_SCHEMA,
)
from safetynet.supervision.screen.identity import impersonation, shared_phone
from safetynet.supervision.screen.outpatient import outpatient_abuse
from safetynet.supervision.screen.stays import (
    ghost_bed,
    low_threshold_admission,
    overlapping_stay,
    split_admission,
)

RULES: dict[str, Callable[..., pl.DataFrame]] = {
    "duplicate_charge": duplicate_charge,
    "over_standard_charge": over_standard_charge,
    "split_admission": split_admission,
    "overlapping_stay": overlapping_stay,
    "impersonation": impersonation,
    "low_threshold_admission": low_threshold_admission,
    "outpatient_abuse": outpatient_abuse,
    "out_of_catalog_share": out_of_catalog_share,
    "repeat_test": repeat_test,
    "ghost_bed": ghost_bed,
    "shared_phone": shared_phone,
    "concurrent_bed_charge": concurrent_bed_charge,
}


def _found(rule: Rule, data: ScreenInput) -> pl.DataFrame:
    """One rule's hits: claim, amount at stake, facts and the rule's own columns."""
    return RULES[rule.kind](rule, data).select(
        pl.col("claim_no").cast(pl.String),
        pl.col("amount_fen").cast(pl.Int64),
        pl.col("facts").cast(pl.String),
        pl.lit(rule.id).alias("rule_id"),
        pl.lit(rule.kind).alias("kind"),
        pl.lit(rule.severity).alias("severity"),
        pl.lit(rule.article, pl.Int32).alias("article"),
    )


def _with_claims(found: pl.DataFrame, data: ScreenInput) -> pl.DataFrame:
    """The hits with their claim's person, institution, doctor and date (one join)."""
    info = data.claims.select("claim_no", "person_id", "institution", "doctor", "date")
    return (
        found.join(info, on="claim_no", how="left").select(list(HIT_SCHEMA)).cast(HIT_SCHEMA)  # type: ignore[arg-type]
    )


def screen_rule(rule: Rule, data: ScreenInput) -> pl.DataFrame:
    """The hits of one rule (every column of :data:`HIT_SCHEMA`)."""
    return _with_claims(_found(rule, data), data)


def _canonical(data: ScreenInput) -> ScreenInput:
    """``data`` with each diagnosis as the rules compare it, however it was written (case,
    spaces, the dot: :func:`~safetynet.supervision.frames.canonical_code`). Each distinct
    code is looked at once and only those written otherwise are replaced (a county's year
    holds a few thousand codes over millions of claims, nearly all written canonically)."""
    written = data.claims["diagnosis"].unique().drop_nulls().to_list()
    mapping = {d: canonical_code(d) for d in written if canonical_code(d) != d}
    if not mapping:
        return data
    diagnosis = pl.col("diagnosis").replace(list(mapping), list(mapping.values()))
    return ScreenInput(data.claims.with_columns(diagnosis), data.lines, data.persons)


def screen(
    rules: RuleSet, data: ScreenInput, only: Iterable[str] | None = None, *, check: bool = True
) -> pl.DataFrame:
    """Every hit of every enabled rule (or of the rule ids in ``only``), sorted.

    Each claim is screened by the file of the rule set's chain that holds its person's
    region (:meth:`RuleSet.layer_of`, :meth:`RuleSet.layer`: a county's own rules only its
    county's claims, the province rules it inherits the province's; none a claim of no file's
    region), within the validity of ``rules`` (the file screening is set up with: a county's
    own ``valid_from`` starts the screening of every claim it screens).
    ``check`` refuses rules whose fields are missing from every claim (a file); a single
    claim's history (:func:`screen_claim`) may simply have no stay.
    """
    wanted = None if only is None else set(only)
    parts = []
    canonical = _canonical(data)
    for layer, claim_nos in layers_of(rules, data):
        chosen = [r for r in layer.active() if wanted is None or r.id in wanted]
        if check:
            data.check(chosen)
        if not chosen:
            continue
        found = _with_claims(pl.concat([_found(rule, canonical) for rule in chosen]), canonical)
        found = found.filter(in_force(rules))
        if claim_nos is not None:
            found = found.filter(pl.col("claim_no").is_in(claim_nos))
        parts.append(found)
    if not parts:
        return pl.DataFrame(schema=HIT_SCHEMA)
    # a total order: two hits of one rule with the same facts (two lines of one restricted
    # item) differ only by their amounts
    return pl.concat(parts).sort("date", "claim_no", "rule_id", "facts", "amount_fen")


def layers_of(rules: RuleSet, data: ScreenInput) -> list[tuple[RuleSet, list[str] | None]]:
    """The rules screening some claims of ``data`` (:meth:`RuleSet.layer`), each with the
    numbers of the claims they screen (None: every claim)."""
    persons = data.persons
    # a claim whose person has no village (or no row) is of the file's region: layer 0
    if rules.region is None or persons is None:
        return [(rules, None)]
    layer = {code: rules.layer_of(code) for code in persons["village"].unique().to_list()}
    layer[None] = 0
    if all(i == 0 for i in layer.values()):  # the common case: every person of the region
        return [(rules, None)]
    villages = persons.select("person_id", "village").unique("person_id", keep="first")
    claims = data.claims.select("claim_no", "person_id").join(villages, on="person_id", how="left")
    numbers: dict[int, list[str]] = {}
    for no, village in zip(claims["claim_no"].to_list(), claims["village"].to_list(), strict=True):
        i = layer[village]
        if i is not None:
            numbers.setdefault(i, []).append(no)
    out: list[tuple[RuleSet, list[str] | None]] = []
    for i, nos in sorted(numbers.items()):
        screened = rules.layer(i)
        if screened is not None:
            out.append((screened, nos))
    return out


def in_force(rules: RuleSet, day: str = "date") -> pl.Expr:
    """Whether the claim's date (the column ``day``: a visit's day, a stay's admission) is
    within the rule set's validity, ``valid_from`` to ``valid_to`` both included
    (:meth:`RuleSet.covers`): a rule flags only the claims of its period; a claim before
    it may still be the earlier claim a later one is compared with."""
    ok = pl.col(day) >= rules.valid_from
    if rules.valid_to is not None:
        ok = ok & (pl.col(day) <= rules.valid_to)
    return ok.fill_null(False)
