"""A design target's amount is stated as given, to the fen, in the metric's label (tables,
charts) as in its text: ``catastrophic_persons[5000.50]`` is "above 5,000.50 yuan", not
5,000 (``safetynet.money.yuan_text``, the one rule)."""

from __future__ import annotations

import pytest

from safetynet.design.tables import metric_label
from safetynet.design.targets import Metric
from safetynet.i18n import gettext_for
from tests.engine.helpers import policy


@pytest.mark.parametrize(
    ("fen", "shown"), [(500_050, "5,000.50"), (500_000, "5,000"), (1, "0.01"), (99, "0.99")]
)
@pytest.mark.parametrize(
    "name", ["poor_oop_share", "catastrophic_households", "catastrophic_persons"]
)
def test_the_label_keeps_the_fen(name: str, fen: int, shown: str) -> None:
    metric = Metric(name, str(fen))
    label = metric_label(metric, policy("anhui-poor-2017").policy, gettext_for("en"))
    assert f"above {shown} yuan" in label
    assert metric.text == f"{name}[{shown}]"
