"""Build the schema-4 log fixtures: run once with the Compounder that wrote schema
version 4 (commit 222ff86, before the log was split), never with a later one.

    PYTHONPATH=<checkout of 222ff86> python tests/data/logs/make_schema4.py

Writes ``schema4.db`` (a SQLite log) and ``schema4-postgres.sql`` (a PostgreSQL log,
dumped as INSERT statements with ``pg_dump``) beside this script: a record with
ingredient lots, a label from its lot, a reprint, a batch run of the example orders,
a batch print entry and a correction. Their chain heads are in ``schema4.json``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "tests"))


def fill(db: str, folder: Path) -> str:
    from compounder.api.dispensing import make_labels
    from compounder.api.recording import record_preparation, reprint_label
    from compounder.batch.run import run_batch
    from compounder.log.entries import correct_entry
    from compounder.log.store import Store

    config = ROOT / "examples" / "compounder.toml"
    folder.mkdir()
    record_preparation(
        "1mg/mL", "30mL", rx="1234567",
        ingredient_lots=["naltrexone 50mg tab:AB1234:2027-06-30", "purified water:W7:2027-01-31"],
        prepared_by="JD", checked_by="MK", compounded="2026-12-01",
        output=folder / "record.pdf", db=db,
    )  # fmt: skip
    make_labels(
        "1234567", "Jane Doe", "Dr A. Smith", folder / "label.pdf", dose="1.5mg",
        quantity="25mL", concentration="1mg/mL", fill_date="2026-12-01",
        lot="20261201-001", config=config, db=db,
    )  # fmt: skip
    reprint_label("1234567", folder / "again.pdf", db)
    run_batch(ROOT / "examples" / "orders.csv", folder / "out", config, db=db)
    labels = (folder / "out" / "labels.pdf").read_bytes()
    import hashlib

    sent = hashlib.sha256(labels).hexdigest()
    with Store(db) as store:
        store.log("batch-print", None, None, {"files_sha256": [sent], "printed": True})
    correct_entry(2, "checked by MK, not MJ", db, by="JD")
    with Store(db) as store:
        found = store.verify()
        assert found.ok, found.problem
        return found.head


def main() -> int:
    from pg_server import Server

    heads = {}
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        sqlite_log = folder / "log.db"
        heads["sqlite"] = fill(str(sqlite_log), folder / "a")
        shutil.copy(sqlite_log, HERE / "schema4.db")
        server = Server()
        try:
            url = server.new_database()
            heads["postgresql"] = fill(url, folder / "b")
            dump = subprocess.run(
                [str(server.bindir / "pg_dump"), "--inserts", "--no-owner", "--no-privileges",
                 "--no-comments", "-d", url],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
        finally:
            server.close()
    (HERE / "schema4-postgres.sql").write_text(dump)
    (HERE / "schema4.json").write_text(json.dumps(heads, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
