"""The `safetynet` command line (Typer + Rich). Commands live in ``cli/commands/``.

Importing it first keeps memory Polars frees for reuse a while (:mod:`safetynet.memory`):
the commands settle files of millions of claims, stage after stage."""

from safetynet.memory import keep_freed_memory

keep_freed_memory()
