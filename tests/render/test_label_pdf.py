"""Labels read back from the PDF: text, geometry, fonts, barcode, determinism."""

from __future__ import annotations

import re

import pytest
from conftest import decode_barcodes, pdf_pages

from compounder.api.dispensing import make_labels
from compounder.content.ismp import problems
from compounder.core.stocks import load_stock, mm_to_pt
from compounder.errors import InputError
from compounder.render.label_flow import place_labels
from compounder.render.textfit import DoesNotFitError, load_layout

ORDER = {
    "rx": "1234567",
    "patient": "Jane Doe",
    "prescriber": "Dr A. Smith",
    "dose": "1.5mg",
    "concentration": "1mg/mL",
    "quantity": "25mL",
    "fill_date": "2026-12-01",
}


def label(config, **changes):
    return make_labels(**{**ORDER, **changes}, config=config)


def page_text(data: bytes, page: int = 0) -> str:
    return pdf_pages(data)[page].extract_text()


def flat(text: str) -> str:
    return " ".join(text.split())


def test_every_required_element_is_printed(example_config):
    text = flat(page_text(label(example_config).pdf))
    for required in [
        "Jane Doe",
        "Naltrexone HCl 1 mg/mL oral suspension",
        "Compounded preparation",
        "Take 1.5 mL (1.5 mg) by mouth at bedtime",
        "Qty: 25 mL",
        "Rx: 1234567",
        "Ref: 20261201-1234567",  # no recorded lot: a reference, never "Lot:"
        "Filled: Dec 1, 2026",
        "Discard after: Dec 14, 2026",
        "Store in a refrigerator, 2 °C to 8 °C. Do not freeze.",
        "Prescriber: Dr A. Smith",
        "Measure with the 3 mL oral syringe (0.1 mL marks) supplied",
        "Shake well",
        "Refrigerate, do not freeze",
        "Protect from light",
        "Do not take with opioid pain medicines",
        "Riverside Compounding Pharmacy",
        "120 Harbor Street, Springfield, IL 62701",
        "(555) 010-0199",
    ]:
        assert required in text, required
    assert problems(text) == []  # ISMP-clean as read back


def test_usp17_order_of_prominence(example_config):
    page = pdf_pages(label(example_config).pdf)[0]
    lines = page.extract_text().splitlines()
    assert lines[0] == "Jane Doe"
    assert lines[1].startswith("Naltrexone HCl 1 mg/mL oral suspension")
    directions = lines.index("Take 1.5 mL (1.5 mg) by mouth at bedtime")
    assert directions < min(i for i, line in enumerate(lines) if line.startswith("Qty"))
    name_size = max(c["size"] for c in page.chars if c["top"] < 25)
    pharmacy_size = max(c["size"] for c in page.chars if c["top"] > page.height - 40)
    assert name_size > pharmacy_size
    assert any("Bold" in c["fontname"] for c in page.chars if c["top"] < 25)


def test_morning_and_note_strength(example_config):
    text = flat(page_text(label(example_config, dose_time="morning", strength_changed=True).pdf))
    assert "Take 1.5 mL (1.5 mg) by mouth in the morning" in text
    assert "NOTE STRENGTH: new concentration" in text


@pytest.mark.parametrize("stock_id", ["thermal-4x3", "roll-4x6"])
def test_roll_page_size_equals_stock(example_config, stock_id):
    data = label(example_config, stock=stock_id).pdf
    page = pdf_pages(data)[0]
    stock = load_stock(stock_id)
    assert abs(page.width / 72 - float(stock.width_mm) / 25.4) < 0.01
    assert abs(page.height / 72 - float(stock.height_mm) / 25.4) < 0.01


def _inside(obj, left, top, right, bottom):
    return (
        obj["x0"] >= left - 0.01
        and obj["x1"] <= right + 0.01
        and obj["top"] >= top - 0.01
        and obj["bottom"] <= bottom + 0.01
    )


