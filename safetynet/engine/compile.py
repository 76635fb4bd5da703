"""Compile a validated ``Policy`` into the integer tables the engine kernel reads.

Categories become bit masks and array indices (institution level, claim kind, poverty
status, disease group), so the kernel never looks anything up by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from safetynet.codes import ClaimKind, InstitutionLevel, PovertyStatus, code
from safetynet.engine import layout as L
from safetynet.policy.schema import (
    Base,
    CeilingLayer,
    CeilingRule,
    Policy,
    RatioRule,
    Scope,
    When,
)

N_LEVELS = len(InstitutionLevel)
LEVELS = list(InstitutionLevel)


@dataclass(frozen=True)
class RuleRef:
    """What the explanation needs to name a compiled rule."""

    layer_id: str
    rule_id: str
    source: str


@dataclass(frozen=True)
class CompiledPolicy:
    policy: Policy
    layers: np.ndarray  # [n_layers, N_LAYER_COLS]
    cond: np.ndarray  # [n_rules, N_COND_COLS]
    params: np.ndarray  # [n_rules, N_RULE_PARAMS]
    deductible: np.ndarray  # [n_rules, N_LEVELS] fen
    tier_from: np.ndarray  # [n_rules, max_tiers] fen
    tier_bp: np.ndarray  # [n_rules, max_tiers, N_LEVELS]
    ceiling: np.ndarray  # [n_rules, N_LEVELS] fen, -1 none
    bonus_cond: np.ndarray  # [n_bonuses, N_COND_COLS]
    bonus_points: np.ndarray  # [n_bonuses]
    pool_household: np.ndarray  # [n_pools] 1 if the pool is kept per household
    layer_ids: tuple[str, ...]
    rules: tuple[RuleRef, ...]
    pools: tuple[str, ...]  # "layer/pool"
    disease_groups: tuple[str, ...]  # bit i of the disease mask = group i
    pay_later_cond: np.ndarray | None = None  # [N_COND_COLS]: who is admitted without deposit
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def n_layers(self) -> int:
        return int(self.layers.shape[0])

    @property
    def n_slots(self) -> int:
        return len(self.pools) * L.SLOTS_PER_POOL

    def keeps_state(self, household: bool) -> bool:
        """Whether a rule of the policy keeps its pool per household (``household``) or per
        person (not): a state table no rule reads or writes need not exist."""
        pools = self.params[:, L.P_POOL] if self.params.shape[0] else self.params[:0, 0]
        return bool(np.any(self.pool_household[pools] == int(household)))

    @property
    def kernel_arrays(self) -> tuple[np.ndarray, ...]:
        """The policy's arrays in the order the kernel takes them (``settle_claim`` and
        ``settle_blocks``): a new array is added here and in the kernel's signature only."""
        return (
            self.layers,
            self.cond,
            self.params,
            self.deductible,
            self.tier_from,
            self.tier_bp,
            self.ceiling,
            self.bonus_cond,
            self.bonus_points,
            self.pool_household,
        )


def _mask(values: list, enum_type: type) -> int:
    out = 0
    for v in values:
        out |= 1 << code(enum_type(v))
    return out


def _cond(when: When, groups: dict[str, int]) -> list[int]:
    row = [0] * L.N_COND_COLS
    row[L.K_STATUS] = _mask(when.statuses, PovertyStatus)
    row[L.K_KIND] = _mask(when.kinds, ClaimKind)
    row[L.K_LEVEL] = _mask(when.levels, InstitutionLevel)
    row[L.K_DISEASE] = sum(1 << groups[g] for g in when.diseases)
    row[L.K_IN_COUNTY] = -1 if when.in_county is None else int(when.in_county)
    row[L.K_REFERRAL] = -1 if when.referral is None else int(when.referral)
    row[L.K_AGE_FROM] = -1 if when.age_from is None else when.age_from
    row[L.K_AGE_TO] = -1 if when.age_to is None else when.age_to
    return row


def _by_level(value: int | dict | None, missing: int) -> list[int]:
    if value is None:
        return [missing] * N_LEVELS
    if isinstance(value, dict):
        return [int(value.get(level, missing)) for level in LEVELS]
    return [int(value)] * N_LEVELS


