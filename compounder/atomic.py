"""Atomic output files: written under a temporary name, renamed into place when complete.

An error or an interruption leaves no partial file under the target name: either the
complete new file is there, or whatever was there before. A command's hidden files are
held by an OS lock while it lives (``OwnerLock``); the files of a command killed
outright are settled by the next one into the folder (``settle_orphans``). A staged
file is published together with its log entry (``StagedFile``), with or without hard
links, and signals wait from the entry's commit until the files are final
(``SignalsHeld``). ``checkpoint`` marks the points the crash tests interrupt.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from compounder.errors import OutputError

#: what a label writer offers instead of a device or pipe (other writers offer nothing)
PRINT_INSTEAD = "use --print to send labels to a printer"


#: an output named "-" goes to standard output (a label or chart: ``-o -``)
STDOUT = "-"


def to_stdout(target: str | Path | None) -> bool:
    """Whether an output is standard output (``-o -``), not a file."""
    return target is not None and str(target) == STDOUT


def check_output_path(target: Path, instead: str = "") -> Path:
    """The path to write for ``target``: OutputError for an empty name, an existing
    folder, a folder that does not exist, or anything there but a regular file (a
    device, a pipe...: replacing it would delete the node and print nothing; the error
    suggests ``instead`` too, when the command has it). Checked before any work is
    done, and again at the rename (``replace_into``).

    A symbolic link to a regular file is written through, as the shell's ``>`` does:
    the file it names is replaced (atomically, beside it) and the link is kept; the
    returned path is that file. A link to nothing is refused."""
    if to_stdout(target):  # label, chart and reprint take "-" before coming here
        raise OutputError(
            STDOUT, "standard output takes a label, chart or reprint only; give a file name"
        )
    target = Path(target)
    if not str(target) or target.name in ("", ".", ".."):
        raise OutputError(repr(str(target)), "a file name is needed")
    if target.is_dir():
        raise OutputError(str(target), "is a folder; give a file name")
    if target.is_symlink():
        if not target.exists():
            raise OutputError(str(target), "is a link to nothing; give a file name")
        target = Path(os.path.realpath(target))
    _refuse_special(target, instead)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(str(target), f"folder {folder} does not exist")
    return target


def _refuse_special(target: Path, instead: str = "") -> None:
    """OutputError if something other than a regular file is at ``target`` (followed
    through links), suggesting a regular file (or ``instead``)."""
    import stat

    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(str(target), exc.strerror or str(exc)) from None
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise OutputError(str(target), "is a folder; give a file name")
    kind = (
        "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a pipe (FIFO)"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    alternative = f", or {instead}" if instead else ""
    raise OutputError(
        str(target),
        f"it is {kind}, not a regular file, and would be replaced; write to a regular "
        f"file{alternative}",
    )


def replace_into(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target`` (atomic), unless something other than a regular
    file has appeared at ``target`` since it was checked (OutputError; the node is left
    as it is). Every output written in place goes through here."""
    _refuse_special(target)
    try:
        os.replace(source, target)
    except OSError as exc:
        raise OutputError(str(target), exc.strerror or str(exc)) from None


# ---------------------------------------------------------------- owners' locks


#: where the lock sits in a lock file on Windows: msvcrt locks bytes (and other
#: processes may not read locked ones), so far past anything written there
_WINDOWS_LOCK_OFFSET = 0x7FFFFFF0


