"""The patient's name off the command line: ``--patient-file`` and ``--patient -``."""

from __future__ import annotations

import json

import pytest
from conftest import LABEL_ARGS

BASE = [a for a in LABEL_ARGS if a not in ("--patient", "Jane Doe")]


def label_name(result) -> str:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["labels"][0]["lines"]["patient name"]


@pytest.fixture
def label(cli, tmp_path, example_config):
    def run(*args: str, **kwargs):
        out = ["-o", str(tmp_path / "label.pdf"), "--config", str(example_config), "--json"]
        db = ["--db", str(tmp_path / "log.db")]
        return cli(*BASE, *args, *out, *db, **kwargs)

    return run


def test_the_name_from_a_file_or_standard_input_is_the_name_given(label, tmp_path):
    given = label_name(label("--patient", "Jane Doe"))
    (tmp_path / "log.db").unlink()
    name = tmp_path / "patient.txt"
    name.write_text("Jane Doe\n", encoding="utf-8")
    assert label_name(label("--patient-file", str(name))) == given
    (tmp_path / "log.db").unlink()
    assert label_name(label("--patient", "-", input="Jane Doe\n")) == given


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        ((), None, "patient: missing; expected --patient NAME, --patient -"),
        (("--patient", "Jane Doe", "--patient-file", "x"), None, "one of --patient NAME"),
        (("--patient-file", "FILE"), b"Jane Doe\nJohn Roe\n", "on one line"),
        (("--patient-file", "FILE"), b"\xffJane", "as UTF-8 text"),
        (("--patient-file", "FILE"), b"J" * 2000, "on one line (a short text)"),
    ],
)
def test_a_name_that_cannot_be_read_is_refused_without_repeating_it(
    label, tmp_path, args, content, message
):
    name = tmp_path / "patient.txt"
    if content is not None:
        name.write_bytes(content)
    result = label(*[str(name) if a == "FILE" else a for a in args])
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert "Jane" not in result.stderr and "Roe" not in result.stderr
    assert not (tmp_path / "label.pdf").exists()


def test_a_missing_patient_file_is_named(label, tmp_path):
    result = label("--patient-file", str(tmp_path / "nowhere.txt"))
    assert result.exit_code == 2
    assert "patient-file" in result.stderr and "nowhere.txt" in result.stderr


def test_the_chart_takes_the_name_from_standard_input(cli, tmp_path, example_config):
    args = ["chart", "--start-date", "2026-12-01", "--concentration", "1mg/mL"]
    args += ["--config", str(example_config)]
    typed = cli(*args, "--patient", "Jane Doe", "-o", str(tmp_path / "a.pdf"))
    piped = cli(*args, "--patient", "-", "-o", str(tmp_path / "b.pdf"), input="Jane Doe\n")
    nameless = cli(*args, "-o", str(tmp_path / "c.pdf"))
    assert typed.exit_code == piped.exit_code == nameless.exit_code == 0, piped.stderr
    drawn = {name: (tmp_path / name).read_bytes() for name in ("a.pdf", "b.pdf", "c.pdf")}
    assert drawn["a.pdf"] == drawn["b.pdf"] != drawn["c.pdf"]
