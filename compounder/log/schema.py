"""The log's schema, written once: its tables, columns, indexes and append-only rule,
each dated by the version that added it, and the migrations that bring a log forward.

A backend writes the description in its own SQL (``Backend.column_types``,
``Backend.append_only``). A SQLite log is built version by version, as the file of an
older Compounder was; a PostgreSQL log (none older than version 4 exists) begins with
everything of version 4 at once, then follows the same later migrations. Each
migration is a named function; released ones are never edited (a change is a new
version).

Every table is append-only in the database itself: triggers refuse UPDATE, DELETE and
an INSERT that would replace a row (``Table.same_row`` says which row would be the
same); a correction is a new entry naming the one it corrects. A table kept as a
running balance (``Table.balanced``: received lots' stock, ``stock_moves``) has one
more trigger, which refuses a row that does not follow its lot's last one or would
leave the lot below zero (``Backend.running_balance``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from compounder.errors import DataFileError
from compounder.log.chain import GENESIS, entry_hash
from compounder.log.kinds import ingredient_uses, looked_up

if TYPE_CHECKING:
    from compounder.log.backends.base import Backend

SCHEMA_VERSION = 6


@dataclass(frozen=True)
class Column:
    name: str
    #: "text", "int", "entry_id" (the entries' own key), "entry" (refers to an entry),
    #: "amount" (a whole number of millionths of a unit: ``receipts.STOCK_SCALE``)
    type: str = "text"
    required: bool = False
    key: bool = False
    added: int = 1
    check: str = ""  # a CHECK the database holds on the column

    def sql(self, backend: Backend) -> str:
        text = f"{self.name} {backend.column_types[self.type]}"
        if self.key and self.type != "entry_id":
            text += " PRIMARY KEY"
        if self.required:
            text += " NOT NULL"
        if self.type == "entry":
            text += " REFERENCES entries(id)"
        if self.check:
            text += f" CHECK ({self.check})"
        return text


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    #: an INSERT of the row NEW would replace a row where this holds (SQL); "": the
    #: table is not kept append-only (scratch of a version long gone)
    same_row: str
    added: int
    dropped: int | None = None
    #: rows of a running balance per lot (``Backend.running_balance``)
    balanced: bool = False

    def exists_in(self, version: int) -> bool:
        return self.added <= version and (self.dropped is None or version < self.dropped)

    def create(self, backend: Backend, version: int) -> str:
        columns = ", ".join(c.sql(backend) for c in self.columns if c.added <= version)
        return f"CREATE TABLE {self.name} ({columns})"


@dataclass(frozen=True)
class Index:
    name: str
    table: str
    columns: str
    added: int
    unique: bool = False
    where: str = ""

    def create(self) -> str:
        unique = "UNIQUE " if self.unique else ""
        where = f" WHERE {self.where}" if self.where else ""
        return (
            f"CREATE {unique}INDEX IF NOT EXISTS {self.name} ON {self.table} "
            f"({self.columns}){where}"
        )


def _text(name: str, required: bool = False, added: int = 1) -> Column:
    return Column(name, "text", required, added=added)


TABLES: tuple[Table, ...] = (
    Table(
        "meta",
        (Column("key", key=True), _text("value", True)),
        "key = NEW.key",
        added=1,
    ),
    # lot counters of versions 1-3, kept (frozen) for older logs' lot numbers
    Table(
        "lot_sequence",
        (Column("day", key=True), Column("last", "int", True)),
        "1 = 1",
        added=1,
    ),
    Table(
        "entries",
        (
            Column("id", "entry_id", key=True),
            _text("kind", True),
            _text("rx"),
            _text("lot"),
            _text("created_at", True),
            Column("corrects", "entry"),
            _text("payload", True),
            _text("batch_key", added=2),  # the entry's key (``kinds``), if it has one
            _text("prev_hash", added=4),  # the chain (``chain``)
            _text("hash", added=4),
        ),
        "id = NEW.id OR batch_key = NEW.batch_key OR "
        "(kind = 'preparation' AND NEW.kind = 'preparation' AND lot = NEW.lot)",
        added=1,
    ),
    # ingredient lots as rows, for tracing (written with their entry)
    Table(
        "ingredient_uses",
        (
            Column("entry_id", "entry", True),
            _text("ingredient", True),
            _text("lot", True),
            _text("expiry"),
            _text("quantity"),
        ),
        "rowid = NEW.rowid",
        added=2,
    ),
    # label snapshots, stored under the hash of their JSON text
    Table("snapshots", (Column("hash", key=True), _text("body", True)), "hash = NEW.hash", 2),
    # version 3 staged a batch's orders here; they are staged in the run's folder now
    Table(
        "staged",
        (
            _text("run_key", True),
            Column("seq", "int", True),
            _text("rx"),
            _text("lot"),
            _text("payload", True),
            _text("batch_key", True),
        ),
        "",
        added=3,
        dropped=4,
    ),
    Table(
        "schema_versions",
        (Column("version", "int", key=True), _text("applied_at", True)),
        "version = NEW.version",
        added=4,
    ),
    # a batch run's planned lots, held while it prints and released when it ends
    # (scratch rows, not the log: the lot is logged with the run's records)
    Table(
        "reservations",
        (
            _text("lot", True),
            _text("day", True),
            _text("run_key", True),
            _text("batch_key", True),
            _text("reserved_at", True),
        ),
        "rowid = NEW.rowid OR (lot = NEW.lot AND run_key = NEW.run_key)",
        added=4,
    ),
    Table(
        "reservation_ends",
        (_text("run_key", True), _text("ended_at", True)),
        "rowid = NEW.rowid",
        added=4,
    ),
    # payload fields the log looks entries up by (``kinds.looked_up``): written with
    # the entry, so no query searches the payload's JSON text
    Table(
        "entry_fields",
        (Column("entry_id", "entry", True), _text("field", True), _text("value", True)),
        "rowid = NEW.rowid",
        added=5,
    ),
    # received lots' stock as a running balance, one row per change of a lot (its
    # receipt, a count, what a preparation took), written with the entry that changed
    # it: the database refuses a row that does not follow the lot's last one or would
    # leave it below zero (amounts in millionths of the lot's unit)
    Table(
        "stock_moves",
        (
            Column("entry_id", "entry", True),
            _text("lot", True),
            Column("seq", "int", True),  # the lot's rows, numbered 1, 2, 3...
            _text("unit", True),
            Column("change", "amount", True),
            Column("balance", "amount", True, check="balance >= 0"),
        ),
        "lot = NEW.lot AND seq = NEW.seq",
        added=6,
        balanced=True,
    ),
)

INDEXES: tuple[Index, ...] = (
    Index("entries_rx", "entries", "rx", 1),
    Index("entries_lot", "entries", "lot", 1),
    Index("ingredient_uses_lot", "ingredient_uses", "lot", 2),
    Index("entries_batch_key", "entries", "batch_key", 2, unique=True),
    Index("staged_run", "staged", "run_key, seq", 3),
    Index(
        "entries_preparation_lot", "entries", "lot", 4, unique=True, where="kind = 'preparation'"
    ),
    Index("reservations_lot", "reservations", "lot", 4),
    Index("reservations_key", "reservations", "batch_key", 4),
    Index("reservation_ends_run", "reservation_ends", "run_key", 4),
    Index("ingredient_uses_entry", "ingredient_uses", "entry_id", 5),
    Index("entry_fields_value", "entry_fields", "field, value", 5),
    Index("stock_moves_lot", "stock_moves", "lot, seq", 6, unique=True),
)

TABLE = {table.name: table for table in TABLES}


def columns(table: str) -> tuple[str, ...]:
    """A table's columns, in order (as of the current version)."""
    return tuple(c.name for c in TABLE[table].columns)


