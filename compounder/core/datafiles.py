"""Reading the project's TOML data files, with errors that name file, key and need.

Data files (protocols, syringes, vehicles, BUD rules, label stocks, wording) ship in
``templates/`` and fonts in ``fonts/``; both are installed inside the package, so they
are found after a plain ``pip install`` as well as in a source checkout. A user may also
pass a file of their own; its errors are reported the same way.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from compounder.core.identity import has_invisible
from compounder.core.limits import MAX_DATA_FILE_BYTES, MAX_ID_LENGTH
from compounder.core.units import EXAMPLES, parse_magnitude, parse_quantity
from compounder.errors import DataFileError, InputError

_ID = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_ID_LENGTH - 1}}}\Z")
_PACKAGE = Path(__file__).resolve().parent.parent  # the compounder package


def data_dir(name: str) -> Path:
    """The folder of shipped data called ``name`` ("templates" or "fonts").

    Installed: inside the package. Source checkout: at the top of the repository.
    """
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise DataFileError(name, "", "shipped data folder is missing; reinstall compounder")


def template_path(*parts: str) -> Path:
    """A path inside the shipped ``templates/`` folder."""
    return data_dir("templates").joinpath(*parts)


def check_id(text: str, field: str) -> str:
    """An id of shipped data: 1 to 64 letters, digits, dots, dashes or underscores."""
    if not _ID.match(text):
        raise InputError(
            field, text[:40], f"an id of 1 to {MAX_ID_LENGTH} letters, digits or dashes"
        )
    return text


def is_file_path(text: str) -> bool:
    """Whether a protocol or stock argument names a file (a path or a .toml name) rather
    than a shipped id."""
    return text.endswith(".toml") or "/" in text or "\\" in text


def shipped_ids(folder: str) -> list[str]:
    """Ids of the data files shipped in ``templates/<folder>/``."""
    return sorted(p.stem for p in template_path(folder).glob("*.toml"))


def id_or_file(text: str, folder: str, field: str) -> Path:
    """The file an argument names: a user's file by path, or a shipped id in
    ``templates/<folder>/`` (InputError listing the shipped ids if there is none)."""
    if is_file_path(text):
        return Path(text)
    check_id(text, field)
    path = template_path(folder, f"{text}.toml")
    if not path.is_file():
        raise InputError(
            field, text, f"a {field} file path or one of " + ", ".join(shipped_ids(folder))
        )
    return path


def display_name(path: Path) -> str:
    """How a data file is named in messages: shipped files relative, others as given."""
    try:
        return str(Path("templates") / path.resolve().relative_to(data_dir("templates")))
    except (ValueError, DataFileError):
        return str(path)


def open_regular_file(path: Path, name: str | None = None) -> int:
    """A file descriptor open for reading on ``path``, which must be a regular file: a
    folder, pipe or device is refused at once (never waited on: opened with
    ``O_NONBLOCK`` where the platform has it, else looked at before it is opened).
    DataFileError naming the file otherwise."""
    name = name or str(path)
    nonblocking = getattr(os, "O_NONBLOCK", 0)  # (not on Windows)
    try:
        if not nonblocking:  # nothing stops an open from waiting on a pipe: look first
            _refuse_special(os.stat(path).st_mode, name)
        fd = os.open(path, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise DataFileError(name, "", "file not found") from None
    except IsADirectoryError:
        raise DataFileError(name, "", "is a folder, not a file") from None
    except (OSError, ValueError) as exc:
        problem = getattr(exc, "strerror", None) or "not a usable file name"
        raise DataFileError(name, "", f"cannot be read ({problem})") from None
    try:
        _refuse_special(os.fstat(fd).st_mode, name)
    except DataFileError:
        os.close(fd)
        raise
    return fd


def _refuse_special(mode: int, name: str) -> None:
    """A folder, pipe or device where a regular file is wanted: DataFileError."""
    if not stat.S_ISREG(mode):
        problem = (
            "is a folder, not a file" if stat.S_ISDIR(mode) else "is a pipe or device, not a file"
        )
        raise DataFileError(name, "", problem)


def read_file_bytes(path: Path, name: str | None = None, limit: int = MAX_DATA_FILE_BYTES) -> bytes:
    """The whole of a regular file of at most ``limit`` bytes."""
    name = name or str(path)
    fd = open_regular_file(path, name)
    try:
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise DataFileError(name, "", f"cannot be read ({exc.strerror})") from None
    if len(data) > limit:
        raise DataFileError(name, "", "is too large", f"a file of at most {limit:,} bytes")
    return data


def read_text_file(path: Path, name: str | None = None, limit: int = MAX_DATA_FILE_BYTES) -> str:
    """A regular UTF-8 text file (a BOM is allowed), read whole."""
    name = name or str(path)
    data = read_file_bytes(path, name, limit)
    try:
        text = data.decode("utf-8")  # (not "utf-8-sig": one codec less to import)
        return text[1:] if text.startswith("\ufeff") else text
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataFileError(name, f"line {line}", "is not UTF-8 text") from None


def load_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; DataFileError (with the line) if it is missing or malformed."""
    name = display_name(path)
    text = read_text_file(path, name)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(name, "", f"not valid TOML ({exc})") from None
    except RecursionError:
        raise DataFileError(name, "", "not valid TOML (nested too deeply)") from None


