"""Every number option (and argument) of every command is bounded, by the one definition of
:mod:`safetynet.cli.bounds`: a year to the scheme's years, a month to 1-12, a row number to
a row id's range; a value outside is refused by the command line (exit status 2, the option
named) before anything is read or written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, get_args

import pytest
import typer
from typer.testing import CliRunner

from safetynet.cli.bounds import MONTH, YEAR
from safetynet.cli.main import app


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), command


def _numbers() -> list[tuple[str, Any]]:
    out = []
    for path, command in _commands(typer.main.get_command(app)):
        for p in command.params:
            kinds = {p.type_descriptor.annotation, *get_args(p.type_descriptor.annotation)}
            if kinds & {int, float}:
                out.append((f"{path} {p.name}", p))
    return out


NUMBERS = _numbers()


def test_the_commands_take_numbers() -> None:
    names = {n for n, _ in NUMBERS}
    assert len(NUMBERS) > 80
    assert {"warnings list year", "warnings round round_id", "funds round make month"} <= names


@pytest.mark.parametrize(("name", "param"), NUMBERS, ids=[n for n, _ in NUMBERS])
def test_every_number_is_bounded(name: str, param: Any) -> None:
    assert param.min is not None and param.max is not None, f"{name} is unbounded"
    if param.name == "year":
        assert (param.min, param.max) == (YEAR["min"], YEAR["max"]), name
    if param.name == "month":
        assert (param.min, param.max) == (MONTH["min"], MONTH["max"]), name


@pytest.mark.parametrize(
    "args",
    [
        ["warnings", "list", "--year", "99999"],
        ["warnings", "list", "--year", "1999"],
        ["warnings", "evaluate", "--year", "99999999999999999999"],
        ["warnings", "totals", "--year", "0"],
        ["warnings", "step", "0", "close"],
        ["warnings", "packet", "99999999999", "--out", "x.xlsx"],
        ["funds", "round", "make", "--year", "2017", "--month", "13", "--by", "c"],
        ["funds", "alarms", "--year", "2017", "--month", "0"],
        ["review", "scores", "--year", "10000"],
        ["synth", "--persons", "0"],
        ["synth", "--violations", "1.5"],
        ["design", "--trials", "-1"],
    ],
)
def test_a_number_outside_is_refused_naming_it(args: list[str]) -> None:
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 2, done.output
    assert "Invalid value for" in done.output, done.output
