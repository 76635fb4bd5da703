"""The dashboard's treemap of townships in Chromium: every cell's label readable on its cell
(WCAG contrast of at least 4.5), and the colour a fixed, labelled scale of the compensation
ratio (50 % to 100 %) rather than the span of this year's townships."""

from __future__ import annotations

import pytest

from tests.browser.test_window_in_browser import _log_in

pytestmark = pytest.mark.browser

CELLS_JS = r"""
() => {
  const svg = document.querySelector('#chart-townships svg');
  const rgb = (s) => (s.match(/[\d.]+/g) || []).slice(0, 3).map(Number);
  const lum = (c) => {
    const l = c.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
  };
  const cells = [...svg.querySelectorAll('path')].filter((p) => {
    const b = p.getBoundingClientRect(); return b.width > 30 && b.height > 20;
  }).map((p) => ({box: p.getBoundingClientRect(), fill: rgb(getComputedStyle(p).fill)}));
  const out = [];
  for (const t of svg.querySelectorAll('text')) {
    const b = t.getBoundingClientRect(), x = b.left + b.width / 2, y = b.top + b.height / 2;
    const inside = cells.filter((c) => c.box.left <= x && x <= c.box.right &&
                                       c.box.top <= y && y <= c.box.bottom);
    if (!inside.length) { out.push({text: t.textContent, cell: null}); continue; }
    const area = (c) => c.box.width * c.box.height;  // the last drawn of equal cells is on top
    const cell = inside.reduce((a, c) => (area(a) < area(c) ? a : c));
    const a = lum(rgb(getComputedStyle(t).fill)), c = lum(cell.fill);
    out.push({text: t.textContent, cell: cell.fill,
              contrast: (Math.max(a, c) + 0.05) / (Math.min(a, c) + 0.05)});
  }
  return out;
}
"""


def test_treemap_labels_are_readable_and_the_scale_is_fixed(page) -> None:  # type: ignore[no-untyped-def]
    _log_in(page, "bureau")
    page.goto("/dashboard")
    page.wait_for_selector("#chart-townships[data-ready='1'] svg")
    texts = page.evaluate(CELLS_JS)
    labelled = [t for t in texts if t["cell"] is not None and "%" in t["text"]]
    assert len(labelled) >= 5, texts  # a label per township
    unreadable = [t for t in labelled if t["contrast"] < 4.5]
    assert not unreadable, unreadable
    legend = {t["text"] for t in texts if t["cell"] is None}
    assert {"50.0%", "75.0%", "100.0%"} <= legend, legend  # the scale, labelled
    assert any("实际补偿比" in t for t in legend), legend
    # a fixed scale: townships 10 points apart differ by a fifth of the scale, not all of it
    fills = sorted({tuple(t["cell"]) for t in labelled})
    spread = max(abs(a[2] - b[2]) for a in fills for b in fills)
    assert spread < 120, fills
