"""The log in a SQLite file: the embedded default, one file per pharmacy.

Writers take the file's write lock with ``BEGIN IMMEDIATE`` (waiting up to
``LOCK_TIMEOUT_S`` for another workstation); the journal (WAL, synchronous=FULL) keeps
the last committed state if a process is killed. Triggers refuse UPDATE, DELETE, and
an INSERT that would replace a row (``INSERT OR REPLACE`` deletes without firing DELETE
triggers), on every table; one more checks each row of received lots' running
balance (whole millionths: SQLite has no exact decimals) before it is written.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from compounder.errors import CompounderError, DataFileError, OutputError
from compounder.log.backends import base
from compounder.log.location import missing_log

if TYPE_CHECKING:
    from compounder.log.schema import Table


class SqliteBackend(base.Backend):
    name = "sqlite"
    errors = (sqlite3.Error,)
    first_version = 1
    column_types: ClassVar[dict[str, str]] = {
        "entry_id": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "entry": "INTEGER",
        "text": "TEXT",
        "int": "INTEGER",
        "amount": "INTEGER",  # 64 bits
    }

    def __init__(self, path: Path, read_only: bool = False, must_exist: bool = False) -> None:
        self.path = self.where = path
        self.label = str(path)
        self.read_only = read_only
        self.must_exist = must_exist or read_only

    def connect(self) -> Any:
        _check_log_file(self.path)
        if self.must_exist and not self.path.is_file():
            raise missing_log(str(self.path))
        try:
            if self.read_only:
                db = self._connect_read_only()
            else:
                _create_private(self.path)
                db = sqlite3.connect(
                    str(self.path), timeout=base.LOCK_TIMEOUT_S, isolation_level=None
                )
        except (OSError, sqlite3.Error) as exc:
            if isinstance(exc, sqlite3.Error) and not _writable(self.path):
                raise _log_fault(self.path, exc) from None
            raise DataFileError(str(self.path), "", f"cannot open the log ({exc})") from None
        db.row_factory = sqlite3.Row
        return db

    def _connect_read_only(self) -> sqlite3.Connection:
        """The log opened for reading only (``mode=ro``): nothing in it can change. A
        log in WAL mode on a read-only file system (or in a folder this user cannot
        write) cannot make its shared-memory file: it is then read as ``immutable``
        (nobody can be writing to it there)."""
        uri = self.path.absolute().as_uri()  # file:///... (also C:/... on Windows)
        try:
            db = sqlite3.connect(
                uri + "?mode=ro", uri=True, timeout=base.LOCK_TIMEOUT_S, isolation_level=None
            )
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.OperationalError:
            if _writable(self.path):
                raise
        return sqlite3.connect(
            uri + "?mode=ro&immutable=1",
            uri=True,
            timeout=base.LOCK_TIMEOUT_S,
            isolation_level=None,
        )

    def prepare(self, db: Any) -> None:
        if self.read_only:
            return
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")

    def begin(self, db: Any) -> None:
        db.execute("BEGIN IMMEDIATE")

    def fault(self, exc: Exception) -> CompounderError:
        assert isinstance(exc, sqlite3.Error)
        return _log_fault(self.path, exc)

    def tables(self, db: Any) -> set[str]:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def foreign(self, db: Any) -> bool:
        return bool(
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            or db.execute("PRAGMA user_version").fetchone()[0]
        )

    def has_trigger(self, db: Any, name: str) -> bool:
        return bool(
            db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
            ).fetchone()
        )

    def highest_entry_id(self, db: Any) -> int | None:
        row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'entries'").fetchone()
        return None if row is None else int(row[0])

    def rows(self, db: Any, sql: str) -> Iterator[Any]:
        return iter(db.execute(sql))

    def insert_many(
        self, db: Any, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        marks = ", ".join("?" * len(columns))
        db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def trigger_names(self, table: str) -> list[str]:
        return [f"{table}_append_only_{event}" for event in ("update", "delete", "insert")]

    def append_only(self, table: Table) -> list[str]:
        statements = []
        for event, when in (
            ("UPDATE", ""),
            ("DELETE", ""),
            ("INSERT", f" WHEN EXISTS (SELECT 1 FROM {table.name} WHERE {table.same_row})"),
        ):
            statements.append(
                f"CREATE TRIGGER {table.name}_append_only_{event.lower()} BEFORE {event} "
                f"ON {table.name}{when} BEGIN SELECT RAISE(ABORT, '{base.APPEND_ONLY}'); END"
            )
        return statements

    def running_balance(self, table: Table) -> list[str]:
        name = table.name
        last = f"SELECT {{}} FROM {name} WHERE lot = NEW.lot AND seq = NEW.seq - 1"
        out_of_step = (
            "typeof(NEW.change) != 'integer' OR typeof(NEW.balance) != 'integer' OR "
            f"NEW.seq IS NOT COALESCE((SELECT MAX(seq) FROM {name} WHERE lot = NEW.lot), 0) + 1 "
            f"OR NEW.balance IS NOT COALESCE(({last.format('balance')}), 0) + NEW.change "
            f"OR NEW.unit IS NOT COALESCE(({last.format('unit')}), NEW.unit)"
        )
        step = base.OUT_OF_STEP.replace("'", "''")
        return [
            f"CREATE TRIGGER {name}_running_balance BEFORE INSERT ON {name} BEGIN "
            f"SELECT RAISE(ABORT, '{step}') WHERE {out_of_step}; "
            f"SELECT RAISE(ABORT, '{base.BELOW_ZERO}') WHERE NEW.balance < 0; END"
        ]


def _check_log_file(path: Path) -> None:
    """The log must be a regular file (or not exist yet): never a folder or a pipe."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:
        problem = getattr(exc, "strerror", None) or "not a usable file name"
        raise DataFileError(str(path), "", f"cannot open the log ({problem})") from None
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a pipe or device"
        raise DataFileError(str(path), "", f"is {kind}, not a log file", "the log's file")


def _create_private(path: Path) -> None:
    """A new log is private: its folder, if made now, 0700, and the file 0600 (SQLite
    gives its -wal and -shm files the same); its snapshots hold patients' names. An
    existing log or folder is left as it is."""
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _writable(path: Path) -> bool:
    """Whether SQLite could write the log here: the file, and its folder (the journal)."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.exists() and not os.access(path, os.W_OK):
        return False
    return os.access(folder, os.W_OK) or not folder.exists()


def _log_fault(path: Path, exc: sqlite3.Error) -> CompounderError:
    refused = base.balance_refusal(str(exc), str(path))
    if refused is not None:
        return refused
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return DataFileError(
            str(path),
            "",
            f"is locked by another program for over {base.LOCK_TIMEOUT_S} s",
            "try again when the other workstation has finished",
        )
    if "full" in text or "disk i/o" in text:
        return OutputError(
            str(path), f"the log could not be written ({exc}: a full disk?); nothing was logged"
        )
    if "readonly" in text or "read-only" in text or not _writable(path):
        return DataFileError(
            str(path),
            "",
            "is read-only here (the file or its folder cannot be written; reading it needs "
            "no change)",
            "a log Compounder may write to, for a command that writes",
        )
    return DataFileError(
        str(path),
        "",
        f"is damaged or not a Compounder log ({exc})",
        "the log Compounder created; restore it from a backup",
    )
