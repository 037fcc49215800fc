"""The ``compounder`` command: a thin layer over the Python API.

Each command parses its options, makes one library call, and prints a table (or JSON
with ``--json``). Errors are turned into a one-line message on stderr and an exit code
in one place, ``_report_errors``; no traceback reaches the user.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from compounder.errors import CompounderError

app = typer.Typer(
    name="compounder",
    help="Exact, unit-checked liquid low-dose naltrexone (LDN) compounding.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

ProtocolOpt = Annotated[
    str,
    typer.Option(
        "--protocol",
        "-p",
        help="Protocol id (ldn-standard, ldn-slow-start, ldn-weekly) or a protocol .toml file.",
    ),
]
ConcentrationOpt = Annotated[
    str | None,
    typer.Option("--concentration", "-c", help="Concentration, e.g. '1 mg/mL'."),
]
StartDateOpt = Annotated[
    str | None, typer.Option("--start-date", help="First day of the first step, YYYY-MM-DD.")
]
SyringesOpt = Annotated[
    Path | None, typer.Option("--syringes", help="Your own syringe catalogue (.toml).")
]
CandidatesOpt = Annotated[
    Path | None,
    typer.Option("--candidates", help="Your own candidate concentrations (.toml)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _report_errors(command: F) -> F:
    """Map every CompounderError to a one-line message and its exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except CompounderError as exc:
            typer.echo(f"compounder: error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@app.command()
@_report_errors
def plan(
    protocol: ProtocolOpt = "ldn-standard",
    concentration: ConcentrationOpt = None,
    start_date: StartDateOpt = None,
    dose: Annotated[
        str | None, typer.Option("--dose", help="Plan only the step at this dose, e.g. '3 mg'.")
    ] = None,
    syringes: SyringesOpt = None,
    candidates: CandidatesOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Work out every titration step: dose, volume, syringe and days.

    Without --concentration the recommended strength is used (see 'strengths').
    If a step cannot be measured exactly at the concentration, the plan is shown with
    that step marked and the command exits with code 3.

    Example: compounder plan --concentration 1mg/mL --start-date 2026-12-01
    """
    from compounder.api import plan_titration
    from compounder.reports import plan_report

    result = plan_titration(protocol, concentration, start_date, dose, syringes, candidates)
    if as_json:
        _print_json(result.to_dict())
    else:
        typer.echo(plan_report(result))
    result.require_measurable()


@app.command()
@_report_errors
def strengths(
    protocol: ProtocolOpt = "ldn-standard",
    syringes: SyringesOpt = None,
    candidates: CandidatesOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Which concentrations measure every step exactly, best first.

    Ranked by: fewest steps outside the syringe fill band, fewest different syringes,
    then convention (1 mg/mL first).

    Example: compounder strengths --protocol ldn-slow-start
    """
    from compounder.api import solve_strengths
    from compounder.reports import strengths_report

    results = solve_strengths(protocol, syringes, candidates)
    if as_json:
        _print_json(
            {
                "protocol": results[0].plan.protocol.id if results else protocol,
                "candidates": [r.to_dict() for r in results],
            }
        )
    else:
        typer.echo(strengths_report(results, results[0].plan.protocol.id if results else protocol))


def main() -> None:
    """Console entry point: run the app; an unexpected failure prints one line, not a trace."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("compounder: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # last line of defence: no traceback reaches a user
        if os.environ.get("COMPOUNDER_DEBUG"):
            raise
        typer.echo(
            f"compounder: internal error ({type(exc).__name__}); nothing was printed. "
            "Set COMPOUNDER_DEBUG=1 to see details and please report it.",
            err=True,
        )
        sys.exit(70)
