"""Every shipped policy's worked examples (``safetynet/policy/files/cases/*.yaml``).

One test per case, named ``<policy>: <case>``; a failure lists every figure that differs,
in yuan, with the file and line of the case.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from safetynet.engine.cases import check_case
from safetynet.engine.compile import compile_policy
from safetynet.policy.cases import Case, load_cases, shipped_case_files
from safetynet.policy.loader import PolicyError, load_policy, shipped_policies


def _all_cases() -> list[tuple[str, Case]]:
    return [
        (policy_id, case)
        for policy_id, path in shipped_case_files().items()
        for case in load_cases(path).cases
    ]


@pytest.mark.parametrize(
    ("policy_id", "case"), _all_cases(), ids=lambda x: x if isinstance(x, str) else x.name
)
def test_worked_example(policy_id: str, case: Case) -> None:
    mismatches = check_case(compile_policy(load_policy(policy_id)), case)
    where = f"{shipped_case_files()[policy_id]}:{case.line}"
    assert not mismatches, where + "\n" + "\n".join(str(m) for m in mismatches)


def test_every_shipped_policy_carries_worked_examples() -> None:
    assert set(shipped_case_files()) == set(shipped_policies())
    for policy_id, path in shipped_case_files().items():
        assert load_cases(path).policy == policy_id, path


def test_a_wrong_expectation_is_reported_in_yuan(tmp_path: Path) -> None:
    text = shipped_case_files()["jiangxi-nanchang-2022"].read_text(encoding="utf-8")
    wrong = tmp_path / "c.yaml"
    wrong.write_text(text.replace("basic: 15680", "basic: 15680.01"), encoding="utf-8")
    (case,) = load_cases(wrong).cases
    (m,) = check_case(compile_policy(load_policy("jiangxi-nanchang-2022")), case)
    assert str(m).endswith("paid by basic expected 15,680.01, settled 15,680.00")


@pytest.mark.parametrize(
    ("edit", "line", "message"),
    [
        (("total: 20000", "totl: 20000"), 9, "unknown key"),
        (("total: 20000", "total: 20000.001"), 9, "more than two decimals"),
        (("statuses: [marginal]", "statuses: [rich]"), 5, "Input should be"),
        (("        total: 20000\n", ""), 7, "required but missing"),
    ],
)
def test_a_malformed_case_file_names_file_and_line(
    tmp_path: Path, edit: tuple[str, str], line: int, message: str
) -> None:
    text = shipped_case_files()["jiangxi-nanchang-2022"].read_text(encoding="utf-8")
    assert edit[0] in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(*edit), encoding="utf-8")
    with pytest.raises(PolicyError) as err:
        load_cases(bad)
    found = [(p.file, p.line) for p in err.value.problems if message in p.message]
    assert found == [(str(bad), line)], err.value.problems


def test_an_unknown_disease_group_is_named() -> None:
    case = Case.model_validate(
        {
            "name": "x",
            "claims": [{"total": 1, "compliant": 1, "diseases": ["gout"], "expect": {}}],
        }
    )
    with pytest.raises(ValueError, match="gout"):
        check_case(compile_policy(load_policy("jiangxi-nanchang-2022")), case)


def test_policy_cases_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from safetynet.cli.main import app

    runner = CliRunner()
    ok = runner.invoke(app, ["policy", "cases"])
    assert ok.exit_code == 0, ok.output
    assert "differs" not in ok.output and ok.output.count("ok") >= len(_all_cases())
    text = shipped_case_files()["jiangxi-nanchang-2022"].read_text(encoding="utf-8")
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(text.replace("assistance: 552", "assistance: 553"), encoding="utf-8")
    differs = runner.invoke(app, ["policy", "cases", str(wrong)])
    assert differs.exit_code == 1
    assert "paid by assistance expected 553.00, settled 552.00" in differs.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("total: 20000", "totl: 20000"), encoding="utf-8")
    malformed = runner.invoke(app, ["policy", "cases", str(bad)])
    assert malformed.exit_code == 2 and f"{bad}:9" in malformed.output
    unknown = runner.invoke(app, ["policy", "cases", "no-such-policy"])
    assert unknown.exit_code == 2 and "anhui-poor-2017" in unknown.output
