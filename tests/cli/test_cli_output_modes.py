"""A command's output files are created as any program creates a file: mode 0666 less
the umask (0644 under the usual 022), for label, chart, record and reprint alike, as
for a batch's outputs; not 0600, which a print server or a colleague cannot read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import EXAMPLE_CONFIG, LABEL_ARGS, RECORD_ARGS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_every_command_s_files_take_the_umask(cli, tmp_path, mask, mode):
    db = tmp_path / "log.db"
    config = ["--config", str(EXAMPLE_CONFIG)]
    old = os.umask(mask)
    try:
        commands = [
            [*LABEL_ARGS, *config, "--db", str(db), "-o", str(tmp_path / "label.pdf")],
            ["chart", "--start-date", "2026-12-01", *config, "-o", str(tmp_path / "chart.pdf")],
            [*RECORD_ARGS, *config, "--db", str(db), "-o", str(tmp_path / "record.pdf")],
            ["reprint", "--rx", "1234567", "--db", str(db), "-o", str(tmp_path / "again.pdf")],
            ["batch", str(EXAMPLES / "orders.csv"), *config, "--db", str(db),
             "-o", str(tmp_path / "out")],
        ]  # fmt: skip
        for command in commands:
            result = cli(*command)
            assert result.exit_code == 0, (command[0], result.output)
    finally:
        os.umask(old)
    files = [tmp_path / n for n in ("label.pdf", "chart.pdf", "record.pdf", "again.pdf")]
    files += sorted((tmp_path / "out").glob("*.pdf"))
    assert len(files) > 4
    assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {f.name: mode for f in files}
