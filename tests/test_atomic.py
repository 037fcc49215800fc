"""Atomic output: complete or absent."""

from __future__ import annotations

import pytest

from compounder.atomic import atomic_path, write_bytes_atomic
from compounder.errors import OutputError


def test_write_and_replace(tmp_path):
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old")
    write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert list(tmp_path.iterdir()) == [target]


def test_failure_leaves_old_file_and_no_temp(tmp_path):
    target = tmp_path / "out.pdf"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as temp:
        temp.write_bytes(b"half")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]


def test_missing_folder(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        write_bytes_atomic(tmp_path / "nope" / "out.pdf", b"x")


@pytest.fixture
def umask():
    """Set the process umask for a test (and put the old one back)."""
    import os

    old = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(old)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_outputs_take_the_umask_like_any_new_file(tmp_path, umask, mask, mode):
    import stat

    from compounder.atomic import StagedFile

    umask(mask)
    write_bytes_atomic(tmp_path / "a.pdf", b"a")
    staged = StagedFile(tmp_path / "b.pdf", b"b")
    staged.publish()
    staged.finish()
    (tmp_path / "plain.pdf").write_bytes(b"c")  # as Python (or a shell) makes a file
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == {"a.pdf": mode, "b.pdf": mode, "plain.pdf": mode}


# ----------------------------------------------------------- staged files and orphans


def _no_links(monkeypatch):
    """Make ``os.link`` fail as on FAT, exFAT or an SMB share (Linux vfat: EPERM)."""
    import errno
    import os

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", refuse)


def _hidden(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture(params=["links", "no links"])
def links(request, monkeypatch):
    if request.param == "no links":
        _no_links(monkeypatch)
    return request.param


def _killed(staged):
    """As if its command had been killed: the lock let go, nothing cleaned up."""
    staged.owner.release(remove=False)


def test_a_staged_file_published_and_undone_puts_the_earlier_file_back(tmp_path, links):
    from compounder.atomic import StagedFile

    target = tmp_path / "label.pdf"
    target.write_bytes(b"earlier")
    staged = StagedFile(target, b"new")
    staged.publish({"log": "x"})
    assert target.read_bytes() == b"new"
    staged.undo()
    assert target.read_bytes() == b"earlier"
    assert _hidden(tmp_path) == []
    staged = StagedFile(target, b"new")
    staged.publish({"log": "x"})
    staged.finish()
    assert target.read_bytes() == b"new" and _hidden(tmp_path) == []


@pytest.mark.parametrize("entry_committed", [True, False])
@pytest.mark.parametrize("earlier", [None, b"earlier"])
def test_an_orphan_is_settled_as_its_log_says(tmp_path, links, entry_committed, earlier):
    from compounder.atomic import StagedFile, settle_orphans

    target = tmp_path / "label.pdf"
    if earlier is not None:
        target.write_bytes(earlier)
    staged = StagedFile(target, b"new")
    staged.publish({"log": "mine", "entry": [7, "abc"]})
    notes = []

    def committed(note):
        notes.append(note)
        return entry_committed if note.get("log") == "mine" else None

    assert settle_orphans(tmp_path, committed) == 0  # its command lives: untouched
    assert target.read_bytes() == b"new" and notes == []
    _killed(staged)
    assert settle_orphans(tmp_path, committed) == 1
    assert notes[0]["entry"] == [7, "abc"]
    if entry_committed:
        assert target.read_bytes() == b"new"
    elif earlier is None:
        assert not target.exists()
    else:
        assert target.read_bytes() == earlier
    assert _hidden(tmp_path) == []


def test_another_logs_orphan_is_left_for_it(tmp_path, links):
    from compounder.atomic import StagedFile, settle_orphans

    target = tmp_path / "label.pdf"
    staged = StagedFile(target, b"theirs")
    staged.publish({"log": "theirs", "entry": [1, "abc"]})
    _killed(staged)
    assert settle_orphans(tmp_path, lambda note: None) == 0
    assert target.read_bytes() == b"theirs" and len(_hidden(tmp_path)) >= 1
    assert settle_orphans(tmp_path, lambda note: False) == 1  # that log's command
    assert not target.exists() and _hidden(tmp_path) == []


def test_a_file_never_published_is_removed_whatever_the_log(tmp_path, links):
    from compounder.atomic import StagedFile, settle_orphans

    staged = StagedFile(tmp_path / "label.pdf", b"patient name inside")
    _killed(staged)
    assert _hidden(tmp_path) != []
    assert settle_orphans(tmp_path, lambda note: None) == 1
    assert list(tmp_path.iterdir()) == []


def test_an_orphan_replaced_since_by_another_file_is_not_taken(tmp_path, links):
    from compounder.atomic import StagedFile, settle_orphans

    target = tmp_path / "label.pdf"
    staged = StagedFile(target, b"killed")
    staged.publish({"log": "mine", "entry": [1, "abc"]})
    _killed(staged)
    write_bytes_atomic(target, b"written since")
    assert settle_orphans(tmp_path, lambda note: False) == 1
    assert target.read_bytes() == b"written since" and _hidden(tmp_path) == []


def test_without_links_nothing_calls_link(tmp_path, monkeypatch):
    """The no-link path is taken, not failed into: publishing works with os.link gone."""
    import os

    from compounder.atomic import StagedFile

    calls = []
    _no_links(monkeypatch)
    refuse = os.link
    monkeypatch.setattr(os, "link", lambda *a, **k: (calls.append(a), refuse(*a, **k)))
    target = tmp_path / "label.pdf"
    target.write_bytes(b"earlier")
    staged = StagedFile(target, b"new")
    staged.publish({"log": "x"})
    assert staged.identity is not None  # published by renaming, the note says which
    assert (tmp_path / staged.temp.with_suffix(".previous").name).read_bytes() == b"earlier"
    staged.finish()
    assert target.read_bytes() == b"new" and _hidden(tmp_path) == [] and len(calls) == 1
