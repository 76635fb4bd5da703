"""Which kind of layer (basic insurance, critical illness, ...) each ledger layer payment is.

The ledger stores a layer payment under its policy's layer id (``basic``, ``critical``,
``supplement_180`` ...); what the indicators need is the layer's ``type`` from the policy file
(:class:`safetynet.policy.schema.LayerType`). Policies are looked up by id among the policies
settlement knows (:func:`safetynet.policy.in_force.policy_by_id`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import polars as pl

from safetynet.policy.schema import LayerType, Policy

LAYER_TYPES: list[LayerType] = list(LayerType)
LAYER_TYPE_ENUM = pl.Enum([t.value for t in LAYER_TYPES])
TYPE_SCHEMA = {"policy_id": pl.String, "layer_id": pl.String, "layer_type": LAYER_TYPE_ENUM}

PolicyLookup = Callable[[str], Policy | None]


class UnknownPolicy(LookupError):
    """Ledger entries name a policy whose file SafetyNet does not have."""


def _settlement_lookup(policy_id: str) -> Policy | None:
    from safetynet.policy.in_force import policy_by_id

    return policy_by_id(policy_id)


def layer_types(policy_ids: Iterable[str], lookup: PolicyLookup | None = None) -> pl.DataFrame:
    """(policy_id, layer_id, layer_type) for every layer of the given policies.

    ``lookup`` finds a policy by id (default: the policies settlement knows); an id it does
    not know is an :class:`UnknownPolicy` error, since its payments could not be classified.
    """
    find = lookup or _settlement_lookup
    rows: list[tuple[str, str, str]] = []
    for pid in sorted(set(policy_ids)):
        policy = find(pid)
        if policy is None:
            raise UnknownPolicy(
                f"the ledger holds entries under policy {pid!r}, which is not among the "
                "policies SafetyNet knows (shipped files and SAFETYNET_POLICY_DIR)"
            )
        rows.extend((pid, layer.id, layer.type.value) for layer in policy.layers)
    return pl.DataFrame(rows, schema=TYPE_SCHEMA, orient="row")


def policy_lookup(policies: Iterable[Policy]) -> PolicyLookup:
    """A lookup over given policies (tests, the in-memory benchmark)."""
    by_id = {p.id: p for p in policies}
    return by_id.get
