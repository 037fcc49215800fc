"""What a database must do to hold a compounding log, and which one a location names.

A backend connects, starts a write transaction holding the log's write lock, turns the
database's errors into one-line messages, says which tables and triggers exist, reads
a whole table as it comes, inserts many rows at once, and writes the schema's column
types and append-only triggers in its own SQL. Everything else (the SQL of the log's
reads and writes) is shared: it is written with ``?`` placeholders, which a backend
whose driver takes another style translates.

``BACKENDS`` picks the backend from the location's URL scheme (a file path has none);
a backend's module is imported only when a log of its kind is opened, so psycopg is
never loaded for a SQLite file.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from compounder.errors import CompounderError
    from compounder.log.schema import Table

#: The message every append-only trigger gives.
APPEND_ONLY = "the log is append-only"
#: The messages of a running balance's trigger (``Backend.running_balance``).
BELOW_ZERO = "ingredient stock would go below zero"
OUT_OF_STEP = "a stock row must follow its lot's last one"


def balance_refusal(text: str, where: str) -> CompounderError | None:
    """A running balance's trigger refusing a row, as the error a command exits with
    (3: a lot would be taken below zero); None for any other error."""
    from compounder.errors import DataFileError, SafetyError

    if BELOW_ZERO in text:
        return SafetyError(
            "an ingredient lot's stock would go below zero (the log's database refused it)",
            "count the lot again (compounder stock), or use another lot",
        )
    if OUT_OF_STEP in text:
        return DataFileError(
            where, "stock_moves", f"refused a stock row: {OUT_OF_STEP}", "log it through Compounder"
        )
    return None


#: Seconds to wait for another workstation's write to finish before giving up.
LOCK_TIMEOUT_S: float = 60


class Backend(ABC):
    """One database holding one log."""

    #: its name ("sqlite", "postgresql")
    name: ClassVar[str]
    #: the driver's errors (turned into messages by ``fault``)
    errors: ClassVar[tuple[type[Exception], ...]]
    #: the schema version a new log of this kind begins at (all of it created at once)
    first_version: ClassVar[int]
    #: whether a commit can succeed while its answer is lost (a server's connection cut)
    commit_answer_can_be_lost: ClassVar[bool] = False
    #: how the schema's column types are written (``schema.Column.type``)
    column_types: ClassVar[dict[str, str]]
    #: the log's name in messages (a server URL without its password)
    label: str
    #: where the log is, as messages and ``Store.path`` show it
    where: Path | str

    @abstractmethod
    def connect(self) -> Any:
        """A new connection (autocommit: ``begin`` starts a transaction)."""

    @abstractmethod
    def prepare(self, db: Any) -> None:
        """Settings of a newly opened connection."""

    @abstractmethod
    def begin(self, db: Any) -> None:
        """Start a write transaction that holds the log's write lock until it ends."""

    @abstractmethod
    def fault(self, exc: Exception) -> CompounderError:
        """A driver's error as a one-line message naming the log and what to do."""

    # ---------------------------------------------------------------- introspection

    @abstractmethod
    def tables(self, db: Any) -> set[str]:
        """The names of the tables the database holds."""

    @abstractmethod
    def foreign(self, db: Any) -> bool:
        """Whether a database without the log's tables holds anything else."""

    @abstractmethod
    def has_trigger(self, db: Any, name: str) -> bool:
        """Whether a trigger of that name is in place (and enabled)."""

    def highest_entry_id(self, db: Any) -> int | None:
        """The highest entry id the database ever gave out (None: it keeps none)."""
        return None

    # ---------------------------------------------------------------- bulk reads and writes

    @abstractmethod
    def rows(self, db: Any, sql: str) -> Iterator[Any]:
        """The rows of a query over a whole table, read as they come (a year's log is
        millions of entries). No other query may run on ``db`` until they are read."""

    @abstractmethod
    def insert_many(
        self, db: Any, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None:
        """Insert rows into a table, as fast as the database takes them."""

    # ---------------------------------------------------------------- schema in its SQL

    @abstractmethod
    def trigger_names(self, table: str) -> list[str]:
        """The append-only triggers of one table."""

    @abstractmethod
    def append_only(self, table: Table) -> list[str]:
        """The statements that make one table append-only."""

    def append_only_setup(self) -> list[str]:
        """What the triggers need created once, before the first of them."""
        return []

    @abstractmethod
    def running_balance(self, table: Table) -> list[str]:
        """The statements that make a running balance's table (``Table.balanced``:
        entry_id, lot, seq, unit, change, balance) refuse a row that does not follow
        its lot's last one (the next number, the last balance plus its change, the same
        unit) or whose balance is below zero."""

    def running_balance_setup(self) -> list[str]:
        """What ``running_balance``'s triggers need created once, before them."""
        return []


#: URL scheme -> the module and class of its backend ("": a file path)
BACKENDS: dict[str, tuple[str, str]] = {
    "": ("compounder.log.backends.sqlite", "SqliteBackend"),
    "sqlite": ("compounder.log.backends.sqlite", "SqliteBackend"),
    "postgresql": ("compounder.log.backends.postgres", "PostgresBackend"),
    "postgres": ("compounder.log.backends.postgres", "PostgresBackend"),
}


def backend_for(location: str | Path, read_only: bool = False, must_exist: bool = False) -> Backend:
    """The backend of a log's location: a SQLite file's path, or a server's URL.
    ``read_only``: nothing can be written through it; ``must_exist`` (implied by
    ``read_only``): a missing log is an error and none is created."""
    scheme = "" if isinstance(location, Path) else str(location).partition("://")[0].lower()
    module_name, class_name = BACKENDS[scheme]
    backend: type[Backend] = getattr(importlib.import_module(module_name), class_name)
    return backend(location, read_only, must_exist)  # type: ignore[call-arg]
