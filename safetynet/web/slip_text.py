"""What the slip says about each layer, in the user's language: the facts its rule really
has (a ratio layer's deductible and ratio, a ceiling layer's out-of-pocket and ceiling) and,
when it paid nothing, why — one wording for the web slip, the window's preview and the PDF.

The engine's explanation keeps every column for every layer, with sentinels where a
mechanism has no such fact (a ceiling layer's ratio is -1); only the facts of the layer's
mechanism are shown, never a sentinel.
"""

from __future__ import annotations

from collections.abc import Callable

from safetynet.engine import layout as L
from safetynet.money import fmt_yuan
from safetynet.settlement.service import LayerView
from safetynet.web.i18n import N_

Gettext = Callable[[str], str]

RATIO_FACTS = {
    "base": N_("considered %(v)s"),
    "deductible": N_("deductible %(v)s"),
    "ratio_bp": N_("ratio %(v)s"),
    "bonus_bp": N_("bonus %(v)s points"),
    "running_before": N_("accumulated earlier this year %(v)s"),
    "paid_before": N_("paid earlier this year %(v)s"),
}
CEILING_FACTS = {
    "eligible": N_("out-of-pocket on this claim %(v)s"),
    "running_before": N_("out-of-pocket earlier this year %(v)s"),
    "allowed": N_("the year's ceiling %(v)s"),
}
CAPS = {
    L.CAPPED_PER_CLAIM: N_("limited by the per-claim cap"),
    L.CAPPED_ANNUAL: N_("limited by the annual cap"),
    L.CAPPED_REMAINING: N_("limited to what was left"),
}
NOTHING_PAID = {
    "no_rule": N_("no rule of this layer covers this patient and claim"),
    "nothing_left": N_("nothing was left to pay after the layers before"),
    "below_deductible": N_("the cost is below the deductible of %(deductible)s"),
    "below_threshold": N_(
        "the year's accumulated %(accumulated)s is below the %(threshold)s threshold"
    ),
    "annual_cap_reached": N_("the annual cap of %(cap)s is reached"),
    "within_ceiling": N_(
        "the year's out-of-pocket %(out_of_pocket)s is within the ceiling of %(ceiling)s"
    ),
    "ratio_zero": N_("the rule pays no share of this claim"),
}


def _percent(bp: int) -> str:
    return f"{bp / 100:g}%"


def layer_facts(layer: LayerView, _: Gettext) -> list[str]:
    """The facts of the layer's rule, each a short phrase ("deductible 500.00")."""
    f = layer.facts
    if not f or layer.rule_id is None:
        return []
    out: list[str] = []
    if layer.mechanism == "ceiling":
        for key, message in CEILING_FACTS.items():
            value = f.get(key, 0)
            if value > 0 or (key == "allowed" and value == 0):
                out.append(_(message) % {"v": fmt_yuan(value)})
        return out
    for key, message in RATIO_FACTS.items():
        value = f.get(key, 0)
        if key == "base" or value > 0 or (key == "bonus_bp" and value < 0):
            if key == "ratio_bp":
                shown = _percent(value)
            elif key == "bonus_bp":
                shown = f"{value / 100:+g}"
            else:
                shown = fmt_yuan(value)
            out.append(_(message) % {"v": shown})
    capped = f.get("capped", 0)
    out.extend(_(message) for bit, message in CAPS.items() if capped & bit and layer.paid_fen)
    return out


def nothing_paid_text(layer: LayerView, _: Gettext) -> str | None:
    """Why the layer paid nothing, as a sentence; None when it paid or nothing is known."""
    why = layer.nothing_paid
    if layer.paid_fen or why is None:
        return None
    return _(NOTHING_PAID[why.reason]) % {k: fmt_yuan(v) for k, v in why.amounts.items()}


def rule_label(layer: LayerView, locale: str) -> str:
    """The name of the rule that settled the layer, in the user's language."""
    name = layer.rule_name_zh if locale == "zh_Hans" else layer.rule_name_en
    return name or ""
