"""The log's owner (or an intruder holding the database) tampering, caught by verify.

Each attack of issue 31 is tried on a log of 65 entries whose heads were witnessed in
its anchor as they were appended: on SQLite (whoever can write the file), and on
PostgreSQL as the log's owner (a role that is not a superuser) and as a superuser.
Each must end in ``verify`` naming what was changed (guards by their definition, the
chain, or the anchor's heads and the entries lost). ``TRIED`` collects what each
attack was caught by (printed with ``-s``).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from compounder.log.backends.postgres import APPEND_ONLY_BODY
from compounder.log.chain import GENESIS, entry_hash
from compounder.log.entries import verify_log
from compounder.log.store import Store

ENTRIES = 65
_owners = itertools.count(1)

#: (backend, attack) -> what verify said first
TRIED: dict[tuple[str, str], str] = {}


def populate(db: str) -> None:
    with Store(db) as store:
        for number in range(1, ENTRIES + 1):
            store.log("label", f"{1000000 + number}", None, {"quantity_ml": [str(number)]})


class Raw:
    """SQL straight to the database, as the attacker types it (``?`` placeholders)."""

    def __init__(self, db: str) -> None:
        self.pg = db.startswith("postgresql://")
        if self.pg:
            import psycopg

            self.connection: Any = psycopg.connect(db, autocommit=True)
        else:
            self.connection = sqlite3.connect(db, isolation_level=None)

    def __call__(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        if self.pg:
            cursor = self.connection.execute(sql.replace("?", "%s"), params or None)
            return cursor.fetchall() if cursor.description else []
        return self.connection.execute(sql, params).fetchall()

    def close(self) -> None:
        self.connection.close()


# ---------------------------------------------------------------- the attacker's moves

SQLITE_NEUTERED = "CREATE TRIGGER {name} BEFORE {event} ON {table} WHEN 0 BEGIN SELECT 1; END"
DO_NOTHING = """CREATE OR REPLACE FUNCTION compounder_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW; END $$"""


def triggers(raw: Raw) -> list[tuple[str, str]]:
    if raw.pg:
        return []
    return [(r[0], r[1]) for r in raw("SELECT name, sql FROM sqlite_master WHERE type='trigger'")]


def neuter(raw: Raw) -> list[tuple[str, str]]:
    """Turn the guards off (kept to put back): SQLite's dropped and made again under
    the same names doing nothing; PostgreSQL's function replaced by one letting all
    through."""
    if raw.pg:
        raw(DO_NOTHING)
        return []
    saved = triggers(raw)
    for name, _sql in saved:
        if "_append_only_" in name:
            table, event = name.rsplit("_append_only_", 1)
        else:  # a running balance's check of each row
            table, event = name.removesuffix("_running_balance"), "insert"
        raw(f"DROP TRIGGER {name}")
        raw(SQLITE_NEUTERED.format(name=name, event=event.upper(), table=table))
    return saved


def restore(raw: Raw, saved: list[tuple[str, str]]) -> None:
    """Put the guards back as the schema makes them (a careful attacker)."""
    if raw.pg:
        raw(
            "CREATE OR REPLACE FUNCTION compounder_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $${APPEND_ONLY_BODY}$$"
        )
        return
    for name, sql in saved:
        raw(f"DROP TRIGGER {name}")
        raw(sql)


def cut_tail(raw: Raw, after: int) -> None:
    raw("DELETE FROM entries WHERE id > ?", (after,))
    if not raw.pg:
        raw("DELETE FROM sqlite_sequence WHERE name = 'entries'")


def rehash_from(raw: Raw, first: int) -> None:
    """Rebuild every hash from entry ``first`` on, as an attacker with the code would."""
    rows = raw(
        "SELECT id, kind, rx, lot, created_at, corrects, batch_key, payload FROM entries "
        "ORDER BY id"
    )
    prev = GENESIS
    for row in rows:
        if row[0] >= first:
            digest = entry_hash(prev, *row)
            raw("UPDATE entries SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, row[0]))
            prev = digest
        else:
            prev = raw("SELECT hash FROM entries WHERE id = ?", (row[0],))[0][0]


def edit_entry_5(raw: Raw) -> None:
    raw('UPDATE entries SET payload = \'{"quantity_ml": ["50"]}\' WHERE id = 5')


def issue_owner_attack(raw: Raw) -> None:
    """The issue's: the guards neutered, entries above 60 deleted, entry 5 updated."""
    neuter(raw)
    cut_tail(raw, 60)
    edit_entry_5(raw)


def careful_rewrite(raw: Raw) -> None:
    """As above, every hash rebuilt after the edit, the guards put back."""
    saved = neuter(raw)
    cut_tail(raw, 60)
    edit_entry_5(raw)
    rehash_from(raw, 5)
    restore(raw, saved)


def cut_and_reset(raw: Raw) -> None:
    """The tail cut after entry 4, the sequence reset, the guards put back."""
    saved = neuter(raw)
    cut_tail(raw, 4)
    restore(raw, saved)


def neutered_only(raw: Raw) -> None:
    neuter(raw)


def neutered_then_deleted(raw: Raw) -> None:
    neuter(raw)
    raw("DELETE FROM entries WHERE id > 63")


def whole_log_rewritten(raw: Raw) -> None:
    """Entry 1 edited and every hash rebuilt (the chain's own id changes too)."""
    saved = neuter(raw)
    raw("UPDATE entries SET rx = '7654321' WHERE id = 1")
    rehash_from(raw, 1)
    restore(raw, saved)


def emptied(raw: Raw) -> None:
    saved = neuter(raw)
    cut_tail(raw, 0)
    restore(raw, saved)


