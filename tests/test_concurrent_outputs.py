"""Many commands writing into one folder at once, some killed: nothing lost.

24 processes (``label`` and ``record``, alternately) write into one folder: half of
them share one log, the others each have their own. Some are killed outright (SIGKILL)
once their file is published and before their entry commits, some before they publish;
two stay paused, published but not committed, while every other command runs the
folder's recovery. Then:

- a live command's file is never taken (the paused ones keep theirs and finish, exit 0);
- a file published for another log is left for a command of that log;
- a hidden file never published is removed by the next command into the folder;
- after each log's next command, every file has its entry and every entry its file.

Run on SQLite and on PostgreSQL (the test server).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import LABEL_ARGS

from compounder.log.entries import settle_outputs
from compounder.log.store import Store

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CONFIG = EXAMPLES / "compounder.toml"
PROCESSES = 24
KILLED_PUBLISHED = {3, 8, 15, 20}  # killed between publishing and committing
KILLED_STAGED = {5, 18}  # killed with their hidden file written, not published
PAUSED = {13, 22}  # alive, published and not committed, while the others run


def command(i: int, log: str) -> list[str]:
    rx = str(2000000 + i)
    if i % 2 == 0:
        args = [*LABEL_ARGS, "--config", str(CONFIG)]
        args[args.index("--rx") + 1] = rx
        return [*args, "--db", log, "-o", f"out/label-{i}.pdf"]
    return [
        "record",
        "--rx",
        rx,
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
        "--db",
        log,
        "-o",
        f"out/record-{i}.pdf",
    ]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(params=["sqlite", "postgresql"])
def logs(request, tmp_path) -> list[str]:
    """Each process's log: the first half share one, the others have their own. Each
    is made beforehand (what is tested here is the folder, not a log's creation)."""
    if request.param == "sqlite":
        shared = str(tmp_path / "shared.db")
        found = [
            shared if i < PROCESSES // 2 else str(tmp_path / f"own-{i}.db")
            for i in range(PROCESSES)
        ]
    else:
        server = request.getfixturevalue("pg_server")
        shared = server.new_database()
        found = [shared if i < PROCESSES // 2 else server.new_database() for i in range(PROCESSES)]
    for log in dict.fromkeys(found):
        Store(log).close()
    return found


@pytest.mark.slow
def test_concurrent_commands_into_one_folder_lose_nothing(tmp_path, monkeypatch, logs):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    processes = {}
    for i in range(PROCESSES):
        env = dict(os.environ)
        if i in KILLED_PUBLISHED | PAUSED | KILLED_STAGED:
            point = "written" if i in KILLED_STAGED else "published"
            env["COMPOUNDER_PAUSE_AT"] = f"staged file: {point}"
            env["COMPOUNDER_PAUSED"] = str(tmp_path / f"paused-{i}")
        processes[i] = subprocess.Popen(
            [sys.executable, "-m", "compounder", *command(i, logs[i])],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    try:
        killed = KILLED_PUBLISHED | KILLED_STAGED
        waiting = set(killed)
        deadline = time.monotonic() + 240
        while waiting and time.monotonic() < deadline:  # kill each once it is there
            for i in sorted(waiting):
                if (tmp_path / f"paused-{i}").exists():
                    processes[i].send_signal(signal.SIGKILL)
                    waiting.discard(i)
                elif processes[i].poll() is not None:
                    pytest.fail(f"process {i} ended early: {processes[i].stderr.read().decode()}")
            time.sleep(0.01)
        assert not waiting
        for i, process in processes.items():
            if i in PAUSED:
                continue
            _, stderr = process.communicate(timeout=240)
            if i in killed:
                assert process.returncode == -signal.SIGKILL
            else:
                assert process.returncode == 0, (i, stderr.decode())

        # every other command has now settled the folder: the paused ones' files are there
        for i in PAUSED:
            assert (tmp_path / f"paused-{i}").exists()
            assert (out / f"{'label' if i % 2 == 0 else 'record'}-{i}.pdf").exists()
        # files published for a killed command of another log wait for that log's command
        # (the shared log's are settled by whichever of its commands came after, if any)
        for i in KILLED_PUBLISHED:
            if logs[i] != logs[0]:
                assert (out / f"{'label' if i % 2 == 0 else 'record'}-{i}.pdf").exists()
        # never published: removed by the next command into the folder, whatever its log
        # (one of a log no killed command used)
        settle_outputs(out, logs[PROCESSES - 1])
        hidden = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
        for i in KILLED_STAGED:
            assert not [name for name in hidden if f"-{i}.pdf." in name], hidden
        for i in PAUSED:
            (tmp_path / f"paused-{i}").unlink()
            _, stderr = processes[i].communicate(timeout=240)
            assert processes[i].returncode == 0, (i, stderr.decode())

    finally:  # none left running, whatever failed
        for process in processes.values():
            if process.poll() is None:
                process.kill()
            process.communicate()
    killed = KILLED_PUBLISHED | KILLED_STAGED
    for log in dict.fromkeys(logs):  # each log's next command into the folder
        settle_outputs(out, log)
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
    files = {sha(p): p.name for p in out.iterdir()}
    logged = {}
    for log in dict.fromkeys(logs):
        with Store(log) as store:
            assert store.verify().ok
            for kind in ("label", "preparation"):
                for entry in store.entries_of_kind(kind):
                    logged[entry.payload["pdf_sha256"]] = entry.rx
    assert sorted(files) == sorted(logged)  # every file its entry, every entry its file
    finished = set(range(PROCESSES)) - killed
    assert sorted(files.values()) == sorted(
        f"{'label' if i % 2 == 0 else 'record'}-{i}.pdf" for i in finished
    )
    assert sorted(logged.values()) == sorted(str(2000000 + i) for i in finished)
