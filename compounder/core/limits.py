"""Bounds on what enters Compounder, written once.

Every value typed on the command line, read from an order file or a data file passes
one of these bounds where it enters (units, dates, ids, names, files, the batch's
options); a refusal names the field, the value (never the patient's) and what is
accepted. The "Input limits" table of docs/usage.md lists them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from compounder.errors import InputError

#: Digits a typed number may have (before and after the point together).
MAX_NUMBER_DIGITS = 12
#: Dates a pharmacy works with: fill, start, compounding, expiry and BUD dates.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
#: Ids of shipped data (protocol, stock, vehicle, source, language, paper).
MAX_ID_LENGTH = 64
#: People's names (patient, prescriber, preparer, checker) and other short text fields.
MAX_NAME_LENGTH = 80
MAX_TEXT_LENGTH = 200
#: Plausible ranges, in the display units (mg/mL, mL), inclusive.
CONCENTRATION_MG_ML = (Decimal("0.01"), Decimal(100))  # about its solubility in water
PREPARED_VOLUME_ML = (Decimal(1), Decimal(5000))  # one compounded preparation
DISPENSED_ML = (Decimal("0.1"), Decimal(1000))  # one order's quantity
DAYS_SUPPLY = (1, 366)
REFILLS = (0, 99)
#: The most naltrexone hydrochloride a day that any protocol (shipped or a pharmacy's
#: own) may reach: the LDN Research Trust fact sheet's maximum, 4.5 mg.
MAX_DAILY_DOSE_MG = Decimal("4.5")
#: A titration protocol: at most this many steps, each at most this many days.
MAX_PROTOCOL_STEPS = 60
MAX_STEP_DAYS = 365
#: Log entry ids typed by a person (``correct --entry``).
MAX_ENTRY_ID = 10**12
#: Batch options.
CHUNK_SIZE = (1, 100_000)
#: Sizes of files read whole (data and settings files, lots files); order files are
#: streamed, but a line may not exceed MAX_LINE_BYTES.
MAX_DATA_FILE_BYTES = 1_000_000
MAX_LINE_BYTES = 64_000
#: Lots a pharmacy can compound in one day (lot numbers are YYYYMMDD-NNN).
MAX_LOTS_PER_DAY = 999


def check_range(value: Decimal | int, bounds: tuple, field: str, unit: str = "") -> None:
    """InputError naming the field unless ``value`` is within ``bounds`` (inclusive)."""
    low, high = bounds
    if not low <= value <= high:
        shown = f"{_plain(value)} {unit}".strip()
        raise InputError(field, shown, describe(bounds, unit))


def describe(bounds: tuple, unit: str = "") -> str:
    """ "from 0.01 to 50 mg/mL"."""
    low, high = bounds
    tail = f" {unit}" if unit else ""
    return f"from {_plain(low)} to {_plain(high)}{tail}"


def _plain(value: Decimal | int) -> str:
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return f"{value:,}" if value >= 10_000 else str(value)