def tables_of(version: int = SCHEMA_VERSION) -> list[str]:
    """The tables a log of this version holds (every one of them append-only)."""
    return [t.name for t in TABLES if t.exists_in(version)]


def trigger_names(backend: Backend, version: int = SCHEMA_VERSION) -> list[str]:
    """Every append-only trigger a log of this version holds."""
    return [name for table in tables_of(version) for name in backend.trigger_names(table)]


def guard_statements(backend: Backend, table: Table) -> list[str]:
    """The triggers that guard one table: append-only, and a running balance's."""
    balance = backend.running_balance(table) if table.balanced else []
    return [*backend.append_only(table), *balance]


# ---------------------------------------------------------------- migrations


@dataclass
class Step:
    """One migration being applied: the connection, its backend, and the version."""

    db: Any
    backend: Backend
    version: int
    where: str = "log"  # the log's name in messages

    def run(self, *statements: str) -> None:
        for statement in statements:
            self.db.execute(statement)

    def create_tables(self) -> None:
        """The tables, and the columns of older tables, this version adds."""
        for table in TABLES:
            if table.added == self.version:
                self.run(table.create(self.backend, self.version))
            elif table.exists_in(self.version):
                for column in table.columns:
                    if column.added == self.version:
                        self.run(f"ALTER TABLE {table.name} ADD COLUMN {column.sql(self.backend)}")

    def create_indexes(self) -> None:
        self.run(*(i.create() for i in INDEXES if i.added == self.version))

    def drop_tables(self) -> None:
        self.run(*(f"DROP TABLE {t.name}" for t in TABLES if t.dropped == self.version))

    def lock(self, tables: list[str]) -> None:
        """Make these tables append-only (and a running balance's rows checked)."""
        for name in tables:
            self.run(*guard_statements(self.backend, TABLE[name]))


