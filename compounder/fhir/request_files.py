"""Reading FHIR order files: one MedicationRequest, a Bundle of them, or NDJSON.

A file is FHIR JSON when its resource (or its first line's) has a ``resourceType``
(``is_fhir``). ``read_requests`` yields each MedicationRequest mapped to an order
file's row (``request.request_row``), with its place: ``entry N`` of a Bundle (counted
from 1, as lines are), ``line N`` of NDJSON, ``resource 1`` for a lone resource. A
reference is resolved within the resource (``#id``: contained) and, in a Bundle, to
another entry (by ``fullUrl`` or ``Type/id``); NDJSON lines stand alone.

Numbers are read as exact decimals. A problem of one resource (bad JSON on a line,
something that cannot be mapped) is that row's problem, with the FHIR path; a problem
of the whole file (not JSON, not a MedicationRequest or Bundle, a Bundle with none)
raises ``NotFhirOrders`` naming what was found.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TextIO

from compounder.fhir.request import Resolver, request_row
from compounder.fhir.request_errors import Unmappable

#: how far into a file ``is_fhir`` reads to decide
SNIFF_CHARS = 1 << 16


class NotFhirOrders(ValueError):
    """The file as a whole is not FHIR orders: what was found, what is accepted."""


@dataclass(frozen=True)
class RequestRead:
    """One MedicationRequest as read: its place (``place`` ``number``), the row's cells
    and each cell's FHIR path, the resource as one line of JSON (for the rejected
    rows' file), or the problem and its FHIR path."""

    place: str
    number: int
    values: dict[str, str] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    raw: str = ""
    problem: str = ""
    problem_path: str = ""


def is_fhir(start: str) -> bool:
    """Whether a file's opening text is FHIR JSON: a resource (or its first line's)
    naming its ``resourceType``."""
    text = start.lstrip("\ufeff \t\r\n")
    if not text.startswith("{"):
        return False
    first_line = text.split("\n", 1)[0]
    for candidate in (first_line, text):
        try:
            found = json.loads(candidate)
        except (ValueError, RecursionError):
            continue
        return isinstance(found, dict) and isinstance(found.get("resourceType"), str)
    # a pretty-printed document longer than what was read: look for its key
    return '"resourceType"' in text[:SNIFF_CHARS]


def read_requests(handle: TextIO, fill_date: date) -> Iterator[RequestRead]:
    """Every MedicationRequest of the file, in order, mapped to a row filled on
    ``fill_date``."""
    first, skipped = handle.readline(), 0
    while first and not first.strip():
        first, skipped = handle.readline(), skipped + 1
    if not first:
        raise NotFhirOrders("is empty; expected a MedicationRequest, a Bundle or NDJSON")
    resource = _parsed(first)
    if resource is not None:
        rest = _rest_lines(handle)
        if rest is None:  # one line: a lone resource or Bundle
            yield from _document(resource, fill_date)
        else:  # one resource a line
            yield from _ndjson(itertools.chain([first], rest), fill_date, skipped + 1)
        return
    text = first + handle.read()
    try:
        document = _loads(text)
    except (ValueError, RecursionError) as exc:
        lines = text.splitlines(keepends=True)
        if len(lines) > 1 and any(isinstance(_parsed(line), dict) for line in lines[:50]):
            yield from _ndjson(iter(lines), fill_date, skipped + 1)
            return
        raise NotFhirOrders(f"is not valid JSON ({_reason(exc)})") from None
    yield from _document(document, fill_date)


def _parsed(text: str) -> Any:
    """The JSON of one line, or None if it is not JSON."""
    try:
        return _loads(text)
    except (ValueError, RecursionError):
        return None


def _rest_lines(handle: TextIO) -> Iterator[str] | None:
    """The lines after the first, or None if only blank lines follow (a one-line file)."""
    following = handle.readline()
    blank = []
    while following and not following.strip():
        blank.append(following)
        following = handle.readline()
    if not following:
        return None
    return itertools.chain(blank, [following], iter(handle.readline, ""))


