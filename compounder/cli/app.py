"""The ``compounder`` command: a thin layer over the Python API.

Each command (in ``calculations``, ``printing``, ``batching`` and ``logbook``) parses
its options, makes one library call, and prints a table (or JSON with ``--json``).
Errors are turned into a one-line message on stderr and an exit code in one place,
``report_errors`` (with ``--json`` also the error as a JSON object on stdout); no
traceback reaches the user. A closed standard output (``compounder ... | head``) ends
the command quietly with ``EXIT_PIPE``, also there.
"""

import errno
import functools
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from compounder.atomic import deferred_signal, new_command, work_done
from compounder.cli import (
    batching,
    calculations,
    checking,
    exchange,
    ledger,
    logbook,
    onboarding,
    printing,
    schemas,
    stockroom,
)
from compounder.cli.options import json_printed, print_json
from compounder.errors import CompounderError

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="compounder",
    help="Exact, unit-checked liquid low-dose naltrexone (LDN) compounding.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, pwsh)
    pretty_exceptions_enable=False,
    context_settings=HELP_OPTIONS,
)


def _version(shown: bool) -> None:
    if shown:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"compounder {version('compounder')}")
        except PackageNotFoundError:
            typer.echo("compounder (version unknown: not installed)")
        raise typer.Exit()


@app.callback()
def _main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_version,
            is_eager=True,
            help="Print Compounder's version and exit.",
        ),
    ] = False,
) -> None:
    """Exact, unit-checked liquid low-dose naltrexone (LDN) compounding.

    Start with 'compounder init' (the pharmacy's settings); every command's --help
    shows an example.
    """

F = TypeVar("F", bound=Callable[..., Any])

#: a signal that came once the entry was committing: nothing is undone
LATE_SIGNAL = (
    "compounder: interrupted after its log entry was committed: the work is done and "
    "its files are complete"
)


#: the exit code when standard output was closed before all was written (a reader
#: such as ``head`` that stopped reading): 128 + SIGPIPE, as a shell reports it
EXIT_PIPE = 141


def report_errors(command: F) -> F:
    """Map every CompounderError to a one-line message and its exit code (with
    --json also the error object on stdout), and a closed stdout to EXIT_PIPE."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from compounder.log.anchor import using_settings

        new_command()
        json_printed(reset=True)
        as_json = bool(kwargs.get("as_json"))
        try:
            with using_settings(kwargs.get("config")):  # its [log] anchor takes the heads
                done = command(*args, **kwargs)
        except CompounderError as exc:
            fail(exc, as_json)
        except BrokenPipeError:  # before OSError: a reader that stopped reading
            pipe_closed()
        except OSError as exc:
            if exc.errno != errno.ENAMETOOLONG:
                raise
            fail(name_too_long(exc, kwargs.get("config")), as_json)
        except KeyboardInterrupt as exc:  # typer would exit 130 without a word
            if work_done():  # committed, files final: the work is done
                typer.echo(LATE_SIGNAL, err=True)
                return None
            typer.echo("compounder: interrupted", err=True)
            code = 143 if isinstance(exc, Terminated) else 130
            if as_json and not json_printed():
                stopped = {"code": code, "kind": "interrupted", "message": "interrupted"}
                print_json("error", {"error": {**stopped, "field": None}})
            raise typer.Exit(code) from None
        if deferred_signal() is not None:
            typer.echo(LATE_SIGNAL, err=True)
        return done

    return wrapper  # type: ignore[return-value]


def fail(exc: CompounderError, as_json: bool) -> None:
    """An error's one line on stderr and, with --json (unless the command printed its
    document already), the error object on stdout; then its exit code."""
    typer.echo(f"compounder: error: {exc}", err=True)
    if as_json and not json_printed():
        try:
            print_json("error", {"error": exc.to_dict()})
        except BrokenPipeError:
            pipe_closed()
    raise typer.Exit(exc.exit_code) from None


def pipe_closed() -> None:
    """Standard output was closed by its reader: quietly, nothing more is written to it
    (the rest goes to the null device, so that closing it at exit raises nothing), and
    EXIT_PIPE. What the command committed stays committed (docs/json-contracts.md)."""
    silence_stdout()
    raise typer.Exit(EXIT_PIPE) from None


def silence_stdout() -> None:
    """Standard output to the null device (its reader has gone)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # a stdout without a file (tests)
        pass


