"""Crash consistency: `record`, `label`, `reprint`, `batch` and `export fhir` killed (SIGKILL) or
stopped (SIGTERM, SIGINT) at every write.

Each command is first run once with ``COMPOUNDER_CHECKPOINTS`` to list the checkpoints
it passes (every file written, published or renamed, every log transaction begun and
committed); then once per checkpoint with ``COMPOUNDER_KILL_AT=N``, which kills it there
outright, and once per checkpoint and signal with ``COMPOUNDER_SIGNAL_AT=N``. After each
kill, and after what the next command into the folder does first (``settle_outputs``
for single files, ``recover_folder`` for a batch):

- no visible partial file: every file under an output name is complete and logged;
- every file has its entry and every entry its file (by SHA-256);
- ``log verify`` passes and no lot number is given twice or burned.

After a signal the command cleans up itself (no hidden file is left for the next one),
and its exit says what happened: 0 once its entry is committed (the work is done; a
signal then waits until the files are final), else 143 (SIGTERM) or 130 (SIGINT) with
nothing written and nothing logged.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from conftest import LABEL_ARGS

from compounder.batch.run import recover_folder
from compounder.log.entries import settle_outputs
from compounder.log.lot_numbers import next_lot
from compounder.log.store import Store

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CONFIG = EXAMPLES / "compounder.toml"
DAY = date(2026, 12, 1)

RECORD = [
    "record",
    "--rx",
    "1234567",
    "--concentration",
    "1mg/mL",
    "--volume",
    "30mL",
    "--ingredient-lot",
    "naltrexone 50mg tab:AB1234:2027-06-30",
    "--prepared-by",
    "JD",
    "--checked-by",
    "MK",
    "--date",
    "2026-12-01",
]
LABEL = [
    *LABEL_ARGS,
    "--lot",
    "20261201-001",
    "--config",
    str(CONFIG),
]
BATCH = ["batch", str(EXAMPLES / "orders.csv"), "--config", str(CONFIG), "--chunk-size", "4"]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: the command with ``os.link`` failing as on FAT, exFAT or an SMB share (EPERM)
NO_LINKS = """
import errno, os, sys
def refuse(*args, **kwargs):
    raise PermissionError(errno.EPERM, "Operation not permitted")
