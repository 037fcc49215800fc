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
is what lets a shared server database stand behind the same functions: a
``postgresql://`` location opens the same log on a PostgreSQL server
(``postgres_backend``, psycopg imported only then), with the same schema, lots,
append-only triggers, hash chain and checks; only the dialect differs (``log.dialect``).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import sqlite3
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from compounder.atomic import checkpoint
from compounder.core.limits import MAX_LOTS_PER_DAY
from compounder.errors import (
    CompounderError,
    DataFileError,
    InputError,
    OutputError,
    SafetyError,
)
from compounder.log.dialect import APPEND_ONLY, TABLE_KEYS, Dialect, Migration

SCHEMA_VERSION = 4

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

#: The tables ``copy_from`` carries to another log (columns, order read): everything of
#: the log but its schema rows (the target has its own) and a batch run's reservations
#: (scratch rows: a log is moved while no batch runs).
COPIED_TABLES: dict[str, tuple[str, str]] = {
    "entries": (
        "id, kind, rx, lot, created_at, corrects, payload, batch_key, prev_hash, hash",
        "id",
    ),
    "ingredient_uses": ("entry_id, ingredient, lot, expiry, quantity", "entry_id"),
    "snapshots": ("hash, body", "hash"),
    "lot_sequence": ("day, last", "day"),
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
    return text, snapshot_hash(text)


def snapshot_hash(text: str) -> str:
    """The hash a snapshot's JSON text is stored under."""
    return hashlib.sha256(text.encode()).hexdigest()


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


SERVER_SCHEMES = ("postgresql", "postgres")


def is_server_url(location: str | Path | None) -> bool:
    """Whether ``location`` names a log on a PostgreSQL server (postgresql://...)."""
    text = str(location or "")
    return text.partition("://")[0].lower() in SERVER_SCHEMES and "://" in text


def log_location(location: str | Path | None, config: str | Path | None = None) -> str | Path:
    """The log to open: ``--db`` if given, else the ``COMPOUNDER_DB`` environment
    variable, else ``url`` in the ``[log]`` table of the pharmacy settings (``config``,
    else found as every command finds them), else the file in the user data folder. A
    PostgreSQL URL is returned as text, anything else as the SQLite file's path."""
    if location is None or str(location) == "":
        location = os.environ.get("COMPOUNDER_DB") or configured_log_url(config)
    if is_server_url(location):
        return str(location)
    return database_path(location)


def configured_log_url(config: str | Path | None = None) -> str | None:
    """``[log] url`` of the pharmacy settings, if they set one."""
    import tomllib

    from compounder.core.settings import find_config

    try:
        path = find_config(config)
        with open(path, "rb") as handle:
            table = tomllib.load(handle).get("log", {})
    except (DataFileError, OSError, tomllib.TOMLDecodeError):
        return None  # the settings' own faults are reported where they are read
    url = table.get("url") if isinstance(table, dict) else None
    if url is not None and (not isinstance(url, str) or len(url) > 1000):
        raise DataFileError(str(path), "log.url", "is not a log location", "a file or a URL")
    return url or None


def database_path(location: str | Path | None) -> Path:
    """Where a SQLite log is: a file path or a ``sqlite:///path`` URL; the user data
    folder by default."""
    if location is None or str(location) == "":
        return default_db_path()
    text = str(location)
    if ":memory:" in text or "mode=memory" in text:
        raise InputError("db", text[:40], "a log file (a log in memory vanishes: it is not a log)")
    if "://" in text:
        scheme, _, rest = text.partition("://")
        if scheme != "sqlite":
            raise InputError(
                "db",
                f"{scheme}://...",
                "a file path, a sqlite:///path URL or a postgresql://user@host/dbname URL",
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


class SqliteDialect(Dialect):
    """A log in an SQLite file (the embedded default)."""

    name = "sqlite"
    errors: type[Exception] | tuple[type[Exception], ...] = sqlite3.Error
    migrations: ClassVar[dict[int, list[Migration]]] = MIGRATIONS
    #: the statement(s) that start a write transaction holding the log's write lock
    begin = "BEGIN IMMEDIATE"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = str(path)

    def connect(self) -> Any:
        _check_log_file(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(self.path), timeout=LOCK_TIMEOUT_S, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise DataFileError(str(self.path), "", f"cannot open the log ({exc})") from None
        db.row_factory = sqlite3.Row
        return db

    def prepare(self, db: Any) -> None:
        """Settings of a newly opened connection (inside ``Store.faults``)."""
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")

    def begin_sql(self) -> str:
        return self.begin

    def fault(self, exc: Exception) -> CompounderError:
        assert isinstance(exc, sqlite3.Error)
        return _log_fault(self.path, exc)

    def tables(self, db: Any) -> set[str]:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def foreign(self, db: Any) -> bool:
        """Whether a database without Compounder's tables holds anything else."""
        return bool(
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            or db.execute("PRAGMA user_version").fetchone()[0]
        )

    def trigger_names(self) -> list[str]:
        return [f"{t}_append_only_{e}" for t in TABLE_KEYS for e in ("update", "delete", "insert")]

    def has_trigger(self, db: Any, name: str) -> bool:
        return bool(
            db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
            ).fetchone()
        )

    def rows(self, db: Any, sql: str) -> Iterator[Any]:
        """The rows of a query over a whole table, read as they come (not all held at
        once: a year's log is millions of entries). No other query may run on ``db``
        until they are read or the iterator is dropped."""
        return iter(db.execute(sql))

    def highest_entry_id(self, db: Any) -> int | None:
        """The highest entry id the database ever gave out (None: it does not keep one)."""
        row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'entries'").fetchone()
        return None if row is None else int(row[0])


class Store:
    """An open compounding log."""

    def __init__(self, path: str | Path | None = None) -> None:
        location = log_location(path)
        self.dialect: Dialect
        if isinstance(location, str):
            from compounder.log.postgres_backend import PostgresDialect

            self.dialect = PostgresDialect(location)
        else:
            self.dialect = SqliteDialect(location)
        self.dialect.lock_timeout_s = LOCK_TIMEOUT_S
        #: the log's name in messages (a server URL without its password)
        self.path: Path | str = location if isinstance(location, Path) else self.dialect.label
        self.db = self.dialect.connect()
        #: the last entry the open transaction appended (id, hash)
        self._appended: tuple[int, str] | None = None
        try:
            with self.faults():
                self.dialect.prepare(self.db)
                self.migrate()
        except BaseException:
            self.db.close()
            raise

    @contextlib.contextmanager
    def faults(self) -> Iterator[None]:
        """A database fault (damaged, not a log, locked, read-only, disk full, server
        unreachable or lost) as a one-line error naming the log and what to do."""
        try:
            yield
        except self.dialect.errors as exc:
            raise self.dialect.fault(exc) from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """A write transaction, holding the write lock from its start. Inside another
        one it simply joins it: everything commits (or rolls back) with the outer one."""
        if self.db.in_transaction:
            yield self.db
            return
        with self.faults():
            self.db.execute(self.dialect.begin_sql())
            self._appended = None
            try:
                checkpoint("log: transaction begun")
                yield self.db
                checkpoint("log: committing")
                try:
                    self.db.execute("COMMIT")
                except CompounderError:
                    if not self._committed_after_all():
                        raise
                checkpoint("log: committed")
            except BaseException:
                if self.db.in_transaction:
                    # (a connection already lost has nothing left to roll back)
                    with contextlib.suppress(CompounderError, *_tuple(self.dialect.errors)):
                        self.db.execute("ROLLBACK")
                raise

    def _committed_after_all(self) -> bool:
        """Whether a commit whose answer was lost (a server's connection cut while it
        committed) went through after all: asked on a new connection, under the write
        lock (so once the lost transaction has ended either way), by the last entry it
        appended. The caller then keeps its files (the entry is there) or takes them
        back. Nothing to ask for SQLite, or for a transaction that appended nothing."""
        if self._appended is None or self.dialect.name == "sqlite":
            return False
        entry_id, digest = self._appended
        faults: tuple[type[Exception], ...] = (CompounderError, *_tuple(self.dialect.errors))
        self.db.close()
        try:
            self.db = self.dialect.connect()
            self.db.execute(self.dialect.begin_sql())
            try:
                found = self.db.execute(
                    "SELECT 1 FROM entries WHERE id = ? AND hash = ?", (entry_id, digest)
                ).fetchone()
            finally:
                self.db.execute("ROLLBACK")
        except faults:
            return False
        return found is not None

    # ---------------------------------------------------------------- schema

    def version(self) -> int:
        tables = self.dialect.tables(self.db)
        if "meta" not in tables:
            if self.dialect.foreign(self.db):
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
                steps = self.dialect.migrations.get(version)
                if steps is None:  # a PostgreSQL log begins at version 4
                    continue
                for step in steps:
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
        # the lease runs on the clock reservations are stamped with, never on a
        # preparation's compounding time (a record dated ahead must still see them)
        since = (datetime.now() - RESERVATION_LEASE).isoformat(timespec="seconds")
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
            self._appended = (last_id, prev)
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
            # stamped when logged (the compounding time given is in the record itself)
            entry_id = self.append("preparation", rx, lot, payload)
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

    def _logged_keys(self, keys: list[str], per_query: int = 500) -> set[str]:
        """Which of these entry keys the log holds (a few queries for a whole batch, not
        one per order: a round trip each to a server)."""
        found: set[str] = set()
        for start in range(0, len(keys), per_query):
            part = keys[start : start + per_query]
            marks = ", ".join("?" * len(part))
            found.update(
                row[0]
                for row in self.db.execute(
                    f"SELECT batch_key FROM entries WHERE batch_key IN ({marks})", part
                )
            )
        return found

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
            logged = self._logged_keys([row[4] for row in rows])
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

    def batch_prints_for(self, entries: Iterable[Entry]) -> list[Entry]:
        """The ``batch-print`` entries that sent (or failed to send) the labels files of
        these batch-printed orders (``dispense`` entries): the run that printed an order
        names its labels file's hash, and the print entry the hashes it sent."""
        found: dict[int, Entry] = {}
        with self.faults():
            for entry in entries:
                name = entry.payload.get("labels_file")
                if entry.kind not in ("dispense", "batch-reprint") or not name:
                    continue
                row = self.db.execute(
                    "SELECT batch_key FROM entries WHERE id = ?", (entry.id,)
                ).fetchone()
                digest = str(row[0] or "").split(":")[1:2] if row else []
                if not digest:
                    continue
                runs = self._entries(
                    "SELECT * FROM entries WHERE kind = 'batch-run' AND payload LIKE ?",
                    (f'%"orders_file": "{digest[0]}"%',),
                )
                for run in runs:
                    sha = run.payload.get("files", {}).get(name)
                    if not sha:
                        continue
                    for sent in self._entries(
                        "SELECT * FROM entries WHERE kind = 'batch-print' AND payload LIKE ?",
                        (f'%"{sha}"%',),
                    ):
                        if sha in sent.payload.get("files_sha256", []):
                            found[sent.id] = sent
        return [found[i] for i in sorted(found)]

    def preparation_lots(self, lots: Iterable[str]) -> set[str]:
        """Which of ``lots`` a preparation in the log holds (recorded or planned by a
        batch); any other value in an entry's lot is a label's reference."""
        wanted = sorted(set(lots))
        if not wanted:
            return set()
        marks = ", ".join("?" * len(wanted))
        with self.faults():
            rows = self.db.execute(
                f"SELECT lot FROM entries WHERE kind = 'preparation' AND lot IN ({marks})",
                wanted,
            ).fetchall()
        return {str(row[0]) for row in rows}

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

    def printed_orders(self, digest: str) -> dict[str, tuple[int, str]]:
        """How the orders of an order file (by its content hash) were last printed: each
        Rx's latest ``dispense`` or ``batch-reprint`` entry from runs of the file, as its
        id and its payload JSON."""
        latest: dict[str, tuple[int, str]] = {}
        with self.faults():
            for prefix in (f"dispense:{digest}:", f"batch-reprint:{digest}:"):
                for row in self.db.execute(
                    "SELECT id, rx, payload FROM entries WHERE batch_key >= ? AND batch_key < ?",
                    (prefix, prefix + "\U0010ffff"),
                ):
                    entry_id, rx = int(row[0]), str(row[1])
                    if rx not in latest or latest[rx][0] < entry_id:
                        latest[rx] = (entry_id, str(row[2]))
        return latest

    def dispensed(
        self, rxs: Iterable[str], other_than: str = "", fill_dates: Iterable[str] = ()
    ) -> list[tuple[str, str, int]]:
        """The fills the labels and batch orders logged for these Rx numbers dispensed,
        as (Rx, fill date, entry id): every fill date of a label (a pre-printed
        titration's too), but not an entry a correction was logged against, nor a batch
        order whose key starts with ``other_than`` (an earlier run of the same file).
        ``fill_dates``: only these (the others are not read). Found by the Rx index."""
        wanted = sorted(set(rxs))
        dates = sorted(set(fill_dates))
        only = "".join(" OR payload LIKE ?" for _ in dates)
        found: list[tuple[str, str, int]] = []
        corrected: set[int] = set()
        with self.faults():
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                marks = ", ".join("?" * len(part))
                rows = self.db.execute(
                    "SELECT id, rx, kind, batch_key, payload, corrects FROM entries WHERE "
                    f"rx IN ({marks}) AND (kind = 'correction' OR (kind IN ('label', "
                    f"'dispense'){' AND (0 = 1' + only + ')' if dates else ''}))",
                    [*part, *(f'%"{d}"%' for d in dates)],
                ).fetchall()
                for row in rows:
                    if row[2] == "correction":
                        corrected.add(int(row[5] or 0))
                    elif not (other_than and str(row[3] or "").startswith(other_than)):
                        payload = json.loads(row[4])
                        fills = payload.get("fill_dates") or [payload.get("fill_date") or ""]
                        found += [(str(row[1]), str(f), int(row[0])) for f in fills]
        return [item for item in found if item[2] not in corrected]

    def latest_label(self, rx: str) -> Entry | None:
        """The label last printed for an Rx: by ``label``, a batch, or a later run of
        the same order file that printed it otherwise (``batch-reprint``)."""
        found = self._entries(
            "SELECT * FROM entries WHERE rx = ? AND kind IN ('label', 'dispense', "
            "'batch-reprint') ORDER BY id DESC LIMIT 1",
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

    def last_entry_id(self) -> int:
        """The id of the newest entry (0 for an empty log): entries after it are newer."""
        with self.faults():
            return int(self.db.execute("SELECT COALESCE(MAX(id), 0) FROM entries").fetchone()[0])

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
            for name in self.dialect.trigger_names()
            if not self.dialect.has_trigger(self.db, name)
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
        cursor = self.dialect.rows(
            self.db,
            "SELECT id, kind, rx, lot, created_at, corrects, payload, batch_key, hash, prev_hash "
            "FROM entries ORDER BY id",
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
        highest = self.dialect.highest_entry_id(self.db)
        if highest is not None and highest > count:
            return bad(f"entries after entry {count} were removed", count + 1)
        if not anchored:
            return bad(f"the noted chain head {anchor} is not in the log (it was rewritten)")
        frames: set[str] = set()
        for row in self.dialect.rows(self.db, "SELECT hash, body FROM snapshots"):
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

    # ---------------------------------------------------------------- copying

    def table_counts(self) -> dict[str, int]:
        """How many rows each table of the log holds that a copy carries."""
        return {
            table: int(self.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
            for table in COPIED_TABLES
        }

    def is_empty(self) -> bool:
        return not any(self.table_counts().values())

    def copy_from(self, source: Store, expected: Verification) -> dict[str, int]:
        """Copy every entry (ids, hashes and all), ingredient row, snapshot and older
        lot counter of ``source`` into this log, which must be empty, in one transaction
        that commits only if this log then verifies to ``expected`` (the source's chain
        head and entry count) and holds as many rows in each table. Call it holding the
        source's write lock. Returns the counts."""
        with self.transaction():
            counts = self.table_counts()
            if any(counts.values()) or self.db.execute(
                "SELECT 1 FROM reservations"
            ).fetchone():
                raise DataFileError(
                    str(self.path),
                    "",
                    f"is not empty ({counts['entries']} entries): a log is copied only into "
                    "a new one",
                    "a new, empty database or file",
                )
            for table, (columns, order) in COPIED_TABLES.items():
                marks = ", ".join("?" * len(columns.split(",")))
                with source.faults():  # read as they come, written 10,000 at a time
                    rows = source.dialect.rows(
                        source.db, f"SELECT {columns} FROM {table} ORDER BY {order}"
                    )
                while True:
                    with source.faults():
                        part = [tuple(row) for row in itertools.islice(rows, 10_000)]
                    if not part:
                        break
                    self.db.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", part)
            with source.faults():
                wanted = source.table_counts()
            copied, found = self.verify(), self.table_counts()
            if not copied.ok or (copied.entries, copied.head) != (
                expected.entries,
                expected.head,
            ):
                raise DataFileError(
                    str(self.path),
                    "",
                    f"did not verify after the copy ({copied.problem or 'another chain head'}); "
                    "nothing was copied",
                    "a copy of the source's chain",
                )
            if found != wanted:
                table = next(t for t in found if found[t] != wanted[t])
                raise DataFileError(
                    str(self.path),
                    table,
                    f"holds {found[table]} rows after the copy, the source {wanted[table]}; "
                    "nothing was copied",
                )
        return found

    def _has_snapshot(self, digest: str) -> bool:
        return bool(self.db.execute("SELECT 1 FROM snapshots WHERE hash = ?", (digest,)).fetchone())


def _tuple(errors: type[Exception] | tuple[type[Exception], ...]) -> tuple[type[Exception], ...]:
    return errors if isinstance(errors, tuple) else (errors,)


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _backfill_ingredient_uses(db: Any) -> None:
    """Version 1 kept ingredient lots only in the payload: copy them into rows."""
    for row in db.execute("SELECT id, payload FROM entries").fetchall():
        db.executemany(
            "INSERT INTO ingredient_uses (entry_id, ingredient, lot, expiry, quantity) "
            "VALUES (?, ?, ?, ?, ?)",
            _uses(row[0], json.loads(row[1])),
        )


def _backfill_chain(db: Any) -> None:
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