def name_too_long(exc: OSError, config: Any) -> CompounderError:
    """A file or folder name longer than the file system takes (255 bytes): in the
    settings' path (--config) a settings error (exit 4), else an output error (exit 5)
    naming it; never an internal error."""
    from compounder.errors import DataFileError, OutputError

    name = str(exc.filename or "")
    shown = name if len(name) <= 80 else name[:60] + "..." + name[-16:]
    problem = "a file or folder name in it is too long"
    expected = "names of at most 255 bytes each"
    if config is not None and any(
        len(part.encode("utf-8", "surrogateescape")) > 255 for part in Path(str(config)).parts
    ):
        return DataFileError(shown or str(config)[:80], "", problem, expected)
    return OutputError(shown, f"{problem} (at most 255 bytes each)")


COMMANDS = (
    calculations.plan,
    calculations.strengths,
    calculations.prepare,
    calculations.fills,
    checking.screen,
    printing.label,
    printing.chart,
    batching.batch,
    printing.stocks,
    logbook.record,
    logbook.reprint,
    logbook.trace,
    logbook.history,
    logbook.correct,
    checking.queue,
    checking.verify,
    onboarding.init,
    onboarding.staff,
    *stockroom.COMMANDS,
    schemas.schema,
)
for _command in COMMANDS:
    app.command()(report_errors(_command))

#: each plain command (not a group) by the name the command line gives it
PLAIN = {command.__name__.replace("_", "-"): command for command in COMMANDS}


def app_for(argv: list[str]) -> typer.Typer:
    """The app a command line runs on: for a plain command (``compounder label ...``),
    an app holding that command alone, the same to its user (its options, help and
    errors) and built in a fraction of the time the whole app takes; else the whole
    app (no command, a group such as ``log``, an option first, shell completion)."""
    command = PLAIN.get(argv[1]) if len(argv) > 1 else None
    if command is None or "_COMPOUNDER_COMPLETE" in os.environ:
        return app
    one = typer.Typer(
        name="compounder",
        help=app.info.help,
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
        context_settings=HELP_OPTIONS,
    )
    one.callback()(_main)
    one.command()(report_errors(command))
    return one

stockroom.stock_app.callback(invoke_without_command=True)(report_errors(stockroom.stock))
stockroom.stock_app.command()(report_errors(stockroom.adjust))
app.add_typer(stockroom.stock_app)

log_app = typer.Typer(
    name="log", help=ledger.HELP, no_args_is_help=True, context_settings=HELP_OPTIONS
)
for _log_command in ledger.LOG_COMMANDS:
    log_app.command()(report_errors(_log_command))
app.add_typer(log_app)

export_app = typer.Typer(
    name="export", help=exchange.HELP, no_args_is_help=True, context_settings=HELP_OPTIONS
)
for _export_command in exchange.EXPORT_COMMANDS:
    export_app.command()(report_errors(_export_command))
app.add_typer(export_app)

settings_app = typer.Typer(
    name="settings", help=onboarding.SETTINGS_HELP, no_args_is_help=True,
    context_settings=HELP_OPTIONS,
)  # fmt: skip
for _settings_command in onboarding.SETTINGS_COMMANDS:
    settings_app.command()(report_errors(_settings_command))
app.add_typer(settings_app)


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled as Ctrl-C is: whatever was being written is taken back."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated()


def main() -> None:
    """Console entry point: run the app; an unexpected failure prints one line, not a trace."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        if "--json" in sys.argv[1:]:
            sys.exit(run_for_json())
        app_for(sys.argv)()
    except Terminated:
        typer.echo("compounder: interrupted", err=True)
        sys.exit(143)
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


def run_for_json() -> int:
    """The app run for a command line with --json: an error the command line's parser
    finds before any command runs (an unknown option, a missing or malformed one) is
    the error object on stdout too, as report_errors makes for the rest; the usage
    text still goes to stderr and the exit code is the parser's (2)."""
    try:
        done = app_for(sys.argv)(standalone_mode=False)
    except typer.Abort:
        typer.echo("Aborted!", err=True)
        return 1
    except Exception as exc:
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if show is None or not isinstance(code, int):  # not the parser's: as ever
            raise
        param = getattr(exc, "param", None)
        names = getattr(param, "opts", None) or [getattr(param, "name", "") or ""]
        failure = {"code": code, "kind": "input", "message": exc.format_message()}  # type: ignore[attr-defined]
        try:
            print_json("error", {"error": {**failure, "field": names[0].lstrip("-") or None}})
        except BrokenPipeError:  # stdout's reader has gone: the code says what was found
            silence_stdout()
        show()
        return code
    return done if isinstance(done, int) else 0

