"""A batch run owns only its own files, holds its folder, and its workers die with it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compounder.atomic import os_lock
from compounder.batch.lease import LEASE, LOCK_NAME
from compounder.batch.run import run_batch
from compounder.batch.synthetic import write_orders
from compounder.errors import InputError, OutputError
from compounder.log.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ORDERS = EXAMPLES / "orders.csv"


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_users_files_are_never_removed(tmp_path, example_config):
    out = tmp_path / "out"
    out.mkdir()
    mine = {"labels-for-dr-smith.pdf": b"mine", "charts_2025.pdf": b"also mine", "notes.txt": b"x"}
    for name, data in mine.items():
        (out / name).write_bytes(data)
    report = run_batch(ORDERS, out, example_config, db=tmp_path / "log.db")
    assert report.ok
    for name, data in mine.items():
        assert (out / name).read_bytes() == data
    assert sorted(set(names(out)) - set(mine)) == [
        "charts.pdf",
        "labels.pdf",
        "manifest.csv",
        "manifest.json",
        "records.pdf",
        "worksheet.txt",
    ]


def test_the_order_file_is_never_an_output(tmp_path, example_config):
    out = tmp_path / "out"
    out.mkdir()
    orders = out / "rejected.csv"  # fixed rows from an earlier run, run again into its folder
    orders.write_bytes(ORDERS.read_bytes())
    with pytest.raises(InputError, match=r"rejected\.csv is also the name of one of the run.s"):
        run_batch(orders, out, example_config, db=tmp_path / "log.db")
    assert orders.read_bytes() == ORDERS.read_bytes()
    assert names(out) == ["rejected.csv"]
    elsewhere = run_batch(orders, tmp_path / "elsewhere", example_config, db=tmp_path / "log.db")
    assert elsewhere.ok and orders.read_bytes() == ORDERS.read_bytes()


def _lock(out: Path, host: str, pid: int, age: float, run_key: str = "other") -> Path:
    out.mkdir(exist_ok=True)
    temp = out / f".compounder-batch-{run_key}"
    temp.mkdir()
    (temp / "labels.pdf").write_bytes(b"half drawn")
    lock = out / LOCK_NAME
    lock.write_text(
        json.dumps(
            {"run_key": run_key, "host": host, "pid": pid, "started": "x", "temp": temp.name}
        )
    )
    then = time.time() - age
    os.utime(lock, (then, then))
    return temp


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_second_run_into_a_held_folder_is_refused(tmp_path, example_config):
    out = tmp_path / "out"
    temp = _lock(out, socket.gethostname(), os.getpid(), age=0)  # a live run, here...
    held = os.open(out / LOCK_NAME, os.O_RDONLY)
    assert os_lock(held)  # ...holding its lock as a run does
    try:
        with pytest.raises(OutputError, match="another batch run is writing to it"):
            run_batch(ORDERS, out, example_config, db=tmp_path / "log.db")
    finally:
        os.close(held)
    assert temp.exists() and (out / LOCK_NAME).exists()
    assert [n for n in names(out) if not n.startswith(".")] == []


def test_a_suspended_run_keeps_its_folder_however_long(tmp_path, example_config):
    """A run stopped (Ctrl-Z, SIGSTOP) for longer than the lease still lives: its lock
    is not taken on the same host; resumed, it finishes."""
    out, db = tmp_path / "out", tmp_path / "log.db"
    paused = tmp_path / "paused"
    env = dict(
        os.environ,
        COMPOUNDER_PAUSE_AT="batch: folder locked",
        COMPOUNDER_PAUSED=str(paused),
    )
    command = [sys.executable, "-m", "compounder", "batch", str(ORDERS), "-o", str(out)]
    first = subprocess.Popen(
        [*command, "--config", str(example_config), "--db", str(db)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not paused.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    first.send_signal(signal.SIGSTOP)
    try:
        paused.unlink()
        then = time.time() - LEASE - 60  # as after three minutes suspended
        os.utime(out / LOCK_NAME, (then, then))
        with pytest.raises(OutputError, match="another batch run is writing to it"):
            run_batch(ORDERS, out, example_config, db=db)
    finally:
        first.send_signal(signal.SIGCONT)
    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 0, stderr.decode()
    assert "labels.pdf" in names(out) and not (out / LOCK_NAME).exists()


def test_another_workstations_run_is_judged_by_its_lease_not_a_local_pid(tmp_path, example_config):
    out = tmp_path / "out"
    # its process id means nothing here (no such process on this host): still in progress
    temp = _lock(out, "pharmacy-ws2", _dead_pid(), age=5)
    with pytest.raises(OutputError, match="host pharmacy-ws2"):
        run_batch(ORDERS, out, example_config, db=tmp_path / "log.db")
    assert (temp / "labels.pdf").read_bytes() == b"half drawn"  # its work is left alone


def test_an_abandoned_run_is_cleaned_up(tmp_path, example_config):
    db = tmp_path / "log.db"
    for case, (host, pid, age) in {
        "expired lease, other host": ("pharmacy-ws2", 1, LEASE + 5),
        "dead process, this host": (socket.gethostname(), _dead_pid(), 1),
    }.items():
        out = tmp_path / case.replace(" ", "-").replace(",", "")
        temp = _lock(out, host, pid, age)
        report = run_batch(ORDERS, out, example_config, db=db)
        assert report.ok, case
        assert not temp.exists(), case
        assert not (out / LOCK_NAME).exists(), case
        assert [n for n in names(out) if n.startswith(".")] == [], case


def test_a_run_whose_entries_committed_is_finished_by_the_next(tmp_path, example_config):
    """Killed after its entries were committed but before its files were renamed into
    place: the next run into the folder publishes them first."""
    db = tmp_path / "log.db"
    env = dict(os.environ, COMPOUNDER_CHECKPOINTS=str(tmp_path / "points"))
    command = [
        sys.executable,
        "-m",
        "compounder",
        "batch",
        str(ORDERS),
        "-o",
        str(tmp_path / "out"),
        "--config",
        str(example_config),
        "--db",
        str(db),
    ]
    subprocess.run(command, env=env, check=True, capture_output=True)
    points = (tmp_path / "points").read_text().splitlines()
    committed = next(i for i, p in enumerate(points, 1) if p.endswith("batch: committed"))
    shutil.rmtree(tmp_path / "out")
    db.unlink()  # the same run again, from the start, killed just after its commit
    env = dict(os.environ, COMPOUNDER_KILL_AT=str(committed))
    killed = subprocess.run(command, env=env, capture_output=True)
    assert killed.returncode == -signal.SIGKILL
    out = tmp_path / "out"
    assert [n for n in names(out) if not n.startswith(".")] == []  # entries, no files yet
    from compounder.batch.run import recover_folder

    assert recover_folder(out, db) == "finished"
    with Store(db) as store:
        (run,) = store.entries_of_kind("batch-run")
    assert sorted(run.payload["files"]) == names(out)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("how", "method"),
    [
        (signal.SIGKILL, "fork"),
        (signal.SIGTERM, "fork"),
        (signal.SIGINT, "fork"),
        (signal.SIGKILL, "spawn"),  # the start method of macOS and Windows
        (signal.SIGTERM, "spawn"),
    ],
)
def test_workers_die_with_the_batch(tmp_path, example_config, how, method):
    orders = write_orders(tmp_path / "orders.csv", 2000)
    out = tmp_path / "out"
    db = tmp_path / "log.db"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "compounder",
            "batch",
            str(orders),
            "-o",
            str(out),
            "--config",
            str(example_config),
            "--chunk-size",
            "100",
            "--jobs",
            "2",
            "--db",
            str(db),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=dict(os.environ, COMPOUNDER_START_METHOD=method),
    )
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline:  # both workers started and drawing
        workers = _children(process.pid)
        if len(workers) >= 2 and list(out.glob(".compounder-batch-*/labels-*.pdf")):
            break
        time.sleep(0.02)
    assert process.poll() is None and len(workers) >= 2
    os.kill(process.pid, how)
    _, stderr = process.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers)  # no worker left drawing
    assert [n for n in names(out) if not n.startswith(".")] == []
    with Store(db) as store:
        assert store.count() == 0
    if how != signal.SIGKILL:
        assert process.returncode == (143 if how == signal.SIGTERM else 130)
        assert stderr.decode() == "compounder: interrupted\n"
        assert not out.exists()  # its temporary folder, its lock and the folder it made


def test_a_lock_is_put_back_without_hard_links(tmp_path, monkeypatch):
    """Where the file system has no hard links (FAT, SMB: os.link fails), a lock moved
    aside by mistake is put back as a copy, never over a newer one."""
    import errno

    from compounder.batch import lease

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", refuse)
    path, aside = tmp_path / LOCK_NAME, tmp_path / "aside"
    aside.write_text('{"run_key": "fresh"}')
    lease._put_back(aside, path)
    assert json.loads(path.read_text()) == {"run_key": "fresh"} and not aside.exists()
    aside.write_text('{"run_key": "older"}')
    lease._put_back(aside, path)  # a lock is there again: it stays
    assert json.loads(path.read_text()) == {"run_key": "fresh"} and not aside.exists()


def test_a_batch_runs_without_hard_links(tmp_path, example_config, monkeypatch):
    import errno

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", refuse)
    out, db = tmp_path / "out", tmp_path / "log.db"
    temp = _lock(out, socket.gethostname(), _dead_pid(), 1)  # an abandoned run first
    assert run_batch(ORDERS, out, example_config, db=db).ok
    assert not temp.exists() and [n for n in names(out) if n.startswith(".")] == []
