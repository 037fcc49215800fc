"""Atomic output files: written under a temporary name, renamed into place when complete.

An error or an interruption leaves no partial file under the target name: either the
complete new file is there, or whatever was there before.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from compounder.errors import OutputError


def check_output_path(target: Path) -> Path:
    """``target`` if a file can be written there: OutputError for an empty name, an
    existing folder or a folder that does not exist (checked before any work is done)."""
    target = Path(target)
    if not str(target) or target.name in ("", ".", ".."):
        raise OutputError(repr(str(target)), "a file name is needed")
    if target.is_dir():
        raise OutputError(str(target), "is a folder; give a file name")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(str(target), f"folder {folder} does not exist")
    return target


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it to ``target``."""
    import tempfile  # here: a command that writes nothing does not pay for it

    target = check_output_path(target)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OutputError(str(target), exc.strerror or str(exc)) from None
    os.close(handle)
    temp = Path(temp_name)
    try:
        yield temp
        try:
            with temp.open("rb") as written:
                os.fsync(written.fileno())
            os.replace(temp, target)
        except OSError as exc:
            raise OutputError(str(target), exc.strerror or str(exc)) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as temp:
        try:
            temp.write_bytes(data)
        except OSError as exc:
            raise OutputError(str(target), exc.strerror or str(exc)) from None
