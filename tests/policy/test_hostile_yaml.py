"""Hostile policy files: each is a ``PolicyError`` naming the file (and the line where the
parser knows it), never another exception or minutes of work — an alias bomb, a !!python
tag, a number of 5,000 digits, nesting deeper than the stack, a NUL, text not in UTF-8, a
list as a key. The same parser reads the funds', supervision's and early warning's rules."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from safetynet.early_warning.rules import load_rules
from safetynet.policy.loader import MAX_VALUES, PolicyError, load_policy
from tests.policy.test_loader_errors import GOOD

LEVELS = "".join(
    f"{b}: &{b} [{', '.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefg", "bcdefgh", strict=True)
)
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + LEVELS + GOOD  # 9**8 = 43 million values


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        (BOMB, None, f"more than {MAX_VALUES:,} values"),  # was 27 s CPU, then unknown keys
        (GOOD.replace("name_en: Basic", "name_en: !!python/object/apply:os.system [id]"),
         13, "could not determine a constructor"),
        (GOOD.replace("deductible: 300", "deductible: " + "9" * 5000), 20,
         "more than 30 digits"),  # was ValueError (int string conversion limit)
        (GOOD + "x: " + "[" * 5000 + "]" * 5000 + "\n", None,
         "nested too deeply"),  # was RecursionError
        (GOOD.replace("Basic", "Ba\x00sic"), 13, "#x0000 is not allowed"),  # was ReaderError
        (GOOD.replace("source: s\n", "? [a, b]\n: 1\nsource: s\n"), 7,
         "a key must be text or a number"),  # was TypeError (unhashable)
    ],
)  # fmt: skip
def test_a_hostile_policy_file_is_a_policy_error_with_its_line(
    tmp_path: Path, text: str, line: int | None, what: str
) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.process_time()
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert time.process_time() - started < 2  # CPU seconds
    [problem] = err.value.problems
    assert problem.file == str(path.resolve()) and problem.line == line and what in problem.message


def test_a_file_not_in_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes(GOOD.encode("gbk"))  # title_zh on line 3 is the first text not ASCII
    with pytest.raises(PolicyError) as err:  # was UnicodeDecodeError
        load_policy(path)
    [problem] = err.value.problems
    assert problem.line == 3 and "not UTF-8" in problem.message


def test_the_early_warning_rules_refuse_a_bomb_too(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(BOMB, encoding="utf-8")
    with pytest.raises(PolicyError, match="values"):
        load_rules(path)
