"""The README stays true: every command is in its tour, and its examples run."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.main import get_command

from compounder.cli.app import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme_tour():
    commands = sorted(get_command(app).commands)  # type: ignore[attr-defined]
    assert len(commands) >= 12
    for name in commands:
        assert f"| `compounder {name}` |" in README, name


def test_every_command_has_help_with_an_example(cli):
    for name in get_command(app).commands:  # type: ignore[attr-defined]
        result = cli(name, "--help")
        assert result.exit_code == 0
        assert "Example: compounder " + name in " ".join(result.stdout.split()), name


def _readme_examples() -> list[str]:
    block = README.split("## A tour of the CLI", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    lines = block.replace("\\\n", " ").splitlines()
    return [line.split("#")[0].strip() for line in lines if line.strip()]


SAFE = (
    "compounder plan",
    "compounder strengths",
    "compounder prepare",
    "compounder fills",
    "compounder stocks",
)


@pytest.mark.parametrize("example", [e for e in _readme_examples() if e.startswith(SAFE)])
def test_readme_examples_run(cli, example):
    args = shlex.split(example)[1:]
    result = cli(*args)
    assert result.exit_code == 0, (example, result.stderr)


def test_readme_documents_every_order_column():
    from compounder.batch.order_file import COLUMNS

    for column in COLUMNS:
        assert re.search(rf"`{column}`", README), column


def test_the_order_field_table_in_docs_is_generated_from_the_fields():
    from compounder.api.orders import field_table_markdown

    text = (Path(__file__).resolve().parents[1] / "docs" / "order-file.md").read_text()
    start = text.index("<!-- fields: generated from compounder.api.orders.FIELDS -->\n")
    end = text.index("<!-- end of fields -->")
    table = text[start:end].split("\n", 1)[1]
    assert table == field_table_markdown()


def test_every_order_column_and_option_is_in_the_field_table():
    from compounder.api.orders import COLUMNS as FIELD_COLUMNS
    from compounder.batch.order_file import COLUMNS

    assert set(COLUMNS) == set(FIELD_COLUMNS)