def v1_entries(step: Step) -> None:
    """The log's entries and lot counters (append-only by two triggers of their own)."""
    step.create_tables()
    step.create_indexes()
    for event in ("update", "delete"):
        step.run(
            f"CREATE TRIGGER entries_no_{event} BEFORE {event.upper()} ON entries "
            "BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END"
        )


def v2_ingredient_rows_and_snapshots(step: Step) -> None:
    """Ingredient lots as rows (filled in from the payloads), entry keys, snapshots."""
    step.create_tables()
    step.create_indexes()
    for row in step.db.execute("SELECT id, payload FROM entries").fetchall():
        step.db.executemany(
            "INSERT INTO ingredient_uses (entry_id, ingredient, lot, expiry, quantity) "
            "VALUES (?, ?, ?, ?, ?)",
            ingredient_uses(row[0], json.loads(row[1])),
        )


def v3_staged_orders(step: Step) -> None:
    """A batch run's orders staged in the log while it printed (dropped in version 4)."""
    step.create_tables()
    step.create_indexes()


def v4_hash_chain(step: Step) -> None:
    """Entries chained by hash (older ones chained in order), lots unique, batch
    reservations, a row per version applied, and every table append-only."""
    step.run("DROP TRIGGER entries_no_update", "DROP TRIGGER entries_no_delete")
    step.create_tables()
    prev = GENESIS
    rows = step.db.execute(
        "SELECT id, kind, rx, lot, created_at, corrects, batch_key, payload FROM entries "
        "ORDER BY id"
    ).fetchall()
    for row in rows:
        digest = entry_hash(prev, *row)
        step.db.execute(
            "UPDATE entries SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, row[0])
        )
        prev = digest
    step.create_indexes()
    step.drop_tables()
    step.lock(tables_of(4))


def created_as_of_4(step: Step) -> None:
    """A new PostgreSQL log: every table, index and trigger of version 4 at once."""
    for table in TABLES:
        if table.exists_in(4):
            step.run(table.create(step.backend, 4))
    step.run(*(i.create() for i in INDEXES if i.added <= 4 and TABLE[i.table].exists_in(4)))
    step.run(*step.backend.append_only_setup())
    step.lock(tables_of(4))