# every text a data or settings file gives is shown (labels, terminal, CSV): no control
# character, bidi override (U+202E) or other invisible one
_INVISIBLE_TEXT = "holds a control or invisible character (a NUL, an escape, a bidi override)"


class Table:
    """One TOML table being read, remembering its file and key path for errors."""

    def __init__(self, data: Mapping[str, Any], path: str, prefix: str = "") -> None:
        self.data = data
        self.path = path
        self.prefix = prefix

    def _key(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def error(self, key: str, problem: str, expected: str = "") -> DataFileError:
        return DataFileError(self.path, self._key(key), problem, expected)

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.data:
            if required:
                raise self.error(key, "missing")
            return None
        return self.data[key]

    def check_keys(self, allowed: set[str]) -> None:
        """Unknown keys are errors (a typo must not be silently ignored)."""
        for key in self.data:
            if key not in allowed:
                raise self.error(key, "unknown key", "one of " + ", ".join(sorted(allowed)))

    def text(self, key: str, required: bool = True, default: str = "") -> str:
        value = self._get(key, required)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"{value!r} is not a non-empty string", "text in quotes")
        if has_invisible(value):
            raise self.error(key, _INVISIBLE_TEXT, "text without them")
        return value

    def integer(self, key: str, required: bool = True, default: int = 0, minimum: int = 1) -> int:
        value = self._get(key, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.error(key, f"{value!r} is not accepted", f"a whole number >= {minimum}")
        return value

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(key, f"{value!r} is not accepted", "true or false")
        return value

    def decimal(self, key: str, required: bool = True, default: str = "0") -> Decimal:
        """A plain number written as a string or integer (floats are refused: inexact)."""
        value = self._get(key, required)
        if value is None:
            return Decimal(default)
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.error(key, f"{value!r} is not accepted", 'a number in quotes, e.g. "0.8"')
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            raise self.error(key, f"{value!r} is not a number", 'a number, e.g. "0.8"') from None
        if not number.is_finite():
            raise self.error(key, f"{value!r} is not a number", 'a number, e.g. "0.8"')
        return number

    def quantity(self, key: str, kind: str, required: bool = True) -> Any:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(key, f"{value!r} is not accepted", EXAMPLES[kind] + " in quotes")
        try:
            return parse_quantity(value, kind, field=self._key(key))
        except InputError:
            raise self.error(key, f"{value!r} is not accepted", EXAMPLES[kind]) from None

    def magnitude(
        self, key: str, kind: str, unit: str | None = None, required: bool = True
    ) -> Any:
        """A quantity's exact magnitude in ``unit`` (default: the kind's display unit)."""
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(key, f"{value!r} is not accepted", EXAMPLES[kind] + " in quotes")
        try:
            return parse_magnitude(value, kind, unit, field=self._key(key))
        except InputError:
            raise self.error(key, f"{value!r} is not accepted", EXAMPLES[kind]) from None

    def date(self, key: str, required: bool = True) -> date | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, datetime):  # a subclass of date: a date-time is not a date
            raise self.error(
                key, f"{value.isoformat()} is a date-time, not a date", "a date such as 2027-06-30"
            )
        if not isinstance(value, date):
            raise self.error(key, f"{value!r} is not a date", "a date such as 2027-06-30")
        return value

    def text_list(self, key: str, required: bool = True) -> list[str]:
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(key, f"{value!r} is not accepted", 'a list of texts, e.g. ["a", "b"]')
        if any(has_invisible(v) for v in value):
            raise self.error(key, _INVISIBLE_TEXT, "texts without them")
        return list(value)

    def table(self, key: str, required: bool = True) -> Table:
        value = self._get(key, required)
        if value is None:
            return Table({}, self.path, f"{self._key(key)}.")
        if not isinstance(value, Mapping):
            raise self.error(key, "is not a table", f"a [{self._key(key)}] section")
        return Table(value, self.path, f"{self._key(key)}.")

    def tables(self, key: str) -> list[Table]:
        """An array of tables (``[[key]]``), each with its index in the key path."""
        value = self._get(key, True)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, Mapping) for v in value)
        ):
            raise self.error(key, "is not a non-empty list of tables", f"one or more [[{key}]]")
        return [Table(v, self.path, f"{self._key(key)}[{i}].") for i, v in enumerate(value)]
