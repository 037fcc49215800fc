"""One volume limit (issue 23, item 8): a batch never plans a preparation larger than
the largest ``prepare`` makes (``PREPARED_VOLUME_ML``); the orders that would take it
over go into another preparation of the same group, with its own lot, record and BUD.
The reproduction: 300 orders planned one lot of more than 13,000 mL."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pytest

from compounder.batch.run import run_batch
from compounder.batch.synthetic import write_orders
from compounder.core.limits import PREPARED_VOLUME_ML

LARGEST = PREPARED_VOLUME_ML[1]


@pytest.fixture(scope="module")
def orders(tmp_path_factory):
    return write_orders(tmp_path_factory.mktemp("orders") / "orders.csv", 300)


def _per_lot(out) -> Counter:
    rows = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["orders"]
    volumes: Counter = Counter()
    for row in rows:
        volumes[row["lot"]] += Decimal(row["quantity_ml"])
    return volumes


def test_a_big_batch_is_planned_in_preparations_prepare_allows(
    tmp_path, example_config, orders
):
    db = tmp_path / "log.db"
    report = run_batch(orders, tmp_path / "out", example_config, db=db)
    assert report.printed == 300 and not report.errors
    sheet = report.worksheet
    total = sum(Decimal(e["volume_needed_ml"]) for e in sheet)
    assert total > 2 * LARGEST  # one lot of it all was the bug
    assert all(Decimal(e["volume_needed_ml"]) <= LARGEST for e in sheet)
    assert [e["part"] for e in sheet] == [1, 2, 3]
    lots = [e["lot"] for e in sheet]
    assert len(set(lots)) == 3 and all(lots)
    # each preparation has its own record and BUD, and the labels name its lot
    assert [r["lot"] for r in report.records] == lots
    assert all(r.get("bud") for r in report.records)
    per_lot = _per_lot(tmp_path / "out")
    assert {lot: str(v) for lot, v in per_lot.items()} == {
        e["lot"]: e["volume_needed_ml"] for e in sheet
    }
    # the same file again: the same preparations and lots
    again = run_batch(orders, tmp_path / "again", example_config, db=db)
    assert [e["lot"] for e in again.worksheet] == lots
    # in chunks: the same split
    chunked = run_batch(orders, tmp_path / "chunked", example_config, db=tmp_path / "c.db",
                        chunk_size=40)  # fmt: skip
    assert [e["volume_needed_ml"] for e in chunked.worksheet] == [
        e["volume_needed_ml"] for e in sheet
    ]


def test_check_plans_the_same_split(tmp_path, example_config, orders):
    report = run_batch(orders, tmp_path / "out", example_config, check=True)
    assert all(Decimal(e["volume_needed_ml"]) <= LARGEST for e in report.worksheet)
    assert [e["part"] for e in report.worksheet] == [1, 2, 3]


def test_a_small_batch_is_one_preparation_without_a_part(tmp_path, example_config):
    orders = write_orders(tmp_path / "orders.csv", 20)
    report = run_batch(orders, tmp_path / "out", example_config, db=tmp_path / "l.db")
    assert len(report.worksheet) == 1 and "part" not in report.worksheet[0]
