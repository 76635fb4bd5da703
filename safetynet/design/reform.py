"""A chosen reform as a policy file: ``extends`` the base, sets only the varied values, and
says in comments what the search found it to do. ``safetynet policy check`` and
``safetynet settle`` read it like any policy."""

from __future__ import annotations

from pathlib import Path

import yaml

from safetynet.design.search import Candidate, Result
from safetynet.design.space import Space
from safetynet.design.targets import Metric
from safetynet.engine.compile import compile_policy
from safetynet.policy.loader import SHIPPED_DIR, load_policy

RATIO, POOR_RATIO = Metric("ratio"), Metric("poor_ratio")


def _extends(space: Space, out_dir: Path) -> str:
    base = Path(space.filename).resolve()
    if base.parent == SHIPPED_DIR.resolve():
        return base.name
    try:
        return str(base.relative_to(out_dir.resolve()))
    except ValueError:
        return str(base)


def reform_text(
    space: Space, result: Result, cand: Candidate, rank: int, out_dir: Path, claims: str
) -> str:
    f = cand.figures
    assert f is not None
    base = space.base
    lines = [
        f"# Reform {rank} of {base.id}, found by `safetynet design` "
        f"(candidate {cand.number} of {len(result.candidates)}, objective {result.objective})",
        f"# on the claims {claims}:",
        f"#   fund spending {f.spend / 100:,.2f} yuan ("
        + ", ".join(f"{lid} {fen / 100:,.2f}" for lid, fen in f.layers.items())
        + ")",
        f"#   actual compensation ratio: everyone {RATIO.show(f.shown(RATIO))}, "
        f"the poor {POOR_RATIO.show(f.shown(POOR_RATIO))}",
    ]
    for c, met in zip(result.constraints, cand.met, strict=True):
        state = "met" if met else "NOT met" if f.measurable(c.metric) else "not measurable"
        lines.append(f"#   target {c.text}: {c.metric.show(f.shown(c.metric))} ({state})")
    lines.append("# Values changed from the base:")
    for path, value in cand.choice.items():
        lines.append(f"#   {path}: {space.base_value(path)} -> {value}")
    head = {
        "extends": _extends(space, out_dir),
        "id": f"{base.id}-reform-{rank}",
        "title_en": f"{base.title_en}, reform {rank}",
        "title_zh": f"{base.title_zh}（调整方案{rank}）",
    }
    body = yaml.safe_dump(
        {**head, **space.override(cand.choice)}, allow_unicode=True, sort_keys=False, width=100
    )
    return "\n".join(lines) + "\n" + body


def write_reform(
    space: Space, result: Result, cand: Candidate, rank: int, path: Path, claims: str
) -> Path:
    """Write the reform file and check that it loads to exactly the policy that was searched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(reform_text(space, result, cand, rank, path.parent, claims), encoding="utf-8")
    written = compile_policy(load_policy(path))
    searched = compile_policy(space.policy(cand.choice))
    for name in ("layers", "cond", "params", "deductible", "tier_from", "tier_bp", "ceiling"):
        if not (getattr(written, name) == getattr(searched, name)).all():
            raise AssertionError(f"{path}: the written reform differs from the searched one")
    return path
