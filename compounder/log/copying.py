"""Moving a whole log into a new, empty one (a file to a server, or back): every row
as it is (ids, hashes and all), committed only if the copy verifies to the source's
chain head and holds as many rows in each table.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from compounder.errors import DataFileError
from compounder.log import schema

if TYPE_CHECKING:
    from compounder.log.chain import Verification
    from compounder.log.store import Store

#: The tables a copy carries (the column they are read in order of) and what the
#: counts call them: everything of the log but its schema rows (the target has its
#: own) and a batch run's reservations (scratch rows: a log is moved while no batch
#: runs). Every column is copied (``schema.columns``).
COPIED_TABLES: dict[str, tuple[str, str]] = {
    "entries": ("id", "entries"),
    "ingredient_uses": ("entry_id", "ingredient_lots"),
    "entry_fields": ("entry_id", "looked_up_fields"),
    "snapshots": ("hash", "snapshots"),
    "lot_sequence": ("day", "lot_counters"),
    # each lot's rows in order: the target's trigger checks each against the last
    "stock_moves": ("entry_id, seq", "stock_rows"),
}

#: Rows read and written at a time.
PART = 10_000


def table_counts(store: Store) -> dict[str, int]:
    """How many rows the log holds that a copy carries, by what they are
    (``entries``, ``ingredient_lots``, ``snapshots``...)."""
    return {
        named: int(store.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
        for table, (_, named) in COPIED_TABLES.items()
    }


def is_empty(store: Store) -> bool:
    return not any(table_counts(store).values())


def copy_into(target: Store, source: Store, expected: Verification) -> dict[str, int]:
    """Copy every row of ``source`` into ``target``, which must be empty, in one
    transaction that commits only if ``target`` then verifies to ``expected`` (the
    source's chain head and entry count) and holds as many rows of each kind. Call it
    holding the source's write lock. Returns the counts."""
    with target.transaction():
        counts = table_counts(target)
        if any(counts.values()) or target.db.execute("SELECT 1 FROM reservations").fetchone():
            raise DataFileError(
                str(target.path),
                "",
                f"is not empty ({counts['entries']} entries): a log is copied only into a new one",
                "a new, empty database or file",
            )
        for table, (order, _) in COPIED_TABLES.items():
            _copy_table(target, source, table, order)
        with source.faults():
            wanted = table_counts(source)
        copied, found = target.verify(), table_counts(target)
        if not copied.ok or (copied.entries, copied.head) != (expected.entries, expected.head):
            raise DataFileError(
                str(target.path),
                "",
                f"did not verify after the copy ({copied.problem or 'another chain head'}); "
                "nothing was copied",
                "a copy of the source's chain",
            )
        if found != wanted:
            named = next(t for t in found if found[t] != wanted[t])
            raise DataFileError(
                str(target.path),
                named,
                f"holds {found[named]} rows after the copy, the source {wanted[named]}; "
                "nothing was copied",
            )
    return found


def _copy_table(target: Store, source: Store, table: str, order: str) -> None:
    """One table's rows, read as they come and written ``PART`` at a time."""
    names = schema.columns(table)
    with source.faults():
        sql = f"SELECT {', '.join(names)} FROM {table} ORDER BY {order}"
        rows = source.backend.rows(source.db, sql)
    while True:
        with source.faults():
            part = [tuple(row) for row in itertools.islice(rows, PART)]
        if not part:
            break
        target.backend.insert_many(target.db, table, names, part)
