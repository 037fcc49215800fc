"""The documentation stays true: every command is in the README and in the tour
(docs/usage.md), the tour's examples run, the CLI reference (docs/cli.md) is what the
commands say, and the order file's columns are documented (docs/batch.md)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.main import get_command

from compounder.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
USAGE = (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme_and_the_tour():
    commands = sorted(get_command(app).commands)  # type: ignore[attr-defined]
    assert len(commands) >= 14
    listed = README.split("## The commands", 1)[1].split("\n## ", 1)[0]
    for name in commands:
        assert f"`{name}`" in listed or f"`{name} " in listed, name  # the README's short list
        assert f"| `compounder {name}` |" in USAGE, name  # the tour's table


def test_every_command_has_help_with_an_example(cli):
    group = get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", {"": None})
        for sub in subcommands:
            words = [name, sub] if sub else [name]
            result = cli(*words, "--help")
            assert result.exit_code == 0
            text = " ".join(result.stdout.split())
            assert "Example: compounder " + " ".join(words) in text, words


def test_every_command_takes_config_and_h(cli):
    """--config and -h everywhere (plan and strengths included)."""
    for name, command in get_command(app).commands.items():  # type: ignore[attr-defined]
        for sub in getattr(command, "commands", {name: command}).values():
            options = {o for p in sub.params for o in p.opts}
            assert "--config" in options, sub.name
    assert cli("plan", "-h").exit_code == 0 and cli("log", "verify", "-h").exit_code == 0


def test_the_cli_reference_is_current():
    """docs/cli.md is regenerated with: python -m compounder.cli.reference > docs/cli.md"""
    from compounder.cli.reference import reference

    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == reference()


def test_the_readme_links_only_to_docs_that_exist():
    links = re.findall(r"\]\((docs/[^)#]+)", README)
    assert len(links) >= 10
    for link in links:
        assert (ROOT / link).is_file(), link
    for page in (ROOT / "docs").glob("*.md"):
        assert f"(docs/{page.name})" in README, f"docs/{page.name} is not linked"


def _tour_examples() -> list[str]:
    block = USAGE.split("## A tour", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    lines = block.replace("\\\n", " ").splitlines()
    return [line.split("#")[0].strip() for line in lines if line.strip()]


SAFE = (
    "compounder plan",
    "compounder strengths",
    "compounder prepare",
    "compounder fills",
    "compounder stocks",
)


@pytest.mark.parametrize("example", [e for e in _tour_examples() if e.startswith(SAFE)])
def test_tour_examples_run(cli, example):
    args = shlex.split(example)[1:]
    result = cli(*args)
    assert result.exit_code == 0, (example, result.stderr)


def test_the_order_file_documents_every_column():
    from compounder.batch.order_file import COLUMNS

    batch = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8")
    for column in COLUMNS:
        assert re.search(rf"`{column}`", batch), column


def test_the_order_field_table_in_docs_is_generated_from_the_fields():
    from compounder.api.orders import field_table_markdown

    text = (ROOT / "docs" / "order-file.md").read_text(encoding="utf-8")
    start = text.index("<!-- fields: generated from compounder.api.orders.FIELDS -->\n")
    end = text.index("<!-- end of fields -->")
    table = text[start:end].split("\n", 1)[1]
    assert table == field_table_markdown()


def test_every_order_column_and_option_is_in_the_field_table():
    from compounder.api.orders import COLUMNS as FIELD_COLUMNS
    from compounder.batch.order_file import COLUMNS

    assert set(COLUMNS) == set(FIELD_COLUMNS)


def test_the_manifest_columns_are_documented():
    from compounder.batch.outputs import MANIFEST_COLUMNS

    formats = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    for column in MANIFEST_COLUMNS:
        assert f"`{column}`" in formats, column
