"""Every option's help is shown as written: a TOML table name in brackets
("[printers.NAME]", "[log] url") is text, not markup the help renderer eats."""

from __future__ import annotations

import re

from typer.main import get_command

from compounder.cli.app import app


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def _commands():
    top = get_command(app)
    for name, command in top.commands.items():  # type: ignore[attr-defined]
        subs = getattr(command, "commands", None)
        if subs:
            for sub in subs:
                yield [name, sub], subs[sub]
        else:
            yield [name], command


def test_every_option_help_is_shown_whole(cli, monkeypatch):
    monkeypatch.setattr("typer.rich_utils.MAX_WIDTH", 200)  # no long word cut short
    checked = 0
    for words, command in _commands():
        shown = _plain(cli(*words, "--help").stdout)
        for param in command.params:
            help_text = getattr(param, "help", None)
            if not help_text:
                continue
            expected = _plain(help_text.replace("\\[", "["))
            assert expected in shown, (words, param.name, expected)
            checked += 1
    assert checked > 50


def test_reprint_help_names_the_settings_printer_table(cli, monkeypatch):
    monkeypatch.setattr("typer.rich_utils.MAX_WIDTH", 200)
    shown = _plain(cli("reprint", "--help").stdout)
    assert "a name from the settings ([printers.NAME])" in shown
    assert "()" not in shown
