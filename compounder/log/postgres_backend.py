"""The compounding log on a PostgreSQL server: the dialect ``store.Store`` uses for a
``postgresql://user@host/dbname`` location. Imported only for such a location, so
psycopg (the ``postgres`` extra) is never loaded for a SQLite log.

Same log, other database: the tables and columns of schema version 4, lots allocated
in the entry's write transaction with a UNIQUE index behind them, the hash chain, and
the log append-only in the database: a trigger on every table refuses UPDATE, DELETE
and TRUNCATE (an ``INSERT ... ON CONFLICT DO UPDATE`` fires the UPDATE trigger), and the
workstations' role is granted only SELECT and INSERT (README, "A shared log").

Writers take one transaction-scoped advisory lock (``pg_advisory_xact_lock``) first,
as SQLite's ``BEGIN IMMEDIATE`` takes the file's write lock: the next lot number and
the previous entry's hash are read under it, so two workstations never get the same
lot or fork the chain, and readers are never blocked. A lost connection rolls the open
transaction back on the server: nothing of it is kept.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import conninfo
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus

from compounder.errors import CompounderError, DataFileError, OutputError
from compounder.log import dialect as common

#: The log's write lock: one advisory lock key (they are per database), "COMPLOG" in hex.
WRITE_LOCK_KEY = 0x434F4D504C4F47

#: Seconds to wait for the server to answer a connection.
CONNECT_TIMEOUT_S = 10

#: The trigger that keeps every table append-only (its message is the one SQLite gives).
APPEND_ONLY_FUNCTION = f"""CREATE FUNCTION compounder_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{common.APPEND_ONLY}'; END $$"""

#: Every table of the log (``store.TABLE_KEYS`` names the same ones).
TABLES = tuple(common.TABLE_KEYS)


def _append_only_triggers() -> list[str]:
    statements = []
    for table in TABLES:
        for event in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER {table}_append_only_{event.lower()} BEFORE {event} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION compounder_append_only()"
            )
        statements.append(
            f"CREATE TRIGGER {table}_append_only_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION compounder_append_only()"
        )
    return statements


def _bytewise(statements: list[str]) -> list[common.Migration]:
    return [re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', statement) for statement in statements]


#: A PostgreSQL log begins at version 4 (no older one exists): this step creates the
#: tables, columns and indexes that SQLite's versions 1-4 add up to. Text compares
#: byte by byte (``COLLATE "C"``), as in SQLite, whatever the server's locale: lot
#: numbers and entry keys are found by range (``lot >= '20261201-'``), which a
#: language's collation (one that skips punctuation) would get wrong. Later versions add
#: a step here and one in ``store.MIGRATIONS``, both applied on open.
SCHEMA_4 = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE lot_sequence (day TEXT PRIMARY KEY, last INTEGER NOT NULL)",
    """CREATE TABLE entries (
        id BIGINT PRIMARY KEY,
        kind TEXT NOT NULL,
        rx TEXT,
        lot TEXT,
        created_at TEXT NOT NULL,
        corrects BIGINT REFERENCES entries(id),
        payload TEXT NOT NULL,
        batch_key TEXT,
        prev_hash TEXT,
        hash TEXT
    )""",
    "CREATE INDEX entries_rx ON entries (rx)",
    "CREATE INDEX entries_lot ON entries (lot)",
    "CREATE UNIQUE INDEX entries_batch_key ON entries (batch_key)",
    "CREATE UNIQUE INDEX entries_preparation_lot ON entries (lot) WHERE kind = 'preparation'",
    """CREATE TABLE ingredient_uses (
        entry_id BIGINT NOT NULL REFERENCES entries(id),
        ingredient TEXT NOT NULL,
        lot TEXT NOT NULL,
        expiry TEXT,
        quantity TEXT
    )""",
    "CREATE INDEX ingredient_uses_lot ON ingredient_uses (lot)",
    "CREATE INDEX ingredient_uses_entry ON ingredient_uses (entry_id)",
    "CREATE TABLE snapshots (hash TEXT PRIMARY KEY, body TEXT NOT NULL)",
    "CREATE TABLE schema_versions (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
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
]
MIGRATIONS: dict[int, list[common.Migration]] = {
    4: [*_bytewise(SCHEMA_4), APPEND_ONLY_FUNCTION, *_append_only_triggers()],
}


