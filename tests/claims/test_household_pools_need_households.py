"""A claim file under a policy with household pools must name every claim's household.

docs/formats.md: ``household_id`` is optional, "for policies with household pools; default:
the person". Under a policy that keeps a pool per household (``cap_scope: household``) a
claim without one would settle as a household of one, its cap the person's, silently: the
file is refused (each such line named), by `settle`, `simulate` and the streaming path
alike; under a policy of person pools only the person is the household, as before.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from safetynet.claims.fileformat import ClaimFileRejected
from safetynet.claims.settle_file import settle_claims
from safetynet.cli.main import app
from safetynet.engine.compile import compile_policy
from safetynet.policy.loader import load_policy
from safetynet.scaleout.stream import settle_file
from tests.claims.helpers import claim, write_jsonl

runner = CliRunner()

FAMILY_CAP = """\
extends: anhui-poor-2017
id: test-family-outpatient
title_en: Outpatient cap per household
title_zh: 门诊家庭封顶
layers:
  - id: basic
    rules:
      - id: general_outpatient
        cap_scope: household
"""


@pytest.fixture
def family_policy(tmp_path: Path) -> Path:
    path = tmp_path / "family.yaml"
    path.write_text(FAMILY_CAP, "utf-8")
    return path


def _visits(households: list[str | None]) -> list[dict[str, object]]:
    rows = []
    for n, hh in enumerate(households):
        extra = {} if hh is None else {"household_id": hh}
        rows.append(claim(f"C{n}", f"P{n % 2}", f"2017-03-{n + 1:02d}", kind="outpatient",
                          level="township", total="200", compliant="200", **extra))  # fmt: skip
    return rows


def test_a_policy_of_household_pools_refuses_claims_without_a_household(
    tmp_path: Path, family_policy: Path
) -> None:
    cp = compile_policy(load_policy(str(family_policy)))
    assert cp.keeps_state(household=True)
    path = write_jsonl(tmp_path / "c.jsonl", _visits(["H1", None, "H1", None]))
    with pytest.raises(ClaimFileRejected) as error:
        settle_claims(cp, path)
    assert [(e.line, e.field) for e in error.value.errors] == [(2, "household_id"),
                                                                (4, "household_id")]  # fmt: skip
    assert "household" in error.value.errors[0].text("en")
    # a Parquet file without the column at all: every line, counted, the first ones listed
    parquet = tmp_path / "c.parquet"
    pl.read_ndjson(write_jsonl(tmp_path / "all.jsonl", _visits([None] * 30))).write_parquet(parquet)
    with pytest.raises(ClaimFileRejected) as error:
        settle_file(cp, parquet, tmp_path / "out.parquet")
    assert error.value.total == 30 and error.value.errors[0].line == 1
    assert "... and 10 more" in error.value.text("en")
    assert not (tmp_path / "out.parquet").exists()


def test_with_every_household_named_the_household_pools_settle(
    tmp_path: Path, family_policy: Path
) -> None:
    """The family cap is shared: the same visits under one household and under two."""
    cp = compile_policy(load_policy(str(family_policy)))
    one = settle_claims(cp, write_jsonl(tmp_path / "a.jsonl", _visits(["H1"] * 16)))
    two = settle_claims(cp, write_jsonl(tmp_path / "b.jsonl", _visits(["H1", "H2"] * 8)))
    # 16 visits of 30 yuan each: one household reaches its cap of 400, two do not
    assert one["pay_basic"].sum() == 400_00 < two["pay_basic"].sum() == 480_00


def test_a_policy_of_person_pools_takes_the_person_as_the_household(tmp_path: Path) -> None:
    cp = compile_policy(load_policy("anhui-poor-2017"))
    assert not cp.keeps_state(household=True)
    path = write_jsonl(tmp_path / "c.jsonl", _visits([None, None]))
    results = settle_claims(cp, path)
    assert results["household_id"].to_list() == ["P0", "P1"]


def test_the_cli_names_the_lines_in_chinese(tmp_path: Path, family_policy: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", _visits(["H1", None]))
    out = tmp_path / "r.parquet"
    result = runner.invoke(
        app, ["settle", "-p", str(family_policy), "-c", str(path), "-o", str(out)]
    )
    assert result.exit_code != 0
    text = " ".join(result.output.split())
    assert "第2行" in text
    assert "household_id" in text and "按家庭累计年度额度" in text, text
    assert not out.exists()
