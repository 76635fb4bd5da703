"""The names users read for a policy's layers, rules and pools, in their language.

Ids (``basic``, ``inpatient_poor``, ``basic/outpatient``) are for files and programs; every
output a user reads names them with these functions. ``lang`` is a locale as the web and the
command line use it: ``"zh_Hans"`` (any ``zh…`` tag) for Chinese, anything else for English
(:func:`safetynet.i18n.normalize`). ``policy`` is a :class:`~safetynet.policy.schema.Policy`
or a compiled policy (anything with a ``.policy``).

An id the policy does not know is returned as it is (a ledger entry written under a policy
file that has since changed): showing it is better than failing to show a settlement.
"""

from __future__ import annotations

from typing import Any

from safetynet.i18n import normalize
from safetynet.policy.schema import CeilingLayer, CeilingRule, Policy, RatioLayer, RatioRule

DEFAULT_POOL = "annual"


def _policy(policy: Any) -> Policy:
    return policy if isinstance(policy, Policy) else policy.policy


def _pick(names: Any, lang: str) -> str:
    return str(names.name_zh if normalize(lang) == "zh_Hans" else names.name_en)


def _layer(policy: Any, layer_id: str) -> RatioLayer | CeilingLayer | None:
    return next((la for la in _policy(policy).layers if la.id == layer_id), None)


def _rule(policy: Any, layer_id: str, rule_id: str) -> RatioRule | CeilingRule | None:
    layer = _layer(policy, layer_id)
    if layer is None:
        return None
    rules: list[RatioRule | CeilingRule] = list(layer.rules)
    return next((r for r in rules if r.id == rule_id), None)


def layer_name(policy: Any, layer_id: str, lang: str) -> str:
    """The layer's name, e.g. ``基本医疗保险`` for ``basic``."""
    layer = _layer(policy, layer_id)
    return layer_id if layer is None else _pick(layer, lang)


def rule_name(policy: Any, layer_id: str, rule_id: str, lang: str) -> str:
    """The rule's name, e.g. ``贫困人口住院`` for ``basic`` / ``inpatient_poor``."""
    rule = _rule(policy, layer_id, rule_id)
    return rule_id if rule is None else _pick(rule, lang)


def pool_name(policy: Any, pool: str, lang: str) -> str:
    """A pool's name; ``pool`` is ``layer/pool`` as accumulators key it (``basic/outpatient``).

    A named pool gives ``基本医疗保险（普通门诊）`` / ``Basic medical insurance (General
    outpatient)``; the unnamed default pool (``annual``) of a layer is the layer's name alone.
    """
    layer_id, _, pool_id = pool.partition("/")
    layer = _layer(policy, layer_id)
    if layer is None:
        return pool
    names = layer.pools.get(pool_id or DEFAULT_POOL)
    if names is None:
        return _pick(layer, lang) if pool_id in ("", DEFAULT_POOL) else pool
    if normalize(lang) == "zh_Hans":
        return f"{_pick(layer, lang)}（{_pick(names, lang)}）"
    return f"{_pick(layer, lang)} ({_pick(names, lang)})"
