"""A search's result as export tables (terminal, xlsx via :mod:`safetynet.exports`) and the
frontier as an SVG chart. Headers and notes are English message ids, translated when shown."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from safetynet.design.search import Candidate, Result
from safetynet.design.targets import Metric
from safetynet.exports.table import Column, Table
from safetynet.exports.xlsx import write_xlsx as write_tables
from safetynet.i18n import N_, gettext_for
from safetynet.money import yuan_text
from safetynet.policy.schema import Policy

Translate = Callable[[str], str]
SHEETS = (N_("Best reforms"), N_("Frontier"), N_("All candidates"))
NOTES = (
    N_("Feasible reforms, best first, with the figures of every target."),
    N_("Reforms no other beats on both fund spending and the poor's compensation ratio."),
    N_("Every candidate the search settled."),
)
COST_AXIS = N_("Fund spending (yuan)")
PROTECTION_AXIS = N_("Actual compensation ratio, the poor")


def metric_label(m: Metric, policy: Policy, _: Translate) -> str:
    if m.name == "spend":
        if not m.arg:
            return _(COST_AXIS)
        layer = next(la for la in policy.layers if la.id == m.arg)
        name = layer.name_zh if _("Layer") != "Layer" else layer.name_en
        return _("Spending of %(layer)s (yuan)") % {"layer": name}
    yuan = yuan_text(int(m.arg or 0))  # as given, to the fen
    labels = {
        "ratio": N_("Actual compensation ratio, everyone"),
        "poor_ratio": PROTECTION_AXIS,
        "poor_oop_share": N_("Poor with annual out-of-pocket above %(yuan)s yuan"),
        "catastrophic_households": N_("Households with annual out-of-pocket above %(yuan)s yuan"),
        "catastrophic_persons": N_("Persons with annual out-of-pocket above %(yuan)s yuan"),
    }
    return _(labels[m.name]) % {"yuan": yuan}


def _metrics(result: Result) -> list[Metric]:
    out = [Metric("spend"), Metric("poor_ratio"), Metric("ratio")]
    for c in result.constraints:
        if c.metric not in out:
            out.append(c.metric)
    return out


def _table(result: Result, policy: Policy, cands: list[Candidate], sheet: int, title: str,
           _: Translate, ranked: bool) -> Table:  # fmt: skip
    metrics = _metrics(result)
    cols = [Column("candidate", _("Candidate"), "count", 10)]
    if ranked:
        cols.insert(0, Column("rank", _("Rank"), "count", 6))
    cols += [Column(f"p{i}", p.path, "text", 24) for i, p in enumerate(result.parameters)]
    cols += [Column(m.text, metric_label(m, policy, _), m.kind, 18) for m in metrics]
    cols.append(Column("feasible", _("Meets every target"), "text", 10))
    rows: list[list[Any]] = []
    for rank, c in enumerate(cands, 1):
        row: list[Any] = [rank, c.number] if ranked else [c.number]
        row += [str(c.choice[p.path]) for p in result.parameters]
        f = c.figures
        row += [f.shown(m) if f is not None else None for m in metrics]
        row.append(_("yes") if c.feasible else _("no"))
        rows.append(row)
    return Table(title, cols, rows, note=_(NOTES[sheet]), sheet=_(SHEETS[sheet]))


def result_tables(result: Result, policy: Policy, title: str, locale: str = "en",
                  best: int = 5) -> list[Table]:  # fmt: skip
    """Best reforms, the frontier, every candidate."""
    _ = gettext_for(locale)
    return [
        _table(result, policy, result.best(best), 0, title, _, True),
        _table(result, policy, result.frontier(), 1, title, _, False),
        _table(result, policy, result.candidates, 2, title, _, False),
    ]


def write_xlsx(result: Result, policy: Policy, path: str | Path, *, title: str,
               locale: str = "en") -> None:  # fmt: skip
    write_tables(result_tables(result, policy, title, locale), path)


def chart_points(result: Result) -> dict[str, list[list[float]]]:
    """The frontier chart's series: [fund spending in yuan, the poor's ratio in %, candidate]."""

    def pts(cands: list[Candidate]) -> list[list[float]]:
        return [
            [c.figures.spend / 100, round(c.figures.poor_ratio * 100, 4), c.number]
            for c in cands
            if c.figures is not None
        ]

    feasible = [c for c in result.valid if c.feasible]
    return {
        "others": pts([c for c in result.valid if not c.feasible]),
        "feasible": pts(feasible),
        "frontier": pts(result.frontier()),
        "best": pts(result.best(1)),
    }


def frontier_svg(result: Result, _: Translate, width: int = 720, height: int = 440) -> str:
    """The candidates, fund spending against the poor's compensation ratio, as an SVG."""
    series = chart_points(result)
    every = [p for s in series.values() for p in s]
    x0, x1 = min(p[0] for p in every), max(p[0] for p in every)
    y0, y1 = min(p[1] for p in every), max(p[1] for p in every)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)
    left, right, top, bottom = 90, 20, 20, 50

    def sx(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * (width - left - right)

    def sy(v: float) -> float:
        return height - bottom - (v - y0) / (y1 - y0) * (height - top - bottom)

    base = height - bottom
    mid = top + (height - top - bottom) / 2
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#333"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="#333"/>',
    ]
    for i in range(5):
        xv, yv = x0 + (x1 - x0) * i / 4, y0 + (y1 - y0) * i / 4
        out.append(f'<text x="{sx(xv):.1f}" y="{base + 16}" text-anchor="middle">{xv:,.0f}</text>')
        out.append(f'<text x="{left - 6}" y="{sy(yv) + 4:.1f}" text-anchor="end">{yv:.2f}%</text>')
    out.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 10}" text-anchor="middle">'
        f"{escape(_(COST_AXIS))}</text>"
    )
    out.append(
        f'<text x="14" y="{mid}" text-anchor="middle" transform="rotate(-90 14 {mid})">'
        f"{escape(_(PROTECTION_AXIS))}</text>"
    )

    def dot(p: list[float], style: str) -> str:
        return f'<circle cx="{sx(p[0]):.1f}" cy="{sy(p[1]):.1f}" {style}/>'

    out += [dot(p, 'r="3" fill="#bbb"') for p in series["others"]]
    out += [dot(p, 'r="3" fill="#2f6fb0"') for p in series["feasible"]]
    line = " ".join(f"{sx(p[0]):.1f},{sy(p[1]):.1f}" for p in series["frontier"])
    out.append(f'<polyline points="{line}" fill="none" stroke="#c0392b" stroke-width="1.5"/>')
    out += [dot(p, 'r="6" fill="none" stroke="#27ae60" stroke-width="2.5"') for p in series["best"]]
    out.append("</svg>")
    return "\n".join(out)
