"""Reading order files (CSV, JSON Lines or FHIR) into raw rows, one at a time.

Reading is separate from validation (``batch``): this module only turns a file into
``RawRow``s (the line number and the values as text), streaming, so memory does not grow
with the file. CSV may be UTF-8 with or without a BOM, with CRLF or LF line ends, as
spreadsheets export it. A file's problems that concern every row (unknown, missing or
repeated columns, not UTF-8) raise DataFileError before any row is read.

FHIR JSON (MedicationRequest resources: one, a Bundle, or NDJSON; ``fhir.request``)
is read into the same rows: each resource's cells mapped from its fields, with the
FHIR path of each cell (``RawRow.paths``) so the row's errors name FHIR's fields.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from compounder.api.orders import COLUMNS as FIELD_COLUMNS
from compounder.api.orders import REQUIRED_COLUMNS
from compounder.core.datafiles import open_regular_file
from compounder.errors import CompounderError, DataFileError

# The columns are the order's fields that have one (``api.orders.FIELDS``).
REQUIRED = REQUIRED_COLUMNS
OPTIONAL = tuple(c for c in FIELD_COLUMNS if c not in REQUIRED)
COLUMNS = REQUIRED + OPTIONAL


@dataclass(frozen=True)
class RawRow:
    """One order as read: its line in the file, its cells as text, and the raw record
    (for writing a rejected row back unchanged)."""

    line: int
    values: dict[str, str]
    raw: tuple[str, ...] | str
    problem: str = ""  # a row the reader could not read at all (bad JSON, wrong cell count)
    place: str = "line"  # what ``line`` counts: a file's line, a Bundle's entry, a resource
    paths: dict[str, str] | None = None  # FHIR: each column's FHIR path
    problem_column: str = ""  # FHIR: the path of what could not be mapped

    def field_name(self, column: str) -> str:
        """How the file names a column: itself, or (FHIR) the path it came from."""
        if self.paths is None:
            return column
        return self.paths.get(column, column)


#: an order file named "-" is read from standard input
STDIN = "-"
STDIN_NAME = "standard input"


@contextlib.contextmanager
def orders_source(name: str | Path) -> Iterator[Path]:
    """The order file to read: ``name`` itself, or for "-" standard input, copied first
    to a private temporary file (a run reads its file more than once), removed when
    done. Without --from, its format comes from its content as a file's does: JSON
    (JSON Lines, or FHIR when it reads as FHIR) when the first character that is not
    blank is "{", else CSV. A file-level error names it "standard input"."""
    if str(name) != STDIN:
        yield Path(name)
        return
    import os
    import shutil
    import sys
    import tempfile

    if sys.stdin is None or sys.stdin.isatty():  # nothing piped in: never wait on a terminal
        from compounder.errors import InputError

        raise InputError(
            "orders", STDIN, "an order file piped in (compounder batch - < orders.csv)"
        )
    fd, spooled = tempfile.mkstemp(prefix=".compounder-orders-", suffix=".part")
    path = Path(spooled)
    try:
        with open(fd, "wb") as copy:
            shutil.copyfileobj(sys.stdin.buffer, copy, 1 << 20)
        with path.open("rb") as handle:
            start = handle.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip()
        named = path.with_suffix(".jsonl" if start.startswith(b"{") else ".csv")
        os.replace(path, named)
        path = named
        yield path
    except DataFileError as exc:
        if exc.path != str(path):
            raise
        raise DataFileError(STDIN_NAME, exc.key, exc.problem, exc.expected) from None
    finally:
        path.unlink(missing_ok=True)


#: the order file formats (``batch --from``)
FORMATS = ("csv", "jsonl", "fhir")


def file_format(path: Path, declared: str | None = None) -> str:
    """The file's format: as declared (``--from``), else from its suffix and content
    (FHIR JSON has a ``resourceType``)."""
    if declared is not None:
        if declared not in FORMATS:
            raise DataFileError(
                str(path), "", f"unknown order file format {declared[:20]!r}", " or ".join(FORMATS)
            )
        return declared
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "fhir"
    if suffix in (".jsonl", ".ndjson", ".txt", ""):
        return "fhir" if _looks_fhir(path) else "csv" if suffix in (".txt", "") else "jsonl"
    if suffix == ".csv":
        return "csv"
    raise DataFileError(
        str(path),
        "",
        f"unknown order file type {suffix!r}",
        ".csv, .jsonl (JSON Lines) or FHIR JSON (.json, .ndjson)",
    )


def _looks_fhir(path: Path) -> bool:
    """Whether the file opens as FHIR JSON (a file that cannot be read is not: reading
    it reports why)."""
    from compounder.fhir.request_files import SNIFF_CHARS, is_fhir

    try:
        with _open_text(path) as handle:
            return is_fhir(handle.read(SNIFF_CHARS))
    except (CompounderError, OSError, UnicodeDecodeError):
        return False


def _open_text(path: Path) -> io.TextIOWrapper:
    """The order file for reading as text: a regular file (never a pipe, waited on)."""
    fd = open_regular_file(path)
    return open(fd, encoding="utf-8-sig", newline="")


@contextlib.contextmanager
def _file_problems(path: Path) -> Iterator[None]:
    """Problems of the file as a whole, reported as DataFileError naming it."""
    try:
        yield
    except UnicodeDecodeError:
        raise DataFileError(
            str(path), "", "not UTF-8 text", "a file saved as 'CSV UTF-8' or JSON Lines in UTF-8"
        ) from None
    except csv.Error as exc:
        raise DataFileError(str(path), "", f"not readable as CSV ({exc})") from None


def check_header(header: list[str], path: Path) -> list[str]:
    """The cleaned header; DataFileError for unknown, missing or repeated columns."""
    names = [h.strip().lower() for h in header]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise DataFileError(str(path), "line 1", f"column {name!r} appears twice")
        seen.add(name)
        if name not in COLUMNS:
            raise DataFileError(
                str(path),
                "line 1",
                f"unknown column {name!r}",
                "only the columns " + ", ".join(COLUMNS),
            )
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        raise DataFileError(
            str(path),
            "line 1",
            "missing column(s) " + ", ".join(missing),
            "the columns " + ", ".join(REQUIRED),
        )
    if "quantity" not in seen and "days_supply" not in seen:
        raise DataFileError(
            str(path), "line 1", "no quantity or days_supply column", "one of them (or both)"
        )
    return names


def read_orders(
    path: Path, kind: str | None = None, fill_date: date | None = None
) -> Iterator[RawRow]:
    """Every order in the file, streaming, in file order. ``kind``: the format
    (``file_format``); ``fill_date``: a FHIR order's (default today: FHIR names none)."""
    kind = file_format(path, kind)
    with _file_problems(path), _open_text(path) as handle:
        if kind == "csv":
            yield from _read_csv(handle, path)
        elif kind == "jsonl":
            yield from _read_jsonl(handle, path)
        else:
            yield from _read_fhir(handle, path, fill_date or date.today())