def v5_entry_fields(step: Step) -> None:
    """The payload fields entries are looked up by, as rows (filled in for older
    entries), and ingredient rows indexed by entry."""
    step.create_tables()
    step.create_indexes()
    rows = step.backend.rows(step.db, "SELECT id, kind, payload FROM entries ORDER BY id")
    fields = [f for row in rows for f in looked_up(int(row[0]), row[1], json.loads(row[2]))]
    if fields:
        step.backend.insert_many(step.db, "entry_fields", ("entry_id", "field", "value"), fields)
    step.lock(["entry_fields"])


def v6_stock_moves(step: Step) -> None:
    """Received lots' stock as a running balance the database checks, filled in from
    the entries already logged (a log whose entries take a lot below zero cannot be
    brought forward: it was altered, and the error names the entry)."""
    from compounder.log.receipts import StockRows, may_change_stock

    step.create_tables()
    step.create_indexes()
    rows = step.backend.rows(step.db, "SELECT id, kind, lot, payload FROM entries ORDER BY id")
    moves = StockRows(lambda lot: None)  # (no row yet: the table is new)
    found = [
        move
        for row in rows
        if may_change_stock(row[1], row[3])
        for move in moves.rows(int(row[0]), row[1], row[2], json.loads(row[3]))
    ]
    below = next((move for move in found if move[5] < 0), None)
    if below is not None:
        raise DataFileError(
            step.where,
            "stock_moves",
            f"entry {below[0]} takes ingredient lot {below[1]} below zero (the log was altered)",
            "restore the log from a backup; 'compounder log verify' names the entry",
        )
    if found:
        step.backend.insert_many(step.db, "stock_moves", columns("stock_moves"), found)
    step.run(*step.backend.running_balance_setup())
    step.lock(["stock_moves"])


Migration = Callable[[Step], None]

#: version -> the migration that brings a log to it from the version before
MIGRATIONS: dict[int, Migration] = {
    1: v1_entries,
    2: v2_ingredient_rows_and_snapshots,
    3: v3_staged_orders,
    4: v4_hash_chain,
    5: v5_entry_fields,
    6: v6_stock_moves,
}

#: a backend's first version -> the migration that creates a new log at it
BEGINNINGS: dict[int, Migration] = {1: v1_entries, 4: created_as_of_4}


def version_of(db: Any, backend: Backend, where: str) -> int:
    """A log's schema version (0: a new, empty database; DataFileError: a database
    that is not a log, or holds no version number)."""
    tables = backend.tables(db)
    if "meta" not in tables:
        if backend.foreign(db):
            raise DataFileError(
                where,
                "",
                "is a database, but not a Compounder log",
                "the log Compounder created, or a new file name",
            )
        return 0
    row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    value = str(row["value"] if row else "0")
    if not value.isdigit() or len(value) > 6:
        raise DataFileError(where, "schema_version", "is not a version number", "restore the log")
    found = int(value)
    if "schema_versions" in tables:  # version 4 on: one row per version applied
        row = db.execute("SELECT MAX(version) FROM schema_versions").fetchone()
        found = max(found, int(row[0] or 0))
    return found


def too_new(where: str, found: int) -> DataFileError:
    """The error for a log written by a newer Compounder."""
    return DataFileError(
        where,
        "schema_version",
        f"is {found}, newer than this Compounder knows",
        f"version {SCHEMA_VERSION} or older: upgrade Compounder",
    )


def apply(db: Any, backend: Backend, current: int, target: int, where: str) -> None:
    """Bring a log from version ``current`` to ``target`` (call inside a transaction);
    a log newer than this Compounder knows is refused."""
    if current > SCHEMA_VERSION:
        raise too_new(where, current)
    done = current
    if current == 0:
        done = backend.first_version
        BEGINNINGS[done](Step(db, backend, done, where))
        _note_version(db, done)
    for version in range(done + 1, target + 1):
        MIGRATIONS[version](Step(db, backend, version, where))
        _note_version(db, version)


def _note_version(db: Any, version: int) -> None:
    if version <= 3:
        db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
            (str(version),),
        )
    else:
        db.execute(
            "INSERT INTO schema_versions (version, applied_at) VALUES (?, ?)",
            (version, datetime.now().isoformat(timespec="seconds")),
        )
