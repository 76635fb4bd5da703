"""The ECharts charts (dashboard, fund page, risk scorecard) in both languages at 1024 px: no
text of a chart is cut off at the chart's edge, and no two labels side by side run into
each other (ECharts measures a label in the label's own font: the page's font must be
named there, by the charts' theme in ``/static/charts.js``)."""

from __future__ import annotations

import pytest

from tests.browser.walk import log_in, post_funds

pytestmark = pytest.mark.browser

# Every visible text of each chart: inside the chart's box, and at least 2 px clear of any
# other text on the same line (lines of one wrapped label lie one above the other). A
# scrolling legend's items, clipped to the legend's window, are paged, not cut; slanted
# labels are only kept inside the chart (their boxes overlap where the letters do not).
CHART_TEXT_JS = r"""
() => {
  const out = [];
  for (const chart of document.querySelectorAll('.chart')) {
    const box = chart.getBoundingClientRect();
    const texts = [...chart.querySelectorAll('svg text')]
      .filter((t) => t.textContent.trim() && getComputedStyle(t).visibility !== 'hidden')
      .filter((t) => !t.closest('[clip-path]'))  // a scrolling legend's items: shown in turn
      .map((t) => ({text: t.textContent.trim(), r: t.getBoundingClientRect(),
                    slanted: Math.abs(t.getCTM().b) > 0.01}))
      .filter((t) => t.r.width > 0 && t.r.height > 0);
    for (const t of texts) {
      if (t.r.left < box.left - 1 || t.r.right > box.right + 1) {
        out.push(chart.id + ': "' + t.text + '" is cut off at the chart\'s edge');
      }
    }
    for (let i = 0; i < texts.length; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        if (texts[i].slanted || texts[j].slanted) continue;  // boxes of slanted labels meet
        const a = texts[i].r, b = texts[j].r;
        const shared = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        const gap = Math.max(a.left, b.left) - Math.min(a.right, b.right);
        if (shared > 0.5 * Math.min(a.height, b.height) && gap < 2) {
          out.push(chart.id + ': "' + texts[i].text + '" runs into "' + texts[j].text + '"');
        }
      }
    }
  }
  return out;
}
"""

PAGES = ("/dashboard", "/supervision/scorecard", "/funds?year=2017&month=6")


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_chart_labels_are_whole_and_apart(page, county_engine, locale) -> None:  # type: ignore[no-untyped-def]
    post_funds(county_engine)  # the fund page's charts need the year posted
    page.set_viewport_size({"width": 1024, "height": 800})
    log_in(page, "bureau", locale)
    problems = []
    for url in PAGES:
        page.goto(url)
        page.wait_for_selector(".chart[data-ready='1'] svg", timeout=15_000)
        assert page.locator(".chart svg text").count() > 5, url
        problems += [f"{url}: {p}" for p in page.evaluate(CHART_TEXT_JS)]
    assert not problems, "\n".join(problems[:60])
