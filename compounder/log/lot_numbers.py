"""Lot numbers: the compounding date and a per-day sequence (``20261201-003``).

A lot is allocated inside the entry's write transaction (holding the log's write lock),
one past every preparation lot of the day the log holds, every lot a running batch
holds, and older logs' counters; a preparation's lot is unique in the log (a UNIQUE
index). A batch run reserves the lots it plans (``reservations``: scratch rows, not
part of the log) and logs them only when it commits; it releases them when it ends,
and a run killed outright holds them at most ``RESERVATION_LEASE``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from compounder.core.limits import MAX_LOTS_PER_DAY
from compounder.errors import SafetyError
from compounder.log.kinds import Kind

if TYPE_CHECKING:
    from compounder.log.store import Store

#: A batch run's reserved lots are released when it ends; a run killed outright holds
#: them at most this long (far longer than any run takes).
RESERVATION_LEASE = timedelta(hours=12)


def next_lot(store: Store, day: date) -> str:
    """The next lot number of a day (call inside a transaction)."""
    prefix = f"{day:%Y%m%d}-"
    taken = [
        row[0]
        for row in store.db.execute(
            "SELECT lot FROM entries WHERE kind = ? AND lot >= ? AND lot < ?",
            (Kind.PREPARATION.value, prefix, f"{day:%Y%m%d}."),
        )
    ]
    # the lease runs on the clock reservations are stamped with, never on a
    # preparation's compounding time (a record dated ahead must still see them)
    since = (datetime.now() - RESERVATION_LEASE).isoformat(timespec="seconds")
    taken += [
        row[0]
        for row in store.db.execute(
            "SELECT lot FROM reservations r WHERE r.day = ? AND r.reserved_at > ? AND NOT "
            "EXISTS (SELECT 1 FROM reservation_ends e WHERE e.run_key = r.run_key)",
            (day.isoformat(), since),
        )
    ]
    last = max((int(lot[len(prefix) :]) for lot in taken), default=0)
    legacy = store.db.execute(
        "SELECT MAX(last) FROM lot_sequence WHERE day = ?", (day.isoformat(),)
    ).fetchone()[0]
    number = max(last, int(legacy or 0)) + 1
    if number > MAX_LOTS_PER_DAY:
        raise SafetyError(
            f"the log has given out all {MAX_LOTS_PER_DAY} lot numbers for {day.isoformat()}",
            "record further preparations under another compounding date",
        )
    return f"{prefix}{number:03d}"


def reserve_lot(store: Store, run_key: str, planned_key: str, day: date) -> str:
    """The lot of a batch run's planned preparation (``kinds.planned_key``): the one
    logged under its key by an earlier run of the same file, or one reserved for this
    run (not yet logged)."""
    with store.transaction() as db:
        row = db.execute("SELECT lot FROM entries WHERE batch_key = ?", (planned_key,)).fetchone()
        if row:
            return str(row["lot"])
        row = db.execute(
            "SELECT lot FROM reservations WHERE batch_key = ? AND run_key = ?",
            (planned_key, run_key),
        ).fetchone()
        if row:
            return str(row["lot"])
        lot = next_lot(store, day)
        db.execute(
            "INSERT INTO reservations (lot, day, run_key, batch_key, reserved_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (lot, day.isoformat(), run_key, planned_key, _now()),
        )
        return lot


def end_reservations(store: Store, run_key: str) -> None:
    """Release a run's reserved lots (those it logged stay taken by their entries)."""
    with store.transaction() as db:
        if not db.execute(
            "SELECT 1 FROM reservation_ends WHERE run_key = ?", (run_key,)
        ).fetchone():
            db.execute(
                "INSERT INTO reservation_ends (run_key, ended_at) VALUES (?, ?)",
                (run_key, _now()),
            )


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")
