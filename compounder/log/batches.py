"""What a batch run asks of the log: the entries an earlier run of the same order file
logged (found by key range, ``kinds``), the fills already dispensed for its Rx numbers,
and the print entries that sent a run's labels files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from compounder.log.kinds import (
    DISPENSING,
    FILE_HASH,
    KEY_END,
    ORDERS_FILE,
    Kind,
    fill_dates,
    key_prefix,
    labels_file,
    parse_key,
    run_files,
    sent_files,
)

if TYPE_CHECKING:
    from compounder.log.store import Entry, Store

#: A batch's log row: kind, Rx, lot, payload JSON, key.
KeyedRow = tuple[str, str | None, str | None, str, str]

#: Rows looked up per query (a round trip each to a server).
PER_QUERY = 500


def keys_from_file(store: Store, kind: Kind, orders_file: str) -> set[str]:
    """The keys of every entry of this kind an order file's runs logged."""
    prefix = key_prefix(kind, orders_file)
    return {
        row[0]
        for row in store.db.execute(
            "SELECT batch_key FROM entries WHERE batch_key >= ? AND batch_key < ?",
            (prefix, prefix + KEY_END),
        )
    }


def logged_keys(store: Store, keys: Sequence[str]) -> set[str]:
    """Which of these entry keys the log holds (a few queries for a whole batch)."""
    found: set[str] = set()
    for start in range(0, len(keys), PER_QUERY):
        part = keys[start : start + PER_QUERY]
        marks = ", ".join("?" * len(part))
        found.update(
            row[0]
            for row in store.db.execute(
                f"SELECT batch_key FROM entries WHERE batch_key IN ({marks})", part
            )
        )
    return found


def has_entry_key(store: Store, key: str) -> bool:
    return bool(store.db.execute("SELECT 1 FROM entries WHERE batch_key = ?", (key,)).fetchone())


def logged_lot(store: Store, key: str) -> str | None:
    """The lot of the entry logged under a key (a planned preparation's), if any."""
    row = store.db.execute("SELECT lot FROM entries WHERE batch_key = ?", (key,)).fetchone()
    return None if row is None else str(row["lot"])


def append_new(
    store: Store,
    rows: Iterable[KeyedRow],
    orders_file: str | None = None,
    kind: Kind | None = None,
    contents: Iterable[str] | None = None,
    at: datetime | None = None,
) -> int:
    """Append entries (kind, rx, lot, payload JSON, key) whose key is not in the log
    yet (an earlier run of the same file logged the others); how many were new.
    ``orders_file`` and ``kind``: every row is of that kind from that file (the keys
    logged are then looked up at once, by range); ``contents``: the rows'
    ``content_hash`` values, if worked out already."""
    rows = list(rows)
    if orders_file is not None and kind is not None:
        logged = keys_from_file(store, kind, orders_file)
    else:
        logged = logged_keys(store, [row[4] for row in rows])
    hashes = list(contents) if contents is not None else None
    keep = [i for i, row in enumerate(rows) if row[4] not in logged]
    fresh = [
        (k, rx, lot, payload, None, key) for k, rx, lot, payload, key in (rows[i] for i in keep)
    ]
    store.append_many(fresh, at, None if hashes is None else [hashes[i] for i in keep])
    return len(fresh)


def printed_orders(store: Store, orders_file: str) -> dict[str, tuple[int, str]]:
    """How the orders of an order file (by its content hash) were last printed: each
    Rx's latest ``dispense`` or ``batch-reprint`` entry from runs of the file, as its
    id and its payload JSON."""
    latest: dict[str, tuple[int, str]] = {}
    with store.faults():
        for kind in (Kind.DISPENSE, Kind.BATCH_REPRINT):
            prefix = key_prefix(kind, orders_file)
            for row in store.db.execute(
                "SELECT id, rx, payload FROM entries WHERE batch_key >= ? AND batch_key < ?",
                (prefix, prefix + KEY_END),
            ):
                entry_id, rx = int(row[0]), str(row[1])
                if rx not in latest or latest[rx][0] < entry_id:
                    latest[rx] = (entry_id, str(row[2]))
    return latest


def dispensed(
    store: Store,
    rxs: Iterable[str],
    other_than_file: str = "",
    only_dates: Iterable[str] = (),
) -> list[tuple[str, str, int]]:
    """The fills the labels and batch orders logged for these Rx numbers dispensed,
    as (Rx, fill date, entry id): every fill date of a label (a pre-printed
    titration's too), but not an entry a correction was logged against, nor a batch
    order of ``other_than_file`` (an earlier run of the same order file).
    ``only_dates``: only these fill dates. Found by the Rx index."""
    wanted = sorted(set(rxs))
    dates = set(only_dates)
    skipped = key_prefix(Kind.DISPENSE, other_than_file) if other_than_file else None
    kinds = (Kind.CORRECTION, *DISPENSING)
    found: list[tuple[str, str, int]] = []
    corrected: set[int] = set()
    with store.faults():
        for start in range(0, len(wanted), PER_QUERY):
            part = wanted[start : start + PER_QUERY]
            rows = store.db.execute(
                "SELECT id, rx, kind, batch_key, payload, corrects FROM entries WHERE "
                f"rx IN ({', '.join('?' * len(part))}) AND kind IN (?, ?, ?)",
                [*part, *(k.value for k in kinds)],
            ).fetchall()
            for row in rows:
                if row[2] == Kind.CORRECTION:
                    corrected.add(int(row[5] or 0))
                elif not (skipped and str(row[3] or "").startswith(skipped)):
                    fills = fill_dates(json.loads(row[4]))
                    found += [
                        (str(row[1]), f, int(row[0])) for f in fills if not dates or f in dates
                    ]
    return [item for item in found if item[2] not in corrected]


def batch_prints_for(store: Store, entries: Iterable[Entry]) -> list[Entry]:
    """The ``batch-print`` entries that sent (or failed to send) the labels files of
    these batch-printed orders: the run that printed an order names its labels file's
    hash, and the print entry the hashes it sent."""
    found: dict[int, Entry] = {}
    with store.faults():
        for entry in entries:
            name = labels_file(entry.payload)
            if entry.kind not in (Kind.DISPENSE, Kind.BATCH_REPRINT) or not name:
                continue
            row = store.db.execute(
                "SELECT batch_key FROM entries WHERE id = ?", (entry.id,)
            ).fetchone()
            key = parse_key(row[0] if row else None)
            if key is None or not key.orders_file:
                continue
            for run in store.entries_with(ORDERS_FILE, key.orders_file, Kind.BATCH_RUN):
                sha = run_files(run.payload).get(name)
                if not sha:
                    continue
                for sent in store.entries_with(FILE_HASH, sha, Kind.BATCH_PRINT):
                    if sha in sent_files(sent.payload):
                        found[sent.id] = sent
    return [found[i] for i in sorted(found)]


def preparation_lots(store: Store, lots: Iterable[str]) -> set[str]:
    """Which of ``lots`` a preparation in the log holds (recorded or planned by a
    batch); any other value in an entry's lot is a label's reference."""
    wanted = sorted(set(lots))
    if not wanted:
        return set()
    marks = ", ".join("?" * len(wanted))
    with store.faults():
        rows = store.db.execute(
            f"SELECT lot FROM entries WHERE kind = ? AND lot IN ({marks})",
            [Kind.PREPARATION.value, *wanted],
        ).fetchall()
    return {str(row[0]) for row in rows}
