"""`compounder log anchor` and `log verify` against anchors, from the command line."""

from __future__ import annotations

import json
import sqlite3

from conftest import EXAMPLE_CONFIG, LABEL_ARGS, RECORD_ARGS


def _log(cli, tmp_path, db: str) -> None:
    assert cli(*RECORD_ARGS, "--db", db, "-o", str(tmp_path / "r.pdf")).exit_code == 0
    label = cli(
        *LABEL_ARGS, "--db", db, "--config", str(EXAMPLE_CONFIG), "-o", str(tmp_path / "l.pdf")
    )
    assert label.exit_code == 0, label.stderr


def test_log_anchor_prints_the_head_and_keeps_it(cli, tmp_path, own_anchor):
    db = str(tmp_path / "log.db")
    _log(cli, tmp_path, db)
    result = cli("log", "anchor", "--db", db)
    assert result.exit_code == 0, result.stderr
    line = result.stdout.rstrip("\n")
    assert line.startswith("compounder-head 1 ") and " entry=2 hash=" in line
    assert own_anchor.read_text().splitlines()[-1] == line
    head = line.split("hash=")[1].split()[0]
    assert f"compounder log verify --head 2:{head}" in result.stderr
    assert cli("log", "verify", "--db", db, "--head", f"2:{head}").exit_code == 0
    data = json.loads(cli("log", "anchor", "--db", db, "--json").stdout)
    assert (data["entry"], data["hash"], data["signature"]) == (2, head, None)


def test_verify_names_the_anchor_and_the_entries_cut_off(cli, tmp_path, own_anchor):
    db = str(tmp_path / "log.db")
    _log(cli, tmp_path, db)
    kept = tmp_path / "kept.log"
    kept.write_bytes(own_anchor.read_bytes())  # a copy kept on another machine
    with sqlite3.connect(db, isolation_level=None) as raw:  # the guards off, and back on
        saved = raw.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        saved = saved.fetchall()
        for name, _ in saved:
            raw.execute(f"DROP TRIGGER {name}")
        for table in ("entry_fields", "ingredient_uses"):
            raw.execute(f"DELETE FROM {table} WHERE entry_id = 2")
        raw.execute("DELETE FROM entries WHERE id = 2")
        raw.execute("DELETE FROM sqlite_sequence")
        for _, sql in saved:
            raw.execute(sql)
    own_anchor.write_text("")  # the local anchor wiped too
    alone = cli("log", "verify", "--db", db)
    assert alone.exit_code == 0  # nothing left here to tell it...
    assert "1 entries verified" in alone.stdout
    result = cli("log", "verify", "--db", db, "--anchor", str(kept))  # ...but the copy
    assert result.exit_code == 3
    assert f"{kept} line 2 saw entry 2" in result.stderr
    assert "the log ends at entry 1: entry 2 was cut off" in result.stderr
    data = json.loads(cli("log", "verify", "--db", db, "--anchor", str(kept), "--json").stdout)
    assert not data["ok"] and "entry 2 was cut off" in data["problems"][0]


def test_verify_warns_when_no_anchor_saw_the_log(cli, tmp_path, own_anchor):
    db = str(tmp_path / "log.db")
    _log(cli, tmp_path, db)
    own_anchor.unlink()
    result = cli("log", "verify", "--db", db)
    assert result.exit_code == 0
    assert "compounder: warning: no anchor holds a head of this log" in result.stderr


def test_the_settings_name_the_anchor(cli, tmp_path, monkeypatch, example_config):
    monkeypatch.delenv("COMPOUNDER_ANCHOR")
    settings = tmp_path / "compounder.toml"
    settings.write_text(example_config.read_text() + '\n[log]\nanchor = "office/heads.log"\n')
    db = str(tmp_path / "log.db")
    result = cli(*LABEL_ARGS, "--db", db, "--config", str(settings), "-o", str(tmp_path / "l.pdf"))
    assert result.exit_code == 0, result.stderr
    assert " entry=1 " in (tmp_path / "office" / "heads.log").read_text()
    assert cli("log", "verify", "--db", db, "--config", str(settings)).exit_code == 0


def test_signing_without_a_key_exits_4(cli, tmp_path, example_config):
    db = str(tmp_path / "log.db")
    _log(cli, tmp_path, db)
    result = cli("log", "anchor", "--sign", "--db", db, "--config", str(example_config))
    assert result.exit_code == 4
    assert "signing_key" in result.stderr and "Traceback" not in result.stderr


def test_a_copied_log_is_anchored_where_it_now_is(cli, tmp_path, own_anchor):
    db = str(tmp_path / "log.db")
    _log(cli, tmp_path, db)
    copy = tmp_path / "copy.db"
    assert cli("log", "copy", "--from", db, "--to", str(copy)).exit_code == 0
    last = own_anchor.read_text().splitlines()[-1]
    assert " entry=2 " in last and last.endswith(f"log={copy.resolve()}")
    assert cli("log", "verify", "--db", str(copy)).exit_code == 0
