"""What an entry of the log is: its kind, its key, and the payload fields the log reads.

Only ``log/`` knows how a key is written: other layers ask for one here
(``planned_key(digest, group)``) and hand it back to the log unread. A key names the
order file (by the hash of its content) or the run that logged an entry, so a run of
the same file again finds what an earlier run logged:

====================  =============================================  ===============
kind                  key                                            one per
====================  =============================================  ===============
``preparation``       ``batch:<file>:<group>``                       planned lot
``batch-record``      ``batch-record:<file>:<lot>``                  record
``dispense``          ``dispense:<file>:<rx>``                       order
``batch-reprint``     ``batch-reprint:<file>:<run>:<rx>``            order run again
``batch-run``         ``batch-run:<run>``                            run
``verification``      ``verified:<entry>:<fill>[:<attempt>]``        fill dispensed
====================  =============================================  ===============

Entries a person logs (labels, records, reprints, prints, corrections, mismatches)
have no key. A verification's key makes a fill verified once, held by the database's
unique index: two pharmacists scanning the same bottle at once cannot both verify it.
The payload is JSON; the fields below are the ones the log itself looks at.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """Every kind of entry the log holds."""

    PREPARATION = "preparation"  # a compounded lot (recorded, or planned by a batch)
    LABEL = "label"  # a label printed for an order
    REPRINT = "reprint"  # a label printed again from its snapshot
    PRINT = "print"  # a logged label sent to a printer
    CORRECTION = "correction"  # names an earlier entry that was wrong
    DISPENSE = "dispense"  # a batch's order, its label printed
    BATCH_RECORD = "batch-record"  # a batch's compounding record
    BATCH_REPRINT = "batch-reprint"  # a batch order printed otherwise by a later run
    BATCH_RUN = "batch-run"  # a batch run and the hashes of its files
    BATCH_PRINT = "batch-print"  # a batch's labels sent to a printer
    # a received ingredient lot's events (core.inventory.LotEventKind; log.receipts)
    LOT_RECEIPT = "lot-receipt"  # an ingredient lot received (or more of it)
    LOT_RELEASE = "lot-release"  # released by a pharmacist
    LOT_HOLD = "lot-hold"  # put on hold
    LOT_RECALL = "lot-recall"  # recalled (the worklist's hash)
    STOCK_ADJUST = "stock-adjust"  # a count: its quantity changed, with a reason
    EXPORT = "export"  # dispensings sent out of the log (a file's hash, counts, filters)
    VERIFICATION = "verification"  # a pharmacist's final check of a fill: the scans matched
    MISMATCH = "verification-mismatch"  # a final check whose scans did not match the log


#: a kind (or its text) -> its text as stored; anything else is no kind
KIND_TEXT: dict[str, str] = {kind.value: kind.value for kind in Kind}


def kind_text(kind: str) -> str:
    """A kind as stored (ValueError if it is not one of ``Kind``); fast, once a row."""
    try:
        return KIND_TEXT[kind]
    except KeyError:
        raise ValueError(f"{kind!r} is not a kind of log entry") from None


#: the kinds whose entries dispense an order (their fill dates are repeats of it)
DISPENSING = (Kind.LABEL, Kind.DISPENSE)
#: the kinds whose entries hold a printed label (a reprint draws the latest one again)
LABELLED = (Kind.LABEL, Kind.DISPENSE, Kind.BATCH_REPRINT)

#: a dispensing's payload field that puts it in the verification queue (``log.checks``):
#: ``"check": "awaiting"`` on every label and batch order logged since the queue began
CHECK_FIELD = "check"
AWAITING_CHECK = "awaiting"

#: the last character a key's text may hold: ``prefix <= key < prefix + KEY_END``
KEY_END = "\U0010ffff"


# ---------------------------------------------------------------- keys


def planned_key(orders_file: str, group: str) -> str:
    """A batch's planned preparation (its lot), once per order file content."""
    return f"batch:{orders_file}:{group}"


def record_key(orders_file: str, lot: str) -> str:
    """A batch's compounding record of a lot."""
    return f"batch-record:{orders_file}:{lot}"


