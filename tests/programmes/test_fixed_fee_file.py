"""Fixed fees in the claim-file path (`safetynet settle`, the household batches, Spark): on
random policies and claims, a claim file settles each claim as online settlement does on the
claim adjusted by the one definition (``adjust_claim``, the database path's); by hand, an
appendectomy's bill from a file is settled on its 4,500-yuan fee."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from safetynet.claims.settle_file import settle_claims
from safetynet.codes import PovertyStatus
from safetynet.engine.compile import CompiledPolicy, compile_policy
from safetynet.engine.facts import status_mask, statuses_of
from safetynet.policy.loader import load_policy
from safetynet.programmes.fixed_fee import adjust_claim
from tests.engine.test_properties import claim_rows, policies, settle_online
from tests.programmes.named import CASES, county_file, use_county_file

ORDINARY = status_mask({PovertyStatus.ORDINARY})
AMOUNTS = ("total", "compliant", "essential", "deducted")
# fixed-fee codes (K35 county 4,500 / township 3,000, H25, K80, O80) and codes without one
DIAGNOSES = st.sampled_from(["K35.8", "k35", "H25.1", "K80.2", "O80", "J18.9", "I63.9", None])


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i, r in enumerate(rows):
            line = {
                "claim_no": f"C{i}", "person_id": f"P{r['person_id']}",
                "household_id": f"H{r['household_id']}", "date": r["date"].isoformat(),
                "kind": r["kind"], "level": r["level"], "in_county": r["in_county"],
                "referral": r["referral"],
                "statuses": sorted(s.value for s in statuses_of(r["status_mask"])),
                "age": r["age"], "diagnosis": r["diagnosis"], "seq": r["seq"],
            } | {a: _yuan(r[f"{a}_fen"]) for a in AMOUNTS}  # fmt: skip
            f.write(json.dumps(line) + "\n")


def _adjusted(cp: CompiledPolicy, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The claims as online settlement sees them: each adjusted on its own (a file has no
    region: the policy's)."""
    out = []
    for r in rows:
        t, c, e, d = adjust_claim(
            kind=r["kind"], level=r["level"], in_county=r["in_county"], institution_code=None,
            diagnosis=r["diagnosis"], on=r["date"],
            region_code=cp.policy.region, total_fen=r["total_fen"],
            compliant_fen=r["compliant_fen"], essential_fen=r["essential_fen"],
            deducted_fen=r["deducted_fen"],
        )  # fmt: skip
        out.append(r | {"total_fen": t, "compliant_fen": c, "essential_fen": e,
                        "deducted_fen": d})  # fmt: skip
    return out


