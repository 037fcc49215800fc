"""Label snapshots: the lines, the stock and the layout as stored in the log come back as
equal objects, and draw the same PDF byte for byte."""

from __future__ import annotations

import json

import pytest
from conftest import EXAMPLE_CONFIG

from compounder.api.dispensing import make_labels
from compounder.core.datafiles import shipped_ids
from compounder.core.stocks import load_stock
from compounder.log.chain import snapshot_json
from compounder.log.snapshots import (
    contents_from,
    contents_snapshot,
    label_snapshot,
    layout_from,
    pdf_hash,
    stock_from,
)
from compounder.log.store import Store
from compounder.render.label_pdf import render_labels
from compounder.render.textfit import load_layout


@pytest.fixture(scope="module")
def run():
    # a whole titration: seven labels, one per fill (each with several lines)
    return make_labels(
        "1234567",
        "Jane Doe",
        "Dr A. Smith",
        titration=True,
        fill="all",
        start_date="2026-12-01",
        concentration="1 mg/mL",
        config=EXAMPLE_CONFIG,
        log=False,
    )


def through_json(snapshot: dict) -> dict:
    """The snapshot as the log keeps it and gives it back."""
    text, _ = snapshot_json(snapshot)
    return json.loads(text)


def test_contents_come_back_equal_private_flag_included(run):
    snapshot = through_json(label_snapshot(run.contents, load_stock("thermal-4x3"), load_layout()))
    back = contents_from(snapshot)
    assert back == run.contents
    assert len(back) == 7  # ldn-standard at 1 mg/mL: seven 14-day fills
    patient = [b for b in back[0].blocks if b.field == "patient name"]
    assert [(b.text, b.private) for b in patient] == [("Jane Doe", True)]


@pytest.mark.parametrize("stock_id", shipped_ids("stocks"))
def test_every_shipped_stock_comes_back_equal(stock_id):
    stock = load_stock(stock_id)
    snapshot = through_json(label_snapshot([], stock, load_layout()))
    assert stock_from(snapshot) == stock
    # lengths are kept as exact decimal text, never as floats
    assert all(isinstance(v, str) for k, v in snapshot["stock"].items() if k.endswith("_mm"))


@pytest.mark.parametrize("layout_name", ["label_layout.toml", "chart_layout.toml"])
def test_layouts_come_back_equal(layout_name):
    layout = load_layout(layout_name)
    snapshot = through_json(label_snapshot([], load_stock("roll-4x6"), layout))
    assert layout_from(snapshot) == layout


def test_contents_snapshot_is_plain_data(run):
    data = contents_snapshot(run.contents[:1])
    assert data[0]["rx"] == "1234567"
    assert json.loads(json.dumps(data)) == data
    assert {"role", "field", "text", "private"} == set(data[0]["blocks"][0])


def test_a_stored_snapshot_draws_the_same_pdf(run, log_db):
    stock = load_stock("thermal-4x3")
    original = render_labels(run.contents, stock)
    with Store(log_db) as store:
        digest = store.put_snapshot(label_snapshot(run.contents, stock, load_layout()))
        again = store.put_snapshot(label_snapshot(run.contents, stock, load_layout()))
        stored = store.snapshot(digest)
    assert again == digest  # stored once by content
    redrawn = render_labels(contents_from(stored), stock_from(stored), layout=layout_from(stored))
    assert redrawn == original
    assert pdf_hash(redrawn) == pdf_hash(original)


def test_pdf_hash_is_the_sha256_of_the_bytes():
    # the SHA-256 test vectors of FIPS 180-2
    assert pdf_hash(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert pdf_hash(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
