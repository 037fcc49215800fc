"""What a batch run did: its report, for the summary and for scripts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compounder.batch.order import RowError


@dataclass
class BatchReport:
    """What a run did, for the summary and for scripts."""

    orders: int = 0
    valid: int = 0
    printed: int = 0
    errors: list[RowError] = field(default_factory=list)
    labels: int = 0
    charts: int = 0
    files: list[str] = field(default_factory=list)
    worksheet: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    checked_only: bool = False
    #: where the run's last entry sits in the log's chain (``content.records.log_place``),
    #: printed on its worksheet and records
    log_place: dict[str, Any] | None = None
    screening: list[dict[str, Any]] = field(default_factory=list)  # per valid order
    # each preparation's orders (by worksheet key): their Rx and safety checks
    safety: dict[tuple[str, str, str, str, int], list[tuple[str, Any]]] = field(
        default_factory=dict
    )

    @property
    def ok(self) -> bool:
        return not self.errors

    def screening_counts(self) -> dict[str, int]:
        """Stops (refused rows and overridden stops), cautions, acknowledgements and
        overrides, over the run's orders."""
        refused = sum(1 for e in self.errors if e.column == "other_medications")
        counts = {"stops": refused, "cautions": 0, "acknowledged": 0, "overrides": 0}
        for row in self.screening:
            for key in ("stops", "cautions", "acknowledged", "overrides"):
                counts[key] += row[key]
        return {"refused_by_screening": refused, **counts}

    def to_dict(self) -> dict[str, Any]:
        return {
            "orders": self.orders,
            "valid": self.valid,
            "printed": self.printed,
            "rejected": len(self.errors),
            "labels": self.labels,
            "charts": self.charts,
            "files": self.files,
            "checked_only": self.checked_only,
            "screening": {
                "counts": self.screening_counts(),
                "rows": sorted(self.screening, key=lambda row: row["line"]),
            },
            "errors": [
                {"line": e.line, "column": e.column, "message": e.message, "place": e.place}
                for e in self.errors
            ],
            "worksheet": self.worksheet,
            "log_place": self.log_place,
        }
