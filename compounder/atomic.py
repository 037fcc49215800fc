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

#: what a label writer offers instead of a device or pipe (other writers offer nothing)
PRINT_INSTEAD = "use --print to send labels to a printer"


def check_output_path(target: Path, instead: str = "") -> Path:
    """The path to write for ``target``: OutputError for an empty name, an existing
    folder, a folder that does not exist, or anything there but a regular file (a
    device, a pipe...: replacing it would delete the node and print nothing; the error
    suggests ``instead`` too, when the command has it). Checked before any work is
    done, and again at the rename (``replace_into``).

    A symbolic link to a regular file is written through, as the shell's ``>`` does:
    the file it names is replaced (atomically, beside it) and the link is kept; the
    returned path is that file. A link to nothing is refused."""
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


def _hidden_file(target: Path, folder: Path) -> tuple[int, Path]:
    """A new hidden file beside ``target`` (``.NAME.XXXXXXXX.part``), open for writing:
    (descriptor, path). Created with mode 0666 less the umask, as a shell or any program
    creates a file (tempfile's 0600 would leave a label a print server or a colleague
    cannot read)."""
    for _ in range(100):  # os.urandom: the secrets module costs a label's start-up more
        temp = folder / f".{target.name}.{os.urandom(4).hex()}.part"
        try:
            flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(str(target), exc.strerror or str(exc)) from None
    raise OutputError(str(target), "no free temporary name beside it")


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it to ``target``."""
    target = check_output_path(target)
    folder = target.parent if str(target.parent) else Path(".")
    handle, temp = _hidden_file(target, folder)
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


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as temp:
        try:
            temp.write_bytes(data)
        except OSError as exc:
            raise OutputError(str(target), exc.strerror or str(exc)) from None


class StagedFile:
    """A command's output file, published together with its log entry.

    Made with the complete bytes under a hidden temporary name beside the target;
    ``publish`` puts it in place atomically (keeping whatever was there under a hidden
    name until ``finish``); ``undo`` takes it back out and puts the earlier file back. A
    command publishes inside its log transaction and undoes if that does not commit, so
    its file and its entry exist together or not at all.

    Until ``finish`` the hidden name stays a second link to the published file: if the
    process is killed outright between publishing and committing, the next command
    writing to the folder finds it (``pending``) and, as the log says, keeps the file
    or takes it back (``settle``).
    """

    def __init__(self, target: Path, data: bytes) -> None:
        self.target = check_output_path(Path(target))
        folder = self.target.parent if str(self.target.parent) else Path(".")
        if not folder.is_dir():
            raise OutputError(str(target), f"folder {folder} does not exist")
        self.backup: Path | None = None
        self.published = False
        handle, self.temp = _hidden_file(self.target, folder)
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
            if isinstance(exc, OSError):
                raise OutputError(str(target), exc.strerror or str(exc)) from None
            raise

    def publish(self) -> None:
        """Rename the file into place (atomic: the old file or the new, never a part)."""
        try:
            if self.target.is_file():
                self.backup = self.temp.with_suffix(".previous")
                os.link(self.target, self.backup)
            incoming = self.temp.with_suffix(".new")
            os.link(self.temp, incoming)
            replace_into(incoming, self.target)
        except (OSError, OutputError) as exc:
            self.undo()
            if isinstance(exc, OutputError):
                raise
            raise OutputError(str(self.target), exc.strerror or str(exc)) from None
        self.published = True
        checkpoint("staged file: published")

    def undo(self) -> None:
        """Take the file back out (the earlier file, if any, back in place)."""
        with contextlib.suppress(OSError):
            if self.published:
                if self.backup is not None:
                    os.replace(self.backup, self.target)
                    self.backup = None
                else:
                    self.target.unlink()
                self.published = False
            self.temp.unlink(missing_ok=True)
            self.temp.with_suffix(".new").unlink(missing_ok=True)
            if self.backup is not None:
                self.backup.unlink(missing_ok=True)

    def finish(self) -> None:
        """The entry is committed: drop the hidden names."""
        with contextlib.suppress(OSError):
            self.temp.unlink(missing_ok=True)
            if self.backup is not None:
                self.backup.unlink(missing_ok=True)


def pending(folder: Path) -> list[tuple[Path, Path]]:
    """Files published by a ``StagedFile`` whose command never finished: (hidden name,
    published file) pairs, the hidden name still a link to the file."""
    found = []
    for temp in folder.glob(".*.part"):
        target = folder / temp.name[1:].rsplit(".", 2)[0]
        with contextlib.suppress(OSError):
            if target.exists() and os.path.samefile(temp, target):
                found.append((temp, target))
    return found


def settle(temp: Path, target: Path, committed: bool) -> None:
    """Finish a ``pending`` file: keep it if its entry was committed, else take it back
    out (the earlier file, kept under the hidden name, back in place)."""
    backup = temp.with_suffix(".previous")
    with contextlib.suppress(OSError):
        if not committed and os.path.samefile(temp, target):
            if backup.exists():
                os.replace(backup, target)
            else:
                target.unlink()
        temp.unlink(missing_ok=True)
        backup.unlink(missing_ok=True)
        temp.with_suffix(".new").unlink(missing_ok=True)


def checkpoint(name: str) -> None:
    """A point in a write path where the crash-consistency test may kill the process.

    With ``COMPOUNDER_KILL_AT=N`` in the environment the process kills itself (SIGKILL,
    no clean-up) at the N-th checkpoint it reaches; ``COMPOUNDER_CHECKPOINTS=FILE``
    appends each checkpoint's name to FILE; ``COMPOUNDER_PAUSE_AT=NAME`` (with
    ``COMPOUNDER_PAUSED=FILE``) creates FILE at the checkpoint NAME and waits there, up to
    a minute, until FILE is removed: a test signals the process at that very point, or
    acts meanwhile and then lets it go on. Without them this does nothing."""
    if (
        "COMPOUNDER_KILL_AT" not in os.environ
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
    if os.environ.get("COMPOUNDER_KILL_AT") == str(_checkpoints):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


_checkpoints = 0
