"""The compounding record's barcodes, rendered with pdfium and decoded with zxing-cpp:
a recorded preparation's first page carries its lot's Code 128; a batch's record also
the batch's (BATCH-<lot>), captioned with the orders it stands for; later pages carry
none; and the barcodes never sit on the record's text."""

from __future__ import annotations

from conftest import decode_barcodes, pdf_pages
from test_record_pdf import LOT, record

from compounder.content.records import record_codes
from compounder.render.record_pdf import render_record


def batch_record(orders: int) -> dict:
    """A record as a batch's records.pdf holds it: the orders it dispensed listed."""
    dispensed = [
        {"rx_number": f"100010{n}", "fill_date": "2026-12-01", "kind": "dose",
         "dose_mg": "1.5", "quantity_ml": "21"}
        for n in range(orders)
    ]  # fmt: skip
    return {**record(), "dispensed": dispensed}


def test_a_records_first_page_carries_its_lots_barcode():
    pdf = render_record(record())
    assert decode_barcodes(pdf) == [LOT]
    assert decode_barcodes(pdf, page=1) == []  # the first page only
    words = " ".join(pdf_pages(pdf)[0].extract_text().split())
    assert "Preparation lot" in words and "BATCH-" not in words


def test_a_batchs_record_carries_the_batchs_barcode_too():
    pdf = render_record(batch_record(3))
    assert sorted(decode_barcodes(pdf)) == sorted([LOT, f"BATCH-{LOT}"])
    words = " ".join(pdf_pages(pdf)[0].extract_text().split())
    assert "Batch: 3 orders from this lot, verified with one scan" in words
    assert f"BATCH-{LOT}" in words  # printed under its bars
    assert [c.caption for c in record_codes(batch_record(1))][1] == (
        "Batch: 1 order from this lot, verified with one scan"
    )


def test_the_barcodes_stand_clear_of_the_text():
    """The record's heading is set beside the column of barcodes: every word of it
    ends left of the bars, and the next section starts below them."""
    page = pdf_pages(render_record(batch_record(2)))[0]
    bars = page.rects
    assert len(bars) > 40  # two symbols' bars
    left = min(r["x0"] for r in bars)
    foot = max(r["bottom"] for r in bars)
    column = {f"BATCH-{LOT}", LOT, "Preparation", "lot", "Batch:", "2", "orders", "from"}
    column |= {"this", "lot,", "verified", "with", "one", "scan"}
    words = page.extract_words()
    beside = [w for w in words if w["top"] < foot and w["text"] not in column]
    assert len(beside) > 10 and all(w["x1"] < left for w in beside)  # the heading
    for text in ("Preparation", f"BATCH-{LOT}"):  # the column's own text: over the bars
        assert next(w for w in words if w["text"] == text)["x0"] > left - 20
    # the next section's heading ("Master formulation", 13 pt) starts under the bars
    (heading,) = [
        w for w in page.extract_words(extra_attrs=["size"])
        if w["text"] == "Master" and w["size"] > 12
    ]  # fmt: skip
    assert heading["top"] > foot
