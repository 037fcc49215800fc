"""A batch run that prints nothing leaves no output folder it made itself, and never
removes a folder that was there before."""

from __future__ import annotations

from conftest import DATA

from compounder.batch.run import run_batch

BAD_ROWS = DATA / "orders" / "bad-rows.csv"  # two good rows: refused as a whole


def test_a_refused_run_removes_the_folders_it_made(tmp_path, example_config):
    out = tmp_path / "new" / "out"
    report = run_batch(BAD_ROWS, out, example_config)
    assert report.errors and report.printed == 0
    assert not out.exists() and not (tmp_path / "new").exists()
    assert list(tmp_path.iterdir()) == []


def test_a_refused_run_keeps_a_folder_that_was_there(tmp_path, example_config):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_batch(BAD_ROWS, empty, example_config).printed == 0
    assert empty.is_dir() and list(empty.iterdir()) == []
    used = tmp_path / "used"
    (used / "new").mkdir(parents=True)
    (used / "notes.txt").write_text("the pharmacist's")
    assert run_batch(BAD_ROWS, used / "new" / "out", example_config).printed == 0
    assert sorted(p.name for p in used.iterdir()) == ["new", "notes.txt"]  # "new" was there
    assert list((used / "new").iterdir()) == []


def test_a_folder_with_outputs_is_kept(tmp_path, example_config):
    out = tmp_path / "out"
    report = run_batch(BAD_ROWS, out, example_config, skip_invalid=True)
    assert report.printed == 2
    assert "rejected.csv" in [p.name for p in out.iterdir()]
