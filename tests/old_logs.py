"""Logs as older Compounders wrote them, for the migration tests: a SQLite file built
with the schema's own migrations up to a version, and the append-only statements."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from compounder.log import schema
from compounder.log.backends.sqlite import SqliteBackend


def build_sqlite(path: Path, version: int) -> sqlite3.Connection:
    """A SQLite log at ``version`` (no entries), open for the test to fill."""
    connection = sqlite3.connect(path)
    backend = SqliteBackend(path)
    for step in range(1, version + 1):
        schema.MIGRATIONS[step](schema.Step(connection, backend, step))
    if version <= 3:
        connection.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(version),))
    return connection


def append_only_statements(path: Path) -> list[str]:
    """The statements that make every table of a SQLite log append-only (and check its
    running balance's rows)."""
    backend = SqliteBackend(path)
    tables = [schema.TABLE[name] for name in schema.tables_of()]
    return [s for table in tables for s in schema.guard_statements(backend, table)]


def trigger_statement(name: str) -> str:
    """The statement that creates one of a SQLite log's append-only triggers."""
    return next(s for s in append_only_statements(Path("log.db")) if f"TRIGGER {name} " in s)
