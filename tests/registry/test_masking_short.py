"""The masking expressions on values shorter than what they keep (an ID of three characters,
a one-character name, an empty string): the count of stars is computed in signed integers,
so it is clipped at zero — an unsigned length minus the kept characters wrapped around to
about four billion and the process aborted allocating the padding (``mask_id_tail_expr`` on
``"123"``, as an analyst's notice calls it). Run in a child process with its memory bounded,
so a regression is a failed test, not a killed run; each expression equals its scalar rule."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from safetynet.registry.masking import mask_name, mask_resident_id, mask_resident_id_tail

VALUES = ["", "a", "张", "ab", "123", "1234", "12345", "1234567", "12345678", "123456789",
          "11010519491231002X", "张三丰", "欧阳建国"]  # fmt: skip
CHILD = textwrap.dedent(
    """
    import json, resource, sys
    limit = 1_500_000_000
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import polars as pl
    from safetynet.registry.masking import mask_id_expr, mask_id_tail_expr, mask_name_expr
    values = json.loads(sys.argv[1])
    frame = pl.DataFrame({"v": values * 50})  # many rows, some short, some long
    out = frame.select(
        mask_name_expr("v").alias("name"),
        mask_id_expr("v").alias("id"),
        mask_id_tail_expr("v").alias("tail"),
    ).head(len(values))
    print(json.dumps(out.to_dict(as_series=False)))
    """
)


def test_short_values_are_masked_by_the_scalar_rules_without_a_huge_padding() -> None:
    run = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(VALUES)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    got = json.loads(run.stdout)
    assert got["name"] == [mask_name(v) for v in VALUES]
    assert got["id"] == [mask_resident_id(v) for v in VALUES]
    assert got["tail"] == [mask_resident_id_tail(v) for v in VALUES]
    assert got["tail"][VALUES.index("123")] == "123"
    assert got["tail"][VALUES.index("12345")] == "1234*"
