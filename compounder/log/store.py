"""The compounding log: an embedded SQLite database, and every line of SQL in the project.

One file, created on first use in the user's data folder (``$XDG_DATA_HOME/compounder``
or ``~/.local/share/compounder``) or at ``--db``. It carries its schema version and is
migrated forward on open. The log is append-only: triggers refuse UPDATE and DELETE on
entries, and a correction is a new entry that names the one it corrects.

Lot numbers are the compounding date and a per-day sequence (``20261201-003``),
allocated inside a write transaction (``BEGIN IMMEDIATE``), so two processes sharing the
file never get the same number and never lose an entry; a killed process leaves the
last committed state (SQLite's journal). Keeping all SQL here is what lets a shared
server database replace SQLite later behind the same functions.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from compounder.core.limits import MAX_LOTS_PER_DAY
from compounder.errors import (
    CompounderError,
    DataFileError,
    InputError,
    OutputError,
    SafetyError,
)

SCHEMA_VERSION = 3

#: Each migration takes the database from version N-1 to N. Never edit a released one.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE lot_sequence (day TEXT PRIMARY KEY, last INTEGER NOT NULL)",
        """CREATE TABLE entries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            rx TEXT,
            lot TEXT,
            created_at TEXT NOT NULL,
            corrects INTEGER REFERENCES entries(id),
            payload TEXT NOT NULL
        )""",
        "CREATE INDEX entries_rx ON entries (rx)",
        "CREATE INDEX entries_lot ON entries (lot)",
        """CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
           BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END""",
        """CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
           BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END""",
    ],
    2: [
        # Ingredient lots as rows, for tracing; filled from version 1 payloads below.
        """CREATE TABLE ingredient_uses (
            entry_id INTEGER NOT NULL REFERENCES entries(id),
            ingredient TEXT NOT NULL,
            lot TEXT NOT NULL,
            expiry TEXT,
            quantity TEXT
        )""",
        "CREATE INDEX ingredient_uses_lot ON ingredient_uses (lot)",
        # A batch run's planned preparation is found again by its key (idempotent reruns).
        "ALTER TABLE entries ADD COLUMN batch_key TEXT",
        "CREATE UNIQUE INDEX entries_batch_key ON entries (batch_key)",
        """CREATE TABLE snapshots (
            hash TEXT PRIMARY KEY,
            body TEXT NOT NULL
        )""",
    ],
    3: [
        # A batch run's orders wait here while it prints, and move into the log in one
        # statement once its files are in place (or are dropped if it fails).
        """CREATE TABLE staged (
            run_key TEXT NOT NULL,
            seq INTEGER NOT NULL,
            rx TEXT,
            lot TEXT,
            payload TEXT NOT NULL,
            batch_key TEXT NOT NULL
        )""",
        "CREATE INDEX staged_run ON staged (run_key, seq)",
    ],
}


def snapshot_json(body: dict[str, Any]) -> tuple[str, str]:
    """A snapshot as stored (JSON, keys sorted) and its hash, the key it is stored under."""
    text = json.dumps(body, sort_keys=True)
    return text, hashlib.sha256(text.encode()).hexdigest()


def default_db_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "compounder" / "compounder.db"


def database_path(location: str | Path | None) -> Path:
    """Where the log is: a file path or a ``sqlite:///path`` URL (the form a server
    database's URL will take here later); the user data folder by default."""
    if location is None or str(location) == "":
        return default_db_path()
    text = str(location)
    if ":memory:" in text or "mode=memory" in text:
        raise InputError("db", text[:40], "a log file (a log in memory vanishes: it is not a log)")
    if "://" in text:
        scheme, _, rest = text.partition("://")
        if scheme != "sqlite":
            raise InputError(
                "db", text, "a file path or a sqlite:///path URL (only SQLite is supported so far)"
            )
        # as SQLAlchemy writes it: sqlite:///relative.db, sqlite:////absolute/path.db
        return Path(rest[1:] if rest.startswith("/") else rest)
    return Path(text)


#: Seconds to wait for another workstation's write to finish before giving up.
LOCK_TIMEOUT_S = 60


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


def _log_fault(path: Path, exc: sqlite3.Error) -> CompounderError:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return DataFileError(
            str(path),
            "",
            f"is locked by another program for over {LOCK_TIMEOUT_S} s",
            "try again when the other workstation has finished",
        )
    if "full" in text:
        return OutputError(str(path), "the disk is full; nothing was logged")
    if "readonly" in text or "read-only" in text:
        return DataFileError(str(path), "", "is read-only", "a log Compounder may write to")
    return DataFileError(
        str(path),
        "",
        f"is damaged or not a Compounder log ({exc})",
        "the log Compounder created; restore it from a backup",
    )


@dataclass(frozen=True)
class Entry:
    id: int
    kind: str
    rx: str | None
    lot: str | None
    created_at: str
    corrects: int | None
    payload: dict[str, Any]