def _document(resource: Any, fill_date: date) -> Iterator[RequestRead]:
    """A whole-file resource: one MedicationRequest, or a Bundle of entries."""
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    if kind == "MedicationRequest":
        yield _read(resource, _contained(resource, {}), "resource", 1, fill_date)
        return
    if kind != "Bundle":
        found = f"a {str(kind)[:40]}" if kind else "a JSON value without resourceType"
        raise NotFhirOrders(f"holds {found}; expected a MedicationRequest, a Bundle or NDJSON")
    entries = resource.get("entry") or []
    if not isinstance(entries, list):
        raise NotFhirOrders("Bundle.entry is not a list; expected the Bundle's entries")
    index = _bundle_index(entries)
    count = 0
    for n, entry in enumerate(entries, start=1):
        item = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(item, dict) and item.get("resourceType") == "MedicationRequest":
            count += 1
            yield _read(item, _contained(item, index), "entry", n, fill_date)
    if not count:
        raise NotFhirOrders("is a Bundle without a MedicationRequest entry")


def _ndjson(lines: Iterator[str], fill_date: date, first_number: int) -> Iterator[RequestRead]:
    """One resource a line; a line that is not JSON, or not a MedicationRequest, is that
    line's problem."""
    for number, text in enumerate(lines, start=first_number):
        if not text.strip():
            continue
        raw = text.rstrip("\r\n")
        try:
            resource = _loads(raw)
        except (ValueError, RecursionError) as exc:
            problem = f"not valid JSON ({_reason(exc, lines=False)})"
            yield RequestRead("line", number, raw=raw, problem=problem)
            continue
        if not isinstance(resource, dict) or resource.get("resourceType") != "MedicationRequest":
            yield RequestRead(
                "line", number, raw=raw, problem=f"{_kind(resource)}; expected one "
                "MedicationRequest a line", problem_path="resourceType",
            )  # fmt: skip
            continue
        yield _read(resource, _contained(resource, {}), "line", number, fill_date, raw)


def _kind(resource: Any) -> str:
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    return f"a {kind[:40]}" if isinstance(kind, str) and kind else "no resourceType"


def _read(
    resource: dict[str, Any],
    resolve: Resolver,
    place: str,
    number: int,
    fill_date: date,
    raw: str | None = None,
) -> RequestRead:
    raw = raw if raw is not None else _one_line(resource)
    try:
        mapped = request_row(resource, resolve, fill_date)
    except Unmappable as exc:
        return RequestRead(place, number, raw=raw, problem=exc.message, problem_path=exc.path)
    return RequestRead(place, number, mapped.values, mapped.paths, raw)


def _bundle_index(entries: list[Any]) -> dict[str, dict[str, Any]]:
    """A Bundle's resources by fullUrl and by Type/id."""
    index: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            continue
        item = entry["resource"]
        if isinstance(entry.get("fullUrl"), str):
            index[entry["fullUrl"]] = item
        if isinstance(item.get("resourceType"), str) and isinstance(item.get("id"), str):
            index[f"{item['resourceType']}/{item['id']}"] = item
    return index


def _contained(resource: Mapping[str, Any], index: Mapping[str, dict[str, Any]]) -> Resolver:
    """A reference resolved: ``#id`` to a contained resource, else to the Bundle's."""
    contained = {
        f"#{item['id']}": item
        for item in resource.get("contained") or []
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }

    def resolve(reference: str) -> dict[str, Any] | None:
        if reference.startswith("#"):
            return contained.get(reference)
        if reference in index:
            return index[reference]
        tail = "/".join(reference.rsplit("/", 2)[-2:])  # an absolute URL's Type/id
        return index.get(tail)

    return resolve


def _loads(text: str) -> Any:
    """JSON with exact decimals; a key given twice is refused (JSON would keep one)."""
    return json.loads(text, parse_float=Decimal, object_pairs_hook=_object)


class _RepeatedKey(ValueError):
    """A JSON object naming one key twice (JSON would keep the last silently)."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        raise _RepeatedKey("a key is given twice")
    return record


def _reason(exc: ValueError | RecursionError, lines: bool = True) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno}" if lines else exc.msg
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, _RepeatedKey):
        return str(exc)
    return "a number too long"  # int() refuses more than its digit limit


def _one_line(resource: Any) -> str:
    return json.dumps(resource, default=_plain, ensure_ascii=False, separators=(",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(type(value).__name__)
