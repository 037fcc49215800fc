"""The compounding log on a PostgreSQL server: the backend of a
``postgresql://user@host/dbname`` location. Imported only for such a location, so
psycopg (the ``postgres`` extra) is never loaded for a SQLite log.

Same log, other database: the same tables and columns (``schema``), lots allocated
in the entry's write transaction with a UNIQUE index behind them, the hash chain, and
the log append-only in the database: a trigger on every table refuses UPDATE, DELETE
and TRUNCATE (an ``INSERT ... ON CONFLICT DO UPDATE`` fires the UPDATE trigger), and the
workstations' role is granted only SELECT and INSERT (docs/log.md, "A shared log").

Writers take one transaction-scoped advisory lock (``pg_advisory_xact_lock``) first,
as SQLite's ``BEGIN IMMEDIATE`` takes the file's write lock: the next lot number and
the previous entry's hash are read under it, so two workstations never get the same
lot or fork the chain, and readers are never blocked. A lost connection rolls the open
transaction back on the server: nothing of it is kept. Text compares byte by byte
(``COLLATE "C"``), as in SQLite, whatever the server's locale: lot numbers and entry
keys are found by range (``lot >= '20261201-'``), which a language's collation (one that
skips punctuation) would get wrong.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import conninfo
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus

from compounder.errors import CompounderError, DataFileError, OutputError
from compounder.log.backends import base

if TYPE_CHECKING:
    from compounder.log.schema import Table

#: The log's write lock: one advisory lock key (they are per database), "COMPLOG" in hex.
WRITE_LOCK_KEY = 0x434F4D504C4F47

#: Seconds to wait for the server to answer a connection.
CONNECT_TIMEOUT_S = 10

#: The body of the append-only triggers' function (its message is the one SQLite gives).
APPEND_ONLY_BODY = f" BEGIN RAISE EXCEPTION '{base.APPEND_ONLY}'; END "

#: The body of the running balance's trigger function (``running_balance``): the same
#: checks, and messages, as SQLite's trigger.
RUNNING_BALANCE_BODY = (
    " DECLARE last_seq integer; last_balance bigint; last_unit text; BEGIN "
    "SELECT seq, balance, unit INTO last_seq, last_balance, last_unit FROM stock_moves "
    "WHERE lot = NEW.lot ORDER BY seq DESC LIMIT 1; "
    "IF NEW.seq IS DISTINCT FROM COALESCE(last_seq, 0) + 1 "
    "OR NEW.balance IS DISTINCT FROM COALESCE(last_balance, 0) + NEW.change "
    "OR NEW.unit IS DISTINCT FROM COALESCE(last_unit, NEW.unit) THEN "
    f"RAISE EXCEPTION '{base.OUT_OF_STEP.replace(chr(39), chr(39) * 2)}'; END IF; "
    f"IF NEW.balance < 0 THEN RAISE EXCEPTION '{base.BELOW_ZERO}'; END IF; "
    "RETURN NEW; END "
)


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
    """A psycopg connection taking the log's SQL: ``?`` placeholders (the one way the
    shared statements are written) are sent as psycopg's ``%s``."""

    def __init__(self, connection: psycopg.Connection[Any], backend: PostgresBackend) -> None:
        self.connection = connection
        self.backend = backend
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
            raise self.backend.fault(exc) from None
        return cursor

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        """One statement for many rows, pipelined (``insert_many`` copies in bulk)."""
        rows = list(rows)
        cursor = self.connection.cursor()
        try:
            if rows:
                cursor.executemany(self._convert(sql), rows)
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            raise self.backend.fault(exc) from None
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


