"""Synthetic order files for demonstrations, tests and benchmarks (no real patients).

``write_orders(path, count)`` writes a CSV of valid orders that cycle through fixed
doses, titrations, vehicles and stocks, deterministically (the same count gives the
same file).
"""

from __future__ import annotations

import csv
from pathlib import Path

from compounder.batch.order_file import COLUMNS

_FIRST = ["Jane", "Robert", "María", "Li", "Anna", "Tom", "Sara", "Zoë", "Omar", "Grace"]
_LAST = [
    "Doe",
    "Brown",
    "González",
    "Wei",
    "Ivanova",
    "Baker",
    "Cohen",
    "Ñúñez",
    "Haddad",
    "Okafor",
]
_DOSES = ["1.5 mg", "2 mg", "2.5 mg", "3 mg", "3.5 mg", "4 mg", "4.5 mg"]


def order_row(index: int, titrations: bool = True) -> dict[str, str]:
    """The ``index``-th synthetic order (0-based); every tenth a new titration unless
    ``titrations`` is False (labels only, as the batch benchmark needs)."""
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        rx_number=str(5_000_000 + index),
        patient_name=f"{_FIRST[index % 10]} {_LAST[(index // 10) % 10]}",
        prescriber=f"Dr {'ABCDEFGH'[index % 8]}. Smith",
        fill_date="2026-12-01",
        concentration="1 mg/mL",
    )
    if titrations and index % 10 == 0:
        row.update(dose="titrate", start_date="2026-12-01")
    else:
        row.update(dose=_DOSES[index % 7], days_supply="14")
    if index % 5 == 4:
        row["dose_time"] = "morning"
    return row


def write_orders(path: Path, count: int, titrations: bool = True) -> Path:
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        for index in range(count):
            writer.writerow(order_row(index, titrations))
    return Path(path)
