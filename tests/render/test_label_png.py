"""PNG previews: the stock's size at the chosen resolution, the same picture as the PDF
(pixel by pixel within one dot), a barcode that scans, one image per label."""

from __future__ import annotations

import pytest
from label_images import barcodes, dark, pdf_image, png_image, share_near

from compounder.api.dispensing import make_labels
from compounder.core.stocks import load_stock
from compounder.render.label_pdf import render_labels
from compounder.render.label_png import png_targets, render_labels_png

ORDER = {
    "rx": "1234567",
    "patient": "Jane Doe",
    "prescriber": "Dr A. Smith",
    "dose": "1.5mg",
    "concentration": "1mg/mL",
    "quantity": "21mL",
    "fill_date": "2026-12-01",
}


@pytest.mark.parametrize(("stock_id", "dpi"), [("thermal-4x3", 203), ("avery-5163", 300)])
def test_preview_is_the_pdf_at_the_stocks_size(example_config, stock_id, dpi):
    stock = load_stock(stock_id)
    labels = make_labels(**ORDER, stock=stock_id, config=example_config, log=False).contents
    data = render_labels_png(labels, stock, dpi)[0]  # 5163: the first of its 2 labels
    image = png_image(data)
    width_in, height_in = float(stock.width_mm) / 25.4, float(stock.height_mm) / 25.4
    assert image.size == (round(width_in * dpi), round(height_in * dpi))
    assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.01)  # stored per metre
    assert barcodes(image) == ["1234567261201"]  # the Rx and the fill date
    preview = dark(image)
    if stock.kind == "roll":
        pdf = pdf_image(render_labels(labels, stock), dpi).crop((0, 0, *image.size))
    else:  # the first label of the sheet, cut out of the page
        page = pdf_image(render_labels(labels, stock), dpi)
        left = round(float(stock.x0_mm) / 25.4 * dpi)
        top = round(float(stock.y0_mm) / 25.4 * dpi)
        pdf = page.crop((left, top, left + image.size[0], top + image.size[1]))
    assert share_near(preview, pdf) > 0.98
    assert share_near(pdf, preview) > 0.98


def test_one_image_per_label_written_beside_each_other(example_config, tmp_path):
    run = make_labels(
        **{**ORDER, "dose": None, "quantity": None},
        titration=True,
        start_date="2026-12-01",
        fill="all",
        config=example_config,
        log=False,
    )
    target = tmp_path / "label.png"
    images = render_labels_png(run.contents, load_stock("thermal-4x3"), 203, target)
    paths = png_targets(target, len(images))
    assert [p.name for p in paths[:2]] == ["label-1.png", "label-2.png"]
    assert [p.read_bytes() for p in paths] == images
    assert not target.exists()


def test_unknown_resolution_is_refused(example_config):
    labels = make_labels(**ORDER, config=example_config, log=False).contents
    with pytest.raises(ValueError, match="dpi"):
        render_labels_png(labels, load_stock("thermal-4x3"), 600)
