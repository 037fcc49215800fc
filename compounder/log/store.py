"""The compounding log: an embedded SQLite database, and every line of SQL in the project.

One file, created on first use in the user's data folder (``$XDG_DATA_HOME/compounder``
or ``~/.local/share/compounder``) or at ``--db``. It carries its schema version and is
migrated forward on open. The log is append-only in the database itself: on every table
triggers refuse UPDATE, DELETE and an INSERT that would replace a row (INSERT OR
REPLACE), and a correction is a new entry that names the one it corrects.

It is also tamper-evident: each entry carries a SHA-256 hash over its fields and the
previous entry's hash (a chain, as an audit ledger keeps), every label snapshot is
stored under the hash of its text and checked when read, and ``verify`` walks the
whole log and names the first entry that does not match.

Lot numbers are the compounding date and a per-day sequence (``20261201-003``),
allocated inside a write transaction (``BEGIN IMMEDIATE``), so two processes sharing the
file never get the same number and never lose an entry; a killed process leaves the
last committed state (SQLite's journal). A preparation's lot is unique in the log (a
UNIQUE index). A batch run reserves the lots it plans (``reservations``, scratch rows
that are not part of the log) and logs them only when it commits. Keeping all SQL here
is what lets a shared server database replace SQLite later behind the same functions.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from compounder.atomic import checkpoint
from compounder.core.limits import MAX_LOTS_PER_DAY
from compounder.errors import (
    CompounderError,
    DataFileError,
    InputError,
    OutputError,
    SafetyError,
)

SCHEMA_VERSION = 4

APPEND_ONLY = "the log is append-only"

#: Every table and what makes two of its rows the same row: an INSERT that would
#: replace one (INSERT OR REPLACE deletes it without firing DELETE triggers) is refused.
#: ``lot_sequence`` (version 1-3 lot counters) is kept, frozen, for older logs.
TABLE_KEYS: dict[str, str] = {
    "meta": "key = NEW.key",
    "lot_sequence": "1 = 1",
    "entries": "id = NEW.id OR batch_key = NEW.batch_key OR "
    "(kind = 'preparation' AND NEW.kind = 'preparation' AND lot = NEW.lot)",
    "ingredient_uses": "rowid = NEW.rowid",
    "snapshots": "hash = NEW.hash",
    "schema_versions": "version = NEW.version",
    "reservations": "rowid = NEW.rowid OR (lot = NEW.lot AND run_key = NEW.run_key)",
    "reservation_ends": "rowid = NEW.rowid",
}


def _append_only_triggers() -> list[str]:
    statements = []
    for table, same_row in TABLE_KEYS.items():
        for event, when in (
            ("UPDATE", ""),
            ("DELETE", ""),
            ("INSERT", f" WHEN EXISTS (SELECT 1 FROM {table} WHERE {same_row})"),
        ):
            statements.append(
                f"CREATE TRIGGER {table}_append_only_{event.lower()} BEFORE {event} ON {table}"
                f"{when} BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
    return statements


Migration = str | Callable[[sqlite3.Connection], None]

#: Each migration takes the database from version N-1 to N. Never edit a released one.
MIGRATIONS: dict[int, list[Migration]] = {
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
    4: [
        # Each entry's hash, chained to the previous entry's (filled in for older entries
        # below, before the append-only triggers are set on every table).
        "ALTER TABLE entries ADD COLUMN prev_hash TEXT",
        "ALTER TABLE entries ADD COLUMN hash TEXT",
        "DROP TRIGGER entries_no_update",
        "DROP TRIGGER entries_no_delete",
        lambda db: _backfill_chain(db),
        "CREATE UNIQUE INDEX entries_preparation_lot ON entries (lot) WHERE kind = 'preparation'",
        "CREATE TABLE schema_versions (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
        # A batch run's planned lots, held while it prints and released when it ends
        # (scratch rows, not the log: the lot is logged with the run's records).
        """CREATE TABLE reservations (
            lot TEXT NOT NULL,
            day TEXT NOT NULL,
            run_key TEXT NOT NULL,
            batch_key TEXT NOT NULL,
            reserved_at TEXT NOT NULL
        )""",
        "CREATE INDEX reservations_lot ON reservations (lot)",
        "CREATE INDEX reservations_key ON reservations (batch_key)",
        "CREATE TABLE reservation_ends (run_key TEXT NOT NULL, ended_at TEXT NOT NULL)",
        "CREATE INDEX reservation_ends_run ON reservation_ends (run_key)",
        # version 3 staged a batch's orders in the log's file; they are now staged in
        # the run's own folder, so the table goes (rows of a killed run with it)
        "DROP TABLE staged",
        *_append_only_triggers(),
    ],
}

#: A batch run's reserved lots are released when it ends; a run killed outright holds
#: them at most this long (far longer than any run takes).
RESERVATION_LEASE = timedelta(hours=12)

GENESIS = "0" * 64  # the "previous hash" of the first entry


def content_hash(
    kind: str,
    rx: str | None,
    lot: str | None,
    corrects: int | None,
    batch_key: str | None,
    payload: str,
) -> str:
    """SHA-256 over what an entry says, as stored, each field written with its length
    (so no two entries read the same). A batch's workers work it out for their orders."""
    fields = (kind, rx, lot, None if corrects is None else str(corrects), batch_key, payload)
    text = "".join(["-;" if f is None else f"{len(f)}:{f};" for f in fields])
    return hashlib.sha256(text.encode()).hexdigest()


