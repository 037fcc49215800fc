"""What a compounding log's database must provide, whichever it is: the tables and
their keys, the append-only rule, and the ``Dialect`` interface that SQLite
(``store.SqliteDialect``) and PostgreSQL (``postgres_backend``) implement. ``Store`` holds
everything else, shared; neither backend imports the other or the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from compounder.errors import CompounderError

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


#: A migration step: SQL, or a function given the open database.
Migration = str | Callable[[Any], None]


class Dialect:
    """What differs between the databases a log can live in. Everything else in
    ``Store`` is shared."""

    name = ""
    errors: type[Exception] | tuple[type[Exception], ...] = ()
    migrations: ClassVar[dict[int, list[Migration]]] = {}
    begin = "BEGIN"
    #: how long a writer waits for the log's write lock (set by ``Store``)
    lock_timeout_s: float = 60
    label = ""

    def connect(self) -> Any:
        raise NotImplementedError

    def prepare(self, db: Any) -> None:
        """Settings of a newly opened connection (inside ``Store.faults``)."""

    def begin_sql(self) -> str:
        return self.begin

    def fault(self, exc: Exception) -> CompounderError:
        raise NotImplementedError

    def tables(self, db: Any) -> set[str]:
        raise NotImplementedError

    def foreign(self, db: Any) -> bool:
        """Whether a database without Compounder's tables holds anything else."""
        raise NotImplementedError

    def trigger_names(self) -> list[str]:
        raise NotImplementedError

    def has_trigger(self, db: Any, name: str) -> bool:
        raise NotImplementedError

    def rows(self, db: Any, sql: str) -> Iterator[Any]:
        """The rows of a query over a whole table, read as they come."""
        raise NotImplementedError

    def highest_entry_id(self, db: Any) -> int | None:
        """The highest entry id the database ever gave out (None: it does not keep one)."""
        raise NotImplementedError


__all__ = ["APPEND_ONLY", "TABLE_KEYS", "Dialect", "Migration"]
