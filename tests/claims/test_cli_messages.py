"""What the policy and settlement commands print: every problem at once, names a user can
copy, where a file went, and in Chinese no ids or snake_case (issue 12 points 7 and 13)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safetynet.cli.main import app
from safetynet.policy.loader import shipped_policies
from tests.claims.helpers import write_jsonl, year_of_claims
from tests.policy.test_loader_errors import GOOD

EXAMPLES = Path(__file__).parents[2] / "examples"
runner = CliRunner()
SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")


def run(*args: str, columns: int = 80):  # type: ignore[no-untyped-def]
    """The command at a terminal width of ``columns``: the commands' consoles are made when
    their module is first imported (by any earlier test), so their width is set here."""
    import sys

    from rich.console import Console

    consoles = [
        value
        for name, module in list(sys.modules.items())
        if name.startswith("safetynet.cli")
        for value in vars(module).values()
        if isinstance(value, Console)
    ]
    widths = [c._width for c in consoles]
    for c in consoles:
        c._width = columns
    try:
        return runner.invoke(app, list(args), env={"COLUMNS": str(columns)})
    finally:
        for c, w in zip(consoles, widths, strict=True):
            c._width = w


def test_policy_list_prints_every_name_whole_at_80_columns() -> None:
    for lang in ("en", "zh_Hans"):
        result = run("policy", "list", "--lang", lang)
        assert result.exit_code == 0, result.output
        lines = {line.strip() for line in result.output.splitlines()}
        for name in shipped_policies():
            assert name in lines, (name, lang)  # on a line of its own, never cut
        assert "…" not in result.output


def test_policy_check_reports_every_problem_in_one_run(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        GOOD.replace("ratio: 70%", "ratio: 170%\n        source: nowher")
        .replace("deductible: 300", "deductable: 300")
        .replace("{kinds: [inpatient]}", "{kinds: [inpatient], diseases: [cancer]}"),
        encoding="utf-8",
    )
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    result = run("policy", "check", str(good), str(bad), "--lang", "en", columns=200)
    assert result.exit_code == 2
    out = result.output
    assert "ok" in out and "good.yaml: Test, 1 layers" in out
    assert "rejected 4 problem(s):" in out
    for line, what in [(19, "disease group 'cancer'"), (20, "deductable: unknown key"),
                       (21, "between 0% and 100%"), (22, "unknown source 'nowher'")]:  # fmt: skip
        assert re.search(rf"bad\.yaml:{line}: .*{re.escape(what)}", out), (line, what)


def test_an_unknown_policy_name_suggests_the_list_and_close_names(tmp_path: Path) -> None:
    claims = write_jsonl(tmp_path / "c.jsonl", year_of_claims())
    result = run("settle", "-p", "anhui-poor-2071", "-c", str(claims), "--lang", "en", columns=200)
    assert result.exit_code == 2
    assert "did you mean anhui-poor-2017" in result.output
    assert "safetynet policy list" in result.output


def test_a_missing_policy_file_is_file_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "county.yaml"
    result = run("policy", "check", str(missing), "--lang", "en", columns=300)
    assert result.exit_code == 2
    assert f"file not found: {missing}" in result.output and "line 0" not in result.output


def test_settle_writes_into_the_current_directory_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    claims = EXAMPLES / "claims-anhui-2017.jsonl"
    result = run("settle", "-p", "anhui-poor-2017", "-c", str(claims), "--lang", "en", columns=300)
    assert result.exit_code == 0, result.output
    written = here / "claims-anhui-2017.settled.jsonl"
    assert written.is_file() and len(written.read_text().splitlines()) == 8
    assert not (EXAMPLES / "claims-anhui-2017.settled.jsonl").exists()
    assert f"results written to {written}" in result.output


def test_a_missing_claims_file_is_file_not_found(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    result = run("settle", "-p", "anhui-poor-2017", "-c", str(missing), "--lang", "en", columns=300)
    assert result.exit_code == 2
    assert f"file not found: {missing}" in result.output and "line 0" not in result.output


def test_chinese_output_names_layers_and_rules_never_ids(tmp_path: Path) -> None:
    claims = EXAMPLES / "claims-anhui-2017.jsonl"
    reform = EXAMPLES / "reform-anhui-2017-inpatient-plus5.yaml"
    out = tmp_path / "r.jsonl"
    outputs = [
        run("settle", "-p", "anhui-poor-2017", "-c", str(claims), "-o", str(out), columns=200),
        run("simulate", "-b", "anhui-poor-2017", "-r", str(reform), "-c", str(claims), columns=200),
        run("policy", "show", "anhui-langxi-2018", columns=200),
        run("policy", "list", columns=200),
    ]
    ids = {"basic", "critical", "assistance", "backstop", "supplement_180", "re_assistance",
           "inpatient_poor", "general_outpatient", "out_of_pocket", "max", "p50"}  # fmt: skip
    for result in outputs:
        assert result.exit_code == 0, result.output
        text = result.output.replace(str(out), "")
        words = set(re.findall(r"[A-Za-z_0-9]+", text))
        assert not SNAKE.findall(text), SNAKE.findall(text)
        assert not words & ids, words & ids
    shown = outputs[2].output
    assert "贫困人口住院" in shown and "再救助" in shown and "年度自付超过1万元部分补助60%" in shown
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert rows[0]["layers"]["basic"]["rule"] == "inpatient_poor"  # files for programs keep ids
