"""Received lots' stock held by the database (``stock_moves``, schema 6), on both
backends: a row written by hand that would take a lot below zero, or that does not
follow the lot's last row, is refused by the database's own trigger; rows cannot be
changed or removed; entries appended past the API's check, from several processes at
once, never overdraw; a log written before the table existed is brought forward with
its balances, verifies, and copies."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from decimal import Decimal
from typing import Any

import pytest

from compounder.api.receiving import adjust_stock, receive_lot, stock_report
from compounder.errors import DataFileError, SafetyError
from compounder.log import receipts, schema
from compounder.log.backends.base import APPEND_ONLY, BELOW_ZERO, OUT_OF_STEP
from compounder.log.kinds import Kind
from compounder.log.store import Store

MILLION = 10**6


def raw(db: str) -> Any:
    """A connection straight to the log's database, past Compounder (autocommit)."""
    if db.startswith("postgresql://"):
        import psycopg

        return psycopg.connect(db, autocommit=True)
    return sqlite3.connect(db, isolation_level=None)


def run(db: str, statement: str, params: tuple[Any, ...] = ()) -> None:
    connection = raw(db)
    try:
        if db.startswith("postgresql://"):
            connection.execute(statement.replace("?", "%s"), params)
        else:
            connection.execute(statement, params)
    finally:
        connection.close()


def refusal(db: str, statement: str, params: tuple[Any, ...] = ()) -> str:
    """The database's message refusing a statement (fails if it is accepted)."""
    with pytest.raises(Exception) as caught:
        run(db, statement, params)
    return str(caught.value)


def receive(db: str, lot: str = "AB1", quantity: str = "10 tablets") -> None:
    receive_lot(quantity, ingredient="tablet-50mg", lot=lot, expiry="2027-06-30", db=db)


def balance(db: str, lot: str = "AB1") -> Decimal | None:
    with Store(db) as store:
        return receipts.balance_of(store, lot)


ROW = (
    "INSERT INTO stock_moves (entry_id, lot, seq, unit, change, balance) VALUES (?, ?, ?, ?, ?, ?)"
)


def test_a_row_written_by_hand_that_overdraws_is_refused_by_the_database(log_db):
    receive(log_db)
    assert balance(log_db) == 10
    # the next row, in step with the last, but below zero
    below = (1, "AB1", 2, "tablets", -11 * MILLION, -1 * MILLION)
    assert BELOW_ZERO in refusal(log_db, ROW, below)
    # rows out of step: a balance that does not follow, a number skipped, another unit,
    # a first row of a new lot that is not its own change
    for row in (
        (1, "AB1", 2, "tablets", -1 * MILLION, 50 * MILLION),
        (1, "AB1", 5, "tablets", -1 * MILLION, 9 * MILLION),
        (1, "AB1", 2, "mg", -1 * MILLION, 9 * MILLION),
        (1, "NEW", 1, "tablets", 0, 500 * MILLION),
    ):
        assert OUT_OF_STEP in refusal(log_db, ROW, row), row
    # rows already written cannot be changed, removed or replaced
    for statement in (
        "UPDATE stock_moves SET balance = balance + 5000000, change = change + 5000000",
        "DELETE FROM stock_moves",
    ):
        assert APPEND_ONLY in refusal(log_db, statement)
    assert balance(log_db) == 10
    with Store(log_db) as store:
        assert store.verify().ok


def test_a_row_in_step_but_not_the_logs_is_named_by_verify(log_db):
    """The database checks the arithmetic; which entry a row belongs to is the chain's:
    a row added by hand (in step, above zero) is named by verify."""
    receive(log_db)
    run(log_db, ROW, (1, "AB1", 2, "tablets", 90 * MILLION, 100 * MILLION))
    with Store(log_db) as store:
        assert store.verify().problem == "entry 1's stock rows were altered"


def test_the_sqlite_check_also_refuses_a_balance_that_is_not_whole(tmp_path):
    db = str(tmp_path / "log.db")
    receive(db)
    row = (1, "AB1", 2, "tablets", -0.5, 9.5 * MILLION)
    assert OUT_OF_STEP in refusal(db, ROW, row)


def test_an_entry_appended_past_the_api_is_refused_and_nothing_is_logged(log_db):
    receive(log_db, quantity="2 tablets")
    taken = {"stock_used": [{"lot": "AB1", "amount": "3", "unit": "tablets"}]}
    with Store(log_db) as store:
        with (
            pytest.raises(SafetyError, match="stock would go below zero") as caught,
            store.transaction(),
        ):
            store.append(Kind.PREPARATION, None, "20261201-001", taken)
        assert caught.value.exit_code == 3
        assert store.count() == 1 and store.verify().ok
    with pytest.raises(SafetyError, match="would leave less than nothing"):
        adjust_stock("AB1", "-3 tablets", "broken", log_db)  # the API's own check first


APPENDER = """
import sys
from compounder.errors import SafetyError
from compounder.log.store import Store
taken = {"stock_used": [{"lot": "AB1", "amount": "2", "unit": "tablets"}]}
try:
    with Store(sys.argv[1]) as store, store.transaction():
        store.append("preparation", None, "20261201-%03d" % int(sys.argv[2]), taken)
except SafetyError as exc:
    print(exc)
    sys.exit(3)
"""


