"""Property tests (hypothesis): on random policies and claim streams, claim-by-claim online
settlement equals batch settlement to the fen, and the invariants of DESIGN.md §4 hold."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus
from safetynet.engine.batch import settle_batch, settle_batch_with_state
from safetynet.engine.compile import CompiledPolicy, compile_policy
from safetynet.engine.facts import ClaimFacts, status_mask
from safetynet.engine.online import Accumulators, settle_one
from safetynet.policy.schema import Policy

LEVELS = [x.value for x in InstitutionLevel]
KINDS = [x.value for x in ClaimKind]
STATUSES = [x.value for x in PovertyStatus]
yuan = st.integers(min_value=0, max_value=60_000)


def subset(values: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), max_size=2, unique=True)


@st.composite
def when(draw: st.DrawFn) -> dict[str, Any]:
    w: dict[str, Any] = {}
    if draw(st.booleans()):
        w["statuses"] = draw(subset(STATUSES))
    if draw(st.booleans()):
        w["kinds"] = draw(subset(KINDS))
    if draw(st.booleans()):
        w["levels"] = draw(subset(LEVELS))
    if draw(st.integers(0, 3)) == 0:
        w["in_county"] = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        w["age_from"] = draw(st.integers(0, 80))
    return w


def ratio() -> st.SearchStrategy[str]:
    return st.integers(0, 100).map(lambda p: f"{p}%")


@st.composite
def ratio_rule(draw: st.DrawFn, i: int) -> dict[str, Any]:
    pool = draw(st.sampled_from(["annual", "second", "family"]))
    rule: dict[str, Any] = {"id": f"r{i}", "name_en": f"rule {i}", "name_zh": f"规则{i}"}
    rule |= {"when": draw(when()), "pool": pool}
    if pool == "family":
        rule["cap_scope"] = "household"
    if draw(st.booleans()):
        rule["deductible"] = draw(st.integers(0, 2000))
    elif draw(st.booleans()):
        rule["deductible"] = {lv: draw(st.integers(0, 2000)) for lv in draw(subset(LEVELS))}
    if draw(st.booleans()):
        starts = sorted(draw(st.sets(st.integers(1, 80_000), max_size=3)))
        rule["tiers"] = [{"from": s, "ratio": draw(ratio())} for s in [0, *starts]]
    else:
        rule["ratio"] = draw(ratio())
    if draw(st.booleans()):
        rule["annual_cap"] = draw(yuan)
    if draw(st.booleans()):
        rule["per_claim_cap"] = draw(yuan)
    if draw(st.booleans()):
        rule["bonuses"] = [{"when": draw(when()), "points": f"{draw(st.integers(-20, 30))}%"}]
    if draw(st.booleans()):
        rule["essential_drug_points"] = f"{draw(st.integers(0, 10))}%"
    return rule


@st.composite
def ceiling_rule(draw: st.DrawFn, i: int) -> dict[str, Any]:
    rule: dict[str, Any] = {"id": f"c{i}", "name_en": f"rule {i}", "name_zh": f"规则{i}"}
    rule["when"] = draw(when())
    kind = draw(st.integers(0, 2))
    if kind in (0, 2):
        rule["ceiling"] = {lv: draw(st.integers(0, 20_000)) for lv in LEVELS}
        rule["ceiling_by"] = draw(st.sampled_from(["highest_level", "claim_level"]))
    if kind in (1, 2):
        rule["cost_share"] = draw(ratio())
        rule["combine"] = draw(st.sampled_from(["min", "max"]))
    rule["cost_basis"] = draw(st.sampled_from(["total", "compliant"]))
    rule["oop_basis"] = draw(st.sampled_from(["total", "compliant"]))
    return rule


LAYER_TYPES = [
    "basic_insurance",
    "critical_illness",
    "medical_assistance",
    "supplementary",
    "re_assistance",
    "government_backstop",
]


@st.composite
def policies(draw: st.DrawFn) -> CompiledPolicy:
    layers = []
    for li in range(draw(st.integers(1, 5))):
        t = draw(st.sampled_from(LAYER_TYPES))
        n = draw(st.integers(1, 3))
        make = ceiling_rule if t == "government_backstop" else ratio_rule
        layers.append(
            {
                "id": f"l{li}",
                "type": t,
                "name_en": t,
                "name_zh": t,
                "base": draw(st.sampled_from(["compliant_remaining", "total_remaining"])),
                "pools": {p: {"name_en": p, "name_zh": p} for p in ("second", "family")},
                "rules": [draw(make(i)) for i in range(n)],
            }
        )
    raw = {
        "id": "random",
        "title_en": "random",
        "title_zh": "随机",
        "region": "99",
        "valid_from": dt.date(2020, 1, 1),
        "valid_to": dt.date(2020, 12, 31),
        "source": "s",
        "sources": {"s": {"document": "test", "confidence": "doc"}},
        "layers": layers,
    }
    return compile_policy(Policy.model_validate(raw))


@st.composite
def claim_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows = []
    for seq in range(draw(st.integers(1, 25))):
        total = draw(st.integers(0, 20_000_000))
        deducted = draw(st.integers(0, total // 10))
        compliant = draw(st.integers(0, total - deducted))
        person = draw(st.integers(0, 3))
        rows.append(
            {
                "person_id": person,
                "household_id": person // 2,
                "year": draw(st.sampled_from([2020, 2021])),
                "date": dt.date(2020, 1, 1) + dt.timedelta(days=draw(st.integers(0, 300))),
                "seq": seq,
                "kind": draw(st.sampled_from(KINDS)),
                "level": draw(st.sampled_from(LEVELS)),
                "in_county": draw(st.booleans()),
                "referral": draw(st.booleans()),
                "status_mask": status_mask(set(map(PovertyStatus, draw(subset(STATUSES))))),
                "disease_mask": 0,
                "age": draw(st.integers(0, 100)),
                "total_fen": total,
                "compliant_fen": compliant,
                "essential_fen": draw(st.integers(0, compliant)),
                "deducted_fen": deducted,
            }
        )
    return rows


def _facts(r: dict[str, Any]) -> ClaimFacts:
    from safetynet.engine.facts import statuses_of

    return ClaimFacts(
        kind=ClaimKind(r["kind"]),
        level=InstitutionLevel(r["level"]),
        in_county=r["in_county"],
        referral=r["referral"],
        statuses=statuses_of(r["status_mask"]),
        disease_mask=r["disease_mask"],
        age=r["age"],
        total_fen=r["total_fen"],
        compliant_fen=r["compliant_fen"],
        essential_fen=r["essential_fen"],
        deducted_fen=r["deducted_fen"],
    )


def settle_online(
    cp: CompiledPolicy, rows: list[dict[str, Any]]
) -> tuple[dict[int, Any], dict[tuple[int, int], Any], dict[tuple[int, int], Any]]:
    """Claim by claim, in each household-year's time order, with stored accumulators;
    returns each claim's settlement and the final person and household accumulators."""
    persons: dict[tuple[int, int], Any] = {}
    households: dict[tuple[int, int], Any] = {}
    results = {}
    order = sorted(
        range(len(rows)),
        key=lambda i: (rows[i]["household_id"], rows[i]["year"], rows[i]["date"], rows[i]["seq"]),
    )
    for i in order:
        r = rows[i]
        pk, hk = (r["person_id"], r["year"]), (r["household_id"], r["year"])
        empty = Accumulators.empty(cp)
        acc = Accumulators(persons.get(pk, empty.person), households.get(hk, empty.household))
        s = settle_one(cp, _facts(r), acc)
        persons[pk], households[hk] = s.accumulators.person, s.accumulators.household
        results[i] = s
    return results, persons, households


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cp=policies(), rows=claim_rows())
def test_online_equals_batch_and_invariants_hold(cp: CompiledPolicy, rows: list[dict]) -> None:
    online, persons, households = settle_online(cp, rows)
    batch, state = settle_batch_with_state(cp, pl.DataFrame(rows))
    assert state is not None
    # the batch's final accumulators are the online ones, person by person
    for pid, year, slots in state.persons.iter_rows():
        assert list(slots) == list(persons[(pid, year)])
    for hid, year, slots in state.households.iter_rows():
        assert list(slots) == list(households[(hid, year)])
    assert state.persons.height == len(persons)
    for i, r in enumerate(rows):
        s = online[i]
        b = batch.row(i, named=True)
        # Online equals batch, to the fen, layer by layer.
        assert [x.paid_fen for x in s.layers] == [b[f"pay_{lid}"] for lid in cp.layer_ids]
        assert s.out_of_pocket_fen == b["out_of_pocket_fen"]
        # Payments + institution-borne deductions + out-of-pocket = total.
        assert s.paid_fen + r["deducted_fen"] + s.out_of_pocket_fen == r["total_fen"]
        left = r["total_fen"] - r["deducted_fen"]
        for layer in s.layers:
            assert layer.paid_fen >= 0  # every layer pays >= 0
            assert layer.paid_fen <= left  # and never more than what is left
            left -= layer.paid_fen
            f = layer.facts
            if f and f["allowed"] >= 0 and f["running_before"] <= f["allowed"]:
                # a backstop-eligible person's annual out-of-pocket never exceeds the ceiling
                assert f["running_before"] + f["eligible"] - layer.paid_fen <= f["allowed"]
        assert s.out_of_pocket_fen == left >= 0


@settings(max_examples=40, deadline=None)
@given(cp=policies(), rows=claim_rows(), seed=st.randoms())
def test_batch_is_deterministic_and_order_of_rows_does_not_matter(
    cp: CompiledPolicy, rows: list[dict], seed: Any
) -> None:
    df = pl.DataFrame(rows)
    first = settle_batch(cp, df)
    shuffled_idx = list(range(len(rows)))
    seed.shuffle(shuffled_idx)
    again = settle_batch(cp, df[shuffled_idx])
    assert first[shuffled_idx].equals(again)
