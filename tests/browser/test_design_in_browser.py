"""The policy-design page in Debian's Chromium: the form starts a search, the progress bar
is polled by /static/design.js until the result shows, ECharts draws the frontier and the
reform downloads as a policy file."""

from __future__ import annotations

import pytest

from safetynet.policy.loader import load_policy
from tests.browser.test_window_in_browser import _log_in

pytestmark = pytest.mark.browser
RULE = "layers[basic].rules[inpatient_poor]"


def test_design_page_searches_and_draws_the_frontier(page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _log_in(page, "analyst")
    page.goto("/design")
    page.fill("textarea[name=parameters]", f"{RULE}.ratio.county=70%:90%:10%")
    page.fill("textarea[name=targets]", "poor_ratio>=50%")
    page.click("#design-start")
    page.wait_for_selector("#design-status")
    # design.js polls the progress and reloads the page when the search is done
    page.wait_for_selector("#design-chart[data-ready='1'] svg", timeout=60_000)
    assert page.locator("#design-status").get_attribute("data-state") == "done"
    assert page.locator("#design-chart svg path").count() > 2
    assert "最优方案" in page.content()  # the browser asked for Chinese
    with page.expect_download() as info:
        page.click("#design-reform-1")
    target = tmp_path / "reform.yaml"
    info.value.save_as(target)
    assert load_policy(target).id == "anhui-poor-2017-reform-1"
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e]
