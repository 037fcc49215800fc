"""FHIR test inputs: the files under tests/data/fhir, read and validated.

Every resource a test feeds the import is first validated against the R4B models of
``fhir.resources`` (``valid``), so the tests exercise FHIR a real system could send.
"""

from __future__ import annotations

import copy
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from compounder.fhir.request_files import RequestRead, read_requests

FHIR_DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"
FILL = date(2026, 12, 1)


def load(name: str) -> dict[str, Any]:
    return json.loads((FHIR_DATA / name).read_text(encoding="utf-8"))


def valid(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource, after fhir.resources (R4B) accepted it (raises if not)."""
    get_fhir_model_class(resource["resourceType"]).model_validate(copy.deepcopy(resource))
    return resource


def read(resource: dict[str, Any] | str, fill_date: date = FILL) -> list[RequestRead]:
    """What the import reads from a resource (validated first) or a file's text."""
    text = resource if isinstance(resource, str) else json.dumps(valid(resource))
    return list(read_requests(io.StringIO(text), fill_date))


def one(resource: dict[str, Any], fill_date: date = FILL) -> RequestRead:
    (found,) = read(resource, fill_date)
    return found
