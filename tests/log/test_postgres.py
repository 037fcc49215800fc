"""The log on a real PostgreSQL server: what differs from a SQLite file.

The shared tests (test_store, test_entries, test_snapshots, test_cli_log...) already run on
both backends through the ``log_db`` fixture. Here: the workstations' role without
UPDATE/DELETE rights, the append-only triggers against a superuser, the server's faults
(wrong password, server down, connection lost while committing), the write lock's
timeout, and psycopg staying unloaded for a SQLite log.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from pg_server import PASSWORD, PASSWORD_USER

from compounder.errors import DataFileError
from compounder.log import schema
from compounder.log.backends.postgres import WRITE_LOCK_KEY, redacted
from compounder.log.store import Store

TABLE_KEYS = schema.tables_of()

DAY = date(2026, 12, 1)
_roles = itertools.count(1)


def record(store: Store, ingredients=()):
    return store.record_preparation(
        DAY, "1234567", lambda lot: ({"lot": lot, "ingredients": list(ingredients)}, None)
    )


@pytest.fixture
def pg_log(pg_server) -> str:
    url = pg_server.new_database()
    with Store(url) as store:
        record(store, [{"ingredient": "naltrexone 50mg tab", "lot": "AB1234"}])
        store.put_snapshot({"text": "a label"})
        store.log(
            "label", "1234567", "20261201-001", {"quantity_ml": ["10"], "pdf_sha256": "ab" * 32}
        )
    return url


def sql(url: str, statement: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def workstation_role(pg_server, url: str) -> str:
    """A login role with the rights docs/log.md ('A shared log') grants: SELECT and INSERT."""
    name = f"workstation{next(_roles)}"
    database = urlsplit(url).path.lstrip("/")
    for statement in (
        f"CREATE ROLE {name} LOGIN",
        f"GRANT CONNECT ON DATABASE {database} TO {name}",
        f"GRANT USAGE ON SCHEMA public TO {name}",
        f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {name}",
    ):
        sql(url, statement)
    return pg_server.url(database, user=name)


# ---------------------------------------------------------------- append-only


def test_the_tables_and_triggers_cover_every_table(pg_log):
    with Store(pg_log) as store:
        tables = store.backend.tables(store.db)
        assert tables == set(TABLE_KEYS)
        triggers = schema.trigger_names(store.backend)
        assert all(store.backend.has_trigger(store.db, t) for t in triggers)
        assert store.version() == 6


COLUMNS = {
    "entries": "payload",
    "ingredient_uses": "lot",
    "snapshots": "body",
    "meta": "value",
    "schema_versions": "applied_at",
    "lot_sequence": "last",
    "reservations": "lot",
    "reservation_ends": "run_key",
    "entry_fields": "value",
    "stock_moves": "balance",
}
REWRITES = [
    *(f"UPDATE {table} SET {column} = {column}" for table, column in COLUMNS.items()),
    *(f"DELETE FROM {table}" for table in TABLE_KEYS),
    *(f"TRUNCATE {table} CASCADE" for table in TABLE_KEYS),
    "INSERT INTO entries (id, kind, created_at, payload) VALUES "
    "(1, 'preparation', 'x', '{}') ON CONFLICT (id) DO UPDATE SET payload = '{}'",
    "INSERT INTO snapshots SELECT hash, 'x' FROM snapshots "
    "ON CONFLICT (hash) DO UPDATE SET body = 'x'",
]


@pytest.mark.parametrize("statement", REWRITES)
def test_even_the_owner_cannot_rewrite_a_table(pg_log, statement):
    with Store(pg_log) as store:
        store.db.execute("INSERT INTO lot_sequence VALUES ('2026-11-01', 3)")
        store.db.execute("INSERT INTO meta VALUES ('note', 'x')")
        store.db.execute(
            "INSERT INTO reservations VALUES ('20261201-009', '2026-12-01', 'r', 'k', 'x')"
        )
        store.db.execute("INSERT INTO reservation_ends VALUES ('r', 'x')")
        receipt = {"ingredient": "tablet-50mg", "quantity": "100", "unit": "tablets"}
        store.log("lot-receipt", None, "AB1234", {**receipt, "expiry": "2027-06-30"})
    with pytest.raises(psycopg.Error, match="append-only"):
        sql(pg_log, statement)
    with Store(pg_log) as store:
        assert store.verify().ok
        assert store.count() == 3


def test_a_lot_is_unique_in_the_database(pg_log):
    with pytest.raises(psycopg.errors.UniqueViolation):
        sql(
            pg_log,
            "INSERT INTO entries (id, kind, lot, created_at, payload) "
            "VALUES (99, 'preparation', '20261201-001', 'x', '{}')",
        )


def test_the_workstations_role_may_read_and_append_only(pg_server, pg_log):
    url = workstation_role(pg_server, pg_log)
    with Store(url) as store:  # everything a workstation does
        lot, _, _ = record(store)
        assert lot == "20261201-002"
        store.log("label", "1234567", lot, {"quantity_ml": ["5"], "pdf_sha256": "cd" * 32})
        assert store.verify().ok and store.has_file("cd" * 32)
    sql(pg_log, "ALTER TABLE entries DISABLE TRIGGER USER")  # even with the triggers off
    try:
        for statement in (
            "UPDATE entries SET payload = '{}'",
            "DELETE FROM entries",
            "TRUNCATE entries CASCADE",
            "DROP TRIGGER entries_append_only_update ON entries",
            "ALTER TABLE entries DISABLE TRIGGER USER",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                sql(url, statement)
    finally:
        sql(pg_log, "ALTER TABLE entries ENABLE TRIGGER USER")
    with Store(pg_log) as store:
        assert store.verify().ok and store.count() == 4


def test_the_workstations_role_cannot_create_the_log(pg_server):
    url = pg_server.new_database()
    with Store(url) as store:  # the owner creates it...
        assert store.count() == 0
    empty = pg_server.new_database()  # ...a workstation's role cannot
    workstation = workstation_role(pg_server, empty)
    with pytest.raises(DataFileError, match="lacks a right") as caught:
        Store(workstation)
    assert caught.value.exit_code == 4


def test_verify_names_what_a_superuser_changed_with_the_triggers_off(pg_log):
    sql(pg_log, "ALTER TABLE entries DISABLE TRIGGER entries_append_only_update")
    with Store(pg_log) as store:
        found = store.verify()
    assert found.problem == "the append-only trigger entries_append_only_update is disabled"
    sql(pg_log, "UPDATE entries SET payload = replace(payload, 'AB1234', 'ZZ9') WHERE id = 1")
    sql(pg_log, "ALTER TABLE entries ENABLE TRIGGER entries_append_only_update")
    with Store(pg_log) as store:
        found = store.verify()
    assert found.problem == "entry 1 does not match its hash (it was altered)"
    assert found.entry_id == 1


def test_a_database_that_is_not_a_log_is_refused(pg_server):
    url = pg_server.new_database()
    sql(url, "CREATE TABLE patients (name TEXT)")
    with pytest.raises(DataFileError, match="not a Compounder log") as caught:
        Store(url)
    assert caught.value.exit_code == 4


def test_a_newer_schema_is_refused(pg_log):
    sql(pg_log, "INSERT INTO schema_versions VALUES (7, '2030-01-01')")
    with pytest.raises(DataFileError, match="newer than this Compounder knows"):
        Store(pg_log)


# ---------------------------------------------------------------- faults


@pytest.fixture(scope="module")
def password_role(pg_server):
    sql(pg_server.url(), f"CREATE ROLE {PASSWORD_USER} LOGIN PASSWORD '{PASSWORD}'")
    return PASSWORD_USER


def test_a_wrong_password_is_a_clear_error_that_does_not_repeat_it(pg_server, password_role):
    url = pg_server.url("postgres", user=password_role, password="wrong-Pw-123")
    with pytest.raises(DataFileError) as caught:
        Store(url)
    assert caught.value.exit_code == 4
    message = str(caught.value)
    assert "refused the user name or password" in message
    assert "wrong-Pw-123" not in message
    assert message.startswith(f"postgresql://{password_role}@/postgres:")
    good = pg_server.new_database()
    database = urlsplit(good).path.lstrip("/")
    sql(good, f"GRANT ALL ON SCHEMA public TO {password_role}")
    with Store(pg_server.url(database, user=password_role, password=PASSWORD)) as store:
        assert store.count() == 0  # the right password opens (and creates) the log


def test_a_server_that_is_down_is_a_clear_error(tmp_path):
    url = f"postgresql://compounder@/pharmacy?host={tmp_path}"  # no server listens there
    with pytest.raises(DataFileError) as caught:
        Store(url)
    assert caught.value.exit_code == 4
    assert str(caught.value) == (
        "postgresql://compounder@/pharmacy: cannot be reached (the database server is down "
        "or the network is cut); expected a running server; try again when it answers"
    )


def test_a_database_that_does_not_exist_is_named(pg_server):
    with pytest.raises(DataFileError, match="names a database that does not exist"):
        Store(pg_server.url("no_such_log"))


def test_the_cli_exits_4_with_one_line(cli, tmp_path):
    url = f"postgresql://compounder@/pharmacy?host={tmp_path}"
    result = cli("log", "verify", "--db", url)
    assert result.exit_code == 4
    assert result.stderr.count("\n") == 1 and "cannot be reached" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_log_locked_past_the_timeout_is_a_clear_error(pg_log, monkeypatch):
    from compounder.log.backends import base

    monkeypatch.setattr(base, "LOCK_TIMEOUT_S", 0.2)
    with psycopg.connect(pg_log, autocommit=True) as other:
        other.execute(f"SELECT pg_advisory_lock({WRITE_LOCK_KEY})")  # type: ignore[arg-type]
        with pytest.raises(DataFileError) as caught, Store(pg_log) as store:
            store.log("label", "1", None, {})
        with Store(pg_log) as store:  # reading is never blocked
            assert store.count() == 2
    assert caught.value.exit_code == 4
    assert str(caught.value) == (
        f"{redacted(pg_log)}: is locked by another workstation for over 0.2 s; "
        "expected try again when the other workstation has finished"
    )


def terminate_others(url: str) -> None:
    """What a server restart or a cut network does to every open connection."""
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def test_a_connection_lost_while_committing_leaves_no_record_and_no_file(
    cli, pg_log, tmp_path, monkeypatch
):
    import compounder.log.store as store_module

    real = store_module.checkpoint

    def cut(name: str) -> None:
        if name == "log: committing":
            terminate_others(pg_log)
        real(name)

    monkeypatch.setattr(store_module, "checkpoint", cut)
    output = tmp_path / "record.pdf"
    result = cli(
        "record", "--rx", "1234567", "--concentration", "1mg/mL", "--volume", "30mL",
        "--from", "tablets", "--prepared-by", "JD", "--checked-by", "MK",
        "--date", "2026-12-01", "-o", str(output), "--db", pg_log,
    )  # fmt: skip
    assert result.exit_code == 4, result.stderr
    assert "lost its connection to the database server; nothing of this command was logged" in (
        result.stderr
    )
    assert not output.exists()  # no file without its entry
    assert not list(tmp_path.glob("*.pdf*"))
    monkeypatch.setattr(store_module, "checkpoint", real)
    with Store(pg_log) as store:
        assert store.count() == 2 and store.verify().ok
        assert record(store)[0] == "20261201-002"  # the lot was not burned


# ---------------------------------------------------------------- loading


def test_psycopg_is_loaded_only_for_a_server_log(tmp_path, pg_log):
    script = (
        "import sys; from compounder.log.store import Store; "
        "Store(sys.argv[1]).close(); print('psycopg' in sys.modules)"
    )
    for location, loaded in ((str(tmp_path / "log.db"), "False"), (pg_log, "True")):
        done = subprocess.run(
            [sys.executable, "-c", script, location], capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == loaded


def test_the_log_location_comes_from_the_environment_then_the_settings(
    cli, pg_server, tmp_path, monkeypatch
):
    from_env, from_settings = pg_server.new_database(), pg_server.new_database()
    monkeypatch.chdir(tmp_path)
    settings = Path(__file__).resolve().parents[2] / "examples" / "compounder.toml"
    Path("compounder.toml").write_text(
        settings.read_text() + f'\n[log]\nurl = "{from_settings}"\n'
    )
    # a log command creates none
    result = cli("correct", "--entry", "1", "--reason", "x", "--by", "JD")
    assert result.exit_code == 4 and "no compounding log here" in result.stderr
    assert "(from [log] url in compounder.toml)" in result.stderr
    Store(from_settings).close()  # created by a command that writes
    with Store(from_settings) as store:
        assert store.version() == 6
    result = cli("history", "--rx", "1")
    assert result.exit_code == 0, result.stderr
    assert "(from [log] url in compounder.toml)" in result.stderr
    monkeypatch.setenv("COMPOUNDER_DB", from_env)
    Store(from_env).close()
    result = cli("log", "verify")
    assert result.exit_code == 0 and "0 entries verified" in result.stdout
    assert "(from COMPOUNDER_DB)" in result.stderr and "password" not in result.stderr
    with Store(from_env) as store:
        assert store.backend.tables(store.db) == set(TABLE_KEYS)
    assert not (tmp_path / "data").exists()


def test_an_explicit_settings_file_names_the_log_for_label_record_and_batch(
    cli, pg_server, tmp_path
):
    url = pg_server.new_database()
    examples = Path(__file__).resolve().parents[2] / "examples"
    settings = tmp_path / "pharmacy.toml"
    settings.write_text((examples / "compounder.toml").read_text() + f'\n[log]\nurl = "{url}"\n')
    config = ["--config", str(settings)]
    result = cli(
        "record", "--rx", "1234567", "--concentration", "1mg/mL", "--volume", "30mL",
        "--from", "tablets", "--prepared-by", "JD", "--checked-by", "MK",
        "--date", "2026-12-01", "-o", str(tmp_path / "r.pdf"), *config,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    result = cli(
        "label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
        "--dose", "1.5mg", "--quantity", "25mL", "--concentration", "1mg/mL",
        "--fill-date", "2026-12-01", "--lot", "20261201-001", "-o", str(tmp_path / "l.pdf"),
        *config,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    result = cli("batch", str(examples / "orders.csv"), "-o", str(tmp_path / "out"), *config)
    assert result.exit_code in (0, 1), result.stderr
    with Store(url) as store:
        assert store.count("preparation") >= 2 and store.count("label") == 1
        assert store.count("batch-run") == 1 and store.verify().ok
    assert not (tmp_path / "data").exists()


def test_a_commit_whose_answer_was_lost_keeps_its_file(cli, pg_log, tmp_path, monkeypatch):
    """The server committed, then the connection dropped before its answer arrived: the
    record is asked for on a new connection, found, and its file kept (both, not
    neither: taking the file back would leave an entry without its file)."""
    from compounder.log.backends import postgres as postgres_backend

    real = postgres_backend.Connection.execute

    def answer_lost(self, sql, params=()):
        cursor = real(self, sql, params)
        if sql == "COMMIT":
            self.connection.close()
            raise self.backend.fault(psycopg.OperationalError("server closed the connection"))
        return cursor

    monkeypatch.setattr(postgres_backend.Connection, "execute", answer_lost)
    output = tmp_path / "record.pdf"
    result = cli(
        "record", "--rx", "1234567", "--concentration", "1mg/mL", "--volume", "30mL",
        "--from", "tablets", "--prepared-by", "JD", "--checked-by", "MK",
        "--date", "2026-12-01", "-o", str(output), "--db", pg_log, "--json",
    )  # fmt: skip
    monkeypatch.setattr(postgres_backend.Connection, "execute", real)
    assert result.exit_code == 0, result.stderr
    from compounder.log.snapshots import pdf_hash

    with Store(pg_log) as store:
        (entry,) = [e for e in store.entries_of_kind("preparation") if e.lot == "20261201-002"]
        assert entry.payload["pdf_sha256"] == pdf_hash(output.read_bytes())
        assert store.verify().ok


@pytest.mark.parametrize("command", ["label", "record"])
def test_a_server_that_cannot_be_reached_prints_nothing(cli, tmp_path, pg_server, command):
    """Server down (no server on that socket) or a wrong password: exit 4, one line, and
    no file written."""
    examples = Path(__file__).resolve().parents[2] / "examples"
    output = tmp_path / "out.pdf"
    args = {
        "label": [
            "label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith",
            "--dose", "1.5mg", "--quantity", "25mL", "--concentration", "1mg/mL",
            "--fill-date", "2026-12-01", "--config", str(examples / "compounder.toml"),
        ],
        "record": [
            "record", "--rx", "1234567", "--concentration", "1mg/mL", "--volume", "30mL",
            "--from", "tablets", "--prepared-by", "JD", "--checked-by", "MK",
            "--date", "2026-12-01",
        ],
    }[command]  # fmt: skip
    down = f"postgresql://compounder@/pharmacy?host={tmp_path}"
    wrong = pg_server.url("postgres", user=PASSWORD_USER, password="not-it")
    for url, problem in ((down, "cannot be reached"), (wrong, "user name or password")):
        result = cli(*args, "-o", str(output), "--db", url)
        assert result.exit_code == 4, result.stderr
        assert problem in result.stderr and result.stderr.count("\n") == 1
        assert "not-it" not in result.stderr
        assert not output.exists() and not list(tmp_path.glob(".*"))


def test_reading_commands_read_a_server_log_in_a_read_only_session(pg_log):
    from compounder.errors import CompounderError

    with Store(pg_log) as store:
        before = store.count()
    with Store(pg_log, read_only=True) as store:
        assert store.count() == before == 2
        with pytest.raises(CompounderError):
            store.log("correction", "1234567", None, {"reason": "y"})
    with Store(pg_log) as store:
        assert store.count() == before
