"""One outcome per command (`label`, `record`, `reprint`), and `compounder log verify`.

Faults are injected the way they happen: a log that is corrupt, read-only or newer, an
output folder that is missing, a failure or Ctrl-C between publishing the file and
committing its entry; concurrent labels run as real processes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import LABEL_ARGS, RECORD_ARGS
from old_logs import trigger_statement

from compounder.log.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CONFIG = EXAMPLES / "compounder.toml"
RECORD = RECORD_ARGS
LABEL = [
    *LABEL_ARGS,
    "--config",
    str(CONFIG),
]


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def entries(db: Path | str) -> int:
    with Store(db) as store:
        return store.count()


# ---------------------------------------------------------------- faults in the log


def corrupt(db: Path) -> None:
    db.write_bytes(b"this is not a database" * 100)


def read_only(db: Path) -> None:
    Store(db).close()
    db.chmod(stat.S_IRUSR)
    db.parent.chmod(stat.S_IRUSR | stat.S_IXUSR)  # nor its journal


def newer(db: Path) -> None:
    Store(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute("INSERT INTO schema_versions VALUES (99, '2030-01-01')")


def a_folder(db: Path) -> None:
    db.mkdir()


@pytest.mark.parametrize("fault", [corrupt, read_only, newer, a_folder])
def test_label_with_a_broken_log_prints_nothing(cli, tmp_path, fault):
    if fault is read_only and os.geteuid() == 0:
        pytest.skip("root writes to read-only files")
    logs = tmp_path / "logs"
    logs.mkdir()
    db = logs / "log.db"
    fault(db)
    out = tmp_path / "out"
    out.mkdir()
    result = cli(*LABEL, "--db", str(db), "-o", str(out / "label.pdf"))
    logs.chmod(stat.S_IRWXU)
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output
    assert os.listdir(out) == []  # no label, and no hidden part of one


def test_label_with_a_log_locked_by_another_process_prints_nothing(tmp_path):
    """Another process holds the log's write lock longer than the label waits."""
    db = tmp_path / "log.db"
    Store(db).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None);"
            "c.execute('BEGIN EXCLUSIVE'); print('held', flush=True); time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        script = (
            "import sys; import compounder.log.backends.base as s; s.LOCK_TIMEOUT_S = 0.5;"
            "from compounder.cli.app import main; sys.argv = ['compounder'] + sys.argv[1:]; main()"
        )
        out = tmp_path / "label.pdf"
        result = subprocess.run(
            [sys.executable, "-c", script, *LABEL, "--db", str(db), "-o", str(out)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert result.returncode == 4, result.stderr
    assert "is locked by another program" in result.stderr
    assert visible(tmp_path) == ["log.db"] or visible(tmp_path) == sorted(
        ["log.db", *[n for n in visible(tmp_path) if n.startswith("log.db-")]]
    )
    assert not out.exists()


# ---------------------------------------------------------------- record


def test_record_into_a_missing_folder_logs_nothing_and_burns_no_lot(cli, tmp_path, log_db):
    db = log_db
    result = cli(*RECORD, "--db", str(db), "-o", str(tmp_path / "nodir" / "r.pdf"))
    assert result.exit_code == 5
    assert "nodir" in result.stderr and "does not exist" in result.stderr
    assert entries(db) == 0  # nothing in trace or history
    result = cli(*RECORD, "--db", str(db), "-o", str(tmp_path / "r.pdf"), "--json")
    assert json.loads(result.stdout)["lot"] == "20261201-001"  # the lot was not burned


def test_record_onto_a_folder_logs_nothing(cli, tmp_path, log_db):
    db = log_db
    (tmp_path / "r.pdf").mkdir()
    result = cli(*RECORD, "--db", str(db), "-o", str(tmp_path / "r.pdf"))
    assert result.exit_code == 5
    assert entries(db) == 0
    assert hidden(tmp_path) == []


def test_record_writes_its_default_name_with_its_lot(cli, tmp_path, monkeypatch, log_db):
    monkeypatch.chdir(tmp_path)
    result = cli(*RECORD, "--db", log_db)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "record-20261201-001.pdf").exists()
    with Store(log_db) as store:
        (entry,) = store.entries_of_kind("preparation")
    from compounder.log.snapshots import pdf_hash

    assert entry.payload["pdf_sha256"] == pdf_hash(
        (tmp_path / "record-20261201-001.pdf").read_bytes()
    )


@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError, RuntimeError])
def test_a_failure_between_publishing_and_committing_takes_the_file_back(
    cli, tmp_path, monkeypatch, failure, log_db
):
    """Ctrl-C (or any failure) after the file is in place but before the entry commits:
    the file goes, an earlier file of the same name comes back, nothing is logged."""
    import compounder.atomic as atomic

    db = log_db
    target = tmp_path / "r.pdf"
    target.write_bytes(b"the pharmacist's earlier file")
    real = atomic.checkpoint

    def failing(name: str) -> None:
        real(name)
        if name == "record: about to commit":
            assert target.read_bytes().startswith(b"%PDF")  # it was in place
            raise failure("injected")

    monkeypatch.setattr(atomic, "checkpoint", failing)
    from compounder.api.recording import record_preparation

    with pytest.raises(failure):
        record_preparation(
            "1mg/mL", "30mL", prepared_by="JD", checked_by="MK", output=target, db=db
        )
    assert target.read_bytes() == b"the pharmacist's earlier file"
    assert hidden(tmp_path) == []
    assert entries(db) == 0


