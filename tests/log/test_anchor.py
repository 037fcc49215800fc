"""Anchors: the log's head written outside it after every append, and read back by
verify (``log.anchor``)."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from compounder.errors import DataFileError, InputError
from compounder.log import anchor
from compounder.log.anchor import Head, anchor_path, read_anchor, write_head
from compounder.log.entries import verify_log
from compounder.log.guards import expected_guards
from compounder.log.store import Store


def append(db: str | Path, count: int = 1) -> None:
    with Store(db) as store:
        for _ in range(count):
            store.log("label", "1234567", None, {"quantity_ml": ["10"]})


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def test_every_append_writes_the_new_head(tmp_path, own_anchor):
    db = tmp_path / "log.db"
    append(db, 3)
    with Store(db) as store:
        rows = store.db.execute("SELECT id, hash FROM entries ORDER BY id").fetchall()
    heads, warnings = read_anchor(own_anchor)
    assert not warnings
    assert [(h.head.entry_id, h.head.hash) for h in heads] == [(r[0], r[1]) for r in rows]
    assert {h.head.log for h in heads} == {str(db.resolve())}
    assert {h.head.chain for h in heads} == {rows[0][1][:16]}
    assert all(h.head.at.endswith("Z") for h in heads)


def test_a_transaction_of_many_entries_writes_one_head(tmp_path, own_anchor):
    db = tmp_path / "log.db"
    with Store(db) as store, store.transaction():
        store.log("label", "1", None, {})
        store.log("label", "2", None, {})
    assert [h.head.entry_id for h in read_anchor(own_anchor)[0]] == [2]


def test_reading_writes_nothing(tmp_path, own_anchor):
    db = tmp_path / "log.db"
    append(db)
    before = own_anchor.read_bytes()
    assert verify_log(db).ok
    with Store(db) as store:
        store.history("1234567")
    assert own_anchor.read_bytes() == before


def test_the_anchor_is_beside_the_settings_or_where_they_say(tmp_path, monkeypatch):
    monkeypatch.delenv("COMPOUNDER_ANCHOR")
    settings = tmp_path / "compounder.toml"
    settings.write_text('[pharmacy]\nname = "x"\naddress = "y"\nphone = "z"\n')
    assert anchor_path(settings) == tmp_path / "anchors.log"
    settings.write_text(settings.read_text() + '[log]\nanchor = "share/heads.log"\n')
    assert anchor_path(settings) == tmp_path / "share" / "heads.log"
    with anchor.using_settings(settings):
        assert anchor_path() == tmp_path / "share" / "heads.log"
    monkeypatch.setenv("COMPOUNDER_ANCHOR", str(tmp_path / "env.log"))
    assert anchor_path(settings) == tmp_path / "env.log"


def test_a_head_not_written_is_said_and_the_entry_kept(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COMPOUNDER_ANCHOR", str(tmp_path))  # a folder: cannot be appended to
    db = tmp_path / "log.db"
    append(db)
    assert "was not written to its anchor" in capsys.readouterr().err
    with Store(db) as store:
        assert store.count() == 1


def test_a_line_torn_by_a_crash_stays_apart_and_is_said(tmp_path):
    path = tmp_path / "anchors.log"
    path.write_text("compounder-head 1 2026-12-07T16:41:2")  # a crash mid-line
    head = Head(1, "a" * 64, "2026-12-07T16:41:29Z", "a" * 16, "/x/log.db")
    write_head(path, head)
    heads, warnings = read_anchor(path)
    assert [h.head for h in heads] == [head]
    assert warnings == [f"{path} line 1 is not a head (not read)"]


def _hammer(path: str, worker: int, count: int) -> None:
    for number in range(count):
        entry = worker * 100_000 + number + 1
        write_head(Path(path), Head(entry, f"{entry:064x}", "2026-12-07T16:41:29Z", "0" * 16, "/l"))


def test_concurrent_writers_neither_tear_nor_lose_a_line(tmp_path):
    path = tmp_path / "anchors.log"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_hammer, args=(str(path), w, 300)) for w in range(4)]
    for one in workers:
        one.start()
    for one in workers:
        one.join(60)
        assert one.exitcode == 0
    heads, warnings = read_anchor(path)
    assert not warnings
    ids = sorted(h.head.entry_id for h in heads)
    assert ids == sorted(w * 100_000 + n + 1 for w in range(4) for n in range(300))


def _appender(db: str, anchor_file: str, count: int) -> None:
    os.environ["COMPOUNDER_ANCHOR"] = anchor_file
    append(db, count)


def test_concurrent_appenders_each_witness_their_heads(tmp_path, own_anchor):
    db = tmp_path / "log.db"
    append(db)  # the schema made before the workers race
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_appender, args=(str(db), str(own_anchor), 15)) for _ in range(3)
    ]
    for one in workers:
        one.start()
    for one in workers:
        one.join(120)
        assert one.exitcode == 0
    heads, warnings = read_anchor(own_anchor)
    assert not warnings
    assert sorted(h.head.entry_id for h in heads) == list(range(1, 47))
    with Store(db) as store:
        hashes = dict(store.db.execute("SELECT id, hash FROM entries").fetchall())
    assert all(hashes[h.head.entry_id] == h.head.hash for h in heads)
    assert verify_log(db).ok


def test_verify_checks_other_anchor_files_and_names_them(tmp_path, own_anchor):
    db = tmp_path / "log.db"
    append(db, 3)
    kept = tmp_path / "kept.log"
    kept.write_bytes(own_anchor.read_bytes())
    own_anchor.write_text("")  # the local anchor emptied by the tamperer
    with Store(db) as store, store.transaction():
        store.db.execute("DROP TRIGGER entries_append_only_delete")
        store.db.execute("DELETE FROM entries WHERE id = 3")
        store.db.execute("DELETE FROM sqlite_sequence")
        store.db.execute(expected_guards(store)["entries_append_only_delete"])
    assert verify_log(db).ok  # nothing left here to tell
    found = verify_log(db, anchors=[kept])
    assert found.problem == (
        f"{kept} line 3 saw entry 3 (hash {lines(kept)[2].split('hash=')[1][:16]}) but the "
        "log ends at entry 2: entry 3 was cut off"
    )


def test_a_log_without_any_anchored_head_is_a_warning(tmp_path, own_anchor):
    db = tmp_path / "log.db"
    append(db)
    own_anchor.unlink()
    found = verify_log(db)
    assert found.ok
    assert any("no anchor holds a head of this log" in w for w in found.warnings)


def test_heads_of_other_logs_are_not_compared(tmp_path, own_anchor):
    append(tmp_path / "one.db", 5)
    append(tmp_path / "two.db", 2)
    assert verify_log(tmp_path / "one.db").ok and verify_log(tmp_path / "two.db").ok


@pytest.mark.parametrize(
    "given",
    [
        "xyz",
        "12:xyz",
        "a" * 15,
        "-1:" + "a" * 16,
        "1:" + "g" * 16,
        "1:2:" + "a" * 16,
        "²:" + "a" * 16,
    ],
)
def test_a_noted_head_is_id_and_hash_or_a_hash(tmp_path, given):
    with pytest.raises(InputError):
        verify_log(tmp_path / "log.db", given)


def test_a_noted_head_with_its_id_must_be_that_entry(tmp_path):
    db = tmp_path / "log.db"
    append(db, 3)
    with Store(db) as store:
        second = store.db.execute("SELECT hash FROM entries WHERE id = 2").fetchone()[0]
    assert verify_log(db, f"2:{second}").ok
    assert verify_log(db, second[:20]).ok
    assert not verify_log(db, f"3:{second}").ok


# ---------------------------------------------------------------- signing


@pytest.fixture
def signing_settings(tmp_path) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    (tmp_path / "head-key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings = tmp_path / "compounder.toml"
    settings.write_text(
        '[pharmacy]\nname = "x"\naddress = "y"\nphone = "z"\n[log]\nsigning_key = "head-key.pem"\n'
    )
    return settings


def test_a_signed_head_verifies_and_a_forged_one_is_named(tmp_path, own_anchor, signing_settings):
    db = tmp_path / "log.db"
    append(db, 2)
    with Store(db) as store:
        head = anchor.keep_head(store, signed=True, config=signing_settings)
    assert head.signature and head.entry_id == 2
    assert own_anchor.read_text().splitlines()[-1] == head.line().rstrip("\n")
    with anchor.using_settings(signing_settings):
        assert verify_log(db).ok
        forged = (
            head.line()
            .replace(f"entry={head.entry_id}", "entry=1")
            .replace(f"hash={head.hash}", f"hash={read_anchor(own_anchor)[0][0].head.hash}")
        )
        with open(own_anchor, "a") as handle:
            handle.write(forged)
        found = verify_log(db)
    assert not found.ok
    assert found.problem == (
        f"{own_anchor} line 4: its signature does not match (the head was forged or altered)"
    )


def test_signing_without_a_key_in_the_settings_is_a_clear_error(tmp_path):
    settings = tmp_path / "compounder.toml"
    settings.write_text('[pharmacy]\nname = "x"\naddress = "y"\nphone = "z"\n')
    db = tmp_path / "log.db"
    append(db)
    with Store(db) as store, pytest.raises(DataFileError, match="signing_key"):
        anchor.keep_head(store, signed=True, config=settings)


def test_keeping_the_head_of_an_empty_log_is_refused(tmp_path):
    with Store(tmp_path / "log.db") as store, pytest.raises(DataFileError, match="no entry"):
        anchor.keep_head(store)


def test_the_api_follows_the_settings_it_is_given(tmp_path, monkeypatch, example_config):
    from compounder.api.recording import record_preparation
    from compounder.batch.run import run_batch

    monkeypatch.delenv("COMPOUNDER_ANCHOR")
    settings = tmp_path / "compounder.toml"
    settings.write_text(example_config.read_text() + '\n[log]\nanchor = "heads.log"\n')
    db = tmp_path / "log.db"
    record_preparation(
        "1 mg/mL", "30 mL", rx="1234567", prepared_by="JD", checked_by="MK",
        compounded="2026-12-01", config=settings, db=db,
    )  # fmt: skip
    examples = Path(__file__).resolve().parents[2] / "examples"
    run_batch(examples / "orders.csv", tmp_path / "out", settings, db=db)  # positional
    heads = read_anchor(tmp_path / "heads.log")[0]
    assert len(heads) == 2 and heads[0].head.entry_id == 1
    assert anchor.SETTINGS.get() is None  # not left set
