"""One definition of a settled claim's ledger rows: online settlement (one claim's dicts)
and the year batch (frames) write exactly the columns ``settlement/ledger.py`` names."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import polars as pl

from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus
from safetynet.settlement import ledger
from safetynet.store.models.ledger import Settlement, SettlementLayer
from tests.engine.helpers import claim, policy, settle_stream

CP = policy("anhui-poor-2017")


def test_the_named_columns_are_the_tables_columns() -> None:
    entry_cols = {c.name for c in Settlement.__table__.columns}
    layer_cols = {c.name for c in SettlementLayer.__table__.columns}
    assert set(ledger.ENTRY_COLUMNS) <= entry_cols
    assert set(ledger.LAYER_COLUMNS) <= layer_cols


def test_online_rows_have_the_named_columns() -> None:
    facts = claim(total="200", compliant="180", statuses=(PovertyStatus.REGISTERED_POOR,))
    result = settle_stream(CP, [facts])[0]
    person = SimpleNamespace(id=7, household_id=3)
    settled = SimpleNamespace(
        rc=SimpleNamespace(person=person, year=2017, policy=CP, facts=facts),
        result=result,
        sub=SimpleNamespace(date=date(2017, 5, 1)),
        client_key="k",
        request_hash="h",
        user="clerk",
    )
    row = ledger.entry_row(settled, claim_id=11)  # type: ignore[arg-type]
    assert set(row) == set(ledger.ENTRY_COLUMNS) | {"client_key", "request_hash"}
    layers = ledger.layer_rows(5, result)
    assert [tuple(r) for r in layers] == [ledger.LAYER_COLUMNS] * len(CP.layer_ids)
    assert sum(r["paid_fen"] for r in layers) == row["paid_fen"] == result.paid_fen


def test_year_batch_frames_have_the_named_columns() -> None:
    rule = CP.rules[0]
    settled = pl.DataFrame(
        {
            "settlement_id": [1, 2],
            "claim_id": [10, 11],
            "person_id": [7, 8],
            "household_id": [3, 3],
            "year": [2017, 2017],
            "kind": [ClaimKind.INPATIENT.value, ClaimKind.OUTPATIENT.value],
            "level": [InstitutionLevel.COUNTY.value, InstitutionLevel.TOWNSHIP.value],
            "in_county": [True, True],
            "referral": [False, False],
            "status_mask": [1, 0],
            "disease_mask": [0, 0],
            "age": [60, 30],
            "date": [date(2017, 5, 1), date(2017, 6, 1)],
            "total_fen": [20_000, 1_000],
            "compliant_fen": [18_000, 900],
            "essential_fen": [0, 0],
            "deducted_fen": [0, 0],
            "paid_fen": [9_000, 400],
            "out_of_pocket_fen": [11_000, 600],
            **{f"rule_{lid}": [rule.rule_id, None] for lid in CP.layer_ids},
            **{f"pay_{lid}": [0, 0] for lid in CP.layer_ids},
        }
    )
    entries = ledger.entry_frame(settled, CP, "batch")
    assert tuple(entries.columns) == ("id", *ledger.ENTRY_COLUMNS)
    assert entries["policy_id"].to_list() == [CP.policy.id] * 2
    layers = ledger.layer_frame(settled, CP)
    assert tuple(layers.columns) == ledger.LAYER_COLUMNS
    assert layers.height == 2 * len(CP.layer_ids)
    first = layers.filter(pl.col("layer_id") == rule.layer_id, pl.col("settlement_id") == 1)
    assert first["source"].to_list() == [rule.source]
