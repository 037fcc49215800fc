"""A label's barcode identifies its fill: the Rx then the fill date YYMMDD, decoded with
zxing-cpp from the PNG preview and from the ZPL as zplkit prints it, for one dose, a
titration's second fill and a continuation label; the text under the bars reads the
same, with a space before the date; a barcode too wide for the label is refused, saying
which Rx lengths fit."""

from __future__ import annotations

import pytest
from conftest import pdf_pages
from label_images import barcodes, png_image, zpl_images

from compounder.api.dispensing import make_labels
from compounder.core.stocks import load_stock
from compounder.render.label_pdf import render_labels
from compounder.render.label_png import render_labels_png
from compounder.render.label_zpl import render_labels_zpl
from compounder.render.textfit import DoesNotFitError

ORDER = {
    "rx": "1234567",
    "patient": "Jane Doe",
    "prescriber": "Dr A. Smith",
    "concentration": "1mg/mL",
}
ONE_DOSE = {"dose": "1.5mg", "quantity": "21mL", "fill_date": "2026-12-03"}


def labels(config, **order):
    return make_labels(**{**ORDER, **order}, config=config, log=False).contents


def png_codes(contents, stock_id="thermal-4x3", dpi=300) -> list[list[str]]:
    """Each label's barcode, decoded from its PNG preview."""
    images = render_labels_png(contents, load_stock(stock_id), dpi)
    return [barcodes(png_image(image)) for image in images]


def test_a_one_dose_labels_barcode_holds_the_rx_and_its_fill_date(example_config):
    contents = labels(example_config, **ONE_DOSE)
    assert contents[0].code == "1234567261203"
    assert png_codes(contents) == [["1234567261203"]]
    # the text under the bars: the Rx, a space, the fill date (the PDF's last line)
    pdf = render_labels(contents, load_stock("thermal-4x3"))
    assert pdf_pages(pdf)[0].extract_text().splitlines()[-1].endswith("1234567 261203")


def test_another_fill_date_is_another_code(example_config):
    """The same prescription filled on another day scans differently: the code can tell
    one fill from another."""
    earlier = labels(example_config, **{**ONE_DOSE, "fill_date": "2026-11-30"})
    assert png_codes(earlier) == [["1234567261130"]]


def test_a_titrations_second_fill_holds_its_own_date(example_config):
    contents = labels(
        example_config, titration=True, start_date="2026-11-01", fill="2"
    )  # fill 2 of ldn-standard in water: 14 days after the start
    assert png_codes(contents) == [["1234567261115"]]


def test_a_continuation_label_holds_the_same_code_as_the_first(example_config):
    """A titration's first fill on Avery 5163 (4 x 2 in) goes over two labels: both
    carry the fill's barcode."""
    contents = labels(example_config, titration=True, start_date="2026-11-01", stock="avery-5163")
    images = render_labels_png(contents, load_stock("avery-5163"), 300)
    assert len(images) == 2  # Label 1 of 2, Label 2 of 2
    assert [barcodes(png_image(image)) for image in images] == [["1234567261101"]] * 2


@pytest.mark.parametrize("dpi", [203, 300])
def test_the_zpl_printed_scans_as_the_fill(example_config, dpi):
    contents = labels(example_config, **ONE_DOSE)
    zpl = render_labels_zpl(contents, load_stock("thermal-4x3"), dpi)
    (printed,) = zpl_images(zpl, dpi)
    assert barcodes(printed) == ["1234567261203"]
    assert b"^FX Rx 1234567, barcode 1234567261203\n" in zpl


def test_letters_and_dashes_in_the_rx_scan_too(example_config):
    contents = labels(example_config, **ONE_DOSE, rx="RX-0042")
    assert png_codes(contents) == [["RX-0042261203"]]


def test_an_rx_too_long_for_its_barcode_is_refused_saying_what_fits(example_config):
    """With the fill date the barcode of a long Rx of letters is wider than its share of
    a 4 in label (60%: the pharmacy's lines stand beside it): refused, naming how long
    an all-digit Rx may be (its code packs two digits a bar pattern)."""
    with pytest.raises(DoesNotFitError) as refused:
        labels(example_config, **ONE_DOSE, rx="ABCDEFGHIJ")
    message = str(refused.value)
    assert "its barcode, Rx ABCDEFGHIJ and the fill date, is wider than the label's" in message
    assert "on thermal-4x3 an Rx of at most 18 digits fits" in message
    assert refused.value.exit_code == 3
    for rx in ("RX1234567", "RX-12345678", "12345678901"):  # as pharmacy systems number them
        assert png_codes(labels(example_config, **ONE_DOSE, rx=rx)) == [[f"{rx}261203"]]


def test_a_batch_row_whose_barcode_is_too_wide_names_its_rx_column(cli, tmp_path, example_config):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity\n"
        "ABCDEFGHIJ,Ann Lee,Dr Q. Adams,2026-12-03,1 mg/mL,1.5 mg,21 mL\n",
        encoding="utf-8",
    )
    result = cli("batch", str(orders), "--check", "--config", str(example_config))
    assert result.exit_code == 2
    assert "line 2, column rx_number: refused: the Rx number text does not fit" in result.stderr
    assert "an Rx of at most 18 digits fits" in result.stderr
