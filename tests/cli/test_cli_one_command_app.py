"""A command line for one plain command runs on an app holding that command alone
(``cli.app.app_for``): the same command to its user as in the whole app."""

from __future__ import annotations

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from compounder.cli.app import PLAIN, app, app_for

WHOLE = get_command(app).commands  # type: ignore[attr-defined]


def test_every_plain_command_is_one_of_the_app_s():
    assert set(PLAIN) <= set(WHOLE)
    assert {"label", "verify", "queue", "lot-label", "batch", "record"} <= set(PLAIN)
    groups = {name for name, command in WHOLE.items() if hasattr(command, "commands")}
    assert not groups & set(PLAIN) and {"log", "export", "settings", "stock"} <= groups


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_the_one_command_app_is_the_same_command(name):
    one = get_command(app_for(["compounder", name])).commands  # type: ignore[attr-defined]
    assert list(one) == [name]
    ours, theirs = one[name], WHOLE[name]
    assert ours.help == theirs.help
    assert [(p.name, p.opts, p.required, p.default) for p in ours.params] == [
        (p.name, p.opts, p.required, p.default) for p in theirs.params
    ]
    runner = CliRunner()
    for args in ([name, "--help"], [name, "--no-such-option"]):
        alone = runner.invoke(app_for(["compounder", name]), args, prog_name="compounder")
        whole = runner.invoke(app, args, prog_name="compounder")
        assert (alone.exit_code, alone.stdout, alone.stderr) == (
            whole.exit_code, whole.stdout, whole.stderr,
        )  # fmt: skip


@pytest.mark.parametrize(
    "argv",
    [["compounder"], ["compounder", "--help"], ["compounder", "log", "verify"],
     ["compounder", "stock"], ["compounder", "labl"]],
)  # fmt: skip
def test_anything_else_runs_on_the_whole_app(argv):
    assert app_for(argv) is app


def test_shell_completion_runs_on_the_whole_app(monkeypatch):
    monkeypatch.setenv("_COMPOUNDER_COMPLETE", "complete_bash")
    assert app_for(["compounder", "label"]) is app
