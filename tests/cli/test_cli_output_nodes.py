"""`-o` onto something that is not a regular file (a device, a pipe): refused, left as it is.

Replacing such a node with a file would delete it (``-o /dev/usb/lp0`` would print
nothing and remove the printer's node). Every command that writes outputs is refused
before any work is done (exit 5, nothing logged); the atomic writer checks again at the
rename, for a node that appears meanwhile.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from conftest import LABEL_ARGS, RECORD_ARGS

from compounder.atomic import StagedFile, atomic_path, check_output_path
from compounder.errors import OutputError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CONFIG = EXAMPLES / "compounder.toml"
LABEL = [*LABEL_ARGS, "--config", str(CONFIG)]
TITRATION = [
    *LABEL_ARGS[:7],
    "--concentration",
    "1mg/mL",
    "--titration",
    "--start-date",
    "2026-12-01",
    "--fill",
    "all",
    "--config",
    str(CONFIG),
]
CHART = [
    "chart",
    "--start-date",
    "2026-12-01",
    "--concentration",
    "1mg/mL",
    "--config",
    str(CONFIG),
]


def fifo(folder: Path, name: str) -> Path:
    path = folder / name
    os.mkfifo(path)
    return path


def char_device(folder: Path, name: str) -> Path:
    """A character device node with /dev/null's numbers (needs root)."""
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    path = folder / name
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return path


NODES = {"fifo": (fifo, "a pipe (FIFO)"), "device": (char_device, "a device")}


def history(cli, db: Path) -> list:
    if not db.exists():  # (no log: nothing was logged; history creates none)
        return []
    found = cli("history", "--rx", "1234567", "--db", str(db), "--json")
    return json.loads(found.stdout)["entries"]


PRINT_HINT = ", or use --print to send labels to a printer"


def assert_refused(result, node: Path, kind: str, is_node, hint: str = PRINT_HINT) -> None:
    """Refused, naming the node; the hint only where the command has --print."""
    assert result.exit_code == 5, result.output
    assert result.stdout == ""
    assert result.stderr == (
        f"compounder: error: cannot write {node}: it is {kind}, not a regular file, and would "
        f"be replaced; write to a regular file{hint}\n"
    )
    assert is_node(node.stat().st_mode)  # still the node, not a file
    assert "Jane" not in result.stderr


@pytest.mark.parametrize("node_kind", sorted(NODES))
@pytest.mark.parametrize("fmt", ["pdf", "zpl", "png"])
def test_label_onto_a_node_is_refused_and_not_logged(cli, tmp_path, node_kind, fmt):
    make, kind = NODES[node_kind]
    node = make(tmp_path, f"out.{fmt}")
    db = tmp_path / "log.db"
    result = cli(*LABEL, "--db", str(db), "-o", str(node))
    assert_refused(result, node, kind, stat.S_ISFIFO if node_kind == "fifo" else stat.S_ISCHR)
    assert history(cli, db) == []
    assert [p.name for p in tmp_path.iterdir()] == [node.name]  # (no log made either)


@pytest.mark.parametrize("node_kind", sorted(NODES))
def test_chart_onto_a_node_is_refused(cli, tmp_path, node_kind):
    make, kind = NODES[node_kind]
    node = make(tmp_path, "chart.pdf")
    result = cli(*CHART, "-o", str(node))
    is_node = stat.S_ISFIFO if node_kind == "fifo" else stat.S_ISCHR
    assert_refused(result, node, kind, is_node, hint="")  # chart has no --print
    assert [p.name for p in tmp_path.iterdir()] == ["chart.pdf"]


@pytest.mark.parametrize("node_kind", sorted(NODES))
def test_record_onto_a_node_is_refused_and_not_logged(cli, tmp_path, node_kind):
    make, kind = NODES[node_kind]
    node = make(tmp_path, "record.pdf")
    db = tmp_path / "log.db"
    result = cli(*RECORD_ARGS, "--db", str(db), "-o", str(node))
    is_node = stat.S_ISFIFO if node_kind == "fifo" else stat.S_ISCHR
    assert_refused(result, node, kind, is_node, hint="")  # record has no --print
    assert history(cli, db) == []


