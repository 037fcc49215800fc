"""An open compounding log: opening and migrating it, transactions, appending entries,
and reading them back by id, Rx, lot or key.

The log is one database (a SQLite file, or a PostgreSQL server's database: see
``backends``) holding the tables of ``schema``; it is migrated forward on open and is
append-only in the database itself. Every entry is chained by hash to the one before
(``chain``). Lot numbers are in ``lot_numbers``, a batch run's queries in ``batches``,
moving a log in ``copying``. Writes happen inside ``Store.transaction``, which holds
the log's write lock from its start, so two workstations never get the same lot or
fork the chain; a killed process leaves the last committed state. An entry is written
with the rows its payload is written out to: its ingredient lots, looked-up fields and
received lots' stock rows (whose running balance the database checks: ``receipts``).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from compounder.atomic import checkpoint
from compounder.errors import CompounderError, DataFileError, InputError, SafetyError
from compounder.log import schema
from compounder.log.backends.base import Backend, backend_for
from compounder.log.chain import (
    GENESIS,
    Verification,
    chain_hash,
    content_hash,
    snapshot_hash,
    snapshot_json,
    utc_stamp,
    verify,
)
from compounder.log.kinds import (
    FILE_HASH,
    LABELLED,
    Kind,
    awaiting_rows,
    ingredient_uses,
    kind_text,
    looked_up,
    writes_rows,
)
from compounder.log.location import log_location, missing_log

#: What ``append_many`` takes: kind, Rx, lot, payload JSON, corrects, key.
Row = tuple[str, str | None, str | None, str, int | None, str | None]


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

    def __init__(
        self, path: str | Path | None = None, *, read_only: bool = False, must_exist: bool = False
    ) -> None:
        """Open the log at ``path`` (``log_location``), created and migrated on first use;
        ``must_exist``: a missing log is an error (exit 4) and none is created;
        ``read_only`` (implies ``must_exist``): nothing can be written through it (SQLite
        ``mode=ro``, a read-only PostgreSQL session), and a log written by an older
        Compounder is migrated first only if it can be written."""
        self.location = log_location(path)
        self.backend: Backend = backend_for(self.location, read_only, must_exist)
        #: the log's name in messages (a server URL without its password)
        self.path: Path | str = self.backend.where
        self.db = self.backend.connect()
        #: the last entry the open transaction appended (id, hash)
        self._appended: tuple[int, str] | None = None
        try:
            with self.faults():
                self.backend.prepare(self.db)
                if read_only or must_exist:
                    self._check_exists(read_only)
                self.migrate()
        except BaseException:
            self.db.close()
            raise

    def _check_exists(self, read_only: bool) -> None:
        """A log must be there (with Compounder's tables), not newer than this
        Compounder; an older one opened read-only is migrated first where it can be."""
        found = self.version()
        if found == 0:
            raise missing_log(str(self.path))
        if found > schema.SCHEMA_VERSION:
            raise schema.too_new(str(self.path), found)
        if read_only and found < schema.SCHEMA_VERSION:
            self._migrate_then_read()

    def _migrate_then_read(self) -> None:
        """A read-only log of an older schema: migrated through a writing connection
        (a read-only file or role says so, naming the log), then read as migrated."""
        self.db.close()
        writer = backend_for(self.location, must_exist=True)
        self.db = writer.connect()
        with self.faults():
            writer.prepare(self.db)
            self.migrate()
        self.db.close()
        self.db = self.backend.connect()
        self.backend.prepare(self.db)

    @contextlib.contextmanager
    def faults(self) -> Iterator[None]:
        """A database fault (damaged, not a log, locked, read-only, disk full, server
        unreachable or lost) as a one-line error naming the log and what to do."""
        try:
            yield
        except self.backend.errors as exc:
            raise self.backend.fault(exc) from None

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
            self.backend.begin(self.db)
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
                if self._appended is not None:  # the new head, witnessed outside the log
                    from compounder.log.anchor import witness

                    witness(self, *self._appended)
            except BaseException:
                if self.db.in_transaction:
                    # (a connection already lost has nothing left to roll back)
                    with contextlib.suppress(CompounderError, *self.backend.errors):
                        self.db.execute("ROLLBACK")
                raise

    def _committed_after_all(self) -> bool:
        """Whether a commit whose answer was lost (a server's connection cut while it
        committed) went through after all: asked on a new connection, under the write
        lock (so once the lost transaction has ended either way), by the last entry it
        appended. The caller then keeps its files (the entry is there) or takes them
        back. Nothing to ask of a file, or for a transaction that appended nothing."""
        if self._appended is None or not self.backend.commit_answer_can_be_lost:
            return False
        entry_id, digest = self._appended
        faults: tuple[type[Exception], ...] = (CompounderError, *self.backend.errors)
        self.db.close()
        try:
            self.db = self.backend.connect()
            self.backend.begin(self.db)
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
        """The log's schema version (0: a new, empty database)."""
        return schema.version_of(self.db, self.backend, str(self.path))

    def schema_has(self, table: str) -> bool:
        """Whether the log's schema version holds ``table`` (a log of an older version
        is read as it is until it is migrated)."""
        return table in schema.tables_of(self.version())

    def migrate(self, target: int | None = None) -> None:
        """Bring the log to the current schema version (or ``target``)."""
        target = schema.SCHEMA_VERSION if target is None else target
        if self.version() == target:  # the usual case: no write lock taken
            return
        with self.transaction() as db:
            schema.apply(db, self.backend, self.version(), target, str(self.path))

    # ---------------------------------------------------------------- writing

    def chain_head(self) -> tuple[int, str]:
        """The newest entry's id and hash (0 and the genesis hash for an empty log)."""
        return self._head()

    def _head(self) -> tuple[int, str]:
        row = self.db.execute("SELECT id, hash FROM entries ORDER BY id DESC LIMIT 1").fetchone()
        return (0, GENESIS) if row is None else (int(row["id"]), str(row["hash"]))

    def head(self) -> tuple[int, str]:
        """The last entry's id and hash ((0, GENESIS) for an empty log). Inside a write
        transaction: the head the next entry will follow."""
        with self.faults():
            return self._head()

    def append(
        self,
        kind: Kind,
        rx: str | None,
        lot: str | None,
        payload: dict[str, Any],
        corrects: int | None = None,
        batch_key: str | None = None,
        at: datetime | None = None,
    ) -> int:
        """Append one entry, chained to the last (call inside a transaction)."""
        text = json.dumps(payload, sort_keys=True)
        return self.append_many([(kind, rx, lot, text, corrects, batch_key)], at)[0]

    def append_many(
        self,
        rows: Iterable[Row],
        at: datetime | None = None,
        contents: Iterable[str] | None = None,
    ) -> list[int]:
        """Append entries (kind, rx, lot, payload JSON, corrects, key) in order, each
        chained to the one before, with the rows their payloads are written out to
        (call inside a transaction). ``contents``: their ``content_hash`` values, if
        worked out already."""
        from compounder.log.receipts import StockRows, last_move, may_change_stock

        known = iter(contents) if contents is not None else None
        created = utc_stamp(at)
        last_id, prev = self._head()
        records, uses, fields, moves = [], [], [], []
        stock = StockRows(lambda name: last_move(self, name))
        for kind, rx, lot, payload, corrects, batch_key in rows:
            last_id += 1
            kind = kind_text(kind)
            content = next(known) if known is not None else None
            content = content or content_hash(kind, rx, lot, corrects, batch_key, payload)
            before, prev = prev, chain_hash(prev, last_id, created, content, last_id - 1)
            records.append(
                (last_id, kind, rx, lot, created, corrects, payload, batch_key, before, prev)
            )
            if writes_rows(payload):
                data = json.loads(payload)
                uses += ingredient_uses(last_id, data)
                fields += looked_up(last_id, kind, data)
            else:
                fields += awaiting_rows(last_id, kind, payload)
            if may_change_stock(kind, payload):
                moves += stock.rows(last_id, kind, lot, json.loads(payload))
        if records:
            self._appended = (last_id, prev)
        for table, rows_of_table in (
            ("entries", records),
            ("ingredient_uses", uses),
            ("entry_fields", fields),
            ("stock_moves", moves),  # the database refuses a lot taken below zero
        ):
            if rows_of_table:
                self.backend.insert_many(self.db, table, schema.columns(table), rows_of_table)
        return [record[0] for record in records]

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
        from compounder.log.lot_numbers import next_lot

        with self.transaction():
            lot = next_lot(self, day)
            payload, result = build(lot)
            # stamped when logged (the compounding time given is in the record itself)
            entry_id = self.append(Kind.PREPARATION, rx, lot, payload)
            if publish is not None:
                publish(result)
        return lot, entry_id, result

    def log(
        self,
        kind: Kind,
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

    def add_snapshots(self, snapshots: Iterable[tuple[str, str]]) -> None:
        """Store snapshots (hash, JSON text) not stored yet (call inside a transaction)."""
        self.db.executemany(
            "INSERT INTO snapshots (hash, body) SELECT ?, ? "
            "WHERE NOT EXISTS (SELECT 1 FROM snapshots WHERE hash = ?)",
            [(digest, body, digest) for digest, body in snapshots],
        )

    def put_snapshot(self, body: dict[str, Any]) -> str:
        text, digest = snapshot_json(body)
        with self.transaction():
            self.add_snapshots([(digest, text)])
        return digest

    # ---------------------------------------------------------------- reading

    def entries(self, sql: str, args: Iterable[Any] = ()) -> list[Entry]:
        """The entries a query over ``entries`` finds (``SELECT * FROM entries ...``)."""
        with self.faults():
            rows = self.db.execute(sql, tuple(args)).fetchall()
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
        found = self.entries("SELECT * FROM entries WHERE id = ?", (entry_id,))
        return found[0] if found else None

    def history(self, rx: str) -> list[Entry]:
        """Every entry for an Rx, oldest first (corrections included)."""
        return self.entries(
            "SELECT * FROM entries WHERE rx = ? OR id IN (SELECT corrects FROM entries "
            "WHERE rx = ?) OR corrects IN (SELECT id FROM entries WHERE rx = ?) ORDER BY id",
            (rx, rx, rx),
        )

    def entries_for_lot(self, lot: str) -> list[Entry]:
        return self.entries("SELECT * FROM entries WHERE lot = ? ORDER BY id", (lot,))

    def entry_by_key(self, batch_key: str) -> Entry | None:
        found = self.entries("SELECT * FROM entries WHERE batch_key = ?", (batch_key,))
        return found[0] if found else None

    def entries_of_kind(self, kind: Kind) -> list[Entry]:
        return self.entries("SELECT * FROM entries WHERE kind = ? ORDER BY id", (Kind(kind).value,))

    def entries_with(self, field: str, value: str, kind: Kind | None = None) -> list[Entry]:
        """The entries whose payload holds ``value`` in a looked-up field (``kinds``)."""
        only = "" if kind is None else " AND e.kind = ?"
        return self.entries(
            "SELECT DISTINCT e.* FROM entries e JOIN entry_fields f ON f.entry_id = e.id "
            f"WHERE f.field = ? AND f.value = ?{only} ORDER BY e.id",
            (field, value) if kind is None else (field, value, kind.value),
        )

    def trace(self, ingredient_lot: str) -> list[Entry]:
        """Every preparation that used an ingredient lot, oldest first."""
        return self.entries(
            "SELECT DISTINCT e.* FROM entries e JOIN ingredient_uses u ON u.entry_id = e.id "
            "WHERE u.lot = ? ORDER BY e.id",
            (ingredient_lot,),
        )

    def latest_label(self, rx: str) -> Entry | None:
        """The label last printed for an Rx: by ``label``, a batch, or a later run of
        the same order file that printed it otherwise (``batch-reprint``)."""
        marks = ", ".join("?" * len(LABELLED))
        found = self.entries(
            f"SELECT * FROM entries WHERE rx = ? AND kind IN ({marks}) ORDER BY id DESC LIMIT 1",
            (rx, *(k.value for k in LABELLED)),
        )
        return found[0] if found else None

    @property
    def last_appended(self) -> tuple[int, str] | None:
        """The id and chained hash of the last entry this transaction appended."""
        return self._appended

    def holds_entry(self, entry_id: int, digest: str) -> bool:
        """Whether the log holds entry ``entry_id`` with this chained hash (committed)."""
        with self.faults():
            return bool(
                self.db.execute(
                    "SELECT 1 FROM entries WHERE id = ? AND hash = ?", (entry_id, digest)
                ).fetchone()
            )

    def has_file(self, sha256: str) -> bool:
        """Whether an entry names a file with this SHA-256 (a label's, a record's, a
        ZPL file or PNG previews: ``kinds.file_hashes``)."""
        with self.faults():
            return bool(
                self.db.execute(
                    "SELECT 1 FROM entry_fields WHERE field = ? AND value = ?",
                    (FILE_HASH, sha256),
                ).fetchone()
            )

    def snapshot(self, digest: str) -> dict[str, Any]:
        """A snapshot, checked against the hash it is stored under (SafetyError if the
        text was altered: a label is never drawn from it)."""
        with self.faults():
            row = self.db.execute("SELECT body FROM snapshots WHERE hash = ?", (digest,)).fetchone()
        if row is None:
            raise DataFileError(str(self.path), "snapshots", f"snapshot {digest} is missing")
        if snapshot_hash(row["body"]) != digest:
            raise SafetyError(
                f"the log's snapshot {digest[:12]} does not match its hash (the log was altered)",
                "run 'compounder log verify' and print a new label from the prescription",
            )
        return dict(json.loads(row["body"]))

    def has_snapshot(self, digest: str) -> bool:
        return bool(self.db.execute("SELECT 1 FROM snapshots WHERE hash = ?", (digest,)).fetchone())

    def guard_report(self) -> tuple[list[str], str | None]:
        """Every append-only guard that is not as the schema makes it, and a warning
        for a role that could turn them off (``guards``)."""
        from compounder.log.guards import guard_problems, role_warning

        with self.faults():
            return guard_problems(self), role_warning(self)

    def last_entry_id(self) -> int:
        """The id of the newest entry (0 for an empty log): entries after it are newer."""
        with self.faults():
            return int(self.db.execute("SELECT COALESCE(MAX(id), 0) FROM entries").fetchone()[0])

    def count(self, kind: Kind | None = None) -> int:
        if kind is None:
            return int(self.db.execute("SELECT COUNT(*) FROM entries").fetchone()[0])
        return int(
            self.db.execute(
                "SELECT COUNT(*) FROM entries WHERE kind = ?", (Kind(kind).value,)
            ).fetchone()[0]
        )

    def verify(self, anchor: str | None = None) -> Verification:
        """``chain.verify``: walk the whole log; the first problem is named."""
        return verify(self, anchor)
