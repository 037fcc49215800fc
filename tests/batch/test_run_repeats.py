"""The repeat check is one check (issue 23, item 3): a row repeating an order the log
holds is refused when the file is read, whatever else is wrong in the file (a row
repeating its Rx included), so the commit-time check never refuses a run for it; that
check says "logged meanwhile" only for an entry newer than the run."""

from __future__ import annotations

import pytest

from compounder.batch.run import _refuse_repeats, run_batch
from compounder.errors import OutputError

_HEAD = "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity\n"
LOGGED = "11,A B,Dr A,2026-12-01,1 mg/mL,3 mg,30 mL\n"


@pytest.fixture
def logged(tmp_path, example_config):
    """A log holding order 11 for 2026-12-01, dispensed by another file."""
    db = tmp_path / "log.db"
    first = tmp_path / "first.csv"
    first.write_text(_HEAD + LOGGED)
    assert run_batch(first, tmp_path / "a", example_config, db=db).printed == 1
    return db


def test_a_repeat_whose_rx_the_file_repeats_is_refused_at_read_time(
    tmp_path, example_config, logged
):
    """The issue's reproduction: line 2 repeats the logged order and line 3 repeats line
    2's Rx. Before, line 2 passed the read-time check and the commit refused the whole
    run (exit 5, "run the file again"), again on every run, --skip-invalid included."""
    orders = tmp_path / "orders.csv"
    orders.write_text(
        _HEAD + LOGGED + "11,A B,Dr A,2026-12-01,1 mg/mL,3 mg,30 mL\n"
        "12,C D,Dr A,2026-12-01,1 mg/mL,2 mg,20 mL\n"
    )
    report = run_batch(orders, tmp_path / "b", example_config, db=logged)
    assert report.printed == 0
    assert [(e.line, e.column) for e in report.errors] == [(2, "rx_number"), (3, "rx_number")]
    assert all("dispensed for 2026-12-01 already" in e.message for e in report.errors)
    for attempt in ("c", "d"):  # the same every time: the good row prints
        report = run_batch(orders, tmp_path / attempt, example_config, db=logged,
                           skip_invalid=True)  # fmt: skip
        assert report.printed == 1
        assert [e.line for e in report.errors] == [2, 3]


def test_a_repeat_among_rows_with_other_problems_is_named_a_repeat(
    tmp_path, example_config, logged
):
    orders = tmp_path / "orders.csv"
    orders.write_text(_HEAD + "12,C D,Dr A,2026-12-01,1 mg/mL,banana,20 mL\n" + LOGGED)
    report = run_batch(orders, tmp_path / "b", example_config, db=logged)
    assert [(e.line, e.column) for e in report.errors] == [(2, "dose"), (3, "rx_number")]
    assert "dispensed for 2026-12-01 already" in report.errors[1].message


def test_the_commit_check_says_meanwhile_only_for_a_newer_entry(tmp_path, logged):
    from compounder.log.entries import open_store

    with open_store(logged) as store:
        (entry,) = store.entries_of_kind("dispense")
        rows = [("2", "11", "L1", '{"fill_date": "2026-12-01"}', "k")]
        with pytest.raises(OutputError) as older:
            _refuse_repeats(store, "other-digest", tmp_path / "t", rows, entry.id)
        with pytest.raises(OutputError) as newer:
            _refuse_repeats(store, "other-digest", tmp_path / "t", rows, entry.id - 1)
    assert "logged before this run" in str(older.value)
    assert "run the file again" not in str(older.value)
    assert "take that row out of the file" in str(older.value)
    assert "while this run printed" in str(newer.value)
    assert "run the file again" in str(newer.value)