ATTACKS: dict[str, Callable[[Raw], None]] = {
    "guards neutered (nothing else)": neutered_only,
    "guards neutered, tail entries deleted": neutered_then_deleted,
    "guards neutered, entries > 60 deleted, entry 5 edited": issue_owner_attack,
    "same, every hash rebuilt and the guards put back": careful_rewrite,
    "tail cut after entry 4, sequence reset, guards put back": cut_and_reset,
    "entry 1 edited, whole chain rebuilt, guards put back": whole_log_rewritten,
    "every entry deleted, guards put back": emptied,
}

#: what a careful attacker leaves for verify: only the anchor's heads tell
ONLY_THE_ANCHOR = {
    "same, every hash rebuilt and the guards put back",
    "tail cut after entry 4, sequence reset, guards put back",
    "entry 1 edited, whole chain rebuilt, guards put back",
    "every entry deleted, guards put back",
}


def _check(backend: str, name: str, db: str, attack: Callable[[Raw], None], anchor: Path) -> None:
    populate(db)
    assert verify_log(db).ok
    raw = Raw(db)
    try:
        attack(raw)
    finally:
        raw.close()
    found = verify_log(db)
    assert not found.ok, name
    text = " | ".join(found.problems)
    if name in ONLY_THE_ANCHOR:
        assert str(anchor) in text, text  # the anchor's line is named
    if "deleted" in name or "cut" in name:
        assert "cut off" in text, text
    if "neutered" in name and "put back" not in name:
        assert "from the schema's" in text, text
    TRIED[(backend, name)] = found.problems[0] if len(found.problems) == 1 else text


@pytest.mark.parametrize("name", list(ATTACKS))
def test_sqlite_tampering_is_caught(tmp_path, own_anchor, name):
    _check("sqlite", name, str(tmp_path / "log.db"), ATTACKS[name], own_anchor)


@pytest.fixture
def owner_log(pg_server) -> str:
    """A database owned by a login role that is not a superuser (it creates the log)."""
    role = f"logowner{next(_owners)}"
    pg_server.admin(f"CREATE ROLE {role} LOGIN NOSUPERUSER")
    url = pg_server.new_database()
    database = urlsplit(url).path.lstrip("/")
    pg_server.admin(f"ALTER DATABASE {database} OWNER TO {role}")
    pg_server.admin(f"ALTER SCHEMA public OWNER TO {role}", database)
    return pg_server.url(database, user=role)


@pytest.mark.parametrize("name", list(ATTACKS))
def test_postgres_owner_tampering_is_caught(owner_log, own_anchor, name):
    _check("postgresql owner", name, owner_log, ATTACKS[name], own_anchor)


def _superuser_attack(raw: Raw) -> None:
    """A superuser: the guards switched off for the session (nothing left to see),
    the tail cut, entry 5 edited and every hash after it rebuilt."""
    raw("SET session_replication_role = replica")
    cut_tail(raw, 60)
    edit_entry_5(raw)
    rehash_from(raw, 5)


def _superuser_disable(raw: Raw) -> None:
    raw("ALTER TABLE entries DISABLE TRIGGER USER")
    cut_tail(raw, 60)
    edit_entry_5(raw)


SUPERUSER_ATTACKS: dict[str, Callable[[Raw], None]] = {
    **ATTACKS,
    "session_replication_role = replica, tail cut, entry 5 edited, rehashed": _superuser_attack,
    "triggers disabled, tail cut, entry 5 edited (left disabled)": _superuser_disable,
}


@pytest.mark.parametrize("name", list(SUPERUSER_ATTACKS))
def test_postgres_superuser_tampering_is_caught(pg_server, own_anchor, name):
    db = pg_server.new_database()
    attack = SUPERUSER_ATTACKS[name]
    _check("postgresql superuser", name, db, attack, own_anchor)
    if name == "triggers disabled, tail cut, entry 5 edited (left disabled)":
        said = " ".join(verify_log(db).problems)
        assert "append-only triggers are disabled: entries_append_only_update, " in said


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE RULE keep_rows AS ON DELETE TO entries DO INSTEAD NOTHING",
        "ALTER TABLE entries ENABLE ROW LEVEL SECURITY",
    ],
)
def test_a_rule_or_row_security_on_a_log_table_is_named(owner_log, statement):
    populate(owner_log)
    raw = Raw(owner_log)
    try:
        raw(statement)
    finally:
        raw.close()
    found = verify_log(owner_log)
    assert not found.ok
    assert found.problem in (
        "the rule keep_rows on table entries is not the schema's",
        "row-level security is on for table entries (rows may be hidden from verify)",
    )


def test_the_owner_and_the_superuser_are_warned_a_workstation_is_not(pg_server, owner_log):
    populate(owner_log)
    warning = "could turn the append-only guards off"
    assert any(warning in w for w in verify_log(owner_log).warnings)
    database = urlsplit(owner_log).path.lstrip("/")
    assert any("is a superuser" in w for w in verify_log(pg_server.url(database)).warnings)
    clerk = f"clerk{next(_owners)}"
    for statement in (
        f"CREATE ROLE {clerk} LOGIN",
        f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {clerk}",
    ):
        pg_server.admin(statement, database)
    found = verify_log(pg_server.url(database, user=clerk))
    assert found.ok and not any(warning in w for w in found.warnings)


def test_every_attack_was_caught_on_every_backend():
    """Runs last in the file: the table of attacks tried (``pytest -s`` prints it)."""
    if not TRIED:
        pytest.skip("run with the attacks above")
    for (backend, name), said in sorted(TRIED.items()):
        print(f"{backend:22} | {name:60} | {said[:160]}")