os.link = refuse
sys.argv[0] = "compounder"
from compounder.cli.app import main
main()
"""


def run(
    args: list[str], env: dict[str, str], links: bool = True
) -> subprocess.CompletedProcess[bytes]:
    start = ["-m", "compounder"] if links else ["-c", NO_LINKS]
    return subprocess.run(
        [sys.executable, *start, *args],
        env={**os.environ, **env},
        capture_output=True,
        timeout=120,
    )


def check_log(db: Path | str) -> Store:
    store = Store(db)
    found = store.verify()
    assert found.ok, found.problem
    lots = [e.lot for e in store.entries_of_kind("preparation")]
    assert len(lots) == len(set(lots))  # no lot duplicated
    with store.transaction():  # and none burned: the next one follows the logged ones
        assert next_lot(store, DAY) == f"20261201-{len(lots) + 1:03d}"
    return store


def check_single(out: Path, db: Path | str, kind: str, before: int, settle: bool = True) -> bool:
    """After a killed record, label or reprint: its file and its entry, both or neither.
    ``settle``: as the next command into the folder would first (after a kill)."""
    if settle:
        settle_outputs(out, db)
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
    files = [p for p in out.iterdir() if not p.name.startswith(".")]
    with check_log(db) as store:
        logged = [e for e in store.entries_of_kind(kind)][before:]
    for path in files:  # complete, and logged
        data = path.read_bytes()
        assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
        assert [e for e in logged if e.payload["pdf_sha256"] == sha(path)], path.name
    for entry in logged:  # every entry has its file
        assert [p for p in files if sha(p) == entry.payload["pdf_sha256"]], entry.id
    assert len(files) == len(logged) <= 1
    return bool(logged)


def check_batch(out: Path, db: Path | str, settle: bool = True) -> bool:
    if settle:
        recover_folder(out, db)
    with check_log(db) as store:
        runs = store.entries_of_kind("batch-run")
        dispensed = store.count("dispense")
        planned = store.count("preparation")
    assert not out.exists() or [p.name for p in out.iterdir() if p.name.startswith(".")] == []
    visible = sorted(p.name for p in out.iterdir()) if out.exists() else []
    if not runs:
        assert (visible, dispensed, planned) == ([], 0, 0)
        return False
    (entry,) = runs
    assert visible == sorted(entry.payload["files"])  # every file its entry...
    for name, digest in entry.payload["files"].items():
        assert sha(out / name) == digest  # ...complete, as logged
    assert (dispensed, planned) == (8, 3)
    return True


SIGNALS = {"TERM": 143, "INT": 130}


def kill_everywhere(
    tmp_path: Path,
    args: list[str],
    setup: Callable[[Path], None],
    check: Callable[..., bool],
    new_log: Callable[[Path], str] | None = None,
    links: bool = True,
) -> tuple[int, int]:
    """``new_log(case)``: the log of each case (a new database on the test server);
    without it, ``log.db`` in the case's folder. Each checkpoint gets SIGKILL, SIGTERM
    and SIGINT. ``links``: False, as on a file system without hard links. (kill
    points, cases after the commit)."""
    log = {"db": "log.db"}

    def with_log(case: Path) -> None:
        setup(case)
        if new_log is not None:
            log["db"] = new_log(case)

    def arguments() -> list[str]:
        return [log["db"] if a == "log.db" else a for a in args]

    with_log(tmp_path / "count")
    trace = tmp_path / "count" / "checkpoints.txt"
    result = run(arguments(), {"COMPOUNDER_CHECKPOINTS": str(trace)}, links)
    assert result.returncode == 0, result.stderr
    points = [line.split(" ", 2)[2] for line in trace.read_text().splitlines()]
    assert len(points) >= 8, points
    committed = 0
    for n, name in enumerate(points, 1):
        case = tmp_path / str(n)
        with_log(case)
        result = run(arguments(), {"COMPOUNDER_KILL_AT": str(n)}, links)
        assert result.returncode == -signal.SIGKILL, (n, name, result.stderr)
        db = case / "log.db" if new_log is None else log["db"]
        committed += check(case / "out", db)
        for sig, code in SIGNALS.items():
            case = tmp_path / f"{n}-{sig}"
            with_log(case)
            signals = {"COMPOUNDER_SIGNAL_AT": str(n), "COMPOUNDER_SIGNAL": sig}
            result = run(arguments(), signals, links)
            db = case / "log.db" if new_log is None else log["db"]
            done = check(case / "out", db, settle=False)  # cleaned up by the command itself
            assert result.returncode == (0 if done else code), (n, name, sig, result.stderr)
    return len(points), committed


@pytest.fixture(params=["sqlite", "postgresql"])
def new_log(request) -> Callable[[Path], str] | None:
    """Each case's log: a file in its folder, or a new database on the test server."""
    if request.param == "sqlite":
        return None
    server = request.getfixturevalue("pg_server")
    return lambda case: server.new_database()


@pytest.mark.slow
def test_record_killed_at_every_write(tmp_path, monkeypatch, new_log):
    monkeypatch.chdir(tmp_path)
    args = [*RECORD, "--db", "log.db", "-o", "out/record.pdf"]

    def setup(case: Path) -> None:
        (case / "out").mkdir(parents=True)
        monkeypatch.chdir(case)

    points, committed = kill_everywhere(
        tmp_path,
        args,
        setup,
        lambda out, db, settle=True: check_single(out, db, "preparation", 0, settle),
        new_log,
    )
    print(f"record: {points} kill points, {committed} after the commit")
    assert 0 < committed < points


@pytest.mark.slow
def test_label_killed_at_every_write(tmp_path, monkeypatch, new_log):
    base = tmp_path / "base.db"
    made = run([*RECORD, "--db", str(base), "-o", str(tmp_path / "r.pdf")], {})
    assert made.returncode == 0, made.stderr
    args = [*LABEL, "--db", "log.db", "-o", "out/label.pdf"]

    def setup(case: Path) -> None:
        (case / "out").mkdir(parents=True)
        shutil.copy(base, case / "log.db")
        monkeypatch.chdir(case)

    copied = None
    if new_log is not None:  # the recorded lot, moved to a new database for each case

        def copied(case: Path) -> str:
            from compounder.log.entries import copy_log

            url = new_log(case)
            copy_log(base, url)
            return url

    points, committed = kill_everywhere(
        tmp_path,
        args,
        setup,
        lambda out, db, settle=True: check_single(out, db, "label", 0, settle),
        copied,
    )
    print(f"label: {points} kill points, {committed} after the commit")
    assert 0 < committed < points


