"""The log's head witnessed outside it: anchors.

A hash chain proves the order of what is there, not that nothing was cut off or
rewritten whole: whoever can write the database can rebuild a consistent chain. So
every command that appends writes the new head (the last entry's id and hash, and the
time) to an **anchor**, an append-only text file outside the log: ``anchors.log``
beside the pharmacy settings, or ``[log] anchor = PATH`` (another machine's share),
or the ``COMPOUNDER_ANCHOR`` environment variable. ``verify`` then checks the chain
against every head it can read: a head whose entry is gone, or is not the entry the
anchor saw, names the anchor's line and the entries lost.

One line per head, written with one ``write`` to a file opened ``O_APPEND`` under an
exclusive lock, so workstations appending at once never tear or lose a line::

    compounder-head 1 2026-12-07T16:41:29Z entry=61 hash=<64 hex> chain=<16 hex> log=<where>

``log`` is where the log was opened (percent-encoded; a server's URL without user or
password): verify compares the heads a line names for where the log it checks is.
``chain`` is the first entry's hash (for the reader: a log replaced whole at the same
place begins with another). A line may end in `` sig=<base64>``: an Ed25519 signature over the rest
(``compounder log anchor --sign``, the key named by ``[log] signing_key``), which
whoever can write the anchor file cannot forge.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit, urlunsplit

from compounder.errors import DataFileError, InputError

if TYPE_CHECKING:
    from compounder.log.store import Store, Verification

#: The environment variable naming the anchor file (before the settings' ``[log] anchor``).
ANCHOR_ENV = "COMPOUNDER_ANCHOR"
#: The anchor's file name beside the settings.
ANCHOR_NAME = "anchors.log"
FORMAT = "compounder-head 1"

#: The settings file a command was given (``--config``): its ``[log]`` table names the
#: anchor. None: the settings are found as every command finds them.
SETTINGS: contextvars.ContextVar[str | Path | None] = contextvars.ContextVar(
    "compounder_settings", default=None
)

_LINE = re.compile(
    r"compounder-head 1 (?P<at>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) entry=(?P<id>[1-9]\d{0,17}) "
    r"hash=(?P<hash>[0-9a-f]{64}) chain=(?P<chain>[0-9a-f]{16}) log=(?P<log>\S{1,2000})"
    r"(?: sig=(?P<sig>[A-Za-z0-9+/]{86}==))?"
)


@contextlib.contextmanager
def using_settings(config: str | Path | None) -> Iterator[None]:
    """Within this block, heads go to the anchor the settings ``config`` name (None:
    as outside it)."""
    if config is None:
        yield
        return
    token = SETTINGS.set(config)
    try:
        yield
    finally:
        SETTINGS.reset(token)


F = TypeVar("F", bound=Callable[..., Any])


def anchored_by_settings(function: F) -> F:
    """For an API function taking ``config`` (its settings): the heads of what it logs
    go to the anchor those settings name, as the CLI's do."""

    import inspect

    signature = inspect.signature(function)

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        config = signature.bind_partial(*args, **kwargs).arguments.get("config")
        with using_settings(config):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class Head:
    """A chain head: the last entry's id and hash, when it was witnessed (UTC), which
    log (its first hash, where it was opened) and, if signed, the signature."""

    entry_id: int
    hash: str
    at: str
    chain: str
    log: str
    signature: str = ""

    def text(self) -> str:
        """The line, without its signature (what a signature covers)."""
        return (
            f"{FORMAT} {self.at} entry={self.entry_id} hash={self.hash} chain={self.chain} "
            f"log={quote(self.log, safe='/:@?=&+,-._~')}"
        )

    def line(self) -> str:
        return self.text() + (f" sig={self.signature}" if self.signature else "") + "\n"

    @property
    def token(self) -> str:
        """The head as ``log verify --head`` takes it."""
        return f"{self.entry_id}:{self.hash}"