def redacted(url: str) -> str:
    """The URL as messages show it: without a password."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        user = f"{parts.username}@" if parts.username else ""
        return urlunsplit((parts.scheme, f"{user}{host}", parts.path, "", ""))
    except ValueError:
        return url.partition("://")[0] + "://..."


class Row(tuple[Any, ...]):
    """A row read by index or by column name, as ``sqlite3.Row`` is."""

    names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self.names)


def _row_factory(cursor: Any) -> Any:
    description = cursor.description
    if description is None:
        return tuple
    names = {column.name: i for i, column in enumerate(description)}

    def make(values: Sequence[Any]) -> Row:
        row = Row(values)
        row.names = names
        return row

    return make


class Connection:
    """A psycopg connection with the few ``sqlite3.Connection`` methods ``Store`` calls,
    taking the same SQL (``?`` placeholders)."""

    def __init__(self, connection: psycopg.Connection[Any], dialect: PostgresDialect) -> None:
        self.connection = connection
        self.dialect = dialect
        self._sql: dict[str, str] = {}

    def _convert(self, sql: str) -> str:
        converted = self._sql.get(sql)
        if converted is None:
            converted = self._sql[sql] = sql.replace("%", "%%").replace("?", "%s")
        return converted

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cursor = self.connection.cursor()
        try:
            if params:
                cursor.execute(self._convert(sql), params)
            else:  # may hold several statements (the write lock's)
                cursor.execute(sql, prepare=False)
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            # the server or the network, never the statement: named wherever it happens
            raise self.dialect.fault(exc) from None
        return cursor

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        """``INSERT INTO t (columns) VALUES (?, ...)`` for many rows is sent as one
        COPY (a batch's 10,000 entries in one stream, not 10,000 statements; the same
        constraints hold); anything else row by row, pipelined."""
        rows = list(rows)
        cursor = self.connection.cursor()
        head, values, _ = sql.partition(" VALUES (")
        try:
            if values and head.startswith("INSERT INTO ") and len(rows) > 1:
                with cursor.copy(f"COPY {head.removeprefix('INSERT INTO ')} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            elif rows:
                cursor.executemany(self._convert(sql), rows)
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            raise self.dialect.fault(exc) from None
        return cursor

    @property
    def in_transaction(self) -> bool:
        return self.connection.info.transaction_status in (
            TransactionStatus.INTRANS,
            TransactionStatus.INERROR,
            TransactionStatus.ACTIVE,
        )

    def close(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self.connection.close()


class PostgresDialect(common.Dialect):
    name = "postgresql"
    errors = psycopg.Error
    migrations = MIGRATIONS

    def __init__(self, url: str) -> None:
        self.url = url
        self.label = redacted(url)
        self.connected = False

    def connect(self) -> Any:
        try:
            connection = psycopg.connect(
                self.url,
                autocommit=True,
                row_factory=_row_factory,
                connect_timeout=CONNECT_TIMEOUT_S,
                application_name="compounder",
                # a cut network is noticed within about half a minute, not hours later
                keepalives=1,
                keepalives_idle=10,
                keepalives_interval=5,
                keepalives_count=3,
                tcp_user_timeout=30_000,
            )
        except psycopg.Error as exc:
            raise self.fault(exc) from None
        self.connected = True
        return Connection(connection, self)

    def prepare(self, db: Any) -> None:
        pass

    def begin_sql(self) -> str:
        wait_ms = max(1, int(self.lock_timeout_s * 1000))
        return (
            f"BEGIN; SET LOCAL lock_timeout = '{wait_ms}ms'; "
            f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"
        )

    def fault(self, exc: Exception) -> CompounderError:
        name = self.label
        state = getattr(exc, "sqlstate", None)
        text = str(exc).lower()
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, pg_errors.LockNotAvailable) or state == "55P03":
            return DataFileError(
                name,
                "",
                f"is locked by another workstation for over {self.lock_timeout_s} s",
                "try again when the other workstation has finished",
            )
        if state in ("53100", "53200"):
            return OutputError(name, "the database server is out of space; nothing was logged")
        if state == "42501" or "permission denied" in text:
            return DataFileError(
                name,
                "",
                f"refused the change: the database user lacks a right ({first})",
                "the rights README 'A shared log' lists",
            )
        missing = DataFileError(
            name, "", "names a database that does not exist", "a database created for the log"
        )
        if state == "3D000" or ("database" in text and "does not exist" in text):
            return missing
        if "password" in text or state in ("28P01", "28000"):
            return DataFileError(
                name,
                "",
                "refused the user name or password",
                "the log's user and its password (in ~/.pgpass or PGPASSWORD)",
            )
        if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
            waited = "timeout" in text or "timed out" in text  # no second wait for one
            if not self.connected and not waited and self._database_missing():
                return missing
            if not self.connected:
                return DataFileError(
                    name,
                    "",
                    "cannot be reached (the database server is down or the network is cut)",
                    "a running server; try again when it answers",
                )
            return DataFileError(
                name,
                "",
                "lost its connection to the database server; nothing of this command was "
                "logged",
                "try again when the server answers",
            )
        return DataFileError(
            name,
            "",
            f"refused the change or is not a Compounder log ({first})",
            "the log Compounder created; restore it from a backup",
        )

    def _database_missing(self) -> bool:
        """Whether the server answers and has no database of the log's name (asked on
        its ``postgres`` or ``template1`` database, whatever language its messages are
        in): a failed connection to a live server is not "the server is down". False
        when that cannot be told."""
        try:
            wanted = conninfo.conninfo_to_dict(self.url).get("dbname")
        except psycopg.Error:
            return False
        if not wanted:
            return False
        for other in ("postgres", "template1"):
            if other == wanted:
                continue
            try:
                with psycopg.connect(
                    conninfo.make_conninfo(self.url, dbname=other),
                    autocommit=True,
                    connect_timeout=CONNECT_TIMEOUT_S,
                ) as probe:
                    found = probe.execute(
                        "SELECT 1 FROM pg_database WHERE datname = %s", (wanted,)
                    ).fetchone()
                    return found is None
            except psycopg.Error:
                continue
        return False

    def tables(self, db: Any) -> set[str]:
        return {
            r[0]
            for r in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
        }

    def foreign(self, db: Any) -> bool:
        return bool(self.tables(db))

    def trigger_names(self) -> list[str]:
        return [
            f"{t}_append_only_{e}" for t in TABLES for e in ("update", "delete", "truncate")
        ]

    def has_trigger(self, db: Any, name: str) -> bool:
        return bool(
            db.execute(
                "SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = ? AND t.tgenabled <> 'D' "
                "AND c.relnamespace = current_schema()::regnamespace",
                (name,),
            ).fetchone()
        )

    def rows(self, db: Any, sql: str) -> Iterator[Any]:
        try:
            yield from db.connection.cursor().stream(sql)
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            raise self.fault(exc) from None

    def highest_entry_id(self, db: Any) -> int | None:
        return None  # entry ids are the chain's; a removed tail is caught by --head