@pytest.mark.parametrize("node_kind", sorted(NODES))
def test_reprint_onto_a_node_is_refused_and_not_logged(cli, tmp_path, node_kind):
    make, kind = NODES[node_kind]
    db = tmp_path / "log.db"
    assert cli(*LABEL, "--db", str(db), "-o", str(tmp_path / "label.pdf")).exit_code == 0
    node = make(tmp_path, "again.pdf")
    result = cli("reprint", "--rx", "1234567", "--db", str(db), "-o", str(node))
    assert_refused(result, node, kind, stat.S_ISFIFO if node_kind == "fifo" else stat.S_ISCHR)
    assert [h["kind"] for h in history(cli, db)] == ["label"]


def test_a_node_among_a_previews_names_is_refused_before_logging(cli, tmp_path):
    """Several previews: label.png names label-1.png, label-2.png..., each checked."""
    node = fifo(tmp_path, "t-2.png")
    db = tmp_path / "log.db"
    result = cli(*TITRATION, "--db", str(db), "--format", "png", "-o", str(tmp_path / "t.png"))
    assert result.exit_code == 5, result.output
    assert "t-2.png: it is a pipe (FIFO)" in result.stderr
    assert stat.S_ISFIFO(node.stat().st_mode)
    assert history(cli, db) == []
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("log.db")] == ["t-2.png"]


def test_batch_refuses_a_node_named_as_an_output_before_the_run(cli, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    node = fifo(out, "labels.pdf")
    result = cli("batch", str(EXAMPLES / "orders.csv"), "-o", str(out), "--config", str(CONFIG))
    assert result.exit_code == 5, result.output
    assert f"cannot write {node}: it is a pipe (FIFO)" in result.stderr
    assert stat.S_ISFIFO(node.stat().st_mode)
    assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == ["labels.pdf"]


# ------------------------------------------------------------- links, and the race at the rename


def test_a_link_to_a_file_is_written_through(cli, tmp_path):
    real = tmp_path / "real.pdf"
    real.write_bytes(b"old")
    link = tmp_path / "label.pdf"
    link.symlink_to(real)
    result = cli(*LABEL, "--db", str(tmp_path / "log.db"), "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert real.read_bytes().startswith(b"%PDF")


def test_a_link_to_a_node_or_to_nothing_is_refused(tmp_path):
    node = fifo(tmp_path, "pipe")
    (tmp_path / "to-pipe.pdf").symlink_to(node)
    with pytest.raises(OutputError, match="it is a pipe"):
        check_output_path(tmp_path / "to-pipe.pdf")
    (tmp_path / "dangling.pdf").symlink_to(tmp_path / "nowhere.pdf")
    with pytest.raises(OutputError, match="is a link to nothing"):
        check_output_path(tmp_path / "dangling.pdf")


def test_a_folder_keeps_its_message(tmp_path):
    with pytest.raises(OutputError, match="is a folder; give a file name"):
        check_output_path(tmp_path)


def test_a_node_appearing_before_the_rename_is_left_alone(tmp_path):
    target = tmp_path / "out.zpl"
    with pytest.raises(OutputError, match="it is a pipe"), atomic_path(target) as temp:
        temp.write_bytes(b"^XA^XZ")
        os.mkfifo(target)  # after the early check, before the rename
    assert stat.S_ISFIFO(target.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["out.zpl"]


def test_a_staged_file_is_not_published_over_a_node_appearing_meanwhile(tmp_path):
    target = tmp_path / "out.pdf"
    staged = StagedFile(target, b"%PDF-")
    os.mkfifo(target)
    with pytest.raises(OutputError, match="it is a pipe"):
        staged.publish()
    assert stat.S_ISFIFO(target.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]