@dataclass(frozen=True)
class Anchored:
    """A head read from an anchor: where (the file and line) and what it says."""

    head: Head
    source: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.source} line {self.line}"


# ---------------------------------------------------------------- where


def anchor_path(config: str | Path | None = None) -> Path:
    """Where heads are written: ``COMPOUNDER_ANCHOR``, else ``[log] anchor`` of the
    settings (relative to their folder), else ``anchors.log`` beside them (beside the
    user's settings file when none is found)."""
    from compounder.core.settings import find_config, user_config_path

    named = os.environ.get(ANCHOR_ENV)
    if named:
        return Path(named)
    try:
        settings = find_config(config if config is not None else SETTINGS.get())
    except DataFileError:
        return user_config_path().parent / ANCHOR_NAME
    chosen = log_setting(settings, "anchor")
    if chosen:
        return settings.parent / Path(chosen).expanduser()
    return settings.parent / ANCHOR_NAME


def log_setting(settings: Path, key: str) -> str | None:
    """``[log] KEY`` of a settings file (text), None if unset."""
    import tomllib

    try:
        with open(settings, "rb") as handle:
            table = tomllib.load(handle).get("log", {})
    except (OSError, tomllib.TOMLDecodeError):
        return None  # the settings' own faults are reported where they are read
    value = table.get(key) if isinstance(table, dict) else None
    if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 1000):
        raise DataFileError(str(settings), f"log.{key}", "is not a file path", "a file path")
    return value or None


def log_name(store: Store) -> str:
    """Where the log is, as anchors name it: a file's absolute path; a server's URL
    without user or password (any role opens the same log)."""
    where = store.path
    if isinstance(where, Path):
        return str(where.resolve())
    parts = urlsplit(store.backend.url)  # type: ignore[attr-defined]
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    kept = {k: v for k, v in parse_qs(parts.query).items() if k in ("host", "port")}
    return urlunsplit(("postgresql", host, parts.path, urlencode(kept, doseq=True), ""))


def chain_id(store: Store) -> str:
    """The first entry's hash, shortened: which chain this is ("" if the log is empty)."""
    row = store.db.execute("SELECT hash FROM entries WHERE id = 1").fetchone()
    return "" if row is None else str(row[0])[:16]


# ---------------------------------------------------------------- writing


def current_head(store: Store) -> Head:
    """The log's head now (DataFileError if the log holds no entry)."""
    from compounder.log.chain import utc_stamp

    with store.faults():
        row = store.db.execute("SELECT id, hash FROM entries ORDER BY id DESC LIMIT 1").fetchone()
        chain = chain_id(store)
    if row is None:
        raise DataFileError(str(store.path), "", "holds no entry: there is no head to keep")
    return Head(int(row[0]), str(row[1]), utc_stamp(), chain, log_name(store))


def write_head(path: Path, head: Head) -> None:
    """Append one head to an anchor file: one ``write`` to the file opened ``O_APPEND``,
    under an exclusive lock (no two writers' lines interleave, none is lost), flushed
    to disk. OSError if it could not be written whole."""
    import fcntl

    data = head.line().encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_size and not _ends_in_newline(fd):
            data = b"\n" + data  # a line torn by a crash stays on its own line
        if os.write(fd, data) != len(data):
            raise OSError(0, "the head was written only in part")
        (getattr(os, "fdatasync", None) or os.fsync)(fd)
    finally:
        os.close(fd)  # (closing releases the lock)


def _ends_in_newline(fd: int) -> bool:
    return os.pread(fd, 1, os.fstat(fd).st_size - 1) == b"\n"


