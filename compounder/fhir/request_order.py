"""One MedicationRequest as the order of a single command (``label --from-fhir``).

The request is mapped to an order file's row (``request.request_row``), whose cells
become the order's fields (``api.orders.FIELDS``: a column's field), and the order is
built by ``api.orders.order_from_options`` with the command's other options (output,
format, lot, screening answers...): the same checks as every entrance. A field the
request gives may not also be given as an option. A refusal of the order's checks
names the FHIR path its value came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from compounder.api.orders import BY_NAME, FIELDS, TITRATE, Order, order_from_options
from compounder.errors import EXIT_INPUT, CompounderError, DataFileError, InputError

#: an option's default on the command line: not "given"
_UNSET: tuple[Any, ...] = (None, False, "", (), "ldn-standard", "en")
_FIELD_OF_COLUMN = {f.column: f.name for f in FIELDS if f.column}


@dataclass(eq=False)
class RequestError(CompounderError):
    """A MedicationRequest's field refused: the file, the resource's place, the FHIR
    path and why (never a value of the patient)."""

    source: str
    place: str
    path: str
    message: str

    exit_code = EXIT_INPUT

    def __str__(self) -> str:
        return f"{self.source} {self.place}, {self.path}: {self.message}"


def order_from_request(request_file: str | Path, /, **options: Any) -> Order:
    """The order one MedicationRequest (a file holding one: a resource, a Bundle or
    NDJSON) gives, with the command's ``options`` (by field name) for what it does not
    give. It is filled on the ``fill_date`` option (a date or YYYY-MM-DD; default
    today: a request names no compounding date)."""
    from compounder.core.dates import parse_date

    given_day = options.pop("fill_date", None)
    fill_date = date.today() if given_day is None else parse_date(given_day, "fill-date")
    source = str(request_file)
    read = _one_request(Path(request_file), fill_date)
    where = f"{read.place} {read.number}"
    if read.problem:
        raise RequestError(source, where, read.problem_path or "resource", read.problem)
    fields: dict[str, Any] = {}
    paths: dict[str, str] = {}
    for column, value in read.values.items():
        name = _FIELD_OF_COLUMN[column]
        if name == "dose" and value == TITRATE:
            name, value = "titration", True
        fields[name], paths[name] = value, read.paths[column]
    for name, value in options.items():
        if name in fields and value not in _UNSET:
            flag = BY_NAME[name].flag or name
            raise InputError(flag, "given", f"no {flag} with --from-fhir (the request gives it)")
    try:
        return order_from_options(**{**options, **fields})
    except InputError as exc:
        name = next((f.name for f in FIELDS if exc.field in (f.option, f.flag, f.name)), "")
        if name not in paths:
            raise
        raise RequestError(source, where, paths[name], exc.problem()) from None


def _one_request(path: Path, fill_date: date) -> Any:
    from compounder.core.datafiles import open_regular_file
    from compounder.fhir.request_files import NotFhirOrders, read_requests

    try:
        with open(open_regular_file(path), encoding="utf-8-sig", newline="") as handle:
            reads = list(read_requests(handle, fill_date))
    except NotFhirOrders as exc:
        raise DataFileError(str(path), "", str(exc)) from None
    except UnicodeDecodeError:
        raise DataFileError(str(path), "", "not UTF-8 text") from None
    if len(reads) != 1:
        raise DataFileError(
            str(path), "", f"holds {len(reads)} MedicationRequests", "one for a single label"
        )
    return reads[0]