def compile_policy(policy: Policy) -> CompiledPolicy:
    groups = {name: i for i, name in enumerate(policy.diseases)}
    if len(groups) > 62:
        raise ValueError("a policy may define at most 62 disease groups")
    rules = [(layer, rule) for layer in policy.layers for rule in layer.rules]
    n_rules = len(rules)
    max_tiers = max(
        [len(r.tiers) if isinstance(r, RatioRule) and r.tiers else 1 for _, r in rules] or [1]
    )
    layers = np.zeros((len(policy.layers), L.N_LAYER_COLS), np.int64)
    cond = np.zeros((n_rules, L.N_COND_COLS), np.int64)
    params = np.full((n_rules, L.N_RULE_PARAMS), 0, np.int64)
    deductible = np.zeros((n_rules, N_LEVELS), np.int64)
    tier_from = np.zeros((n_rules, max_tiers), np.int64)
    tier_bp = np.zeros((n_rules, max_tiers, N_LEVELS), np.int64)
    ceiling = np.full((n_rules, N_LEVELS), L.NO_LIMIT, np.int64)
    bonus_cond: list[list[int]] = []
    bonus_points: list[int] = []
    pools: dict[str, int] = {}
    pool_scope: dict[str, Scope] = {}
    refs: list[RuleRef] = []

    i = 0
    for li, layer in enumerate(policy.layers):
        is_ceiling = isinstance(layer, CeilingLayer)
        layers[li] = [
            L.MECH_CEILING if is_ceiling else L.MECH_RATIO,
            int(layer.base is Base.TOTAL_REMAINING),
            i,
            i + len(layer.rules),
        ]
        for rule in layer.rules:
            pool_key = f"{layer.id}/{rule.pool}"
            scope = rule.cap_scope if isinstance(rule, RatioRule) else Scope.PERSON
            if pool_scope.setdefault(pool_key, scope) is not scope:
                raise ValueError(f"rules of pool {pool_key!r} disagree on cap_scope")
            pool = pools.setdefault(pool_key, len(pools))
            cond[i] = _cond(rule.when, groups)
            p = params[i]
            p[L.P_POOL] = pool
            p[L.P_PER_CLAIM_CAP] = L.NO_LIMIT
            p[L.P_ANNUAL_CAP] = L.NO_LIMIT
            p[L.P_COST_SHARE] = L.NO_LIMIT
            if isinstance(rule, RatioRule):
                deductible[i] = _by_level(rule.deductible, 0)
                if rule.tiers is not None:
                    for t, tier in enumerate(rule.tiers):
                        tier_from[i, t] = tier.start
                        tier_bp[i, t, :] = tier.ratio
                    p[L.P_N_TIERS] = len(rule.tiers)
                else:
                    tier_bp[i, 0, :] = _by_level(rule.ratio, 0)
                    p[L.P_N_TIERS] = 1
                if rule.per_claim_cap is not None:
                    p[L.P_PER_CLAIM_CAP] = rule.per_claim_cap
                if rule.annual_cap is not None:
                    p[L.P_ANNUAL_CAP] = rule.annual_cap
                p[L.P_ESSENTIAL_POINTS] = rule.essential_drug_points
                p[L.P_BONUS_START] = len(bonus_points)
                for bonus in rule.bonuses:
                    bonus_cond.append(_cond(bonus.when, groups))
                    bonus_points.append(bonus.points)
                p[L.P_BONUS_END] = len(bonus_points)
            else:
                assert isinstance(rule, CeilingRule)
                ceiling[i] = _by_level(rule.ceiling, L.NO_LIMIT)
                p[L.P_CEILING_BY_CLAIM] = int(rule.ceiling_by == "claim_level")
                if rule.cost_share is not None:
                    p[L.P_COST_SHARE] = rule.cost_share
                p[L.P_COMBINE_MAX] = int(rule.combine == "max")
                p[L.P_COST_COMPLIANT] = int(rule.cost_basis == "compliant")
                p[L.P_OOP_TOTAL] = int(rule.oop_basis == "total")
            refs.append(RuleRef(layer.id, rule.id, rule.source or layer.source or policy.source))
            i += 1

    return CompiledPolicy(
        policy=policy,
        layers=layers,
        cond=cond,
        params=params,
        deductible=deductible,
        tier_from=tier_from,
        tier_bp=tier_bp,
        ceiling=ceiling,
        bonus_cond=np.array(bonus_cond, np.int64).reshape(-1, L.N_COND_COLS),
        bonus_points=np.array(bonus_points, np.int64),
        pool_household=np.array([int(pool_scope[k] is Scope.HOUSEHOLD) for k in pools], np.int64),
        layer_ids=tuple(layer.id for layer in policy.layers),
        rules=tuple(refs),
        pools=tuple(pools),
        disease_groups=tuple(groups),
        pay_later_cond=(
            np.array(_cond(policy.pay_later.when, groups), np.int64) if policy.pay_later else None
        ),
    )
