"""The JSON contracts: what the order file, the batch manifest and every ``--json``
output hold, as JSON Schemas (draft 2020-12) shipped in ``compounder/schemas/``.

Each contract has a name (``order``, ``manifest``, ``error``, one per command that
prints JSON) and an integer version, which every document it describes carries as
``schema_version``. Only the names and versions live here, so stamping an output costs
no file read; the schema files are read only by ``compounder schema`` and the tests
(docs/json-contracts.md says when a version changes).
"""

from __future__ import annotations

import json
from typing import Any

from compounder.errors import InputError

#: Every contract and its version. A version goes up by one when a document of it
#: changes incompatibly: a field removed, renamed, or given another type or meaning.
#: Adding a field does not change it (readers ignore fields they do not know).
VERSIONS: dict[str, int] = {
    "order": 1,
    "manifest": 1,
    "error": 1,
    "schema": 1,
    "plan": 1,
    "strengths": 1,
    "prepare": 1,
    "fills": 1,
    "screen": 1,
    "label": 1,
    "chart": 1,
    "batch": 1,
    "stocks": 1,
    "record": 1,
    "reprint": 1,
    "trace": 1,
    "history": 1,
    "receive": 1,
    "recall": 1,
    "stock": 1,
    "lot-label": 1,
    "log-verify": 1,
    "log-anchor": 1,
    "log-copy": 1,
    "settings-check": 1,
    "staff": 1,
    "export-fhir": 1,
    "queue": 1,
    "verify": 1,
}


def stamped(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """A document of contract ``name``: ``schema_version`` first, then ``data``."""
    return {"schema_version": VERSIONS[name], **data}


def contract_names() -> tuple[str, ...]:
    """Every contract's name, in the order of ``VERSIONS``."""
    return tuple(VERSIONS)


def load_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of contract ``name`` (InputError naming the contracts otherwise)."""
    from compounder.core.datafiles import data_dir

    if name not in VERSIONS:
        raise InputError("schema", name, "one of " + ", ".join(VERSIONS))
    path = data_dir("schemas") / f"{name}.json"
    with path.open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema
