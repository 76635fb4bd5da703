"""The rules on hospital stays: a stay split into two (``split_admission``), stays that overlap
or a visit elsewhere during one (``overlapping_stay``), an admission for what a visit treats
(``low_threshold_admission``), days in bed with no treatment (``ghost_bed``)."""

from __future__ import annotations

import polars as pl

from safetynet.supervision.frames import OUTPATIENT_KINDS, ScreenInput
from safetynet.supervision.schema import (
    GhostBedRule,
    LowThresholdRule,
    OverlappingStayRule,
    SplitAdmissionRule,
)
from safetynet.supervision.screen.exprs import (
    days_between,
    facts_json,
    same_as_above,
    starts_with_any,
    stays_of,
)


def _day_key(date: str) -> pl.Expr:
    """A date column as day × 2^32 plus the row's ``_pos`` (below 2^32): in date order, rows
    of one day in position order."""
    return pl.col(date).cast(pl.Int32).cast(pl.Int64) * 2**32 + pl.col("_pos").cast(pl.Int64)


def split_admission(rule: SplitAdmissionRule, data: ScreenInput) -> pl.DataFrame:
    p = rule.params
    window = int(p.window_days.value)
    chars = int(p.category_chars.value)
    # A planned cycle (chemotherapy, radiotherapy) is neither side of a pair.
    planned = starts_with_any(pl.col("diagnosis"), p.planned_cycle_diagnoses)
    stays = (
        stays_of(data)
        .filter(pl.col("diagnosis").is_not_null() & ~planned)
        .with_columns(pl.col("diagnosis").str.slice(0, chars).alias("category"))
        .sort("person_id", "category", "admitted", "discharged", "claim_no")
        .with_row_index("_pos")
        .with_columns((~same_as_above(["person_id", "category"])).cum_sum().alias("_group"))
    )
    # Every earlier stay of the person and category is compared, however many lie between:
    # the latest discharge on or before the admission among ALL the stays sorted before it
    # (a stay admitted during another one still counts from the earlier discharge), by an
    # as-of join on (day, position): a stay discharged on the admission day counts when it
    # is sorted before it, never itself.
    earlier = stays.select(
        "_group",
        _day_key("discharged").alias("_key"),
        pl.col("discharged").alias("previous_discharged"),
        pl.col("claim_no").alias("previous_claim"),
    ).sort("_key")
    stays = (
        stays.with_columns((_day_key("admitted") - 1).alias("_key"))
        .sort("_key")
        .join_asof(earlier, on="_key", by="_group", strategy="backward", check_sortedness=False)
        .with_columns(days_between("previous_discharged", "admitted").alias("gap"))
        .sort("_pos")
    )
    return stays.filter(pl.col("gap").is_between(0, window)).select(
        "claim_no",
        pl.col("total_fen").fill_null(0).alias("amount_fen"),
        facts_json(
            previous_claim=pl.col("previous_claim"),
            previous_discharged=pl.col("previous_discharged").cast(pl.String),
            admitted=pl.col("admitted").cast(pl.String),
            gap_days=pl.col("gap"),
            window_days=pl.lit(window),
            category=pl.col("category"),
        ),
    )