class PostgresBackend(base.Backend):
    name = "postgresql"
    errors = (psycopg.Error,)
    first_version = 4  # no older PostgreSQL log exists
    commit_answer_can_be_lost = True
    column_types: ClassVar[dict[str, str]] = {
        "entry_id": "BIGINT PRIMARY KEY",
        "entry": "BIGINT",
        "text": 'TEXT COLLATE "C"',
        "int": "INTEGER",
        "amount": "BIGINT",
    }

    def __init__(self, url: str, read_only: bool = False, must_exist: bool = False) -> None:
        self.url = url
        self.read_only = read_only  # (a server's log always exists once connected to)
        self.label = self.where = redacted(url)
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
        if self.read_only:  # a read-only session: nothing can be written through it
            db.execute("SET default_transaction_read_only = on")

    def begin(self, db: Any) -> None:
        wait_ms = max(1, int(base.LOCK_TIMEOUT_S * 1000))
        db.execute(
            f"BEGIN; SET LOCAL lock_timeout = '{wait_ms}ms'; "
            f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"
        )

    def fault(self, exc: Exception) -> CompounderError:
        name = self.label
        refused = base.balance_refusal(str(exc), name)
        if refused is not None:
            return refused
        state = getattr(exc, "sqlstate", None)
        text = str(exc).lower()
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, pg_errors.LockNotAvailable) or state == "55P03":
            return DataFileError(
                name,
                "",
                f"is locked by another workstation for over {base.LOCK_TIMEOUT_S} s",
                "try again when the other workstation has finished",
            )
        if state in ("53100", "53200"):
            return OutputError(name, "the database server is out of space; nothing was logged")
        if state == "42501" or "permission denied" in text:
            return DataFileError(
                name,
                "",
                f"refused the change: the database user lacks a right ({first})",
                "the rights docs/log.md ('A shared log') lists",
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
                "lost its connection to the database server; nothing of this command was logged",
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

    def trigger_names(self, table: str) -> list[str]:
        return [f"{table}_append_only_{event}" for event in ("update", "delete", "truncate")]

    def append_only_setup(self) -> list[str]:
        name, language, body = self.guard_function()
        return [f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE {language} AS $${body}$$"]

    def guard_function(self) -> tuple[str, str, str]:
        """The trigger function the append-only triggers call: its name, language and
        body (``guards`` compares the server's with it)."""
        return "compounder_append_only", "plpgsql", APPEND_ONLY_BODY

    def guard_functions(self) -> dict[str, tuple[str, str]]:
        """Every trigger function the schema makes: name -> language and body."""
        return {
            name: (language, body)
            for name, language, body in (self.guard_function(), self.balance_function())
        }

    def balance_function(self) -> tuple[str, str, str]:
        """The trigger function of received lots' running balance."""
        return "compounder_running_balance", "plpgsql", RUNNING_BALANCE_BODY

    def running_balance_setup(self) -> list[str]:
        name, language, body = self.balance_function()
        return [f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE {language} AS $${body}$$"]

    def running_balance(self, table: Table) -> list[str]:
        """Each row checked before it is written (a row of the same lot written at
        once by another transaction waits for it, then breaks the unique (lot, seq))."""
        name = self.balance_function()[0]
        return [
            f"CREATE TRIGGER {table.name}_running_balance BEFORE INSERT ON {table.name} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()"
        ]

    def append_only(self, table: Table) -> list[str]:
        """UPDATE and DELETE refused row by row (an ``INSERT ... ON CONFLICT DO UPDATE``
        fires the UPDATE trigger), TRUNCATE for the statement."""
        statements = [
            f"CREATE TRIGGER {table.name}_append_only_{event.lower()} BEFORE {event} "
            f"ON {table.name} FOR EACH ROW EXECUTE FUNCTION compounder_append_only()"
            for event in ("UPDATE", "DELETE")
        ]
        statements.append(
            f"CREATE TRIGGER {table.name}_append_only_truncate BEFORE TRUNCATE ON {table.name} "
            "FOR EACH STATEMENT EXECUTE FUNCTION compounder_append_only()"
        )
        return statements

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

    def insert_many(
        self, db: Any, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        """Many rows as one COPY (a batch's 10,000 entries in one stream, not 10,000
        statements; the same constraints and triggers hold)."""
        if len(rows) <= 1:
            marks = ", ".join("?" * len(columns))
            db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
            return
        try:
            cursor = db.connection.cursor()
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            raise self.fault(exc) from None

    # entry ids are the chain's; a removed tail is caught by --head (highest_entry_id)
