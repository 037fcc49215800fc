"""A read-only log is readable, and is called read-only, never damaged; a command that
only reads never creates a log or changes one.

The read-only file system is real: the log's folder is bind-mounted read-only in a
private mount namespace (``unshare --map-root-user --mount``: no privileges needed, and
root cannot write there either). Where user namespaces are not allowed, a non-root user
gets the same with permissions (a 0555 folder); as root without namespaces these tests
are skipped with that reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_CONFIG, LABEL_ARGS, RECORD_ARGS

from compounder.errors import DataFileError
from compounder.log.store import Store

LOG = ["--db", "log.db"]


def _namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "--map-root-user", "--mount", "true"], capture_output=True, check=False
    )
    return probe.returncode == 0


NAMESPACES = _namespaces_work()


def read_only_run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``compounder ARGS`` in ``folder``, which is read-only for that command."""
    command = [sys.executable, "-m", "compounder", *args]
    if NAMESPACES:
        script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && cd "$0" && exec "$@"'
        command = ["unshare", "--map-root-user", "--mount", "sh", "-c", script, str(folder)]
        command += [sys.executable, "-m", "compounder", *args]
    elif os.geteuid() == 0:
        pytest.skip("no user namespaces here and root ignores permissions: no read-only log")
    else:
        folder.chmod(0o555)
    try:
        env = {k: v for k, v in os.environ.items() if k != "COMPOUNDER_DB"}
        return subprocess.run(
            command, cwd=folder, capture_output=True, text=True, env=env, check=False
        )
    finally:
        folder.chmod(0o755)


@pytest.fixture
def logged(tmp_path, cli, monkeypatch):
    """A folder with a healthy log holding a record and a label."""
    monkeypatch.chdir(tmp_path)
    assert cli(*RECORD_ARGS, *LOG, "-o", "record.pdf").exit_code == 0
    result = cli(*LABEL_ARGS, "--config", str(EXAMPLE_CONFIG), *LOG, "-o", "label.pdf")
    assert result.exit_code == 0, result.stderr
    site = ["--name", "Riverside", "--address", "1 Main St", "--phone", "555-0100"]
    assert cli("init", "--path", "site.toml", *site).exit_code == 0
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        ["log", "verify", *LOG],
        ["history", "--rx", "1234567", *LOG],
        ["trace", "--ingredient-lot", "AB1234", *LOG],
        ["settings", "check", "--config", "site.toml", *LOG],
    ],
    ids=["log verify", "history", "trace", "settings check"],
)
def test_a_healthy_log_on_a_read_only_file_system_is_read(logged, args):
    before = sorted(p.name for p in logged.iterdir())
    done = read_only_run(logged, *args)
    assert done.returncode == 0, done.stderr
    assert "damaged" not in done.stderr
    assert sorted(p.name for p in logged.iterdir()) == before
    if args[0] == "log":
        assert "2 entries verified" in done.stdout
    if args[0] == "settings":
        assert "no (read-only here)" in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("command", ["reprint", "label"])
def test_a_command_that_writes_names_a_read_only_log_as_read_only(logged, command):
    elsewhere = logged.parent / f"{logged.name}-out.pdf"  # a folder that can be written
    args = ["reprint", "--rx", "1234567"] if command == "reprint" else LABEL_ARGS
    done = read_only_run(
        logged, *args, "--config", str(EXAMPLE_CONFIG), *LOG, "-o", str(elsewhere)
    )
    assert done.returncode == 4, done.stderr
    assert "damaged" not in done.stderr and "restore" not in done.stderr
    assert "log.db: is read-only here" in done.stderr
    assert not elsewhere.exists()


def test_reading_commands_never_create_a_log(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "typo" / "x.db"
    for args in (
        ["log", "verify"],
        ["history", "--rx", "1234567"],
        ["trace", "--ingredient-lot", "AB1234"],
        ["correct", "--entry", "1", "--reason", "x", "--by", "JD"],
        ["reprint", "--rx", "1234567", "-o", "r.pdf"],
    ):
        result = cli(*args, "--db", str(missing))
        assert result.exit_code == 4, (args, result.stderr)
        assert f"{missing}: no compounding log here (nothing was created)" in result.stderr
    assert not (tmp_path / "typo").exists() and not (tmp_path / "r.pdf").exists()


def test_a_log_opened_read_only_cannot_be_written(tmp_path):
    db = tmp_path / "log.db"
    Store(db).close()
    with Store(db, read_only=True) as store:
        assert store.count() == 0
        with pytest.raises(DataFileError, match="is read-only here"):
            store.log("correction", "1", None, {"reason": "x"})
    with Store(db) as store:
        assert store.count() == 0


def test_an_empty_file_is_no_log_for_a_reading_command(tmp_path):
    db = tmp_path / "empty.db"
    db.write_bytes(b"")
    with pytest.raises(DataFileError, match="no compounding log here"):
        Store(db, read_only=True)
    assert db.read_bytes() == b""
