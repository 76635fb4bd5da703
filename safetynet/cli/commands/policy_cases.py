"""`safetynet policy cases`: settle a policy's worked examples and show what differs."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err = Console(stderr=True)


def policy_cases(
    targets: list[str] = typer.Argument(
        None,
        help="Shipped policy ids or case files (YAML); none: every shipped policy's cases.",
        show_default=False,
    ),
) -> None:
    """Settle worked examples (cases/<policy>.yaml beside each policy); exit 1 if any differs."""
    from safetynet.engine.cases import check_case
    from safetynet.engine.compile import compile_policy
    from safetynet.policy.cases import load_cases, shipped_case_files
    from safetynet.policy.loader import PolicyError, load_policy

    shipped = shipped_case_files()
    paths: list[Path] = []
    for t in targets or list(shipped):
        if t in shipped:
            paths.append(shipped[t])
        elif Path(t).is_file():
            paths.append(Path(t))
        else:
            err.print(
                f"[red]no case file for {t!r}[/red]: give a case file or one of "
                f"{', '.join(shipped)}"
            )
            raise typer.Exit(2)
    table = Table("policy", "case", "claims", "result")
    failed = 0
    for path in paths:
        try:
            cases = load_cases(path)
            beside = path.parent.parent / f"{cases.policy}.yaml"  # cases/ beside the policy
            cp = compile_policy(load_policy(beside if beside.is_file() else cases.policy))
        except PolicyError as exc:
            err.print(f"[red]rejected[/red]\n{exc}")
            raise typer.Exit(2) from None
        for case in cases.cases:
            try:
                mismatches = check_case(cp, case)
            except ValueError as exc:
                err.print(f"[red]rejected[/red] {path}:{case.line}: {exc}")
                raise typer.Exit(2) from None
            result = "[green]ok[/green]" if not mismatches else "[red]differs[/red]"
            table.add_row(cases.policy, case.name, str(len(case.claims)), result)
            for m in mismatches:
                failed += 1
                err.print(f"{path}:{case.line}: {m}")
    console.print(table)
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    from safetynet.cli.commands.settle import policy_app

    policy_app.command("cases")(policy_cases)