def _read_fhir(handle: io.TextIOWrapper, path: Path, fill_date: date) -> Iterator[RawRow]:
    from compounder.fhir.request_files import NotFhirOrders, read_requests

    try:
        for read in read_requests(handle, fill_date):
            yield RawRow(
                read.number,
                read.values,
                read.raw,
                read.problem,
                read.place,
                read.paths,
                read.problem_path,
            )
    except NotFhirOrders as exc:
        raise DataFileError(str(path), "", str(exc)) from None


def _read_csv(handle: io.TextIOWrapper, path: Path) -> Iterator[RawRow]:
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        raise DataFileError(
            str(path), "", "is empty", "a header line and one order a line"
        ) from None
    except csv.Error as exc:
        raise DataFileError(str(path), "line 1", f"not readable as CSV ({exc})") from None
    names = check_header(header, path)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RawRow(reader.line_num, {}, "", f"not readable as CSV ({exc})")
            continue
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, as spreadsheets leave at the end
        line = reader.line_num
        if len(cells) != len(names):
            yield RawRow(
                line, {}, tuple(cells), f"has {len(cells)} cells; the header has {len(names)}"
            )
            continue
        yield RawRow(line, {n: c.strip() for n, c in zip(names, cells, strict=True)}, tuple(cells))


class _RepeatedKey(ValueError):
    """A JSON object naming one field twice (JSON would keep the last silently)."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refused if it names a field twice (also as "RX_Number " and
    "rx_number", which name one column)."""
    record = dict(pairs)
    if len(record) != len(pairs) or len({k.strip().lower() for k in record}) != len(record):
        seen: set[str] = set()
        for key, _ in pairs:
            if key.strip().lower() in seen:
                raise _RepeatedKey(key)
            seen.add(key.strip().lower())
    return record


def _read_jsonl(handle: io.TextIOWrapper, path: Path) -> Iterator[RawRow]:
    for line, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text, object_pairs_hook=_object)
        except _RepeatedKey as exc:
            key = str(exc.args[0])[:40]
            yield RawRow(line, {}, text.rstrip("\r\n"), f"field {key!r} is given twice")
            continue
        except json.JSONDecodeError as exc:
            yield RawRow(line, {}, text.rstrip("\r\n"), f"not valid JSON ({exc.msg})")
            continue
        except (RecursionError, ValueError):  # nested too deeply, or a number too long
            yield RawRow(line, {}, text.rstrip("\r\n"), "not valid JSON (too deep or too long)")
            continue
        if not isinstance(record, dict):
            yield RawRow(line, {}, text.rstrip("\r\n"), "is not a JSON object")
            continue
        unknown = [k for k in record if str(k).strip().lower() not in COLUMNS]
        if unknown:
            yield RawRow(
                line,
                {},
                text.rstrip("\r\n"),
                f"unknown field {unknown[0]!r}; accepted: " + ", ".join(COLUMNS),
            )
            continue
        values = {}
        for key, value in record.items():
            if value is None:
                value = ""
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            elif not isinstance(value, (str, int)):
                value = json.dumps(value)
            values[str(key).strip().lower()] = str(value).strip()
        yield RawRow(line, values, text.rstrip("\r\n"))


def header_of(path: Path, kind: str | None = None) -> list[str]:
    """The CSV header as written (for rejected.csv); for JSON Lines (and FHIR) one "raw"
    column that holds each rejected line (resource) unchanged."""
    if file_format(path, kind) != "csv":
        _open_text(path).close()  # a missing or unreadable file is named here, as for CSV
        return ["raw"]
    with _file_problems(path), _open_text(path) as handle:
        return next(csv.reader(handle), [])
