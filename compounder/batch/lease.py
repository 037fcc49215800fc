"""The lock a batch run holds on its output folder, as a lease with a host and a time.

A run creates ``OUT/.compounder-batch.lock`` (exclusively: a second run into the folder
is refused while it is there) holding the run's key, host, process and start time, and
keeps its modification time fresh while it works; it also holds an OS lock on the
file (``atomic.os_lock``) for as long as its process lives. A lock is abandoned when
its run is gone: on the same host, when that OS lock is free (its process has ended,
however: a run suspended with Ctrl-Z keeps it, however long); from another host (the
folder may be shared between workstations), when its OS lock is not seen held and it
has not been renewed for ``LEASE``. The next run takes an abandoned lock over and
finishes or undoes the abandoned run (``run.recover``). Where the file system cannot
lock, the same host falls back to the process id (POSIX) and then the lease. Nothing
here needs hard links (FAT, exFAT and SMB shares have none).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from compounder.atomic import OwnerLock, os_lock
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
    owner: OwnerLock | None = None  # the OS lock held while the run lives

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
        ours = _read(self.path).get("run_key") == self.run_key
        if self.owner is not None:
            if sys.platform == "win32":  # an open file cannot be removed there
                self.owner.release(remove=False)
            elif ours:  # removed while its lock is held: nobody takes a dying lock
                self.owner.release(remove=True)
                return
        with contextlib.suppress(OSError):
            if ours:
                self.path.unlink()
        if self.owner is not None:
            self.owner.release(remove=False)


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
            flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
            handle = os.open(path, flags, 0o644)
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
        owner = OwnerLock(path, handle, _lock_new(handle))  # locked before it says whose
        try:
            os.write(handle, json.dumps(info).encode())
            os.fsync(handle)
        except OSError as exc:
            owner.release()
            raise OutputError(str(folder), exc.strerror or str(exc)) from None
        return FolderLock(folder, run_key, info, time.monotonic(), owner), abandoned
    raise OutputError(str(folder), "could not take the folder's batch lock; try again")


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _lock_new(handle: int) -> bool | None:
    """Lock a lock file just made (another run reading it may hold its lock a moment)."""
    for _ in range(100):
        locked = os_lock(handle)
        if locked is not False:
            return locked
        time.sleep(0.01)
    return None


def _lock_state(path: Path) -> str:
    """Whether a lock file's OS lock is "held" (its run lives), "free" or "unknown"
    (the file system cannot lock, or the file cannot be opened)."""
    taken = OwnerLock.take(path)
    if isinstance(taken, OwnerLock):
        taken.release(remove=False)
        return "free"
    return "free" if taken == "gone" else taken


def _abandoned(held: dict[str, Any], path: Path) -> bool:
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return True
    state = _lock_state(path)
    if state == "held":
        return False  # its run lives (stopped, perhaps), whatever host it ran on
    same_host = held.get("host") == socket.gethostname() and isinstance(held.get("pid"), int)
    if same_host and state == "free":
        return True  # its process has ended: the OS let its lock go
    if same_host and not _alive(held["pid"]):
        return True  # no locks here: its process is gone (where that can be told)
    if age > LEASE:
        return True  # not renewed: its run is gone, on another host
    if not held:  # unreadable: a run killed while writing its lock
        return age > RENEW_EVERY
    return False


def _take_over(path: Path, held: dict[str, Any]) -> dict[str, Any] | None:
    """Move an abandoned lock aside (one contender wins: the one holding its OS lock);
    the lock taken over, or None if another run got there first."""
    taken = OwnerLock.take(path)
    if taken in ("held", "gone"):
        return None
    if isinstance(taken, OwnerLock) and _read(path).get("run_key") != held.get("run_key"):
        taken.release(remove=False)  # a new run's lock, not yet written: not abandoned
        return None
    aside = path.with_name(f"{LOCK_NAME}.{uuid.uuid4().hex}.abandoned")
    try:
        if isinstance(taken, OwnerLock) and sys.platform == "win32":
            taken.release(remove=False)  # an open file cannot be renamed there
        os.rename(path, aside)
    except FileNotFoundError:
        return None
    finally:
        if isinstance(taken, OwnerLock):
            taken.release(remove=False)
    found = _read(aside)
    if found.get("run_key") != held.get("run_key"):  # a fresh lock moved by mistake
        _put_back(aside, path)
        return None
    aside.unlink(missing_ok=True)
    return found


def _put_back(aside: Path, path: Path) -> None:
    """Put a lock moved aside by mistake back, unless a new one is there: as a link, or
    where the file system has none, as a copy."""
    try:
        os.link(aside, path)
    except FileExistsError:
        pass
    except OSError:
        with contextlib.suppress(OSError):
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(handle, "wb") as lock:
                lock.write(aside.read_bytes())
    aside.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    """Whether a process of this host lives (True where that cannot be told: Windows,
    where signalling a process ends it)."""
    if sys.platform == "win32":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
