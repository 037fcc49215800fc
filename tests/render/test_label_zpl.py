"""ZPL labels: the format's commands, the text against the PDF's, rendered offline by
zplkit and compared with the PDF pixel by pixel, the barcode decoded with zxing-cpp."""

from __future__ import annotations

import re

import pytest
from conftest import pdf_pages
from label_images import barcodes, dark, pdf_image, share_near, zpl_images

from compounder.api.dispensing import make_labels
from compounder.core.stocks import load_stock
from compounder.render import code128
from compounder.render.label_pdf import render_labels
from compounder.render.label_zpl import compress_row, render_labels_zpl

ORDER = {
    "rx": "1234567",
    "patient": "Jane Doe",
    "prescriber": "Dr A. Smith",
    "dose": "1.5mg",
    "concentration": "1mg/mL",
    "quantity": "21mL",
    "fill_date": "2026-12-01",
}


def contents(config, **changes):
    return make_labels(**{**ORDER, **changes}, config=config, log=False).contents


def comments(zpl: str) -> list[str]:
    return [line.removeprefix("^FX ") for line in zpl.splitlines() if line.startswith("^FX ")]


@pytest.mark.parametrize(
    ("dpi", "width", "length", "module"), [(203, 812, 609, 2), (300, 1200, 900, 3)]
)
def test_format_sized_by_the_stock_at_the_printers_resolution(
    example_config, dpi, width, length, module
):
    zpl = render_labels_zpl(contents(example_config), load_stock("thermal-4x3"), dpi).decode()
    assert zpl.startswith("^XA\n^CI28\n")
    assert zpl.endswith("^XZ\n")
    assert f"^PW{width}\n" in zpl and f"^LL{length}\n" in zpl  # 4 x 3 in
    barcode = re.search(r"\^BY(\d+)\^BCN,(\d+),N,N,N\^FD([^^]*)\^FS", zpl)
    assert barcode is not None
    assert int(barcode[1]) == module  # 0.01 in bars in whole dots
    assert int(barcode[2]) == round(0.25 * dpi)  # 0.25 in tall
    # the fill's code, Rx 1234567 filled 2026-12-01: 12 34 56 72 61 20 in C, 1 in B
    assert barcode[3] == ">;123456726120>61" == code128.zpl_data("1234567261201")


def test_one_format_per_label_in_one_file(example_config):
    labels = make_labels(
        **{**ORDER, "dose": None, "quantity": None},
        titration=True,
        start_date="2026-12-01",
        fill="all",
        config=example_config,
        log=False,
    ).contents
    zpl = render_labels_zpl(labels, load_stock("thermal-4x3"), 203).decode()
    assert len(labels) > 1
    assert zpl.count("^XA") == zpl.count("^XZ") == len(labels)
    assert len(zpl_images(zpl.encode(), 203)) == len(labels)


@pytest.mark.parametrize("dpi", [203, 300])
def test_says_what_the_pdf_says_in_the_same_order(example_config, dpi):
    labels = contents(example_config)
    stock = load_stock("thermal-4x3")
    zpl = render_labels_zpl(labels, stock, dpi).decode()
    pdf_lines = pdf_pages(render_labels(labels, stock))[0].extract_text().splitlines()
    # pdfplumber reads the Rx and fill date under the barcode on the last pharmacy line's row
    assert pdf_lines[-1] == "(555) 010-0199 1234567 261201"
    assert comments(zpl) == [
        *pdf_lines[:-1],
        "(555) 010-0199",
        "Rx 1234567, barcode 1234567261201",
    ]


@pytest.mark.parametrize("dpi", [203, 300])
def test_printed_zpl_matches_the_pdf_and_its_barcode_scans(example_config, dpi):
    labels = contents(example_config)
    stock = load_stock("thermal-4x3")
    (printed,) = zpl_images(render_labels_zpl(labels, stock, dpi), dpi)
    assert printed.size == (round(4 * dpi), round(3 * dpi))
    assert barcodes(printed) == ["1234567261201"]  # the Rx and the fill date
    zpl_dark = dark(printed)
    pdf_dark = pdf_image(render_labels(labels, stock), dpi).crop((0, 0, *printed.size))
    assert share_near(zpl_dark, pdf_dark) > 0.98
    assert share_near(pdf_dark, zpl_dark) > 0.98


def test_a_label_without_a_line_would_not_match(example_config):
    """The comparison can fail: the same label with the patient's name left out."""
    labels = contents(example_config)
    stock = load_stock("thermal-4x3")
    zpl = render_labels_zpl(labels, stock, 203).decode()
    name_field = zpl.index("^FX Jane Doe")
    cut = zpl[:name_field] + zpl[zpl.index("^FX", name_field + 3) :]
    (printed,) = zpl_images(cut.encode(), 203)
    pdf_dark = pdf_image(render_labels(labels, stock), 203).crop((0, 0, *printed.size))
    assert share_near(pdf_dark, dark(printed)) < 0.98


def test_text_in_the_fallback_font_prints_too(example_config):
    labels = contents(example_config, patient="Анна Иванова")
    stock = load_stock("thermal-4x3")
    zpl = render_labels_zpl(labels, stock, 300)
    assert "^FX Анна Иванова" in zpl.decode("utf-8")
    (printed,) = zpl_images(zpl, 300)
    pdf_dark = pdf_image(render_labels(labels, stock), 300).crop((0, 0, *printed.size))
    assert share_near(dark(printed), pdf_dark) > 0.98
    assert share_near(pdf_dark, dark(printed)) > 0.98


def test_rx_with_letters_and_dashes_scans(example_config):
    labels = contents(example_config, rx="AB-1234")
    (printed,) = zpl_images(render_labels_zpl(labels, load_stock("thermal-4x3"), 203), 203)
    assert barcodes(printed) == ["AB-1234261201"]


def test_row_compression():
    assert compress_row("0000") == ","
    assert compress_row("FFFF") == "JF"
    assert compress_row("F0F000") == "F0F,"
    assert compress_row("A" * 21 + "0") == "gGA,"  # 20 + 1 repeats
    assert compress_row("1" * 445) == "zhK1"  # 400 + 40 + 5
