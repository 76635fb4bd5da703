"""The rules on who was treated: a claim that does not fit its person (sex, age, death:
``impersonation``) and many persons behind one phone (``shared_phone``)."""

from __future__ import annotations

import polars as pl

from safetynet.registry.alive import AFTER_DEATH_REASONS, after_death_expr
from safetynet.supervision.frames import ScreenInput
from safetynet.supervision.schema import (
    ImpersonationRule,
    SharedPhoneRule,
)
from safetynet.supervision.screen.exprs import (
    facts_json,
    no_hits,
    starts_with_any,
)


def _after_death(claims: pl.DataFrame, lines: pl.DataFrame, amount: pl.Expr) -> pl.DataFrame:
    """Claims of persons who died with a service after the death — the registry's one
    definition (:func:`safetynet.registry.alive.after_death_expr`), the window's refusal:
    started on or after the day of death, discharged after it, or an item line dated after
    it. The fact ``date`` is the date at fault."""
    died = claims.filter(pl.col("deceased_on").is_not_null())
    if "day" in lines.columns:
        last = (
            lines.join(died.select("claim_no"), on="claim_no", how="semi")
            .group_by("claim_no")
            .agg(pl.col("day").max().alias("_last_service"))
        )
        died = died.join(last, on="claim_no", how="left")
    else:
        died = died.with_columns(pl.lit(None, pl.Date).alias("_last_service"))
    start = pl.coalesce("admitted", "date")
    end = pl.coalesce("discharged", "admitted", "date")
    service = pl.col("_last_service")
    field = after_death_expr(start, end, pl.col("deceased_on"), service).alias("_field")
    found = died.with_columns(field).filter(pl.col("_field").is_not_null())
    day = (
        pl.when(pl.col("_field") == "date").then(start)
        .when(pl.col("_field") == "discharge_date").then(end)
        .otherwise(service)
    )  # fmt: skip
    reason = pl.col("_field").replace_strict(AFTER_DEATH_REASONS, return_dtype=pl.String)
    return found.select(
        "claim_no",
        amount,
        facts_json(
            reason=reason,
            date=day.cast(pl.String),
            deceased_on=pl.col("deceased_on").cast(pl.String),
        ),
    )


def _restricted() -> pl.Expr:
    return (
        pl.col("sex_restriction").is_not_null()
        | pl.col("min_age").is_not_null()
        | pl.col("max_age").is_not_null()
    )


def impersonation(rule: ImpersonationRule, data: ScreenInput) -> pl.DataFrame:
    p = rule.params
    assert data.persons is not None  # ScreenInput.check refuses the rule without persons
    dx = pl.col("diagnosis")
    # Only claims that could be suspect are joined with their persons: a restricted
    # diagnosis, a person who died, a restricted catalog item.
    restricted_dx = [*p.female_only_diagnoses, *p.male_only_diagnoses,
                     *p.newborn_only_diagnoses]  # fmt: skip
    # the restrictions of each line's entry in force on its day
    restricted_lines = data.lines.filter(_restricted())
    dead = data.persons.filter(pl.col("deceased_on").is_not_null()).select("person_id")
    suspects = pl.concat([
        data.claims.filter(starts_with_any(dx, restricted_dx)),
        data.claims.join(dead, on="person_id", how="semi"),
        data.claims.filter(pl.col("claim_no").is_in(restricted_lines["claim_no"].implode())),
    ]).unique("claim_no", maintain_order=True)  # fmt: skip
    claims = suspects.join(data.persons, on="person_id", how="left")
    amount = pl.col("total_fen").fill_null(0).alias("amount_fen")
    newborn_max = int(p.newborn_max_age.value)
    reasons = {
        "diagnosis for women only": starts_with_any(dx, p.female_only_diagnoses)
        & (pl.col("sex") == "M"),
        "diagnosis for men only": starts_with_any(dx, p.male_only_diagnoses)
        & (pl.col("sex") == "F"),
        "diagnosis for newborns only": starts_with_any(dx, p.newborn_only_diagnoses)
        & (pl.col("age") > newborn_max),
    }
    parts = [
        claims.filter(cond.fill_null(False)).select(
            "claim_no",
            amount,
            facts_json(
                reason=pl.lit(reason),
                diagnosis=dx,
                sex=pl.col("sex"),
                age=pl.col("age"),
            ),
        )
        for reason, cond in reasons.items()
    ]
    if p.after_death:
        parts.append(_after_death(claims, data.lines, amount))
    if p.catalog_restrictions:
        lines = restricted_lines.join(
            claims.select("claim_no", "sex", "age"), on="claim_no", how="inner"
        )
        wrong = (
            (pl.col("sex_restriction").is_not_null() & (pl.col("sex") != pl.col("sex_restriction")))
            | (pl.col("age") < pl.col("min_age"))
            | (pl.col("age") > pl.col("max_age"))
        ).fill_null(False)
        parts.append(
            lines.filter(wrong).select(
                "claim_no",
                "amount_fen",
                facts_json(
                    reason=pl.lit("item restricted by sex or age"),
                    code=pl.col("code"),
                    sex=pl.col("sex"),
                    age=pl.col("age"),
                    sex_restriction=pl.col("sex_restriction"),
                    min_age=pl.col("min_age"),
                    max_age=pl.col("max_age"),
                ),
            )
        )
    return pl.concat(parts)


def shared_phone(rule: SharedPhoneRule, data: ScreenInput) -> pl.DataFrame:
    """One phone number for more than ``max_persons`` insured persons among the claims of the
    highest amounts (the ``top_share`` of the claims screened: the claims whose rank by
    amount is at most ``n × top_share`` — of 61 claims the top 5 % are 3, 4 would be 6.6 %;
    of fewer than 20, none — ties with the last of them included): each such claim is
    flagged. It compares persons with one another, so it needs the screened claims of many
    persons: a county's year, not one person's history."""
    p = rule.params
    most = int(p.max_persons.value)
    assert data.persons is not None  # ScreenInput.check refuses the rule without persons
    amounts = data.claims.select("claim_no", "person_id", pl.col("total_fen").fill_null(0))
    n = amounts.height
    keep = n * round(p.top_share.value * 100) // 10_000  # floor(n × share), basis points
    if n == 0 or keep == 0:
        return no_hits()
    cut = amounts["total_fen"].sort(descending=True)[keep - 1]
    phones = data.persons.select("person_id", "phone").filter(pl.col("phone").is_not_null())
    top = amounts.filter(pl.col("total_fen") >= cut).join(phones, on="person_id", how="inner")
    return (
        top.with_columns(pl.col("person_id").n_unique().over("phone").alias("persons"))
        .filter(pl.col("persons") > most)
        .select(
            "claim_no",
            pl.col("total_fen").alias("amount_fen"),
            facts_json(
                reason=pl.lit("one phone number for several persons"),
                phone=pl.concat_str(pl.lit("*******"), pl.col("phone").str.slice(-4)),
                persons=pl.col("persons"),
                max_persons=pl.lit(most),
                top_amount_fen=pl.lit(cut),
            ),
        )
    )
