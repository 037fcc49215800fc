"""The staff register at every entrance that names a person, and dates after now at
every entrance that dates a record or label (issue 27, items 1 and 2)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import EXAMPLE_CONFIG, LABEL_ARGS, RECORD_ARGS, TEST_SETTINGS, pdf_pages

from compounder.log.store import Store


def _record(*people: str) -> list[str]:
    """RECORD_ARGS with its preparer and checker replaced by ``people``."""
    args = list(RECORD_ARGS)
    args[args.index("--prepared-by") + 1], args[args.index("--checked-by") + 1] = people
    return args


def _entries(db: Path) -> int:
    if not db.exists():
        return 0
    with Store(db) as store:
        return store.count()


@pytest.mark.parametrize(
    ("people", "code", "problem"),
    [
        (("Julia Diaz", "MK"), 2, "prepared-by: 'Julia Diaz' is not in the staff register"),
        (("JD", "Doe, Jane"), 2, "checked-by: 'Doe, Jane' is not in the staff register"),
        (("OL", "MK"), 2, "prepared-by: OL is not active in the staff register"),
        (
            ("JD", "TR"),
            2,
            "checked-by: TR is a technician in the staff register ([staff.XX] tables of the "
            "settings in ",
        ),
        (("JD", "j.d."), 3, "the check must be independent: checked-by (JD) is the same person"),
    ],
)
def test_record_takes_registered_people_only(cli, tmp_path, people, code, problem):
    db = tmp_path / "log.db"
    out = tmp_path / "r.pdf"
    result = cli(*_record(*people), "--db", str(db), "-o", str(out))
    assert result.exit_code == code, result.stderr
    assert problem in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() and _entries(db) == 0


def test_a_technician_prepares_a_pharmacist_checks_and_the_record_prints_their_names(
    cli, tmp_path
):
    db, out = tmp_path / "log.db", tmp_path / "r.pdf"
    result = cli(*_record("tr", "M.K."), "--db", str(db), "-o", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)["record"]
    assert (record["prepared_by"], record["prepared_by_name"]) == ("TR", "Tomas Reyes")
    assert (record["checked_by"], record["checked_by_name"]) == ("MK", "Marcus Kim")
    text = " ".join(" ".join(p.extract_text() for p in pdf_pages(out.read_bytes())).split())
    assert "Prepared by: Tomas Reyes (TR) • Checked by: Marcus Kim (MK)" in text
    found = cli("history", "--rx", "1234567", "--db", str(db), "--json")
    assert json.loads(found.stdout)["entries"][0]["by"] == "TR/MK"


def test_a_single_pharmacist_site_keeps_its_setting(cli, tmp_path):
    single = tmp_path / "single.toml"
    single.write_text(TEST_SETTINGS + "\n[compounding]\nsingle_pharmacist = true\n")
    db, out = tmp_path / "log.db", tmp_path / "r.pdf"
    args = ["--db", str(db), "-o", str(out), "--config", str(single), "--json"]
    result = cli(*_record("JD", "jd"), *args)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["record"]["single_pharmacist"] is True
    # one technician alone is no pharmacist checking their own work
    refused = cli(*_record("TR", "TR"), *args)
    assert refused.exit_code == 2 and "TR is a technician" in refused.stderr


def test_without_a_register_nobody_can_record(cli, tmp_path, monkeypatch):
    bare = tmp_path / "bare.toml"
    bare.write_text(TEST_SETTINGS.split("[staff.JD]")[0])
    db = ["--db", str(tmp_path / "log.db"), "-o", str(tmp_path / "r.pdf")]
    result = cli(*RECORD_ARGS, *db, "--config", str(bare))
    assert result.exit_code == 2
    assert "prepared-by: the staff register ([staff.XX] tables of the settings in " in (
        result.stderr
    )
    assert "is empty: nobody can sign" in result.stderr and "compounder init --staff" in (
        result.stderr
    )
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))  # no settings at all
    result = cli(*RECORD_ARGS, *db)
    assert result.exit_code == 2 and "(no settings file found)" in result.stderr


def test_an_override_needs_a_registered_pharmacist_at_every_entrance(cli, tmp_path):
    db = ["--db", str(tmp_path / "log.db")]
    override = ["--other-medication", "tramadol", "--override", "pain team aware"]
    config = ["--config", str(EXAMPLE_CONFIG)]
    commands = {
        "label": [*LABEL_ARGS, *config, "-o", str(tmp_path / "l.pdf"), *db],
        "record": [*RECORD_ARGS, *config, "-o", str(tmp_path / "r.pdf"), *db],
        "screen": ["screen", "--other-medication", "tramadol", "--override", "pain team aware",
                   *config],
    }
    for name, args in commands.items():
        extra = [] if name == "screen" else override
        technician = cli(*args, *extra, "--pharmacist", "TR")
        assert technician.exit_code == 2, (name, technician.stderr)
        assert "pharmacist: TR is a technician in the staff register" in technician.stderr
        assert "an override needs a pharmacist" in technician.stderr
        unknown = cli(*args, *extra, "--pharmacist", "ZZ")
        assert unknown.exit_code == 2 and "'ZZ' is not in the staff register" in unknown.stderr
        signed = cli(*args, *extra, "--pharmacist", "mk")
        assert signed.exit_code == 0, (name, signed.stderr)


# ---------------------------------------------------------------- dates after now


def _tomorrow() -> str:
    return (date.today() + timedelta(days=2)).isoformat()


def test_a_record_dated_after_now_is_refused_unless_the_settings_allow_it(cli, tmp_path):
    db = tmp_path / "log.db"
    out = ["-o", str(tmp_path / "r.pdf"), "--db", str(db)]
    later = [a if a != "2026-12-01" else _tomorrow() for a in RECORD_ARGS]
    result = cli(*later, *out)
    assert result.exit_code == 2
    assert f"date: '{_tomorrow()}' is not accepted; expected a date not after now (" in (
        result.stderr
    )
    assert "[records] allow_future_dates = true" in result.stderr
    soon = (datetime.now() + timedelta(hours=1)).strftime("%H:%M")
    today = [a if a != "2026-12-01" else date.today().isoformat() for a in RECORD_ARGS]
    if datetime.now().hour < 23:  # an hour ahead is still today
        result = cli(*today, "--time", soon, *out)
        assert result.exit_code == 2 and "5 min of clock skew allowed" in result.stderr
    assert _entries(db) == 0
    predating = tmp_path / "predating.toml"
    predating.write_text(TEST_SETTINGS + "\n[records]\nallow_future_dates = true\n")
    result = cli(*later, *out, "--config", str(predating))
    assert result.exit_code == 0, result.stderr


def test_a_label_dated_after_now_is_refused(cli, tmp_path):
    later = [a if a != "2026-12-01" else _tomorrow() for a in LABEL_ARGS]
    out = ["-o", str(tmp_path / "l.pdf"), "--db", str(tmp_path / "log.db")]
    result = cli(*later, *out, "--config", str(EXAMPLE_CONFIG))
    assert result.exit_code == 2
    assert f"fill-date: '{_tomorrow()}' is not accepted; expected a date not after now" in (
        result.stderr
    )
    assert not (tmp_path / "l.pdf").exists()
    predating = tmp_path / "predating.toml"
    predating.write_text(
        EXAMPLE_CONFIG.read_text().replace(
            "allow_future_dates = false", "allow_future_dates = true"
        )
    )
    assert cli(*later, *out, "--config", str(predating)).exit_code == 0


def test_a_batch_row_dated_after_now_names_its_column(cli, tmp_path):
    orders = tmp_path / "orders.csv"
    rows = (EXAMPLE_CONFIG.parent / "orders.csv").read_text().splitlines()[:3]
    rows[2] = rows[2].replace("2026-12-01", _tomorrow(), 1)
    orders.write_text("\n".join(rows) + "\n")
    result = cli(
        "batch", str(orders), "--check", "--config", str(EXAMPLE_CONFIG),
        "--db", str(tmp_path / "log.db"),
    )  # fmt: skip
    assert result.exit_code == 2, result.stderr
    assert (
        f"line 3, column fill_date: '{_tomorrow()}' is not accepted; expected a date not "
        "after now"
    ) in result.stderr
    assert "line 2" not in result.stderr
