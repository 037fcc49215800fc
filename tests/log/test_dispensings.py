"""What the log says was dispensed (``log.dispensings``): each fill of a label entry,
older label entries, and the verification a later entry kind can give."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from conftest import EXAMPLE_CONFIG

from compounder.api.dispensing import make_labels
from compounder.core.stocks import load_stock
from compounder.errors import SafetyError
from compounder.log import dispensings as module
from compounder.log.dispensings import dispensings, handed_over
from compounder.log.entries import log_labels
from compounder.log.kinds import Kind
from compounder.log.store import Store


def test_each_fill_of_a_pre_printed_titration(tmp_path):
    db = tmp_path / "log.db"
    run = make_labels(
        "1234567", "Jane Doe", "Dr A. Smith", titration=True, start_date="2026-12-01",
        concentration="1 mg/mL", fill="all", config=EXAMPLE_CONFIG, log=False,
    )  # fmt: skip
    log_labels(run, load_stock("thermal-4x3"), db, tmp_path / "t.pdf")
    with Store(db) as store:
        fills = dispensings(store)
    assert [f.fill for f in fills] == list(range(1, len(fills) + 1))
    assert len(fills) == len({o.fill_date for o in run.orders}) > 1
    first = fills[0]
    assert (first.fill_date, first.steps[0].dose_mg, first.patient) == (
        date(2026, 12, 1),
        Decimal("1.5"),
        "Jane Doe",
    )
    assert first.days_supply is None  # one step, undated: the entry does not say
    assert all(f.quantity_ml > 0 and f.bud >= f.fill_date for f in fills)
    with Store(db) as store:
        assert [f.fill_date for f in dispensings(store, since=date(2026, 12, 20))] == [
            f.fill_date for f in fills if f.fill_date >= date(2026, 12, 20)
        ]


def older_label(store: Store, fill_dates: list[str]) -> int:
    """A label entry as Compounder wrote it before entries held their fills."""
    digest = store.put_snapshot(
        {"contents": [{"blocks": [{"role": "patient", "text": "Jane Doe", "private": True}]}]}
    )
    return store.log(
        Kind.LABEL,
        "1234567",
        "20261201-1234567",
        {
            "snapshot": digest,
            "fill_date": fill_dates[0],
            "fill_dates": fill_dates,
            "bud": "2026-12-14",
            "quantity_ml": ["20", "10"],
            "concentration_mg_ml": "1",
        },
    )


def test_an_older_label_entry_is_read_as_far_as_it_goes(tmp_path):
    with Store(tmp_path / "log.db") as store:
        older_label(store, ["2026-12-01"])
        (fill,) = dispensings(store)
        assert (fill.quantity_ml, fill.steps, fill.patient) == (Decimal(30), (), "Jane Doe")
        older_label(store, ["2026-12-01", "2026-12-15"])
        with pytest.raises(SafetyError, match="does not say each one's BUD") as refused:
            dispensings(store)
        assert "Jane Doe" not in str(refused.value)
        assert len(dispensings(store, since=date(2026, 12, 16))) == 0  # left out: fine


def test_a_verification_entry_gives_the_handover_time(tmp_path, monkeypatch):
    """No entry kind verifies a dispensing yet; one added to VERIFYING plugs in."""
    with Store(tmp_path / "log.db") as store:
        label = older_label(store, ["2026-12-01"])
        (fill,) = dispensings(store)
        assert handed_over(fill) == fill.printed_at  # none: the label's print time
        monkeypatch.setattr(module, "VERIFYING", (Kind.CORRECTION,))  # stands in for one
        store.log(Kind.CORRECTION, "1234567", None, {"verifies": label, "reason": "x"})
        (fill,) = dispensings(store)
        assert fill.verified_at is not None and fill.verified_at.tzinfo is UTC
        assert handed_over(fill) == fill.verified_at >= fill.printed_at
        assert isinstance(handed_over(fill), datetime)