def dispense_key(orders_file: str, rx: str) -> str:
    """A batch's order (one per Rx in an order file)."""
    return f"dispense:{orders_file}:{rx}"


def reprint_key(orders_file: str, run: str, rx: str) -> str:
    """A batch order that a later run of the same file printed otherwise."""
    return f"batch-reprint:{orders_file}:{run}:{rx}"


def run_key(run: str) -> str:
    """A batch run, logged as it commits."""
    return f"batch-run:{run}"


#: what every verification's key starts with
VERIFIED_PREFIX = "verified:"


def verification_key(entry_id: int, fill: int, attempt: int = 1) -> str:
    """A fill's verification (fill 1, 2... of the dispensing entry ``entry_id``); a
    fill verified again after a correction named its verification: its ``attempt``."""
    key = f"{VERIFIED_PREFIX}{entry_id}:{fill}"
    return key if attempt == 1 else f"{key}:{attempt}"


def verified_fill(key: str) -> tuple[int, int] | None:
    """The (entry, fill) a verification's key names; None if it is not one."""
    if not key.startswith(VERIFIED_PREFIX):
        return None
    entry, fill, *attempt = key[len(VERIFIED_PREFIX) :].split(":")
    if len(attempt) > 1 or not all(p.isascii() and p.isdigit() for p in (entry, fill, *attempt)):
        return None
    return int(entry), int(fill)


def key_prefix(kind: Kind, orders_file: str) -> str:
    """What every key of this kind from one order file starts with (found by range)."""
    tag = {
        Kind.PREPARATION: "batch",
        Kind.BATCH_RECORD: "batch-record",
        Kind.DISPENSE: "dispense",
        Kind.BATCH_REPRINT: "batch-reprint",
    }[kind]
    return f"{tag}:{orders_file}:"


@dataclass(frozen=True)
class ParsedKey:
    """A key taken apart: its tag and the order file it names ("" for a run's key)."""

    tag: str
    orders_file: str


def parse_key(key: str | None) -> ParsedKey | None:
    """The parts of an entry's key (None if the entry has no key or it is not one the
    log writes)."""
    if not key:
        return None
    tag, _, rest = key.partition(":")
    if tag == "batch-run":
        return ParsedKey(tag, "")
    if tag not in ("batch", "batch-record", "dispense", "batch-reprint"):
        return None
    orders_file, sep, _ = rest.partition(":")
    return ParsedKey(tag, orders_file) if sep else None


@dataclass(frozen=True)
class PlannedGroup:
    """A batch's planned preparation: the orders of a fill date drawn from one
    preparation (a ``preparation`` entry's ``preparation_key``, and its key's group);
    a group too large for one preparation is planned in parts (2, 3...: the first
    keeps the group's text)."""

    day: str  # ISO date
    concentration: str  # mg/mL, as a number
    vehicle: str  # vehicle id
    source: str  # source id
    part: int = 1

    @property
    def text(self) -> str:
        group = f"{self.day}|{self.concentration}|{self.vehicle}|{self.source}"
        return part_text(group, self.part)

    @classmethod
    def parse(cls, text: str) -> PlannedGroup:
        day, concentration, vehicle, source, *rest = text.split("|")
        part = int(rest[0].removeprefix("part ")) if rest else 1
        return cls(day, concentration, vehicle, source, part)


def part_text(group: str, part: int) -> str:
    """The text of one part of a planned group (``PlannedGroup.text``)."""
    return group if part == 1 else f"{group}|part {part}"


# ---------------------------------------------------------------- payload fields


def fill_dates(payload: dict[str, Any]) -> list[str]:
    """The fill dates an entry dispensed (a pre-printed titration's labels: several)."""
    given = payload.get("fill_dates") or [payload.get("fill_date") or ""]
    return [str(day) for day in given]


#: how a batch order's doses (one per titration step its fill covers) are joined in
#: its ``dose_mg`` field: "1.5 then 2"
DOSE_SEPARATOR = " then "


def doses_mg(payload: dict[str, Any]) -> list[str]:
    """A batch order's doses in mg, one per step its fill covers (``dose_mg``)."""
    given = payload.get("dose_mg")
    return str(given).split(DOSE_SEPARATOR) if given else []


