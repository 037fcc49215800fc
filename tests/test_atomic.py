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
