"""Online settlement's facts of a claim equal the year batch's (engine_input) for random claims:
the poverty statuses held on the claim date, the age, the disease mask and the amounts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetynet.catalogs.in_force import CATALOG_START
from safetynet.codes import ItemClass, PovertyStatus
from safetynet.engine.compliance import claim_amounts
from safetynet.engine.facts import status_mask
from safetynet.policy.diseases import disease_mask, disease_mask_expr, group_prefixes
from safetynet.policy.in_force import policy_by_id
from safetynet.registry.age import age_on
from safetynet.settlement.engine_input import AMOUNTS, with_claim_facts
from safetynet.settlement.facts import _priced_lines
from safetynet.settlement.snapshot import Snapshot

DAY0 = date(2016, 1, 1)
GROUPS = {"cancer": ("C", "D0"), "heart": ("I2", "I50"), "kidney": ("N18", "N180")}
ANHUI = policy_by_id("anhui-poor-2017")
assert ANHUI is not None
PREFIX_SETS = (GROUPS, group_prefixes(ANHUI), {})
CODES = ("C50.1", "c509", "D05", "I21.0", "I500", "n18.0", "N17", "J18", "", None, "E11")
ITEMS = {
    f"{cls}{bp}{ess}": SimpleNamespace(
        item_class=cls,
        self_pay_bp=bp or None,
        essential=ess == "e" or None,
        valid_from=CATALOG_START,
        valid_to=None,
    )
    for cls in (ItemClass.A, ItemClass.B, ItemClass.C, None)
    for bp in (0, 1000, 2500, 3333)
    for ess in ("e", "")
}

# birthdays on, before and after the claim dates often enough to test the rule's edges
EDGES = (date(2016, 2, 29), date(2017, 2, 28), date(2017, 3, 1), date(2017, 6, 14))
days = st.one_of(
    st.integers(0, 3 * 365).map(lambda n: DAY0 + timedelta(days=n)), st.sampled_from(EDGES)
)
births = st.one_of(
    st.dates(date(1920, 1, 1), date(2018, 12, 31)),
    st.sampled_from((date(2000, 2, 29), date(1950, 6, 14), date(1980, 3, 1), date(1990, 6, 15))),
)
line = st.tuples(
    st.sampled_from(sorted(ITEMS)), st.integers(0, 5_000_000), st.integers(0, 100)
)  # item, amount fen, deducted per cent of the amount
period = st.tuples(
    st.integers(0, 3),  # person index, 3: the household's
    st.sampled_from(list(PovertyStatus)),
    days,
    st.one_of(st.none(), st.integers(0, 400)),  # length in days, None: open
)
claim = st.tuples(
    st.integers(0, 2), days, st.sampled_from(CODES), st.lists(line, min_size=0, max_size=5)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    born=st.lists(births, min_size=3, max_size=3),
    periods=st.lists(period, max_size=8),
    claims=st.lists(claim, min_size=1, max_size=8),
    prefix_set=st.sampled_from(range(len(PREFIX_SETS))),
)
def test_online_facts_equal_the_batch_input(
    born: list[date],
    periods: list[tuple[int, PovertyStatus, date, int | None]],
    claims: list[tuple[int, date, str | None, list[tuple[str, int, int]]]],
    prefix_set: int,
) -> None:
    household = 7
    persons = [
        SimpleNamespace(id=i + 1, household_id=household, birth_date=b) for i, b in enumerate(born)
    ]
    rows = [
        (
            None if who == 3 else who + 1,
            household,
            status.value,
            start,
            None if length is None else start + timedelta(days=length + 1),
        )
        for who, status, start, length in periods
    ]
    snap = Snapshot(periods=rows, items={code: [entry] for code, entry in ITEMS.items()})
    prefixes = PREFIX_SETS[prefix_set]

    # online: each claim on its own, as settlement.facts resolves it
    online = []
    for who, day, diagnosis, lines in claims:
        person = persons[who]
        sub = SimpleNamespace(
            date=day,
            items=[
                SimpleNamespace(
                    code=code,
                    amount=Decimal(amount) / 100,
                    deducted=Decimal(amount * share // 100) / 100,
                )
                for code, amount, share in lines
            ],
        )
        priced = _priced_lines(snap, sub)  # type: ignore[arg-type]
        online.append(
            {
                "status_mask": status_mask(snap.statuses(person, day)),  # type: ignore[arg-type]
                "age": age_on(person.birth_date, day),
                "disease_mask": disease_mask(prefixes, diagnosis),
                **{
                    "total_fen": int(priced["amount_fen"].sum()),
                    "compliant_fen": int(priced["compliant_fen"].sum()),
                    "essential_fen": int(priced["essential_fen"].sum()),
                    "deducted_fen": int(priced["deducted_fen"].sum()),
                },
            }
        )

    # columnar: all claims at once, as the year batch builds its input
    frame = pl.DataFrame(
        [
            (n, persons[who].id, household, persons[who].birth_date, day, diagnosis)
            for n, (who, day, diagnosis, _) in enumerate(claims)
        ],
        schema={
            "claim_id": pl.Int64,
            "person_id": pl.Int64,
            "household_id": pl.Int64,
            "birth_date": pl.Date,
            "date": pl.Date,
            "diagnosis": pl.String,
        },
        orient="row",
    )
    period_frame = pl.DataFrame(
        rows,
        schema={
            "person_id": pl.Int64,
            "household_id": pl.Int64,
            "status": pl.String,
            "valid_from": pl.Date,
            "valid_to": pl.Date,
        },
        orient="row",
    )
    line_frame = pl.DataFrame(
        [
            (
                n,
                amount,
                amount * share // 100,
                ITEMS[code].item_class.value if ITEMS[code].item_class is not None else "C",
                ITEMS[code].self_pay_bp or 0,
                bool(ITEMS[code].essential),
            )
            for n, (_, _, _, lines) in enumerate(claims)
            for code, amount, share in lines
        ],
        schema={
            "claim_key": pl.Int64,
            "amount_fen": pl.Int64,
            "deducted_fen": pl.Int64,
            "item_class": pl.String,
            "self_pay_bp": pl.Int64,
            "essential": pl.Boolean,
        },
        orient="row",
    )
    amounts = claim_amounts(line_frame).rename({"claim_key": "claim_id"})
    batch = (
        with_claim_facts(frame, period_frame)
        .with_columns(disease_mask_expr(prefixes).alias("disease_mask"))
        .join(amounts, on="claim_id", how="left", maintain_order="left")
        .with_columns(pl.col(c).fill_null(0) for c in AMOUNTS)
        .select("status_mask", "age", "disease_mask", *AMOUNTS)
    )
    assert batch.to_dicts() == online
