"""The lock a batch run holds on its output folder, as a lease with a host and a time.

A run creates ``OUT/.compounder-batch.lock`` (exclusively: a second run into the folder
is refused while it is there) holding the run's key, host, process and start time, and
keeps its modification time fresh while it works. A lock is abandoned when its run is
gone: on the same host its process no longer exists; from any host (the folder may be
shared between workstations) it has not been renewed for ``LEASE``. The next run takes
an abandoned lock over and finishes or undoes the abandoned run (``run.recover``): it
judges another workstation's run by the lease, never by a process id of its own host.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from compounder.errors import OutputError

LOCK_NAME = ".compounder-batch.lock"
LEASE = 120.0  # seconds without renewal after which another host may take the lock
RENEW_EVERY = 10.0


@dataclass
class FolderLock:
    """A batch run's hold on its output folder."""

    folder: Path
    run_key: str
    info: dict[str, Any]
    renewed: float = 0.0

    @property
    def path(self) -> Path:
        return self.folder / LOCK_NAME

    def renew(self) -> None:
        """Keep the lease fresh (cheap: at most every ``RENEW_EVERY`` seconds)."""
        now = time.monotonic()
        if now - self.renewed >= RENEW_EVERY:
            with contextlib.suppress(OSError):
                os.utime(self.path)
            self.renewed = now

    def release(self) -> None:
        with contextlib.suppress(OSError):
            if _read(self.path).get("run_key") == self.run_key:
                self.path.unlink()


def acquire(folder: Path, run_key: str, temp_name: str) -> tuple[FolderLock, dict[str, Any] | None]:
    """Take the folder's lock for a run; returns it and the lock of an abandoned run that
    was taken over (for the caller to finish or undo), if any. OutputError if another
    run holds the folder."""
    info = {
        "run_key": run_key,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started": datetime.now().isoformat(timespec="seconds"),
        "temp": temp_name,
    }
    path = folder / LOCK_NAME
    abandoned: dict[str, Any] | None = None
    for _ in range(3):
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            held = _read(path)
            if not _abandoned(held, path):
                raise OutputError(
                    str(folder),
                    f"another batch run is writing to it (host {held.get('host', '?')}, "
                    f"process {held.get('pid', '?')}, since {held.get('started', '?')}); "
                    "wait for it to finish or choose another folder",
                ) from None
            taken = _take_over(path, held)
            if taken is not None:
                abandoned = taken
            continue
        except OSError as exc:
            raise OutputError(str(folder), exc.strerror or str(exc)) from None
        with os.fdopen(handle, "w", encoding="utf-8") as lock:
            json.dump(info, lock)
            lock.flush()
            os.fsync(lock.fileno())
        return FolderLock(folder, run_key, info, time.monotonic()), abandoned
    raise OutputError(str(folder), "could not take the folder's batch lock; try again")


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _abandoned(held: dict[str, Any], path: Path) -> bool:
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return True
    if age > LEASE:
        return True  # not renewed: its run is gone, whatever host it ran on
    if held.get("host") == socket.gethostname() and isinstance(held.get("pid"), int):
        return not _alive(held["pid"])
    if not held:  # unreadable: a run killed while writing its lock
        return age > RENEW_EVERY
    return False


def _take_over(path: Path, held: dict[str, Any]) -> dict[str, Any] | None:
    """Move an abandoned lock aside (one contender wins the rename); the lock taken over,
    or None if another run got there first."""
    aside = path.with_name(f"{LOCK_NAME}.{uuid.uuid4().hex}.abandoned")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return None
    taken = _read(aside)
    if taken.get("run_key") != held.get("run_key"):  # a fresh lock moved by mistake
        with contextlib.suppress(OSError):
            os.link(aside, path)
        aside.unlink(missing_ok=True)
        return None
    aside.unlink(missing_ok=True)
    return taken


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
