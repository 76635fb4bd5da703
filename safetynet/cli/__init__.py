"""The `safetynet` command line (Typer + Rich). Commands live in ``cli/commands/``."""