def witness(store: Store, entry_id: int, digest: str) -> None:
    """After a commit: write the new head to the anchor. The entry is committed
    already, so a failure does not undo it: it is said on stderr, with what to do."""
    from compounder.log.chain import utc_stamp

    try:
        path = anchor_path()
        with store.faults():
            chain = digest[:16] if entry_id == 1 else chain_id(store)
        write_head(path, Head(entry_id, digest, utc_stamp(), chain, log_name(store)))
    except (OSError, DataFileError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        print(
            f"compounder: warning: the log's new head (entry {entry_id}) was not written to "
            f"its anchor ({reason}); run 'compounder log anchor' once it can be",
            file=sys.stderr,
        )
    except Exception as exc:  # the entry is committed: never undone by its witness
        print(
            f"compounder: warning: the log's new head (entry {entry_id}) was not written to "
            f"its anchor ({type(exc).__name__})",
            file=sys.stderr,
        )


def keep_head(store: Store, signed: bool = False, config: str | Path | None = None) -> Head:
    """The current head (``compounder log anchor``), signed with the settings' key if
    asked, and written to the anchor too."""
    from compounder.log.signing import sign

    head = current_head(store)
    if signed:
        head = sign(head, signing_key_path(config))
    path = anchor_path(config)
    try:
        write_head(path, head)
    except OSError as exc:
        raise DataFileError(str(path), "", f"cannot be written ({exc.strerror or exc})") from None
    return head


# ---------------------------------------------------------------- reading and checking


def read_anchor(path: Path) -> tuple[list[Anchored], list[str]]:
    """The heads an anchor file holds, and a warning for each line that is not one."""
    heads: list[Anchored] = []
    warnings: list[str] = []
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, 1):
                if not text.strip():
                    continue
                found = _LINE.fullmatch(text.rstrip("\n"))
                if found is None:
                    warnings.append(f"{path} line {number} is not a head (not read)")
                    continue
                head = Head(
                    int(found["id"]),
                    found["hash"],
                    found["at"],
                    found["chain"],
                    unquote(found["log"]),
                    found["sig"] or "",
                )
                heads.append(Anchored(head, str(path), number))
    except FileNotFoundError:
        warnings.append(f"no anchor at {path}: no head of the log was witnessed there")
    except OSError as exc:
        warnings.append(f"the anchor {path} cannot be read ({exc.strerror or exc})")
    return heads, warnings


def anchored_heads(store: Store, files: Iterable[Path]) -> tuple[list[Anchored], list[str]]:
    """The heads of this log that the anchors ``files`` hold (the lines naming where
    it is), with warnings for what could not be read. (Not by its first hash: two logs
    begun alike would share it; a log replaced by another at the same place is the
    attack to catch.)"""
    name = log_name(store)
    heads: list[Anchored] = []
    warnings: list[str] = []
    for path in dict.fromkeys(files):
        found, problems = read_anchor(path)
        heads += [a for a in found if a.head.log == name]
        warnings += problems
    return heads, warnings


def check_heads(
    store: Store, heads: list[Anchored], key: Any = None
) -> tuple[list[str], list[str]]:
    """The problems the anchored heads show (entries cut off, entries rewritten, forged
    signatures) and warnings (signatures that could not be checked), each naming the
    anchor's line."""
    problems: list[str] = []
    warnings: list[str] = []
    signed = [a for a in heads if a.head.signature]
    if signed and key is None:
        warnings.append(f"{len(signed)} signed heads not checked: the settings name no key")
    from compounder.log.signing import signature_holds

    for anchored in signed if key is not None else []:
        if not signature_holds(anchored.head, key):
            problems.append(
                f"{anchored.where}: its signature does not match (the head was forged or altered)"
            )
    with store.faults():
        last = int(store.db.execute("SELECT COALESCE(MAX(id), 0) FROM entries").fetchone()[0])
        hashes = _hashes(store, sorted({a.head.entry_id for a in heads if a.head.entry_id <= last}))
    by_source: dict[str, list[Anchored]] = {}
    for anchored in heads:
        by_source.setdefault(anchored.source, []).append(anchored)
    for source, seen in by_source.items():
        beyond = max(seen, key=lambda a: a.head.entry_id)
        if beyond.head.entry_id > last:
            lost = (
                f"entry {last + 1} was"
                if beyond.head.entry_id == last + 1
                else f"entries {last + 1} to {beyond.head.entry_id} were"
            )
            problems.append(
                f"{beyond.where} saw entry {beyond.head.entry_id} (hash "
                f"{beyond.head.hash[:16]}) but the log ends at entry {last}: {lost} cut off"
            )
        rewritten = sorted(
            (
                a
                for a in seen
                if a.head.entry_id <= last and hashes.get(a.head.entry_id) != a.head.hash
            ),
            key=lambda a: a.head.entry_id,
        )
        if rewritten:
            first = rewritten[0]
            problems.append(
                f"{first.where} saw entry {first.head.entry_id} with hash "
                f"{first.head.hash[:16]}; the log's entry {first.head.entry_id} is another "
                f"(the log was rewritten at or before it; {len(rewritten)} anchored heads of "
                f"{source} differ)"
            )
    return problems, warnings