def test_entries_from_several_processes_past_the_api_never_overdraw(log_db, tmp_path):
    """Eight processes append at once an entry taking 2 of the lot's 10 tablets, with
    no check but the database's: five are logged, three refused, the lot ends at 0."""
    receive(log_db)
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", APPENDER, log_db, str(n)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(1, 9)
    ]
    results = [(w.wait(timeout=300), w.communicate()[0]) for w in writers]
    assert sorted(code for code, _ in results) == [0] * 5 + [3] * 3, results
    assert all("stock would go below zero" in out for code, out in results if code)
    assert balance(log_db) == 0
    assert stock_report(db=log_db, every_lot=True).lots[0].on_hand == 0
    with Store(log_db) as store:
        assert store.count(Kind.PREPARATION) == 5 and store.verify().ok


def test_two_server_sessions_without_the_write_lock_cannot_both_take_the_last_row(pg_server):
    """On the server, a session that skips the log's write lock and writes the lot's
    next row while another has written it too waits for that one, then is refused:
    the lot's rows are numbered uniquely, so no balance is counted twice."""
    import psycopg

    db = pg_server.new_database()
    receive(db)
    first, second = raw(db), raw(db)
    first.execute("BEGIN")
    first.execute(ROW.replace("?", "%s"), (1, "AB1", 2, "tablets", -6 * MILLION, 4 * MILLION))
    failure: list[BaseException] = []

    def take_again() -> None:
        try:
            second.execute(
                ROW.replace("?", "%s"), (1, "AB1", 2, "tablets", -6 * MILLION, 4 * MILLION)
            )
        except psycopg.Error as exc:
            failure.append(exc)

    waiting = threading.Thread(target=take_again)
    waiting.start()
    waiting.join(1.0)
    assert waiting.is_alive()  # waits for the first session
    first.execute("COMMIT")
    waiting.join(30)
    assert failure and isinstance(failure[0], psycopg.errors.UniqueViolation)
    first.close()
    second.close()
    assert balance(db) == 4


# ------------------------------------------------------------------ older logs


def _as_schema_5(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compounder as it was at schema 5: no stock rows written."""
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 5)
    monkeypatch.setattr(receipts, "may_change_stock", lambda kind, payload: False)


#: a receipt's payload as ``receive`` logs it
RECEIPT = {
    "ingredient": "tablet-50mg",
    "name": "Naltrexone hydrochloride 50 mg tablets",
    "form": "tablet",
    "quantity": "10",
    "unit": "tablets",
    "expiry": "2027-06-30",
    "quarantined": False,
}


def _taking(amount: str) -> dict[str, Any]:
    return {
        "ingredients": [{"lot": "AB1"}],
        "stock_used": [{"lot": "AB1", "amount": amount, "unit": "tablets"}],
    }


def test_a_schema_5_log_with_lots_is_brought_forward_and_verifies(log_db, monkeypatch):
    with monkeypatch.context() as old:
        _as_schema_5(old)
        with Store(log_db) as store, store.transaction():
            store.append(Kind.LOT_RECEIPT, None, "AB1", RECEIPT)
            store.append(Kind.STOCK_ADJUST, None, "AB1", {"by": "-1", "reason": "broken"})
            store.append(Kind.PREPARATION, None, "20261201-001", _taking("2"))
        with Store(log_db) as store:
            assert store.version() == 5 and "stock_moves" not in store.backend.tables(store.db)
            head = store.verify()
            assert head.ok, head.problem
    with Store(log_db) as store:
        assert store.version() == 6
        rows = store.db.execute(
            "SELECT entry_id, seq, change, balance FROM stock_moves ORDER BY seq"
        ).fetchall()
        assert [tuple(r) for r in rows] == [
            (1, 1, 10 * MILLION, 10 * MILLION),
            (2, 2, -1 * MILLION, 9 * MILLION),
            (3, 3, -2 * MILLION, 7 * MILLION),
        ]
        found = store.verify()
        assert found.ok and (found.entries, found.head) == (head.entries, head.head)
        with pytest.raises(SafetyError), store.transaction():
            store.append(Kind.PREPARATION, None, "20261201-002", _taking("8"))


def test_a_schema_5_log_already_overdrawn_is_not_brought_forward(log_db, monkeypatch):
    """A schema 5 log whose entries take a lot below zero (written past the API then)
    is refused on opening, naming the entry; nothing of the migration is kept."""
    with monkeypatch.context() as old:
        _as_schema_5(old)
        with Store(log_db) as store, store.transaction():
            store.append(Kind.LOT_RECEIPT, None, "AB1", {**RECEIPT, "quantity": "2"})
            store.append(Kind.PREPARATION, None, "20261201-001", _taking("3"))
    with pytest.raises(DataFileError, match="entry 2 takes ingredient lot AB1 below zero"):
        Store(log_db)
    with monkeypatch.context() as old:
        _as_schema_5(old)
        with Store(log_db) as store:
            assert store.version() == 5
            assert store.verify().problem == "entry 2 takes more of ingredient lot AB1 than it held"


def test_log_copy_carries_the_balances(cli, log_db, tmp_path):
    receive(log_db)
    adjust_stock("AB1", "-4 tablets", "broken", log_db)
    receive(log_db, "CD2", "5 tablets")
    copy = str(tmp_path / "copy.db")
    result = cli("log", "copy", "--from", log_db, "--to", copy, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["stock_rows"] == 3
    assert (balance(copy), balance(copy, "CD2")) == (6, 5)
    with Store(copy) as store:
        assert store.verify().ok
    assert BELOW_ZERO in refusal(copy, ROW, (1, "CD2", 2, "tablets", -6 * MILLION, -MILLION))