class Store:
    """An open compounding log."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = database_path(path)
        _check_log_file(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path), timeout=LOCK_TIMEOUT_S, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise DataFileError(str(self.path), "", f"cannot open the log ({exc})") from None
        try:
            with self.faults():
                self.db.row_factory = sqlite3.Row
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=FULL")
                self.db.execute("PRAGMA foreign_keys=ON")
                self.migrate()
        except BaseException:
            self.db.close()
            raise

    @contextlib.contextmanager
    def faults(self) -> Iterator[None]:
        """A database fault (damaged, not a log, locked, read-only, disk full) as a
        one-line error naming the log and what to do."""
        try:
            yield
        except sqlite3.Error as exc:
            raise _log_fault(self.path, exc) from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, holding the write lock from its start."""
        with self.faults():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    # ---------------------------------------------------------------- schema

    def version(self) -> int:
        exists = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
        ).fetchone()
        if not exists:
            foreign = self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if foreign or self.db.execute("PRAGMA user_version").fetchone()[0]:
                raise DataFileError(
                    str(self.path),
                    "",
                    "is a database, but not a Compounder log",
                    "the log Compounder created, or a new file name",
                )
            return 0
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        value = row["value"] if row else "0"
        if not str(value).isdigit() or len(str(value)) > 6:
            raise DataFileError(
                str(self.path), "schema_version", "is not a version number", "restore the log"
            )
        return int(value)

    def migrate(self, target: int = SCHEMA_VERSION) -> None:
        with self.transaction() as db:
            current = self.version()
            if current > SCHEMA_VERSION:
                raise DataFileError(
                    str(self.path),
                    "schema_version",
                    f"is {current}, newer than this Compounder knows",
                    f"version {SCHEMA_VERSION} or older: upgrade Compounder",
                )
            for version in range(current + 1, target + 1):
                for statement in MIGRATIONS[version]:
                    db.execute(statement)
                if version == 2:
                    _backfill_ingredient_uses(db)
                db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(version),),
                )

    # ---------------------------------------------------------------- writing

    def _next_lot(self, db: sqlite3.Connection, day: date) -> str:
        key = day.isoformat()
        db.execute(
            "INSERT INTO lot_sequence (day, last) VALUES (?, 0) ON CONFLICT(day) DO NOTHING", (key,)
        )
        db.execute("UPDATE lot_sequence SET last = last + 1 WHERE day = ?", (key,))
        number = db.execute("SELECT last FROM lot_sequence WHERE day = ?", (key,)).fetchone()
        if number["last"] > MAX_LOTS_PER_DAY:
            raise SafetyError(
                f"the log has given out all {MAX_LOTS_PER_DAY} lot numbers for {key}",
                "record further preparations under another compounding date",
            )
        return f"{day:%Y%m%d}-{number['last']:03d}"

    def _insert(
        self,
        db: sqlite3.Connection,
        kind: str,
        rx: str | None,
        lot: str | None,
        payload: dict[str, Any],
        corrects: int | None = None,
        batch_key: str | None = None,
        at: datetime | None = None,
    ) -> int:
        created = (at or datetime.now()).isoformat(timespec="seconds")
        cursor = db.execute(
            "INSERT INTO entries (kind, rx, lot, created_at, corrects, payload, batch_key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (kind, rx, lot, created, corrects, json.dumps(payload, sort_keys=True), batch_key),
        )
        entry_id = int(cursor.lastrowid or 0)
        _insert_uses(db, entry_id, payload)
        return entry_id

    def record_preparation(
        self, day: date, rx: str | None, build: Any, at: datetime | None = None
    ) -> tuple[str, int, Any]:
        """Allocate a lot and log a preparation in one transaction.

        ``build(lot)`` returns ``(payload, result)``: whatever depends on the lot number
        (the record's text and its PDF) is made inside the transaction, so the log and
        the record always agree. Returns the lot, the entry id and ``result``.
        """
        with self.transaction() as db:
            lot = self._next_lot(db, day)
            payload, result = build(lot)
            entry_id = self._insert(db, "preparation", rx, lot, payload, at=at)
        return lot, entry_id, result

    def planned_preparation(self, batch_key: str, day: date, payload: dict[str, Any]) -> str:
        """The lot of a batch run's planned preparation, allocated once per key."""
        with self.transaction() as db:
            row = db.execute("SELECT lot FROM entries WHERE batch_key = ?", (batch_key,)).fetchone()
            if row:
                return str(row["lot"])
            lot = self._next_lot(db, day)
            self._insert(db, "preparation", None, lot, payload, batch_key=batch_key)
            return lot

    @staticmethod
    def _has_key(db: sqlite3.Connection, batch_key: str) -> bool:
        return bool(
            db.execute("SELECT 1 FROM entries WHERE batch_key = ?", (batch_key,)).fetchone()
        )

    def log(
        self,
        kind: str,
        rx: str | None,
        lot: str | None,
        payload: dict[str, Any],
        corrects: int | None = None,
        batch_key: str | None = None,
    ) -> int:
        """Append one entry (a label printed, an order dispensed, a correction)."""
        with self.transaction() as db:
            if batch_key is not None:
                row = db.execute(
                    "SELECT id FROM entries WHERE batch_key = ?", (batch_key,)
                ).fetchone()
                if row:  # logged already by an earlier run of the same file
                    return int(row["id"])
            if (
                corrects is not None
                and not db.execute("SELECT 1 FROM entries WHERE id = ?", (corrects,)).fetchone()
            ):
                raise InputError("corrects", str(corrects), "the id of an existing entry")
            return self._insert(db, kind, rx, lot, payload, corrects, batch_key)

    def stage(
        self, run_key: str, rows: list[tuple[int, str, str, str, str]], snapshots: dict[str, str]
    ) -> None:
        """Stage a batch run's orders: (seq, rx, lot, payload JSON, batch key), with the
        snapshots (hash -> JSON) they refer to."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO snapshots (hash, body) VALUES (?, ?)", snapshots.items()
            )
            db.executemany(
                "INSERT INTO staged (run_key, seq, rx, lot, payload, batch_key) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(run_key, *row) for row in rows],
            )

    def commit_staged(self, run_key: str, at: datetime | None = None) -> int:
        """Move a run's staged orders into the log as dispense entries, once per key."""
        created = (at or datetime.now()).isoformat(timespec="seconds")
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO entries (kind, rx, lot, created_at, payload, batch_key) "
                "SELECT 'dispense', s.rx, s.lot, ?, s.payload, s.batch_key FROM staged s "
                "WHERE s.run_key = ? AND NOT EXISTS "
                "(SELECT 1 FROM entries e WHERE e.batch_key = s.batch_key) ORDER BY s.seq",
                (created, run_key),
            )
            db.execute("DELETE FROM staged WHERE run_key = ?", (run_key,))
            return cursor.rowcount

    def drop_staged(self, run_key: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM staged WHERE run_key = ?", (run_key,))

    def put_snapshot(self, body: dict[str, Any]) -> str:
        text, digest = snapshot_json(body)
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO snapshots (hash, body) VALUES (?, ?)", (digest, text))
        return digest

    # ---------------------------------------------------------------- reading

    def _entries(self, sql: str, args: tuple[Any, ...]) -> list[Entry]:
        with self.faults():
            rows = self.db.execute(sql, args).fetchall()
        return [
            Entry(
                r["id"],
                r["kind"],
                r["rx"],
                r["lot"],
                r["created_at"],
                r["corrects"],
                json.loads(r["payload"]),
            )
            for r in rows
        ]

    def entry(self, entry_id: int) -> Entry | None:
        """The entry with this id, or None."""
        found = self._entries("SELECT * FROM entries WHERE id = ?", (entry_id,))
        return found[0] if found else None

    def history(self, rx: str) -> list[Entry]:
        """Every entry for an Rx, oldest first (corrections included)."""
        return self._entries(
            "SELECT * FROM entries WHERE rx = ? OR id IN (SELECT corrects FROM entries "
            "WHERE rx = ?) OR corrects IN (SELECT id FROM entries WHERE rx = ?) ORDER BY id",
            (rx, rx, rx),
        )

    def entries_for_lot(self, lot: str) -> list[Entry]:
        return self._entries("SELECT * FROM entries WHERE lot = ? ORDER BY id", (lot,))

    def trace(self, ingredient_lot: str) -> list[Entry]:
        """Every preparation that used an ingredient lot, oldest first."""
        return self._entries(
            "SELECT DISTINCT e.* FROM entries e JOIN ingredient_uses u ON u.entry_id = e.id "
            "WHERE u.lot = ? ORDER BY e.id",
            (ingredient_lot,),
        )

    def latest_label(self, rx: str) -> Entry | None:
        found = self._entries(
            "SELECT * FROM entries WHERE rx = ? AND kind IN ('label', 'dispense') "
            "ORDER BY id DESC LIMIT 1",
            (rx,),
        )
        return found[0] if found else None

    def snapshot(self, digest: str) -> dict[str, Any]:
        with self.faults():
            row = self.db.execute("SELECT body FROM snapshots WHERE hash = ?", (digest,)).fetchone()
        if row is None:
            raise DataFileError(str(self.path), "snapshots", f"snapshot {digest} is missing")
        return dict(json.loads(row["body"]))

    def count(self, kind: str | None = None) -> int:
        if kind is None:
            return int(self.db.execute("SELECT COUNT(*) FROM entries").fetchone()[0])
        return int(
            self.db.execute("SELECT COUNT(*) FROM entries WHERE kind = ?", (kind,)).fetchone()[0]
        )


def _backfill_ingredient_uses(db: sqlite3.Connection) -> None:
    """Version 1 kept ingredient lots only in the payload: copy them into rows."""
    for row in db.execute("SELECT id, payload FROM entries").fetchall():
        _insert_uses(db, row[0], json.loads(row[1]))


def _insert_uses(db: sqlite3.Connection, entry_id: int, payload: dict[str, Any]) -> None:
    """One ingredient_uses row per ingredient lot named in an entry's payload."""
    db.executemany(
        "INSERT INTO ingredient_uses (entry_id, ingredient, lot, expiry, quantity) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (
                entry_id,
                use.get("ingredient", ""),
                use["lot"],
                use.get("expiry"),
                use.get("quantity"),
            )
            for use in payload.get("ingredients", [])
        ],
    )