def _hashes(store: Store, ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        marks = ", ".join("?" * len(part))
        for row in store.db.execute(f"SELECT id, hash FROM entries WHERE id IN ({marks})", part):
            found[int(row[0])] = str(row[1])
    return found


def audit(
    store: Store,
    found: Verification,
    extra: Iterable[str | Path] = (),
    config: str | Path | None = None,
) -> Verification:
    """``found`` (the log's own verification) checked against every head the anchors
    hold: the settings' anchor and ``extra`` files."""
    from compounder.log.signing import public_key

    files = [anchor_path(config), *(Path(p) for p in extra)]
    heads, warnings = anchored_heads(store, files)
    key_path = verify_key_path(config)
    key = (
        public_key(key_path)
        if key_path is not None and any(a.head.signature for a in heads)
        else None
    )
    problems, more = check_heads(store, heads, key)
    if not heads and found.entries:
        more.append(
            "no anchor holds a head of this log: a cut tail or a log rewritten whole "
            "cannot be told ('compounder log anchor' keeps one)"
        )
    return found.adding(problems, [*warnings, *more])


def parse_head(text: str) -> str:
    """A noted head as ``--head`` takes it: ``ID:HASH`` or a hash alone (16 to 64 hex
    digits); InputError otherwise."""
    entry, _, digest = text.strip().rpartition(":")
    if (
        not 16 <= len(digest) <= 64
        or any(c not in "0123456789abcdef" for c in digest.lower())
        or (entry and not (entry.isascii() and entry.isdigit() and len(entry) <= 18))
    ):
        raise InputError(
            "head", text[:80], "ID:HASH or at least 16 hexadecimal digits of a noted chain head"
        )
    return f"{int(entry)}:{digest.lower()}" if entry else digest.lower()


def signing_key_path(config: str | Path | None = None) -> Path:
    """``[log] signing_key`` of the settings (relative to their folder)."""
    from compounder.core.settings import find_config

    settings = find_config(config if config is not None else SETTINGS.get())
    named = log_setting(settings, "signing_key")
    if not named:
        raise DataFileError(
            str(settings),
            "log.signing_key",
            "is not set: there is no key to sign with",
            "signing_key = PATH of an Ed25519 private key (PEM), e.g. made with "
            "'openssl genpkey -algorithm ed25519 -out head-key.pem'",
        )
    return settings.parent / Path(named).expanduser()


def verify_key_path(config: str | Path | None = None) -> Path | None:
    """The key heads' signatures are checked with: ``[log] verify_key`` (a public key),
    else ``[log] signing_key``; None when the settings name neither."""
    from compounder.core.settings import find_config

    try:
        settings = find_config(config if config is not None else SETTINGS.get())
    except DataFileError:
        return None
    named = log_setting(settings, "verify_key") or log_setting(settings, "signing_key")
    return None if not named else settings.parent / Path(named).expanduser()
