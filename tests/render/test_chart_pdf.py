"""The dosing chart read back from the PDF: text, the drawn fill lines, the check line,
and a comparison with the reviewed reference images."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import pdf_pages
from reference_images import default_chart_pdf, reference_path, render_pages

from compounder.api.dispensing import make_chart
from compounder.content.ismp import problems
from compounder.core.syringes import load_catalogue

MM_PER_PT = 25.4 / 72
RED = (0.85, 0.0, 0.0)


@pytest.fixture(scope="module")
def default_pdf() -> bytes:
    return default_chart_pdf()


def flat(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in pdf_pages(data)).split())


STEPS = [  # dates, mg, mL of the default chart (ldn-standard at 1 mg/mL from 2026-12-01)
    ("Dec 1 to Dec 14, 2026", "1.5 mg", "1.5 mL"),
    ("Dec 15 to Dec 28, 2026", "2 mg", "2 mL"),
    ("Dec 29, 2026 to Jan 11, 2027", "2.5 mg", "2.5 mL"),
    ("Jan 12 to Jan 25, 2027", "3 mg", "3 mL"),
    ("Jan 26 to Feb 8, 2027", "3.5 mg", "3.5 mL"),
    ("Feb 9 to Feb 22, 2027", "4 mg", "4 mL"),
    ("Feb 23 to Mar 8, 2027", "4.5 mg", "4.5 mL"),
]


def test_every_step_dates_mg_and_ml_appear(default_pdf):
    text = flat(default_pdf)
    for number, (dates, mg, ml) in enumerate(STEPS, start=1):
        assert f"Step {number}: {dates}" in text
        assert f"Take {ml} ({mg}) once a day at bedtime" in text
        assert f"Fill to {ml}" in text
    assert "For: Jane Doe" in text
    assert "Naltrexone HCl 1 mg/mL oral suspension" in text
    assert "(555) 010-0199" in text
    assert "go back to the dose of the previous step and tell your pharmacist or prescriber" in text
    assert "Do not take naltrexone with opioid pain medicines" in text
    assert "Shake the bottle well before each dose." in text
    assert "Store in a refrigerator, 2 °C to 8 °C." in text
    assert problems(text) == []


def test_new_syringe_is_flagged(default_pdf):
    text = flat(default_pdf)
    assert "Use the 3 mL oral syringe (0.1 mL marks)" in text
    assert "New syringe from this date: the 5 mL oral syringe (0.1 mL marks)" in text
    assert "New syringe from this date: the 10 mL oral syringe (0.5 mL marks)" in text
    assert text.count("New syringe from this date") == 2


def test_a_tick_box_for_every_day(default_pdf):
    boxes = [
        r
        for page in pdf_pages(default_pdf)
        for r in page.rects
        if r["stroke"]
        and abs(r["width"] - r["height"]) < 0.01
        and abs(r["width"] / 72 * 25.4 - 8) < 0.01
    ]
    assert len(boxes) == 98
    text = flat(default_pdf)
    for day in ["Dec 1", "Dec 31", "Jan 1", "Mar 8"]:
        assert day in text


def fill_lines(data: bytes) -> list[float]:
    """For each drawn syringe, in order: fill line to zero mark, in mm."""
    found = []
    for page in pdf_pages(data):
        reds = sorted(
            (
                r
                for r in page.rects
                if tuple(round(c, 2) for c in (r["non_stroking_color"] or ())) == RED
            ),
            key=lambda r: r["top"],
        )
        for red in reds:
            ticks = [
                ln
                for ln in page.lines
                if ln["x0"] == ln["x1"]
                and ln["top"] >= red["top"] - 0.01
                and ln["bottom"] <= red["bottom"] + 0.01
            ]
            zero = min(ln["x0"] for ln in ticks)
            centre = (red["x0"] + red["x1"]) / 2
            found.append((centre - zero) * MM_PER_PT)
    return found


def test_fill_line_sits_at_the_right_distance_from_zero(default_pdf):
    catalogue = load_catalogue()
    expected_syringes = [
        "oral-3ml",
        "oral-3ml",
        "oral-5ml-0.1",
        "oral-5ml-0.1",
        "oral-5ml-0.1",
        "oral-5ml-0.1",
        "oral-10ml-0.5",
    ]
    volumes = ["1.5", "2", "2.5", "3", "3.5", "4", "4.5"]
    measured = fill_lines(default_pdf)
    assert len(measured) == 7
    for distance, syringe_id, volume in zip(measured, expected_syringes, volumes, strict=True):
        syringe = catalogue.by_id(syringe_id)
        expected = float(syringe.scale_length_mm * Decimal(volume) / syringe.capacity_ml)
        assert abs(distance - expected) <= 0.2, (volume, distance, expected)


def test_the_check_line_is_5_cm(default_pdf):
    page = pdf_pages(default_pdf)[0]
    thick = [ln for ln in page.lines if ln["linewidth"] == 1.2 and ln["top"] == ln["bottom"]]
    assert len(thick) == 1
    assert abs((thick[0]["x1"] - thick[0]["x0"]) * MM_PER_PT - 50) < 0.01
    assert "this line is 5 cm long" in page.extract_text()


def test_week_numbers_without_a_start_date_on_a4(example_config):
    data = make_chart(protocol="ldn-slow-start", paper="a4", config=example_config).pdf
    page = pdf_pages(data)[0]
    assert (round(page.width / 72 * 25.4), round(page.height / 72 * 25.4)) == (210, 297)
    text = flat(data)
    assert "Step 1: weeks 1 to 2" in text
    assert "Step 9: weeks 17 to 18" in text
    assert "day 126" in text
    assert "Take 0.5 mL (0.5 mg) once a day at bedtime" in text


def test_spanish_chart(example_config):
    text = flat(make_chart(start_date="2026-12-01", language="es", config=example_config).pdf)
    assert "Su calendario de dosis de naltrexona en dosis bajas (LDN)" in text
    assert "Paso 1: del 1 dic al 14 dic 2026" in text
    assert "Tome 1.5 mL (1.5 mg) una vez al día al acostarse" in text
    assert "Llenar hasta 1.5 mL" in text
    assert "Imprima al 100% (tamaño real)" in text


def test_morning_dosing(example_config):
    text = flat(make_chart(start_date="2026-12-01", dose_time="morning", config=example_config).pdf)
    assert "Take 1.5 mL (1.5 mg) once a day in the morning" in text


def test_chart_is_deterministic(default_pdf):
    assert default_chart_pdf() == default_pdf


def test_pages_match_the_reviewed_reference_images(default_pdf):
    from PIL import Image, ImageChops

    pages = render_pages(default_pdf)
    assert len(pages) == 4
    for index, image in enumerate(pages):
        reference = Image.open(reference_path(index)).convert("L")
        assert image.size == reference.size
        difference = ImageChops.difference(image, reference)
        histogram = difference.histogram()
        changed = sum(histogram[64:])  # pixels that differ by more than a quarter
        assert changed / (image.size[0] * image.size[1]) < 0.002, f"page {index + 1}"