def file_hashes(payload: Any) -> list[str]:
    """The SHA-256 of every file an entry published (a label's or record's PDF, a ZPL
    file or PNG previews): what a file left behind by a killed command is matched by."""
    if not isinstance(payload, dict):
        return []
    found = [payload.get("pdf_sha256")]
    files = payload.get("files_sha256")
    if isinstance(files, list):
        found += files
    return [digest for digest in dict.fromkeys(found) if isinstance(digest, str) and digest]


def labels_file(payload: dict[str, Any]) -> str | None:
    """The batch labels file an order's label is in (None: not a batch's)."""
    name = payload.get("labels_file")
    return str(name) if name else None


def snapshot_of(payload: Any) -> str | None:
    """The hash of the snapshot an entry's label is drawn again from."""
    if isinstance(payload, dict) and isinstance(payload.get("snapshot"), str):
        return str(payload["snapshot"])
    return None


def orders_file_of(payload: dict[str, Any]) -> str | None:
    """The order file (its content hash) a ``batch-run`` entry's run printed."""
    found = payload.get("orders_file")
    return str(found) if isinstance(found, str) and found else None


def run_files(payload: dict[str, Any]) -> dict[str, str]:
    """A ``batch-run`` entry's files: name -> SHA-256."""
    files = payload.get("files")
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def sent_files(payload: dict[str, Any]) -> list[str]:
    """The SHA-256 of the files a ``batch-print`` entry sent to a printer."""
    files = payload.get("files_sha256")
    return [str(f) for f in files] if isinstance(files, list) else []


def ingredient_uses(entry_id: int, payload: Any) -> list[tuple[Any, ...]]:
    """One ``ingredient_uses`` row per ingredient lot named in an entry's payload."""
    if not isinstance(payload, dict):
        return []
    return [
        (
            entry_id,
            use.get("ingredient", ""),
            use["lot"],
            use.get("expiry"),
            use.get("quantity"),
        )
        for use in payload.get("ingredients", [])
        if isinstance(use, dict) and "lot" in use
    ]


#: the payload fields found through the ``entry_fields`` table, not by reading JSON
FILE_HASH = "file_sha256"
ORDERS_FILE = "orders_file"


def looked_up(entry_id: int, kind: str, payload: Any) -> list[tuple[int, str, str]]:
    """The ``entry_fields`` rows (entry id, field, value) written with an entry: the
    hashes of the files it published or sent, a batch run's order file, and a
    dispensing's place in the verification queue (``check``)."""
    rows = [(entry_id, FILE_HASH, digest) for digest in file_hashes(payload)]
    if kind == Kind.BATCH_RUN and isinstance(payload, dict):
        orders_file = orders_file_of(payload)
        if orders_file:
            rows.append((entry_id, ORDERS_FILE, orders_file))
    awaits = isinstance(payload, dict) and payload.get(CHECK_FIELD) == AWAITING_CHECK
    if kind in DISPENSING and awaits:
        rows.append((entry_id, CHECK_FIELD, AWAITING_CHECK))
    return rows


#: how an awaiting dispensing's payload says so, as its JSON text is written
_AWAITING_TEXT = f'"{CHECK_FIELD}": "{AWAITING_CHECK}"'


def awaiting_rows(entry_id: int, kind: str, payload: str) -> list[tuple[int, str, str]]:
    """``looked_up`` of a payload ``writes_rows`` says names nothing else, from its text:
    its ``check`` row if it is a dispensing awaiting check (a batch's orders are not
    parsed again just for that)."""
    if kind in DISPENSING and _AWAITING_TEXT in payload:
        return [(entry_id, CHECK_FIELD, AWAITING_CHECK)]
    return []


def writes_rows(payload: str) -> bool:
    """Whether an entry's payload (JSON text) may name ingredient lots or looked-up
    fields: False only if it certainly names none, so the JSON of a batch's thousands
    of orders (whose ``pdf_sha256`` is null) is not parsed again just to find out."""
    if '"ingredients"' in payload or '"files_sha256"' in payload or '"orders_file"' in payload:
        return True
    return '"pdf_sha256"' in payload and '"pdf_sha256": null' not in payload