@pytest.mark.slow
def test_batch_killed_at_every_write(tmp_path, monkeypatch, new_log):
    args = [*BATCH, "--db", "log.db", "-o", "out", "--jobs", "1"]

    def setup(case: Path) -> None:
        case.mkdir(parents=True)
        monkeypatch.chdir(case)

    points, committed = kill_everywhere(tmp_path, args, setup, check_batch, new_log)
    print(f"batch: {points} kill points, {committed} after the commit")
    assert 0 < committed < points


@pytest.mark.slow
def test_reprint_killed_at_every_write(tmp_path, monkeypatch, new_log):
    base = tmp_path / "base.db"
    made = run([*RECORD, "--db", str(base), "-o", str(tmp_path / "r.pdf")], {})
    assert made.returncode == 0, made.stderr
    made = run([*LABEL, "--db", str(base), "-o", str(tmp_path / "l.pdf")], {})
    assert made.returncode == 0, made.stderr
    args = ["reprint", "--rx", "1234567", "--db", "log.db", "-o", "out/again.pdf"]

    def setup(case: Path) -> None:
        (case / "out").mkdir(parents=True)
        shutil.copy(base, case / "log.db")
        monkeypatch.chdir(case)

    copied = None
    if new_log is not None:

        def copied(case: Path) -> str:
            from compounder.log.entries import copy_log

            url = new_log(case)
            copy_log(base, url)
            return url

    def check(out: Path, db: Path | str, settle: bool = True) -> bool:
        return check_single(out, db, "reprint", 0, settle)

    points, committed = kill_everywhere(tmp_path, args, setup, check, copied)
    print(f"reprint: {points} kill points, {committed} after the commit")
    assert 0 < committed < points


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["label", "record"])
def test_killed_at_every_write_without_hard_links(tmp_path, monkeypatch, kind):
    """The same guarantees where ``os.link`` fails (FAT, exFAT, SMB shares): the file
    is renamed into place and its lock file's note says which it is (test_atomic covers
    an earlier file kept aside as a copy)."""
    base = tmp_path / "base.db"
    made = run([*RECORD, "--db", str(base), "-o", str(tmp_path / "r.pdf")], {})
    assert made.returncode == 0, made.stderr
    if kind == "label":
        args = [*LABEL, "--db", "log.db", "-o", "out/label.pdf"]
        logged = "label"
    else:
        args = [*RECORD, "--db", "log.db", "-o", "out/record.pdf"]
        logged = "preparation"

    def setup(case: Path) -> None:
        (case / "out").mkdir(parents=True)
        if kind == "label":
            shutil.copy(base, case / "log.db")
        monkeypatch.chdir(case)

    def check(out: Path, db: Path | str, settle: bool = True) -> bool:
        return check_single(out, db, logged, 0, settle)

    points, committed = kill_everywhere(tmp_path, args, setup, check, None, links=False)
    print(f"{kind} without hard links: {points} kill points, {committed} after the commit")
    assert 0 < committed < points


def check_export(out: Path, db: Path | str, settle: bool = True) -> bool:
    """After a killed export: the file and its ``export`` entry, both or neither."""
    if settle:
        settle_outputs(out, db)
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
    files = [p for p in out.iterdir() if not p.name.startswith(".")]
    with check_log(db) as store:
        logged = store.entries_of_kind("export")
    assert len(files) == len(logged) <= 1
    for path, entry in zip(files, logged, strict=True):  # complete, as logged
        assert sha(path) == entry.payload["sha256"] == entry.payload["files_sha256"][0]
        assert path.read_bytes().endswith(b"\n") and entry.payload["dispensings"] == 1
    return bool(logged)


@pytest.mark.slow
def test_export_killed_at_every_write(tmp_path, monkeypatch, new_log):
    base = tmp_path / "base.db"
    made = run([*RECORD, "--db", str(base), "-o", str(tmp_path / "r.pdf")], {})
    assert made.returncode == 0, made.stderr
    made = run([*LABEL, "--db", str(base), "-o", str(tmp_path / "l.pdf")], {})
    assert made.returncode == 0, made.stderr
    args = ["export", "fhir", "--db", "log.db", "-o", "out/dispenses.ndjson"]

    def setup(case: Path) -> None:
        (case / "out").mkdir(parents=True)
        shutil.copy(base, case / "log.db")
        monkeypatch.chdir(case)

    copied = None
    if new_log is not None:

        def copied(case: Path) -> str:
            from compounder.log.entries import copy_log

            url = new_log(case)
            copy_log(base, url)
            return url

    points, committed = kill_everywhere(tmp_path, args, setup, check_export, copied)
    print(f"export: {points} kill points, {committed} after the commit")
    assert 0 < committed < points