def chain_hash(prev: str, entry_id: int, created_at: str, content: str) -> str:
    """The hash an entry carries: its place (the previous hash, its id and time) and
    its content hash."""
    return hashlib.sha256(f"{prev};{entry_id};{created_at};{content}".encode()).hexdigest()


def entry_hash(
    prev: str,
    entry_id: int,
    kind: str,
    rx: str | None,
    lot: str | None,
    created_at: str,
    corrects: int | None,
    batch_key: str | None,
    payload: str,
) -> str:
    """The hash an entry carries, from its fields as stored and the previous hash."""
    content = content_hash(kind, rx, lot, corrects, batch_key, payload)
    return chain_hash(prev, entry_id, created_at, content)


def snapshot_json(body: dict[str, Any]) -> tuple[str, str]:
    """A snapshot as stored (JSON, keys sorted) and its hash, the key it is stored under."""
    text = json.dumps(body, sort_keys=True)
    return text, hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found: how many entries matched, and the first problem (if any)."""

    entries: int
    head: str
    problem: str | None = None
    entry_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


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
    if "full" in text or "disk i/o" in text:
        return OutputError(
            str(path), f"the log could not be written ({exc}: a full disk?); nothing was logged"
        )
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
        """A write transaction, holding the write lock from its start. Inside another
        one it simply joins it: everything commits (or rolls back) with the outer one."""
        if self.db.in_transaction:
            yield self.db
            return
        with self.faults():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                checkpoint("log: transaction begun")
                yield self.db
                checkpoint("log: committing")
                self.db.execute("COMMIT")
                checkpoint("log: committed")
            except BaseException:
                if self.db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self.db.execute("ROLLBACK")
                raise

    # ---------------------------------------------------------------- schema

    def version(self) -> int:
        tables = {
            row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if "meta" not in tables:
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
        found = int(value)
        if "schema_versions" in tables:  # version 4 on: one row per version applied
            row = self.db.execute("SELECT MAX(version) FROM schema_versions").fetchone()
            found = max(found, int(row[0] or 0))
        return found

    def migrate(self, target: int = SCHEMA_VERSION) -> None:
        if self.version() == target:  # the usual case: no write lock taken
            return
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
                for step in MIGRATIONS[version]:
                    if isinstance(step, str):
                        db.execute(step)
                    else:
                        step(db)
                if version == 2:
                    _backfill_ingredient_uses(db)
                if version <= 3:
                    db.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                        (str(version),),
                    )
                else:
                    db.execute(
                        "INSERT INTO schema_versions (version, applied_at) VALUES (?, ?)",
                        (version, _now()),
                    )

    # ---------------------------------------------------------------- writing

    def next_lot(self, day: date, now: datetime | None = None) -> str:
        """The next lot number of a day (call inside a transaction): one past every
        lot the log holds, every lot a running batch holds, and older logs' counters."""
        prefix = f"{day:%Y%m%d}-"
        taken = [
            row[0]
            for row in self.db.execute(
                "SELECT lot FROM entries WHERE kind = 'preparation' AND lot >= ? AND lot < ?",
                (prefix, f"{day:%Y%m%d}."),
            )
        ]
        since = ((now or datetime.now()) - RESERVATION_LEASE).isoformat(timespec="seconds")
        taken += [
            row[0]
            for row in self.db.execute(
                "SELECT lot FROM reservations r WHERE r.day = ? AND r.reserved_at > ? AND NOT "
                "EXISTS (SELECT 1 FROM reservation_ends e WHERE e.run_key = r.run_key)",
                (day.isoformat(), since),
            )
        ]
        last = max((int(lot[len(prefix) :]) for lot in taken), default=0)
        legacy = self.db.execute(
            "SELECT MAX(last) FROM lot_sequence WHERE day = ?", (day.isoformat(),)
        ).fetchone()[0]
        number = max(last, int(legacy or 0)) + 1
        if number > MAX_LOTS_PER_DAY:
            raise SafetyError(
                f"the log has given out all {MAX_LOTS_PER_DAY} lot numbers for {day.isoformat()}",
                "record further preparations under another compounding date",
            )
        return f"{prefix}{number:03d}"

    def _head(self) -> tuple[int, str]:
        row = self.db.execute("SELECT id, hash FROM entries ORDER BY id DESC LIMIT 1").fetchone()
        return (0, GENESIS) if row is None else (int(row["id"]), str(row["hash"]))

    def append(
        self,
        kind: str,
        rx: str | None,
        lot: str | None,
        payload: dict[str, Any],
        corrects: int | None = None,
        batch_key: str | None = None,
        at: datetime | None = None,
    ) -> int:
        """Append one entry, chained to the last (call inside a transaction)."""
        return self.append_many(
            [(kind, rx, lot, json.dumps(payload, sort_keys=True), corrects, batch_key)], at
        )[0]

    def append_many(
        self,
        rows: Iterable[tuple[str, str | None, str | None, str, int | None, str | None]],
        at: datetime | None = None,
        contents: Iterable[str] | None = None,
    ) -> list[int]:
        """Append entries (kind, rx, lot, payload JSON, corrects, batch key) in order,
        each chained to the one before (call inside a transaction). ``contents``: their
        ``content_hash`` values, if worked out already."""
        known = iter(contents) if contents is not None else None
        created = (at or datetime.now()).isoformat(timespec="seconds")
        last_id, prev = self._head()
        ids: list[int] = []
        records = []
        uses = []
        for kind, rx, lot, payload, corrects, batch_key in rows:
            last_id += 1
            before = prev
            content = (
                next(known)
                if known is not None
                else content_hash(kind, rx, lot, corrects, batch_key, payload)
            )
            prev = chain_hash(prev, last_id, created, content)
            records.append(
                (last_id, kind, rx, lot, created, corrects, payload, batch_key, prev, before)
            )
            ids.append(last_id)
            if '"ingredients"' in payload:
                uses += _uses(last_id, json.loads(payload))
        self.db.executemany(
            "INSERT INTO entries (id, kind, rx, lot, created_at, corrects, payload, batch_key, "
            "hash, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            records,
        )
        self.db.executemany(
            "INSERT INTO ingredient_uses (entry_id, ingredient, lot, expiry, quantity) "
            "VALUES (?, ?, ?, ?, ?)",
            uses,
        )
        return ids

    def record_preparation(
        self,
        day: date,
        rx: str | None,
        build: Any,
        at: datetime | None = None,
        publish: Callable[[Any], None] | None = None,
    ) -> tuple[str, int, Any]:
        """Allocate a lot and log a preparation in one transaction.

        ``build(lot)`` returns ``(payload, result)``: whatever depends on the lot number
        (the record's text and its PDF) is made inside the transaction, so the log and
        the record always agree. ``publish(result)``, if given, writes the record's file
        before the transaction commits (if it fails, nothing is logged and the lot is not
        used). Returns the lot, the entry id and ``result``.
        """
        with self.transaction():
            lot = self.next_lot(day, at)
            payload, result = build(lot)
            entry_id = self.append("preparation", rx, lot, payload, at=at)
            if publish is not None:
                publish(result)
        return lot, entry_id, result

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
            return self.append(kind, rx, lot, payload, corrects, batch_key)

    # ---------------------------------------------------------------- batch runs

    def reserve_lot(self, run_key: str, batch_key: str, day: date) -> str:
        """The lot of a batch run's planned preparation: the one logged under its key by
        an earlier run of the same file, or one reserved for this run (not yet logged)."""
        with self.transaction() as db:
            row = db.execute("SELECT lot FROM entries WHERE batch_key = ?", (batch_key,)).fetchone()
            if row:
                return str(row["lot"])
            row = db.execute(
                "SELECT lot FROM reservations WHERE batch_key = ? AND run_key = ?",
                (batch_key, run_key),
            ).fetchone()
            if row:
                return str(row["lot"])
            lot = self.next_lot(day)
            db.execute(
                "INSERT INTO reservations (lot, day, run_key, batch_key, reserved_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (lot, day.isoformat(), run_key, batch_key, _now()),
            )
            return lot

    def end_reservations(self, run_key: str) -> None:
        """Release a run's reserved lots (those it logged stay taken by their entries)."""
        with self.transaction() as db:
            if not db.execute(
                "SELECT 1 FROM reservation_ends WHERE run_key = ?", (run_key,)
            ).fetchone():
                db.execute(
                    "INSERT INTO reservation_ends (run_key, ended_at) VALUES (?, ?)",
                    (run_key, _now()),
                )

    def has_entry_key(self, batch_key: str) -> bool:
        return bool(
            self.db.execute("SELECT 1 FROM entries WHERE batch_key = ?", (batch_key,)).fetchone()
        )

    def logged_lot(self, batch_key: str) -> str | None:
        row = self.db.execute(
            "SELECT lot FROM entries WHERE batch_key = ?", (batch_key,)
        ).fetchone()
        return None if row is None else str(row["lot"])

    def add_snapshots(self, snapshots: Iterable[tuple[str, str]]) -> None:
        """Store snapshots (hash, JSON text) not stored yet (call inside a transaction)."""
        self.db.executemany(
            "INSERT INTO snapshots (hash, body) SELECT ?, ? "
            "WHERE NOT EXISTS (SELECT 1 FROM snapshots WHERE hash = ?)",
            [(digest, body, digest) for digest, body in snapshots],
        )

    def append_new(
        self,
        rows: Iterable[tuple[str, str | None, str | None, str, str]],
        at: datetime | None = None,
        key_prefix: str | None = None,
        contents: Iterable[str] | None = None,
    ) -> int:
        """Append entries (kind, rx, lot, payload JSON, batch key) whose key is not in the
        log yet (an earlier run of the same file logged the others); how many were new.
        ``key_prefix``: every key starts with it (the keys logged are looked up at once);
        ``contents``: the rows' ``content_hash`` values, if worked out already."""
        rows = list(rows)
        if key_prefix is None:
            logged = {key for *_, key in rows if self.has_entry_key(key)}
        else:
            logged = {
                row[0]
                for row in self.db.execute(
                    "SELECT batch_key FROM entries WHERE batch_key >= ? AND batch_key < ?",
                    (key_prefix, key_prefix + "\U0010ffff"),
                )
            }
        hashes = list(contents) if contents is not None else None
        keep = [i for i, row in enumerate(rows) if row[4] not in logged]
        fresh = [
            (k, rx, lot, payload, None, key) for k, rx, lot, payload, key in (rows[i] for i in keep)
        ]
        self.append_many(fresh, at, None if hashes is None else [hashes[i] for i in keep])
        return len(fresh)

    def put_snapshot(self, body: dict[str, Any]) -> str:
        text, digest = snapshot_json(body)
        with self.transaction():
            self.add_snapshots([(digest, text)])
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

    def entry_by_key(self, batch_key: str) -> Entry | None:
        found = self._entries("SELECT * FROM entries WHERE batch_key = ?", (batch_key,))
        return found[0] if found else None

    def has_file(self, sha256: str) -> bool:
        """Whether an entry names a file with this SHA-256 (a label's, a record's...; a
        ZPL file or PNG previews under ``files_sha256``)."""
        return bool(
            self.db.execute(
                "SELECT 1 FROM entries WHERE payload LIKE ? OR payload LIKE ?",
                (f'%"pdf_sha256": "{sha256}"%', f'%"files_sha256": [%"{sha256}"%'),
            ).fetchone()
        )

    def entries_of_kind(self, kind: str) -> list[Entry]:
        return self._entries("SELECT * FROM entries WHERE kind = ? ORDER BY id", (kind,))

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
        """A snapshot, checked against the hash it is stored under (SafetyError if the
        text was altered: a label is never drawn from it)."""
        with self.faults():
            row = self.db.execute("SELECT body FROM snapshots WHERE hash = ?", (digest,)).fetchone()
        if row is None:
            raise DataFileError(str(self.path), "snapshots", f"snapshot {digest} is missing")
        if hashlib.sha256(row["body"].encode()).hexdigest() != digest:
            raise SafetyError(
                f"the log's snapshot {digest[:12]} does not match its hash (the log was altered)",
                "run 'compounder log verify' and print a new label from the prescription",
            )
        return dict(json.loads(row["body"]))

    def count(self, kind: str | None = None) -> int:
        if kind is None:
            return int(self.db.execute("SELECT COUNT(*) FROM entries").fetchone()[0])
        return int(
            self.db.execute("SELECT COUNT(*) FROM entries WHERE kind = ?", (kind,)).fetchone()[0]
        )

    # ---------------------------------------------------------------- verifying

    def verify(self, anchor: str | None = None) -> Verification:
        """Walk the log: every entry's hash against its fields and the previous hash,
        every snapshot against its hash, every ingredient row against its entry, the
        lots unique, the append-only triggers in place. The first problem is named.

        ``anchor``: a chain head noted earlier (kept outside the log); it must still be
        in the chain, so even an attacker who rewrites every hash after an edit is caught.
        """
        count, prev = 0, GENESIS
        anchored = anchor is None or anchor.lower() == GENESIS[: len(anchor)]
        expected_id = 1

        def bad(problem: str, entry_id: int | None = None) -> Verification:
            return Verification(count, prev, problem, entry_id)

        missing = [
            name
            for name in (
                f"{t}_append_only_{e}" for t in TABLE_KEYS for e in ("update", "delete", "insert")
            )
            if not self.db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
            ).fetchone()
        ]
        if missing:
            return bad(f"the append-only trigger {missing[0]} was removed")
        uses: dict[int, list[tuple[Any, ...]]] = {}
        for row in self.db.execute(
            "SELECT entry_id, ingredient, lot, expiry, quantity FROM ingredient_uses"
        ):
            uses.setdefault(int(row[0]), []).append(tuple(row[1:]))
        referenced: set[str] = set()
        lots: set[str] = set()
        cursor = self.db.execute(
            "SELECT id, kind, rx, lot, created_at, corrects, payload, batch_key, hash, prev_hash "
            "FROM entries ORDER BY id"
        )
        for row in cursor:
            entry_id = int(row["id"])
            if entry_id != expected_id:
                return bad(f"entry {expected_id} is missing (the next is {entry_id})", expected_id)
            if row["prev_hash"] != prev:
                return bad(f"entry {entry_id} does not follow the entry before it", entry_id)
            digest = entry_hash(
                prev,
                entry_id,
                row["kind"],
                row["rx"],
                row["lot"],
                row["created_at"],
                row["corrects"],
                row["batch_key"],
                row["payload"],
            )
            if digest != row["hash"]:
                return bad(f"entry {entry_id} does not match its hash (it was altered)", entry_id)
            if anchor is not None and digest.startswith(anchor.lower()):
                anchored = True
            try:
                payload = json.loads(row["payload"])
            except ValueError:
                return bad(f"entry {entry_id} is not readable", entry_id)
            expected_uses = sorted(_uses(entry_id, payload), key=repr)
            if sorted(((entry_id, *u) for u in uses.pop(entry_id, [])), key=repr) != (
                expected_uses
            ):
                return bad(f"entry {entry_id}'s ingredient lots were altered", entry_id)
            if row["kind"] == "preparation":
                if row["lot"] in lots:
                    return bad(f"entry {entry_id} reuses lot {row['lot']}", entry_id)
                lots.add(row["lot"])
            if isinstance(payload, dict) and isinstance(payload.get("snapshot"), str):
                referenced.add(payload["snapshot"])
            prev = digest
            count += 1
            expected_id += 1
        if uses:
            return bad(f"ingredient lots were added for entry {min(uses)}, not by the log")
        sequence = self.db.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'entries'"
        ).fetchone()
        if sequence is not None and int(sequence[0]) > count:
            return bad(f"entries after entry {count} were removed", count + 1)
        if not anchored:
            return bad(f"the noted chain head {anchor} is not in the log (it was rewritten)")
        frames: set[str] = set()
        for row in self.db.execute("SELECT hash, body FROM snapshots"):
            if hashlib.sha256(row["body"].encode()).hexdigest() != row["hash"]:
                return bad(f"snapshot {row['hash'][:12]} does not match its hash")
            referenced.discard(row["hash"])
            frame = json.loads(row["body"]).get("frame")
            if isinstance(frame, str):
                frames.add(frame)
        absent = sorted(referenced | {f for f in frames if not self._has_snapshot(f)})
        if absent:
            return bad(f"snapshot {absent[0][:12]} is missing")
        return Verification(count, prev)

    def _has_snapshot(self, digest: str) -> bool:
        return bool(self.db.execute("SELECT 1 FROM snapshots WHERE hash = ?", (digest,)).fetchone())


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _backfill_ingredient_uses(db: sqlite3.Connection) -> None:
    """Version 1 kept ingredient lots only in the payload: copy them into rows."""
    for row in db.execute("SELECT id, payload FROM entries").fetchall():
        db.executemany(
            "INSERT INTO ingredient_uses (entry_id, ingredient, lot, expiry, quantity) "
            "VALUES (?, ?, ?, ?, ?)",
            _uses(row[0], json.loads(row[1])),
        )


def _backfill_chain(db: sqlite3.Connection) -> None:
    """Version 4 chains entries by hash: entries of older versions get theirs, in order."""
    prev = GENESIS
    rows = db.execute(
        "SELECT id, kind, rx, lot, created_at, corrects, batch_key, payload FROM entries "
        "ORDER BY id"
    ).fetchall()
    for row in rows:
        digest = entry_hash(prev, *row)
        db.execute(
            "UPDATE entries SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, row[0])
        )
        prev = digest


def _uses(entry_id: int, payload: Any) -> list[tuple[Any, ...]]:
    """One ingredient_uses row per ingredient lot named in an entry's payload."""
    if not isinstance(payload, dict):
        return []
    return [
        (
            entry_id,
            use.get("ingredient", ""),
            use["lot"],
            use.get("expiry"),
            use.get("quantity"),
        )
        for use in payload.get("ingredients", [])
        if isinstance(use, dict) and "lot" in use
    ]
