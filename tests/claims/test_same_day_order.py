"""Same-day claims of one person settle in file order unless `seq` says otherwise: a line
without `seq` takes its line number, ties keep file order, and the batch settlement of the
file equals settling its claims one by one online in that order (issue 12.2)."""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetynet.claims.fileformat import read_claim_file
from safetynet.claims.prepare import engine_input
from safetynet.claims.settle_file import settle_claims
from safetynet.engine.facts import ClaimFacts
from safetynet.engine.online import Accumulators, settle_one
from tests.claims.helpers import write_jsonl
from tests.engine.helpers import policy

CP = policy("anhui-poor-2017")


@st.composite
def same_day_files(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Claims of two persons on two days, big enough to reach caps; `seq` on some lines."""
    out = []
    for i in range(draw(st.integers(2, 10))):
        total = draw(st.integers(1_000, 150_000))
        c: dict[str, Any] = {
            "claim_no": f"S{i}",
            "person_id": draw(st.sampled_from(["P1", "P2"])),
            "date": draw(st.sampled_from(["2017-06-01", "2017-06-02"])),
            "kind": draw(st.sampled_from(["inpatient", "chronic_outpatient"])),
            "level": draw(st.sampled_from(["township", "county", "city", "province"])),
            "statuses": draw(st.sampled_from([["registered_poor"], ["low_income"], []])),
            "age": 60,
            "total": str(total),
            "compliant": str(draw(st.integers(0, total))),
        }
        seq = draw(st.one_of(st.none(), st.integers(0, 12)))
        if seq is not None:
            c["seq"] = seq
        out.append(c)
    return out


def expected_order(claims: list[dict[str, Any]]) -> list[int]:
    """The documented order: person, date, `seq` (default: the line number), line number."""
    return sorted(
        range(len(claims)),
        key=lambda i: (claims[i]["person_id"], claims[i]["date"], claims[i].get("seq", i + 1), i),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(claims=same_day_files())
def test_batch_equals_online_in_file_order_with_partial_seq(claims: list[dict[str, Any]]) -> None:
    with TemporaryDirectory() as tmp:
        path = write_jsonl(Path(tmp) / "c.jsonl", claims)
        batch = {r["claim_no"]: r for r in settle_claims(CP, path).iter_rows(named=True)}
        prepared = {
            r["claim_no"]: r for r in engine_input(read_claim_file(path), CP).iter_rows(named=True)
        }
    acc: dict[str, Accumulators] = {}
    for i in expected_order(claims):
        no, person = claims[i]["claim_no"], claims[i]["person_id"]
        s = settle_one(
            CP, ClaimFacts.from_columns(prepared[no]), acc.get(person) or Accumulators.empty(CP)
        )
        acc[person] = s.accumulators
        assert s.out_of_pocket_fen == batch[no]["out_of_pocket_fen"], no
        assert [x.paid_fen for x in s.layers] == [batch[no][f"pay_{x.layer_id}"] for x in s.layers]


def test_a_line_without_seq_takes_its_line_number(tmp_path: Path) -> None:
    claims = [
        {"claim_no": n, "person_id": "P1", "date": "2017-06-01", "kind": "inpatient",
         "level": "county", "age": 60, "total": "100", "compliant": "100", **extra}
        for n, extra in [("A", {}), ("B", {"seq": 1}), ("C", {}), ("D", {"seq": None})]
    ]  # fmt: skip
    cf = read_claim_file(write_jsonl(tmp_path / "c.jsonl", claims))
    assert cf.claims["seq"].to_list() == [1, 1, 3, 4]
