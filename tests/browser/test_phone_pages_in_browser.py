"""The pages a township's staff open on a 390 px phone beyond the walk's (the dashboard, the
indicators, policy design, the fund page): the page never scrolls sideways (charts stack in
one column, a text box is never wider than the screen), nothing sticks out of its card."""

from __future__ import annotations

import pytest

from tests.browser.walk import LAYOUT_JS, PHONE, log_in, post_funds, sample

pytestmark = pytest.mark.browser

PAGES = ("/dashboard", "/indicators", "/design", "/funds?year=2017&month=6")


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_township_pages_fit_a_phone(page, county_engine, locale) -> None:  # type: ignore[no-untyped-def]
    post_funds(county_engine)
    page.set_viewport_size({"width": PHONE, "height": 800})
    log_in(page, "township", locale)
    problems = []
    for url in PAGES:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        if page.locator(".chart").count():
            page.wait_for_selector(".chart[data-ready='1'] svg", timeout=15_000)
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > page.evaluate("window.innerWidth"):
            problems.append(f"{url}: the page is {wide}px wide")
        problems += [f"{url}: {p}" for p in page.evaluate(LAYOUT_JS)]
    assert not problems, "\n".join(problems[:40])


def test_a_slip_shows_every_layers_amount_on_a_phone(page, county_engine) -> None:  # type: ignore[no-untyped-def]
    """On a phone the slip's layers stack: each layer's amount (and what the patient pays)
    is on the screen, not to the right of a table that scrolls sideways."""
    x = sample(county_engine)
    page.set_viewport_size({"width": PHONE, "height": 800})
    log_in(page, "clerk", "zh_Hans")
    response = page.goto(f"/settlements/{x.settlement_id}")
    assert response is not None and response.status == 200
    cells = page.evaluate(
        """() => [...document.querySelectorAll('table.layers tr > td:last-child')].map(
             (td) => [td.getBoundingClientRect().right, td.innerText.trim()])"""
    )
    assert len(cells) >= 4 and all(amount for _, amount in cells)
    width = page.evaluate("window.innerWidth")
    assert all(right <= width for right, _ in cells), cells
    assert page.locator("#patient-pays").bounding_box()["x"] > 0
    assert page.evaluate(LAYOUT_JS) == []


CHECKS_JS = r"""
() => [...document.querySelectorAll('label:has(input[type=checkbox])')]
  .filter((l) => l.offsetParent).map((l) => {
  const box = l.querySelector('input').getBoundingClientRect();
  const range = document.createRange();
  range.selectNodeContents(l);
  const text = [...range.getClientRects()].filter((r) => r.width > 0 && r.left >= box.right);
  return [l.innerText.trim(), text.length > 0 &&
          text.every((r) => r.top < box.bottom && r.bottom > box.top)];
})
"""


@pytest.mark.parametrize("width", [1024, PHONE])
def test_a_checkbox_sits_beside_its_words(page, width) -> None:  # type: ignore[no-untyped-def]
    """The forms' checkboxes (the review's call-back, a suspension's claim kinds, the
    indicators' by-category): each on the line of its words, to their left (not centred
    above them)."""
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, "bureau", "zh_Hans")
    checks = []
    for url in ("/review", "/review/sanctions", "/indicators"):
        page.goto(url)
        checks += [(url, *c) for c in page.evaluate(CHECKS_JS)]
    assert len(checks) >= 5 and all(beside for *_, beside in checks), checks


WORDS_JS = r"""
() => {
  const split = [];
  for (const small of document.querySelectorAll('h1 small, h2 small')) {
    const walker = document.createTreeWalker(small, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.textContent.matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0)
                                 .map((r) => Math.round(r.top)));
        if (tops.size > 1) split.push(m[0]);
      }
    }
  }
  return split;
}
"""


def test_a_headings_year_keeps_its_words_whole(page) -> None:  # type: ignore[no-untyped-def]
    """On a phone a heading's note ("2017 年度", "2017-10-01") wraps at its spaces: no word
    of it is broken over two lines (年 / 度)."""
    page.set_viewport_size({"width": PHONE, "height": 800})
    log_in(page, "township", "zh_Hans")
    split = []
    for url in ("/", "/dashboard", "/warnings?year=2017", "/funds?year=2017&month=6",
                "/indicators"):  # fmt: skip
        page.goto(url)
        split += [f"{url}: {w}" for w in page.evaluate(WORDS_JS)]
    assert not split, split


FITS_JS = r"""
() => [...document.querySelectorAll('table.items tbody tr:first-child input:not([type=hidden])')]
  .map((el) => {
    const style = getComputedStyle(el);
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = style.fontSize + ' ' + style.fontFamily;
    const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return [el.name, el.value, Math.round(room), Math.ceil(ctx.measureText(el.value).width)];
  })
"""


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_the_windows_item_boxes_show_what_is_typed(page, county_engine, locale) -> None:  # type: ignore[no-untyped-def]
    """On a phone, an item row's code, quantity and line total each show whole in their box
    (the Chinese heading 数量 made the quantity's box narrower than a digit)."""
    x = sample(county_engine)
    page.set_viewport_size({"width": PHONE, "height": 800})
    log_in(page, "clerk", locale)
    page.goto(f"/window?resident_id={x.resident_id}")
    row = "table.items tbody tr:first-child"
    page.fill(f"{row} input[name=item_code]", "D00100")
    page.fill(f"{row} input[name=item_quantity]", "120")
    page.fill(f"{row} input[name=item_amount]", "12,345.67")
    boxes = page.evaluate(FITS_JS)
    assert len(boxes) >= 3 and all(room >= needed for _, _, room, needed in boxes), boxes