def os_lock(fd: int) -> bool | None:
    """Lock the file open as ``fd`` for this process, without waiting: True if taken,
    False if another holder has it, None if the file system cannot lock (nothing is then
    known about an owner). POSIX ``flock`` (the lock belongs to the open file: it lasts
    as long as the process and the workers it forks, however they end, and a stopped
    process keeps it), ``msvcrt.locking`` on Windows; the OS drops it when its holder
    ends, SIGKILL included."""
    if sys.platform == "win32":
        import msvcrt

        position = os.lseek(fd, 0, os.SEEK_CUR)
        try:
            os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            return False if exc.errno in (errno.EACCES, errno.EDEADLK) else None
        finally:
            os.lseek(fd, position, os.SEEK_SET)  # what is written goes where it would
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        return False if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK) else None
    return True


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd``."""
    try:
        named = os.stat(path)
    except OSError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


class OwnerLock:
    """A lock file whose OS lock (``os_lock``) says that the process owning some other
    files lives: while it is held, nobody settles those files; once free, the owner has
    ended (or was never there) and the files are orphans. It also holds a few words
    (``note``) about them, for whoever settles them."""

    def __init__(self, path: Path, fd: int, locked: bool | None) -> None:
        self.path, self.fd, self.locked = path, fd, locked

    @classmethod
    def create(cls, path: Path) -> OwnerLock | None:
        """A new lock file at ``path``, locked by this process; None if the name is
        taken, or if someone settling the folder took its lock first (try another)."""
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags, 0o666)  # FileExistsError: the name is taken
        locked = os_lock(fd)
        if locked is False or not _same_file(fd, path):
            os.close(fd)
            return None
        return cls(path, fd, locked)

    @classmethod
    def take(cls, path: Path) -> OwnerLock | str:
        """The lock at ``path`` taken from an owner that has ended: the lock, or why
        not: "held" (its owner lives), "gone" (no lock file: its owner finished, or it
        was settled) or "unknown" (the file system cannot lock, or the file cannot be
        opened)."""
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            return "gone"
        except OSError:
            return "unknown"
        locked = os_lock(fd)
        if not locked:
            os.close(fd)
            return "held" if locked is False else "unknown"
        if not _same_file(fd, path):  # settled (and removed) meanwhile
            os.close(fd)
            return "gone"
        return cls(path, fd, True)

    def note(self) -> dict[str, Any]:
        """What the owner wrote down (``write_note``); empty if nothing (or unreadable)."""
        import json

        try:
            with open(self.path, "rb") as handle:
                found = json.loads(handle.read(4096) or b"{}")
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def write_note(self, note: dict[str, Any]) -> None:
        import json

        with open(self.path, "wb") as handle:
            handle.write(json.dumps(note, sort_keys=True).encode())

    def release(self, remove: bool = True) -> None:
        """Let go (removing the lock file: on POSIX while still holding it, so nobody
        takes a lock on a file that is going away; Windows cannot remove an open file).
        Once only: later calls do nothing."""
        if self.fd < 0:
            return
        if remove and sys.platform != "win32":
            with contextlib.suppress(OSError):
                self.path.unlink()
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.fd = -1
        if remove and sys.platform == "win32":
            with contextlib.suppress(OSError):
                self.path.unlink()


#: a staged file's hidden names: .NAME.TOKEN.part (the bytes), .lock (its owner's lock),
#: .new and .previous (while publishing)
_HIDDEN = re.compile(r"\.(?P<name>.+)\.(?P<token>[0-9a-f]{8})\.(?P<kind>part|new|previous|lock)")


def _hidden_file(target: Path, folder: Path) -> tuple[int, Path, OwnerLock]:
    """A new hidden file beside ``target`` (``.NAME.TOKEN.part``), open for writing, and
    its owner's lock (``.NAME.TOKEN.lock``, taken first: a part is never without a held
    lock while its command lives): (descriptor, path, lock). Created with mode 0666
    less the umask, as a shell or any program creates a file (tempfile's 0600 would
    leave a label a print server or a colleague cannot read)."""
    for _ in range(100):  # os.urandom: the secrets module costs a label's start-up more
        token = os.urandom(4).hex()
        try:
            owner = OwnerLock.create(folder / f".{target.name}.{token}.lock")
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(str(target), exc.strerror or str(exc)) from None
        if owner is None:
            continue
        temp = folder / f".{target.name}.{token}.part"
        try:
            flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
            return os.open(temp, flags, 0o666), temp, owner
        except FileExistsError:
            owner.release()
            continue
        except OSError as exc:
            owner.release()
            raise OutputError(str(target), exc.strerror or str(exc)) from None
    raise OutputError(str(target), "no free temporary name beside it")


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it to ``target``."""
    target = check_output_path(target)
    folder = target.parent if str(target.parent) else Path(".")
    handle, temp, owner = _hidden_file(target, folder)
    os.close(handle)
    try:
        yield temp
        try:
            with temp.open("rb") as written:
                os.fsync(written.fileno())
            replace_into(temp, target)
        except OSError as exc:
            raise OutputError(str(target), exc.strerror or str(exc)) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    finally:
        owner.release()


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as temp:
        try:
            temp.write_bytes(data)
        except OSError as exc:
            raise OutputError(str(target), exc.strerror or str(exc)) from None