@pytest.mark.parametrize("stock_id", ["thermal-4x3", "roll-4x6", "avery-5163", "a4-99x67"])
def test_every_character_and_bar_inside_the_label(example_config, stock_id):
    stock = load_stock(stock_id)
    run = make_labels(
        **{**ORDER, "dose": None, "quantity": None},
        titration=True,
        fill="all",
        start_date="2026-12-01",
        stock=stock_id,
        config=example_config,
    )
    pages = pdf_pages(run.pdf)
    labels = sum(len(place_labels(c, stock, load_layout())) for c in run.contents)
    assert labels == (14 if stock_id == "avery-5163" else 7)  # 5163: each fill on 2 labels
    assert len(pages) == -(-labels // stock.per_page)
    page_w, page_h = stock.page_size_pt
    for number, page in enumerate(pages):
        assert (page.width, page.height) == pytest.approx((page_w, page_h), abs=0.01)
        slots = []
        for slot in range(stock.per_page):
            left, bottom = (mm_to_pt(v) for v in stock.origin_mm(slot))
            top = page_h - bottom - mm_to_pt(stock.height_mm)
            slots.append((left, top, left + mm_to_pt(stock.width_mm), page_h - bottom))
        for obj in page.chars + page.rects:
            assert any(_inside(obj, *s) for s in slots), (number, obj.get("text"))


def test_barcode_decodes_to_the_rx_number_and_fill_date(example_config):
    data = label(example_config).pdf
    assert decode_barcodes(data) == ["1234567261201"]  # filled 2026-12-01
    assert page_text(data).splitlines()[-1].endswith(" 1234567 261201")


def test_barcodes_on_a_sheet(example_config):
    run = make_labels(
        **{**ORDER, "dose": None, "quantity": None, "rx": "RX-0042"},
        titration=True,
        fill="all",
        start_date="2026-12-01",
        stock="avery-5163",
        config=example_config,
    )
    # each fill's label continues on a second label, which carries the same barcode:
    # the Rx and that fill's date
    codes = [f"RX-0042{fill.fill_date:%y%m%d}" for fill in run.orders for _ in (1, 2)]
    assert len(set(codes)) == 7
    assert sorted(decode_barcodes(run.pdf)) == sorted(codes[:10])  # a full sheet
    assert sorted(decode_barcodes(run.pdf, page=1)) == sorted(codes[10:])


def test_accented_name_reads_back_intact(example_config):
    text = page_text(label(example_config, patient="Zoë Ñúñez-Øvergård").pdf)
    assert text.splitlines()[0] == "Zoë Ñúñez-Øvergård"


def test_decomposed_accents_are_composed(example_config):
    text = page_text(label(example_config, patient="Zoe\u0308 Nun\u0303ez").pdf)
    assert text.splitlines()[0] == "Zoë Nuñez"


def test_cyrillic_name_uses_the_bundled_fallback_font(example_config):
    page = pdf_pages(label(example_config, patient="Анна Иванова").pdf)[0]
    assert page.extract_text().splitlines()[0] == "Анна Иванова"
    name_fonts = {c["fontname"].split("+")[-1] for c in page.chars if c["text"] in "АИ"}
    assert name_fonts == {"DejaVuSans-Bold"}


@pytest.mark.parametrize("name", ["王小明", "שרה כהן"])
def test_scripts_the_fonts_cannot_draw_are_refused(example_config, tmp_path, name):
    target = tmp_path / "label.pdf"
    with pytest.raises(InputError) as caught:
        make_labels(**{**ORDER, "patient": name}, config=example_config, output=target)
    assert caught.value.field == "patient name"
    assert not target.exists()


def test_fonts_are_embedded(example_config):
    data = label(example_config).pdf
    import io

    from pypdf import PdfReader

    fonts = PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"]
    names = set()
    for ref in fonts.values():
        font = ref.get_object()
        names.add(str(font["/BaseFont"]).split("+")[-1])
        assert "/FontFile2" in font["/FontDescriptor"].get_object()  # the TrueType program
    assert names == {"AtkinsonHyperlegible-Regular", "AtkinsonHyperlegible-Bold"}


def test_long_name_fits_at_no_less_than_the_minimum(example_config):
    name = "Maximiliana Alexandrina Bartholomew-Featherstonehaugh de la Cruz Wolfeschlegel"
    page = pdf_pages(label(example_config, patient=name).pdf)[0]
    name_chars = [c for c in page.chars if c["top"] < 40 and "Bold" in c["fontname"]]
    assert min(c["size"] for c in name_chars) >= 10  # usp17's patient minimum
    assert " ".join(page.extract_text().splitlines()[:2]).startswith("Maximiliana")


def test_name_too_long_for_the_stock_is_refused_by_field(example_config):
    name = "Jane Maximiliana-Alexandrina-Bartholomew-Featherstonehaugh-Wolfe"
    with pytest.raises(DoesNotFitError) as caught:
        label(example_config, patient=name, stock="avery-5163")
    assert caught.value.field == "patient name"
    assert re.search(r"refused: the patient name text does not fit on the label", str(caught.value))


def test_long_directions_continue_on_a_second_small_label(example_config, tmp_path):
    target = tmp_path / "labels.pdf"
    run = make_labels(
        **{**ORDER, "dose": None, "quantity": None},
        titration=True,
        fill="all",
        start_date="2026-12-01",
        vehicle="fawcett-preserved",
        stock="avery-5163",
        config=example_config,
        output=target,
    )
    text = flat(page_text(target.read_bytes()))
    parts = len(place_labels(run.contents[0], load_stock("avery-5163"), load_layout()))
    assert parts > 1
    assert all(f"Label {n} of {parts}" in text for n in range(1, parts + 1))
    assert "Dec 29, 2026 to Jan 4, 2027: 2.5 mL" in text  # (the sheet's columns interleave)
    assert len(decode_barcodes(run.pdf)) == min(10, parts * len(run.contents))


def test_long_directions_fit_on_a_larger_label(example_config):
    run = make_labels(
        **{**ORDER, "dose": None, "quantity": None},
        titration=True,
        fill="all",
        start_date="2026-12-01",
        vehicle="fawcett-preserved",
        stock="thermal-4x3",
        config=example_config,
    )
    text = page_text(run.pdf)
    text = flat(text)
    assert "Take by mouth at bedtime:" in text
    assert "Dec 1 to Dec 14, 2026: 1.5 mL (1.5 mg)" in text
    assert "Dec 15 to Dec 28, 2026: 2 mL (2 mg)" in text
    assert "Dec 29, 2026 to Jan 4, 2027: 2.5 mL (2.5 mg)" in text
    sizes = [c["size"] for c in pdf_pages(run.pdf)[0].chars if "Bold" in c["fontname"]]
    assert min(sizes) >= 8 - 0.01  # (pdfplumber reads 8 pt back as 7.99999...)


def test_same_label_twice_is_byte_identical(example_config, tmp_path):
    first = label(example_config, output=tmp_path / "a.pdf").pdf
    second = label(example_config, output=tmp_path / "b.pdf").pdf
    assert first == second
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_no_patient_data_in_pdf_metadata(example_config):
    import io

    from pypdf import PdfReader

    info = PdfReader(io.BytesIO(label(example_config).pdf)).metadata
    assert "Jane" not in " ".join(str(v) for v in info.values())


class _Document:  # what a font keys its per-document codes on
    pass


def test_remembered_subset_codes_match_reportlab():
    # the fonts remember how a text maps to a document's subset codes: the mapping must
    # be the one reportlab's own font gives for the same texts in the same order
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from compounder.core.datafiles import data_dir
    from compounder.render.fonts import REGULAR, register_fonts

    register_fonts()
    ours = pdfmetrics.getFont(REGULAR)
    plain = TTFont("plain-atkinson", str(data_dir("fonts") / "AtkinsonHyperlegible-Regular.ttf"))
    texts = ["Zoë Ñúñez", "Take 3 mL (3 mg)", "Zoë Ñúñez", "2 °C to 8 °C • ¿?", "Take 3 mL (3 mg)"]
    for order in (texts, texts[::-1]):  # two documents, each with its own codes
        doc_ours, doc_plain = _Document(), _Document()
        assert [ours.splitString(t, doc_ours) for t in order] == [
            plain.splitString(t, doc_plain) for t in order
        ]


def test_barcode_bars_match_reportlab_drawing():
    # the bars drawn as one path are reportlab's own Code 128 bars, at the same places
    from reportlab.graphics.barcode.code128 import Code128

    from compounder.render.label_geometry import encode_barcode

    for value in ["5000003", "RX-12a", "1"]:
        bars = encode_barcode(value, 0.72, 18.0)
        symbol = Code128(value, barWidth=0.72, barHeight=18.0, humanReadable=False, quiet=True)
        drawn = []
        symbol.rect = lambda x, y, w, h, drawn=drawn: drawn.append((x, w))
        symbol.canv = None
        symbol.draw()
        ours = [tuple(map(float, r.split()[:3:2])) for r in bars.rectangles]
        assert len(ours) == len(drawn)
        for (x, w), (rx, rw) in zip(ours, drawn, strict=True):
            assert bars.quiet + x * 0.72 == pytest.approx(rx)
            assert w * 0.72 == pytest.approx(rw)
        assert bars.width == pytest.approx(symbol.width)
