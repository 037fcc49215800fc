"""A PostgreSQL database that does not exist is named as missing, whatever language
the server words its refusal in (issue 23, item 7): the server is asked, on its own
``postgres`` database, whether the log's database exists; "cannot be reached" is kept
for a server that does not answer."""

from __future__ import annotations

import psycopg
import pytest

from compounder.errors import DataFileError
from compounder.log.backends.postgres import PostgresBackend
from compounder.log.store import Store


def test_a_missing_database_is_named_missing(pg_server, cli):
    with pytest.raises(DataFileError, match="names a database that does not exist"):
        Store(pg_server.url("no_such_log"))
    result = cli("log", "verify", "--db", pg_server.url("no_such_log"))
    assert result.exit_code == 4
    assert "names a database that does not exist" in result.stderr
    assert "cannot be reached" not in result.stderr


def test_a_refusal_in_another_language_is_still_a_missing_database(pg_server):
    """The server's words are not relied on: a refusal worded in French for a database
    the server does not have is named missing; for one it has, it is not."""
    french = psycopg.OperationalError(
        'connection failed: FATAL:  la base de données « no_such_log » n\'existe pas'
    )
    missing = PostgresBackend(pg_server.url("no_such_log")).fault(french)
    assert str(missing).endswith("names a database that does not exist; expected a "
                                 "database created for the log")  # fmt: skip
    there = PostgresBackend(pg_server.url("postgres")).fault(french)
    assert "does not exist" not in str(there)


def test_a_server_that_is_down_is_still_unreachable(tmp_path):
    url = f"postgresql://compounder@/pharmacy?host={tmp_path}"
    with pytest.raises(DataFileError, match="cannot be reached"):
        Store(url)
