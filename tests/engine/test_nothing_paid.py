"""Why a layer paid nothing, read from the engine's explanation: no rule, nothing left,
below the deductible, below the year's threshold, the annual cap reached, within the
backstop's ceiling; and never a reason for a layer that paid."""

from __future__ import annotations

from safetynet.engine.online import Accumulators, nothing_paid, settle_one
from safetynet.policy.loader import shipped_policies
from tests.engine.helpers import claim, policy

ANHUI = policy(shipped_policies()["anhui-poor-2017"])
POOR = ("registered_poor",)


def _reasons(c, acc=None) -> dict[str, tuple[str, dict[str, int]] | None]:  # type: ignore[no-untyped-def]
    s = settle_one(ANHUI, c, acc or Accumulators.empty(ANHUI))
    out = {}
    for layer in s.layers:
        why = nothing_paid(ANHUI, layer.layer_id, layer.rule_id, layer.facts, c.level)
        out[layer.layer_id] = None if layer.paid_fen else (why.reason, why.amounts) if why else None
    return out


def test_a_small_stay_of_a_poor_patient() -> None:
    why = _reasons(claim(total="2000", compliant="1800", statuses=POOR))
    assert why["basic"] is None  # it paid
    assert why["critical"] is not None and why["critical"][0] == "below_threshold"
    assert why["critical"][1]["threshold"] == 500_000  # the poor's 5,000 yuan
    assert why["backstop"] == ("within_ceiling", why["backstop"][1])
    assert why["backstop"][1]["ceiling"] == 300_000  # 3,000 yuan at a county hospital
    assert why["supplement_180"] == ("no_rule", {})


def test_below_the_deductible_and_nothing_left() -> None:
    why = _reasons(claim(total="200", compliant="200", statuses=()))  # deductible 500
    assert why["basic"] == ("below_deductible", {"deductible": 20_000})
    outpatient = _reasons(claim("outpatient", "village", total="0.50", compliant="0"))
    assert outpatient["basic"] == ("nothing_left", {})  # no compliant cost to share


def test_the_annual_cap_reached() -> None:
    acc = Accumulators.empty(ANHUI)
    c = claim("outpatient", "village", total="2000", compliant="2000", statuses=())
    for _ in range(20):  # 30 yuan a visit until the 400 yuan of the year are paid
        acc = settle_one(ANHUI, c, acc).accumulators
    why = _reasons(c, acc)
    assert why["basic"] == ("annual_cap_reached", {"cap": 40_000})