def overlapping_stay(rule: OverlappingStayRule, data: ScreenInput) -> pl.DataFrame:
    """A person admitted at two institutions on overlapping dates, or seen elsewhere during a
    stay: EVERY claim of such a pair is flagged (either may be the false one, and at the
    window the claim submitted last may be either: the earlier-admitted stay, the stay that
    holds a visit settled before it), one hit per claim naming the other. A stay admitted on
    the day another ends, or a visit on a stay's first or last day, is no overlap."""
    stays = stays_of(data).sort("person_id", "admitted", "discharged", "claim_no")
    # A running maximum of the discharge per person without a window: each person's days are
    # offset by a multiple of 10^6 that grows with the person, so one cumulative maximum
    # over the sorted frame never crosses from one person into the next.
    same = same_as_above(["person_id"])
    group = (~same).cast(pl.Int64).cum_sum()
    day = pl.col("discharged").cast(pl.Int64) + group * 1_000_000
    running = day.cum_max()
    holds = day == running
    # the next stay of the person in this order is the one admitted first after it: a stay
    # is overlapped by a later one when that one is admitted before it ends
    after = same_as_above(["person_id"], -1)
    stays = stays.with_columns(
        pl.when(same)
        .then((running.shift() - group * 1_000_000).cast(pl.Date))
        .alias("other_discharged"),
        pl.when(same)
        .then(pl.when(holds).then(pl.col("claim_no")).forward_fill().shift())
        .alias("other_claim"),
        pl.when(same)
        .then(pl.when(holds).then(pl.col("institution")).forward_fill().shift())
        .alias("other_institution"),
        pl.when(after).then(pl.col("admitted").shift(-1)).alias("next_admitted"),
        pl.when(after).then(pl.col("claim_no").shift(-1)).alias("next_claim"),
        pl.when(after).then(pl.col("institution").shift(-1)).alias("next_institution"),
        pl.when(after).then(pl.col("discharged").shift(-1)).alias("next_discharged"),
    )
    amount = pl.col("total_fen").fill_null(0).alias("amount_fen")
    overlap = stays.filter(pl.col("admitted") < pl.col("other_discharged")).select(
        "claim_no",
        amount,
        facts_json(
            other_claim=pl.col("other_claim"),
            other_institution=pl.col("other_institution"),
            other_discharged=pl.col("other_discharged").cast(pl.String),
            admitted=pl.col("admitted").cast(pl.String),
        ),
    )
    overlapped = stays.filter(pl.col("next_admitted") < pl.col("discharged")).select(
        "claim_no",
        amount,
        facts_json(
            other_claim=pl.col("next_claim"),
            other_institution=pl.col("next_institution"),
            other_admitted=pl.col("next_admitted").cast(pl.String),
            other_discharged=pl.col("next_discharged").cast(pl.String),
            discharged=pl.col("discharged").cast(pl.String),
        ),
    )
    visits = data.claims.filter(pl.col("kind").is_in(OUTPATIENT_KINDS)).select(
        "claim_no", "person_id", "date", "institution", "total_fen"
    )
    right = stays.select(
        "person_id",
        pl.col("admitted"),
        pl.col("discharged").alias("stay_discharged"),
        pl.col("claim_no").alias("stay_claim"),
        pl.col("institution").alias("stay_institution"),
        pl.col("total_fen").alias("stay_total_fen"),
    )
    # Every stay of the person is compared, not only the one admitted last before the visit
    # (a short stay ended before the visit, or one at the visit's own institution, does not
    # hide a longer one elsewhere); a visit inside several is named with the latest admitted.
    inside = visits.join(right, on="person_id", how="inner").filter(
        (pl.col("admitted") < pl.col("date"))
        & (pl.col("date") < pl.col("stay_discharged"))
        & (pl.col("institution") != pl.col("stay_institution"))
    )
    present = (
        inside.sort("claim_no", "admitted", "stay_claim", descending=[False, True, True])
        .unique("claim_no", keep="first", maintain_order=True)
        .select(
            "claim_no",
            amount,
            facts_json(
                stay_claim=pl.col("stay_claim"),
                stay_institution=pl.col("stay_institution"),
                admitted=pl.col("admitted").cast(pl.String),
                discharged=pl.col("stay_discharged").cast(pl.String),
                visit_date=pl.col("date").cast(pl.String),
            ),
        )
    )
    # the stay a visit elsewhere falls in, named with its latest visit
    holding = (
        inside.sort("stay_claim", "date", "claim_no", descending=[False, True, True])
        .unique("stay_claim", keep="first", maintain_order=True)
        .select(
            pl.col("stay_claim").alias("claim_no"),
            pl.col("stay_total_fen").fill_null(0).alias("amount_fen"),
            facts_json(
                visit_claim=pl.col("claim_no"),
                visit_institution=pl.col("institution"),
                visit_date=pl.col("date").cast(pl.String),
                admitted=pl.col("admitted").cast(pl.String),
                discharged=pl.col("stay_discharged").cast(pl.String),
            ),
        )
    )
    # one hit per claim: a stay overlapping several is named with the first found
    return pl.concat([overlap, overlapped, present, holding]).unique(
        "claim_no", keep="first", maintain_order=True
    )


def low_threshold_admission(rule: LowThresholdRule, data: ScreenInput) -> pl.DataFrame:
    p = rule.params
    max_stay = int(p.max_stay_days.value)
    treating = set(p.surgery_codes) | set(p.iv_codes)
    stays = (
        stays_of(data)
        .with_columns(days_between("admitted", "discharged").alias("stay_days"))
        .filter(
            (pl.col("stay_days") <= max_stay)
            & starts_with_any(pl.col("diagnosis"), p.outpatient_treatable)
        )
    )
    # the candidates are few: look up their lines only
    lines = data.lines.filter(pl.col("claim_no").is_in(stays["claim_no"].implode()))
    treated = lines.filter(pl.col("code").is_in(sorted(treating))).select("claim_no")
    stays = stays.join(lines.select("claim_no").unique(), on="claim_no", how="semi").join(
        treated, on="claim_no", how="anti"
    )
    return stays.select(
        "claim_no",
        pl.col("total_fen").fill_null(0).alias("amount_fen"),
        facts_json(
            stay_days=pl.col("stay_days"),
            max_stay_days=pl.lit(max_stay),
            diagnosis=pl.col("diagnosis"),
            surgery_or_iv=pl.lit(False),
        ),
    )


def ghost_bed(rule: GhostBedRule, data: ScreenInput) -> pl.DataFrame:
    """A stay whose first substantive item (any but the routine bed, nursing and
    registration codes) is dated more than ``max_untreated_days`` after its admission. A line
    without a day counts as given on the claim's date (the admission), so only dated lines
    can show a ghost bed (the window's submissions carry no item days); a stay billing no
    substantive item at all is not judged (its bill may list the bed-days only)."""
    p = rule.params
    most = int(p.max_untreated_days.value)
    stays = stays_of(data).filter(days_between("admitted", "discharged") > most)
    lines = data.lines.filter(pl.col("claim_no").is_in(stays["claim_no"].implode()))
    substantive = ~pl.col("code").is_in(sorted(set(p.routine_codes))).fill_null(False)
    first = (
        lines.join(stays.select("claim_no", "admitted"), on="claim_no", how="inner")
        .group_by("claim_no")
        .agg(pl.coalesce("day", "admitted").filter(substantive).min().alias("first_treated"))
    )
    untreated = days_between("admitted", "first_treated")
    return (
        stays.join(first, on="claim_no", how="inner")
        .filter((untreated > most).fill_null(False))
        .select(
            "claim_no",
            pl.col("total_fen").fill_null(0).alias("amount_fen"),
            facts_json(
                admitted=pl.col("admitted").cast(pl.String),
                first_treated=pl.col("first_treated").cast(pl.String),
                untreated_days=untreated,
                max_untreated_days=pl.lit(most),
            ),
        )
    )