@settings(
    max_examples=40,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(cp=policies(), rows=claim_rows(), codes=st.lists(DIAGNOSES, min_size=25, max_size=25))
def test_a_claim_file_settles_as_online(
    tmp_path: Path, cp: CompiledPolicy, rows: list[dict[str, Any]], codes: list[str | None]
) -> None:
    for r, code in zip(rows, codes, strict=False):
        r["diagnosis"] = code
        r["year"] = r["date"].year  # a file's year is its claim's
        r["status_mask"] = r["status_mask"] or ORDINARY  # a file without statuses: ordinary
        r["total_fen"] = r["total_fen"] or 1  # a bill of 0.00 settles nothing: a file refuses it
    path = tmp_path / "claims.jsonl"
    _write(path, rows)
    results = settle_claims(cp, path)
    online, _, _ = settle_online(cp, _adjusted(cp, rows))
    for i, r in enumerate(_adjusted(cp, rows)):
        got, s = results.row(i, named=True), online[i]
        assert got["claim_no"] == f"C{i}"
        assert (got["total_fen"], got["compliant_fen"], got["deducted_fen"]) == (
            r["total_fen"], r["compliant_fen"], r["deducted_fen"],
        )  # fmt: skip
        assert [got[f"pay_{lid}"] for lid in cp.layer_ids] == [x.paid_fen for x in s.layers]
        assert got["out_of_pocket_fen"] == s.out_of_pocket_fen


def test_an_appendectomy_from_a_file_by_hand(tmp_path: Path) -> None:
    cp = compile_policy(load_policy("anhui-poor-2017"))
    base = {"person_id": "340421195703120012", "household_id": "H-1", "kind": "inpatient",
            "level": "county", "age": 60, "diagnosis": "K35.8"}  # fmt: skip
    path = tmp_path / "claims.jsonl"
    lines = [
        # overrun: a 10,000-yuan bill, 8,000 compliant, 100 deducted: settled on 4,500
        base | {"claim_no": "OVER", "date": "2017-04-01", "total": "10000.00",
                "compliant": "8000.00", "deducted": "100.00"},
        # underrun: a 3,000-yuan bill, 2,400 compliant: settled as the 4,500-yuan package
        base | {"claim_no": "UNDER", "date": "2017-08-01", "total": "3000.00",
                "compliant": "2400.00"},
        # the same bill without a fixed fee (pneumonia): unchanged
        base | {"claim_no": "PLAIN", "date": "2017-09-01", "diagnosis": "J18.9",
                "total": "3000.00", "compliant": "2400.00"},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    res = {r["claim_no"]: r for r in settle_claims(cp, path).iter_rows(named=True)}
    # overrun: deducted' = 10,000 - 4,500; compliant 8,000 × 4,500 / 9,900 = 3,636.36
    assert (res["OVER"]["total_fen"], res["OVER"]["deducted_fen"]) == (1_000_000, 550_000)
    assert res["OVER"]["compliant_fen"] == 363_636
    # underrun: total' = 4,500; compliant 2,400 × 4,500 / 3,000 = 3,600
    assert (res["UNDER"]["total_fen"], res["UNDER"]["compliant_fen"]) == (450_000, 360_000)
    assert res["UNDER"]["deducted_fen"] == 0
    assert (res["PLAIN"]["total_fen"], res["PLAIN"]["compliant_fen"]) == (300_000, 240_000)
    pays = [c for c in res["OVER"] if c.startswith("pay_")]
    for no in ("OVER", "UNDER"):  # the patient and the layers share the fee, nothing more
        r = res[no]
        assert sum(r[c] for c in pays) + r["out_of_pocket_fen"] == 450_000


def test_a_claim_file_at_named_hospitals_by_hand(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the county's file names its hospitals for appendicitis from 1 July 2017 (tests/
    # programmes/named.py); a file's claims carry their institution's code
    cp = compile_policy(load_policy("anhui-poor-2017"))
    use_county_file(monkeypatch, county_file(tmp_path, cp.policy.region))
    lines = [
        {"claim_no": f"N{i}", "person_id": f"P{i}", "household_id": f"H{i}",
         "kind": "inpatient", "level": level, "in_county": inside, "institution": inst,
         "age": 60, "diagnosis": "K35.8", "date": day.isoformat(), "total": "10000.00",
         "compliant": "8000.00"}
        for i, (day, inst, level, inside, _) in enumerate(CASES)
    ]  # fmt: skip
    path = tmp_path / "claims.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    res = settle_claims(cp, path).sort("claim_no")
    fees = [c[4] for c in CASES]
    # by hand: on a fee the institution bears 10,000 - fee; elsewhere the bill, unchanged
    assert res["total_fen"].to_list() == [1_000_000] * len(CASES)
    assert res["deducted_fen"].to_list() == [1_000_000 - f if f else 0 for f in fees]
    pays = [c for c in res.columns if c.startswith("pay_")]
    shared = res.select(pl.sum_horizontal(*pays, "out_of_pocket_fen")).to_series().to_list()
    assert shared == [f or 1_000_000 for f in fees]
    # online's one definition gives the same amounts
    online = [adjust_claim(kind="inpatient", level=level, in_county=inside,
                           institution_code=inst, diagnosis="K35.8", on=day,
                           region_code=cp.policy.region, total_fen=1_000_000,
                           compliant_fen=800_000, essential_fen=0, deducted_fen=0)
              for day, inst, level, inside, _ in CASES]  # fmt: skip
    assert [(t, d) for t, _, _, d in online] == list(
        zip(res["total_fen"].to_list(), res["deducted_fen"].to_list(), strict=True)
    )
