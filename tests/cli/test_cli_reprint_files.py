"""`reprint` names the files it wrote (several previews: the series), and without
--output or --print writes reprint.pdf, reprint.zpl or reprint.png: the original
label's format, as its help and the README say."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CONFIG = EXAMPLES / "compounder.toml"
TITRATION = [
    "label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
    "--concentration", "1mg/mL", "--titration", "--start-date", "2026-12-01",
    "--vehicle", "fawcett-preserved", "--strength-changed", "--stock", "avery-5163",
    "--config", str(CONFIG),
]  # fmt: skip
SUMMARY = re.compile(
    r"Reprinted the label of Rx 1234567 \(reference \S+, printed \S+ \S+ [+-]\d\d:\d\d\) to (.*)"
)


def test_a_reprint_of_several_previews_names_the_files(cli, tmp_path):
    db = tmp_path / "log.db"
    made = cli(*TITRATION, "--db", str(db), "-o", str(tmp_path / "t.png"), "--json")
    assert made.exit_code == 0, made.output
    count = len(json.loads(made.stdout)["files"])
    assert count == 3
    result = cli("reprint", "--rx", "1234567", "--db", str(db), "-o", str(tmp_path / "rr"))
    assert result.exit_code == 0, result.output
    written = [tmp_path / f"rr-{n}" for n in range(1, count + 1)]
    assert all(p.is_file() for p in written) and not (tmp_path / "rr").exists()
    (line,) = result.stdout.splitlines()
    found = SUMMARY.fullmatch(line)
    assert found, line
    assert found.group(1) == ", ".join(str(p) for p in written)
    # the same bytes as the original previews
    assert [p.read_bytes() for p in written] == [
        (tmp_path / f"t-{n}.png").read_bytes() for n in range(1, count + 1)
    ]


@pytest.mark.parametrize(
    ("made_as", "expected"),
    [("l.pdf", ["reprint.pdf"]), ("l.zpl", ["reprint.zpl"]), ("l.png", ["reprint.png"])],
)
def test_the_default_output_is_in_the_original_format(
    cli, tmp_path, monkeypatch, made_as, expected
):
    from conftest import LABEL_ARGS

    db = tmp_path / "log.db"
    made = cli(*LABEL_ARGS, "--config", str(CONFIG), "--db", str(db), "-o", str(tmp_path / made_as))
    assert made.exit_code == 0, made.output
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = cli("reprint", "--rx", "1234567", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in work.iterdir()) == expected
    assert (work / expected[0]).read_bytes() == (tmp_path / made_as).read_bytes()
    assert SUMMARY.fullmatch(result.stdout.strip()).group(1) == expected[0]


def test_the_help_says_the_default_is_the_original_format(cli, monkeypatch):
    monkeypatch.setattr("typer.rich_utils.MAX_WIDTH", 200)
    shown = " ".join(re.sub(r"[│╭╮╰╯─]", " ", cli("reprint", "--help").stdout).split())
    assert "to reprint.pdf, reprint.zpl or reprint.png unless --output or --print" in shown
    assert "(default: the output's suffix, else the original label's;" in shown
    assert "pdf (default)" not in shown


@pytest.mark.parametrize(("made_as", "fmt"), [("l.zpl", "pdf"), ("l.pdf", "zpl"), ("l.pdf", "png")])
def test_the_default_output_follows_format(cli, tmp_path, monkeypatch, made_as, fmt):
    """`reprint --format X` without --output writes reprint.X (not the original's
    suffix, which the format would then refuse)."""
    from conftest import LABEL_ARGS

    db = tmp_path / "log.db"
    made = cli(*LABEL_ARGS, "--config", str(CONFIG), "--db", str(db), "-o", str(tmp_path / made_as))
    assert made.exit_code == 0, made.output
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = cli("reprint", "--rx", "1234567", "--db", str(db), "--format", fmt)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in work.iterdir()) == [f"reprint.{fmt}"]
    magic = {"pdf": b"%PDF", "zpl": b"^XA", "png": b"\x89PNG"}[fmt]
    assert (work / f"reprint.{fmt}").read_bytes().lstrip().startswith(magic)
    assert SUMMARY.fullmatch(result.stdout.strip()).group(1) == f"reprint.{fmt}"