def test_label_failure_before_commit_takes_the_file_back(cli, tmp_path, monkeypatch, log_db):
    import compounder.atomic as atomic

    db = log_db
    real = atomic.checkpoint

    def failing(name: str) -> None:
        real(name)
        if name == "label: about to commit":
            raise KeyboardInterrupt

    monkeypatch.setattr(atomic, "checkpoint", failing)
    result = cli(*LABEL, "--db", str(db), "-o", str(tmp_path / "label.pdf"))
    assert result.exit_code == 130 and result.stderr == "compounder: interrupted\n"
    assert visible(tmp_path) == ["log.db"] or "label.pdf" not in visible(tmp_path)
    assert hidden(tmp_path) == []
    assert entries(db) == 0


# ---------------------------------------------------------------- labels from a lot


def test_concurrent_labels_never_take_more_than_the_lot_made(cli, tmp_path, log_db):
    """Four processes label 20 mL each from a 50 mL lot at once: two succeed."""
    db = log_db
    assert cli(*RECORD, "--db", str(db), "-o", str(tmp_path / "r.pdf")).exit_code == 0
    args = [a if a != "25mL" else "20mL" for a in LABEL] + ["--lot", "20261201-001"]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "compounder",
                *args,
                "--db",
                str(db),
                "-o",
                str(tmp_path / f"{n}.pdf"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    results = [(p.communicate(timeout=120)[1], p.returncode) for p in processes]
    results = [(code, err) for err, code in results]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 0, 3, 3], results
    refused = [err for code, err in results if code == 3]
    assert all("lot 20261201-001 made 50 mL; 40 mL is already labelled" in e for e in refused)
    with Store(db) as store:
        labelled = [q for e in store.entries_of_kind("label") for q in e.payload["quantity_ml"]]
    assert labelled == ["20", "20"]
    assert len([p for p in tmp_path.glob("[0-3].pdf")]) == 2  # a file for each entry only


# ---------------------------------------------------------------- reprint, verify, --db


def test_reprint_is_logged_with_its_file(cli, tmp_path, log_db):
    db = ["--db", log_db]
    assert cli(*LABEL, *db, "-o", str(tmp_path / "label.pdf")).exit_code == 0
    assert cli("reprint", "--rx", "1234567", "-o", str(tmp_path / "again.pdf"), *db).exit_code == 0
    history = json.loads(cli("history", "--rx", "1234567", *db, "--json").stdout)["entries"]
    assert [h["kind"] for h in history] == ["label", "reprint"]
    failed = cli("reprint", "--rx", "1234567", "-o", str(tmp_path / "nodir" / "x.pdf"), *db)
    assert failed.exit_code == 5
    assert len(json.loads(cli("history", "--rx", "1234567", *db, "--json").stdout)["entries"]) == 2


def test_log_verify(cli, tmp_path, log_db):
    db = log_db
    assert cli(*RECORD, "--db", str(db), "-o", str(tmp_path / "r.pdf")).exit_code == 0
    assert cli(*LABEL, "--db", str(db), "-o", str(tmp_path / "l.pdf")).exit_code == 0
    result = cli("log", "verify", "--db", str(db))
    assert result.exit_code == 0
    assert result.stdout.startswith("2 entries verified (chain head ")
    head = json.loads(cli("log", "verify", "--db", str(db), "--json").stdout)["head"]
    assert cli("log", "verify", "--db", str(db), "--head", head[:16]).exit_code == 0
    alter = "UPDATE entries SET payload = replace(payload, '\"25\"', '\"5\"') WHERE id = 2"
    if db.startswith("postgresql://"):  # the owner (a superuser) turns the trigger off
        import psycopg

        with psycopg.connect(db, autocommit=True) as raw:
            raw.execute("ALTER TABLE entries DISABLE TRIGGER entries_append_only_update")
            raw.execute(alter)  # type: ignore[arg-type]
    else:
        with sqlite3.connect(db) as raw:
            raw.execute("DROP TRIGGER entries_append_only_update")
            raw.execute(alter)
    result = cli("log", "verify", "--db", str(db))
    assert result.exit_code == 3
    state = "is disabled" if db.startswith("postgresql://") else "was removed"
    assert f"the append-only trigger entries_append_only_update {state}" in result.stderr
    assert "also: entry 2 does not match its hash (it was altered)" in result.stderr
    if db.startswith("postgresql://"):
        with psycopg.connect(db, autocommit=True) as raw:
            raw.execute("ALTER TABLE entries ENABLE TRIGGER entries_append_only_update")
    else:
        with sqlite3.connect(db) as raw:
            raw.execute(trigger_statement("entries_append_only_update"))
    result = cli("log", "verify", "--db", str(db))
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1] == (
        "compounder: error: the log does not verify: entry 2 does not match its hash "
        "(it was altered) (1 entries before it verified)"
    )
    assert cli("log", "verify", "--db", str(db), "--head", "xyz").exit_code == 2


@pytest.mark.parametrize("db", [":memory:", "sqlite:///:memory:", "file::memory:?cache=shared"])
def test_an_in_memory_log_is_refused(cli, tmp_path, db):
    result = cli(*RECORD, "--db", db, "-o", str(tmp_path / "r.pdf"))
    assert result.exit_code == 2
    assert "a log in memory vanishes" in result.stderr
    assert not (tmp_path / "r.pdf").exists()
