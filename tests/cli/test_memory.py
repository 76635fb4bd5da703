"""The command line keeps the memory Polars frees for a while (safetynet.memory)."""

from __future__ import annotations

import os
import subprocess
import sys

from safetynet.memory import JEMALLOC_CONF, KEEP_A_MINUTE

PROBE = "import os, safetynet.cli.main, polars; print(os.environ['_RJEM_MALLOC_CONF'])"


def _conf(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_the_command_line_keeps_freed_pages_a_minute() -> None:
    env = {k: v for k, v in os.environ.items() if k != JEMALLOC_CONF}
    conf = _conf(env)
    # Polars puts its own decay first and what the environment says after: ours wins
    assert conf.endswith("," + KEEP_A_MINUTE), conf


def test_a_setting_in_the_environment_is_left_alone() -> None:
    env = {**os.environ, JEMALLOC_CONF: "dirty_decay_ms:1234"}
    assert _conf(env).endswith(",dirty_decay_ms:1234")