def _links_unsupported(exc: OSError) -> bool:
    """Whether ``os.link`` failed because the file system has no hard links (FAT,
    exFAT, many SMB shares: EPERM, EOPNOTSUPP...; Windows: an invalid function)."""
    return not isinstance(exc, FileNotFoundError | FileExistsError) and exc.errno not in (
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EROFS,
    )


def _identity(path: Path) -> dict[str, Any]:
    """What tells a file apart (size, modification time, SHA-256): kept by a rename."""
    import hashlib

    found = os.stat(path)
    return {
        "size": found.st_size,
        "mtime_ns": found.st_mtime_ns,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


def _is(path: Path, identity: dict[str, Any]) -> bool:
    """Whether the file at ``path`` is the one ``identity`` describes."""
    with contextlib.suppress(OSError):
        found = os.stat(path)
        if (found.st_size, found.st_mtime_ns) == (identity.get("size"), identity.get("mtime_ns")):
            return bool(_identity(path) == identity)
    return False


class StagedFile:
    """A command's output file, published together with its log entry.

    Made with the complete bytes under a hidden temporary name beside the target, while
    the command holds the lock of a second hidden file (``OwnerLock``, for as long as it
    lives); ``publish`` puts it in place atomically (keeping whatever was there under a
    hidden name until ``finish``); ``undo`` takes it back out and puts the earlier file
    back. A command publishes inside its log transaction and undoes if that does not
    commit, so its file and its entry exist together or not at all.

    Publishing first notes in the lock file which log the entry goes to. Where the file
    system has hard links, the hidden name stays a second link to the published file
    until ``finish``; where it has none (FAT, exFAT, SMB shares), the hidden file is
    renamed into place and the note also holds its size, time and SHA-256, and the
    earlier file is kept as a copy. If the process is killed outright, the next command
    writing to the folder finds its files with a free lock (``settle_orphans``) and, as
    the log says, keeps the file or takes it back.
    """

    def __init__(self, target: Path, data: bytes) -> None:
        self.target = check_output_path(Path(target))
        folder = self.target.parent if str(self.target.parent) else Path(".")
        if not folder.is_dir():
            raise OutputError(str(target), f"folder {folder} does not exist")
        self.backup: Path | None = None
        self.published = False
        self.identity: dict[str, Any] | None = None  # published by renaming (no links)
        handle, self.temp, self.owner = _hidden_file(self.target, folder)
        try:
            with os.fdopen(handle, "wb") as written:
                checkpoint("staged file: writing")
                written.write(data)
                written.flush()
                os.fsync(written.fileno())
            checkpoint("staged file: written")
        except BaseException as exc:
            with contextlib.suppress(OSError):
                self.temp.unlink()
            self.owner.release()
            if isinstance(exc, OSError):
                raise OutputError(str(target), exc.strerror or str(exc)) from None
            raise

    def publish(self, entry: dict[str, Any] | None = None) -> None:
        """Rename the file into place (atomic: the old file or the new, never a part).
        ``entry``: which log and entry it goes with (noted for ``settle_orphans``)."""
        try:
            self.owner.write_note(entry or {})
            if LINKS:
                try:
                    self._publish_linked()
                except OSError as exc:
                    if not _links_unsupported(exc):
                        raise
                    self._publish_renamed(entry or {})
            else:
                self._publish_renamed(entry or {})
        except (OSError, OutputError) as exc:
            self.undo()
            if isinstance(exc, OutputError):
                raise
            raise OutputError(str(self.target), exc.strerror or str(exc)) from None
        checkpoint("staged file: published")

    def _publish_linked(self) -> None:
        if self.target.is_file():
            backup = self.temp.with_suffix(".previous")
            os.link(self.target, backup)
            self.backup = backup
        incoming = self.temp.with_suffix(".new")
        os.link(self.temp, incoming)
        self.published = True
        replace_into(incoming, self.target)

    def _publish_renamed(self, entry: dict[str, Any]) -> None:
        """Without hard links: the earlier file copied aside, the note written, then the
        hidden file renamed into place (the note says which file is this one's)."""
        import shutil

        if self.backup is not None:  # a link made before the links failed
            self.backup.unlink(missing_ok=True)
            self.backup = None
        self.temp.with_suffix(".new").unlink(missing_ok=True)
        if self.target.is_file():
            backup = self.temp.with_suffix(".previous")
            shutil.copyfile(self.target, backup)
            with open(backup, "rb") as copied:
                os.fsync(copied.fileno())
            self.backup = backup
        self.identity = _identity(self.temp)
        self.owner.write_note({**entry, "renamed": self.identity})
        self.published = True
        replace_into(self.temp, self.target)

    def _ours(self) -> bool:
        """Whether the file at the target is still the one this published."""
        if self.identity is not None:
            return _is(self.target, self.identity)
        with contextlib.suppress(OSError):
            return os.path.samefile(self.temp, self.target)
        return False

    def undo(self) -> None:
        """Take the file back out (the earlier file, if any, back in place)."""
        with contextlib.suppress(OSError):
            if self.published and self._ours():
                if self.backup is not None:
                    os.replace(self.backup, self.target)
                    self.backup = None
                else:
                    self.target.unlink()
            self.published = False
        for hidden in (self.temp, self.temp.with_suffix(".new"), self.backup):
            if hidden is not None:
                with contextlib.suppress(OSError):
                    hidden.unlink(missing_ok=True)
        self.owner.release()

    def finish(self) -> None:
        """The entry is committed: drop the hidden names."""
        for hidden in (self.temp, self.backup):
            if hidden is not None:
                with contextlib.suppress(OSError):
                    hidden.unlink(missing_ok=True)
        self.owner.release()


#: False: publish as on a file system without hard links (tests force that path)
LINKS = True


def settle_orphans(folder: Path, committed: Callable[[dict[str, Any]], bool | None]) -> int:
    """Finish what commands that have ended (killed outright) left in ``folder``: for
    each staged file whose owner's lock is free, a published file is kept if
    ``committed(note)`` (its entry, as its owner noted it, is in the log), taken back
    out if not (the earlier file back in place), and left if None (another log's: a
    command of that log settles it); a file never published is removed (hidden files
    hold patient names). Files whose owner lives are not touched. How many were settled.

    ``committed`` must see the log as it is for good: call inside a write transaction
    (an owner killed while committing has then either committed or not)."""
    groups: dict[tuple[str, str], set[str]] = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            found = _HIDDEN.fullmatch(entry.name)
            if found:
                key = (found["name"], found["token"])
                groups.setdefault(key, set()).add(found["kind"])
    settled = 0
    for (name, token), kinds in sorted(groups.items()):
        hidden = folder / f".{name}.{token}.part"
        taken = OwnerLock.take(hidden.with_suffix(".lock"))
        if isinstance(taken, str) and (taken != "gone" or kinds == {"lock"}):
            continue  # held: a live command's; unknown: stop; gone: nothing left
        owner = taken if isinstance(taken, OwnerLock) else None
        note = owner.note() if owner is not None else {}
        done = _settle_one(folder / name, hidden, note, committed)
        if owner is not None:
            owner.release(remove=done)
        settled += done
    return settled


def _settle_one(
    target: Path,
    hidden: Path,
    note: dict[str, Any],
    committed: Callable[[dict[str, Any]], bool | None],
) -> bool:
    """Settle one orphan (see ``settle_orphans``); False if it is left (another log's)."""
    backup, incoming = hidden.with_suffix(".previous"), hidden.with_suffix(".new")
    published = False
    with contextlib.suppress(OSError):
        if hidden.exists():
            published = os.path.samefile(hidden, target)  # linked in place
        elif isinstance(note.get("renamed"), dict):
            published = _is(target, note["renamed"])  # renamed in place
    if published:
        kept = committed(note)
        if kept is None:
            return False  # its entry is in another log (or unknown): not ours to judge
        if not kept:
            with contextlib.suppress(OSError):
                if backup.exists():
                    os.replace(backup, target)
                else:
                    target.unlink()
    for name in (hidden, incoming, backup):
        with contextlib.suppress(OSError):
            name.unlink(missing_ok=True)
    return True


# ---------------------------------------------------------------- signals at the commit


class SignalsHeld:
    """From ``hold`` on, SIGINT and SIGTERM wait: once a command's entry may be
    committing, a signal must not take its files back (the entry would stay without
    them). ``release`` restores the handlers: once the files are final, the command's
    work is done (``work_done``), and a signal that came meanwhile is kept
    (``deferred_signal``) to stop the command before any further step
    (``raise_deferred``, e.g. before sending to a printer), else it ends as done."""

    def __init__(self) -> None:
        self.previous: dict[int, Any] = {}
        self.caught: int | None = None

    def hold(self) -> None:
        import signal
        import threading

        if self.previous or threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            self.previous[signum] = signal.signal(signum, self._catch)

    def _catch(self, signum: int, frame: Any) -> None:
        self.caught = self.caught or signum

    def release(self, deliver: bool = False) -> None:
        """Restore the handlers. ``deliver``: the command failed (nothing committed): a
        signal that came is acted on now; else the files are final, the work done."""
        import signal

        global _deferred, _done
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        self.previous = {}
        caught, self.caught = self.caught, None
        if deliver:
            if caught is not None:
                _deliver(caught)
            return
        _done = True
        _deferred = _deferred or caught


def new_command() -> None:
    """A command begins: nothing of it is done yet (for ``work_done``)."""
    global _deferred, _done
    _deferred, _done = None, False


def work_done() -> bool:
    """Whether a command's entry is committed and its files final (a signal since then,
    or one deferred meanwhile, does not undo anything: the command ends as done), until
    a further step begins (``raise_deferred``)."""
    return _done


def deferred_signal() -> int | None:
    """The signal that came while a command's files were being made final, if any."""
    return _deferred


def raise_deferred() -> None:
    """A further step begins (sending to a printer): its work is not done yet, and a
    signal that came while the files were made final stops the command here."""
    global _deferred, _done
    _done = False
    if _deferred is not None:
        signum, _deferred = _deferred, None
        _deliver(signum)


def _deliver(signum: int) -> None:
    """Act on ``signum`` as its handler now would (Ctrl-C: KeyboardInterrupt)."""
    import signal

    handler = signal.getsignal(signum)
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        os.kill(os.getpid(), signum)


_deferred: int | None = None
_done = False


def checkpoint(name: str) -> None:
    """A point in a write path where the crash-consistency test may kill the process.

    With ``COMPOUNDER_KILL_AT=N`` in the environment the process kills itself (SIGKILL,
    no clean-up) at the N-th checkpoint it reaches; with ``COMPOUNDER_SIGNAL_AT=N`` it
    sends itself ``COMPOUNDER_SIGNAL`` (TERM or INT) there, as a user or a system
    stopping it would; ``COMPOUNDER_CHECKPOINTS=FILE`` appends each checkpoint's name to
    FILE; ``COMPOUNDER_PAUSE_AT=NAME`` (with ``COMPOUNDER_PAUSED=FILE``) creates FILE at
    the checkpoint NAME and waits there, up to a minute, until FILE is removed: a test
    signals the process at that very point, or acts meanwhile and then lets it go on.
    Without them this does nothing."""
    if (
        "COMPOUNDER_KILL_AT" not in os.environ
        and "COMPOUNDER_SIGNAL_AT" not in os.environ
        and "COMPOUNDER_CHECKPOINTS" not in os.environ
        and "COMPOUNDER_PAUSE_AT" not in os.environ
    ):
        return
    if os.environ.get("COMPOUNDER_PAUSE_AT") == name:
        import time

        paused = os.environ["COMPOUNDER_PAUSED"]
        with open(paused, "w", encoding="utf-8"):
            pass
        deadline = time.monotonic() + 60
        while os.path.exists(paused) and time.monotonic() < deadline:
            time.sleep(0.02)
    global _checkpoints
    _checkpoints += 1
    trace = os.environ.get("COMPOUNDER_CHECKPOINTS")
    if trace:
        with open(trace, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {_checkpoints} {name}\n")
    import signal

    if os.environ.get("COMPOUNDER_KILL_AT") == str(_checkpoints):
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))  # Windows: ends it
    if os.environ.get("COMPOUNDER_SIGNAL_AT") == str(_checkpoints):
        os.kill(os.getpid(), getattr(signal, "SIG" + os.environ.get("COMPOUNDER_SIGNAL", "TERM")))


_checkpoints = 0
