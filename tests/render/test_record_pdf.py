"""The compounding record PDF read back: its text (every USP <795> field), a "Lot ... •
MFR ..." and "Page n of N" footer on every page, letter and A4, sections kept together
and no lone line on a page, and the reviewed reference images."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from conftest import EXAMPLE_CONFIG, pdf_pages

from compounder.api.recording import record_preparation
from compounder.content.records import compounding_record
from compounder.core.bud import load_bud_rules
from compounder.core.lots import IngredientExpiry
from compounder.core.preparation import prepare
from compounder.core.sources import load_sources
from compounder.render.record_pdf import MARGIN_MM, render_record

LOT = "20261201-001"
PT_PER_MM = 72 / 25.4


def record(lots: int = 2) -> dict:
    from compounder.core.vehicles import find_vehicle

    sources = load_sources()
    ingredients = tuple(
        IngredientExpiry(
            "naltrexone 50mg tab" if n == 0 else f"purified water {n}",
            f"W{n:03d}",
            date(2027, 6, 30),
        )
        for n in range(lots)
    )
    prep = prepare(
        Decimal(1),
        Decimal(30),
        sources.find("tablets"),
        find_vehicle("water"),
        sources,
        load_bud_rules(),
        date(2026, 12, 1),
        lots=ingredients,
    )
    return compounding_record(
        prep, LOT, "1234567", "JD", "MK", ingredients, datetime(2026, 12, 1, 9, 30)
    )


def flat(page) -> str:
    return " ".join(page.extract_text().split())


@pytest.fixture(scope="module")
def one_page() -> bytes:
    return render_record(record())


@pytest.fixture(scope="module")
def long_record() -> dict:
    return record(lots=60)  # sixty ingredient lines: more than one page


def test_the_record_reads_back(one_page):
    pages = pdf_pages(one_page)
    assert len(pages) == 2  # the master formulation, then the rest
    text = " ".join(flat(page) for page in pages)
    for part in [
        "Compounding record",
        f"Naltrexone HCl 1 mg/mL oral suspension - lot {LOT}",
        "Rx: 1234567 • Lot: 20261201-001 • Date: 2026-12-01 • Time: 09:30",
        "Calculation: 1 mg/mL x 30 mL = 30 mg; 1 tablet(s) of 50 mg = 50 mg, made up to 50 mL",
        "1. Count 1 x 50 mg tablet and place in a clean mortar.",
        "Naltrexone hydrochloride 50 mg tablets • required 1 x 50 mg tablet",
        "Lot W000 • Expiry 2027-06-30",
        "Purified water USP • required to 50 mL",
        "Lot W001 • Expiry 2027-06-30",
        "Total quantity made: 50 mL (requested 30 mL)",
        "BUD: 2026-12-14 - set by USP <795> (2023)",
        "Prepared by: JD • Checked by: MK",
        "Deviations",
        f"Lot {LOT} • MFR LDN-T50-W-1 version 1",
        "Page 1 of 2",
        "Page 2 of 2",
    ]:
        assert part in text, part


def test_the_pdf_is_titled_and_repeatable(one_page):
    from pypdf import PdfReader

    assert PdfReader(io.BytesIO(one_page)).metadata.title == f"Compounding record {LOT}"
    assert render_record(record()) == one_page  # the same record, the same bytes


def footer(page) -> tuple[str, str]:
    """The footer's two texts: left (the lot) and right (the page count), found below
    the text area, on the bottom margin line."""
    bottom = page.height - MARGIN_MM * PT_PER_MM
    words = [w for w in page.extract_words() if w["top"] > bottom - 12]
    left = " ".join(w["text"] for w in words if w["x0"] < page.width / 2)
    right = " ".join(w["text"] for w in words if w["x0"] >= page.width / 2)
    return left, right


@pytest.mark.parametrize(
    ("paper", "size"),
    [
        ("letter", (612, 792)),  # 8.5 x 11 in at 72 pt/in
        ("a4", (595.28, 841.89)),  # 210 x 297 mm
    ],
)
def test_every_page_carries_its_lot_and_number(long_record, paper, size):
    pages = pdf_pages(render_record(long_record, paper))
    total = len(pages)
    assert total >= 2
    for number, page in enumerate(pages, start=1):
        assert (round(float(page.width), 2), round(float(page.height), 2)) == size
        assert footer(page) == (
            f"Lot {LOT} • MFR LDN-T50-W-1 version 1",
            f"Page {number} of {total}",
        )
    text = " ".join(flat(p) for p in pages)
    for n in range(60):  # no ingredient line lost between pages
        assert f"Lot W{n:03d} • Expiry 2027-06-30" in text
    assert text.index("Compounding record") < text.index("Deviations")


def test_a4_is_taller_and_narrower_than_letter(long_record):
    letter = pdf_pages(render_record(long_record, "letter"))
    a4 = pdf_pages(render_record(long_record, "a4"))
    assert a4[0].height > letter[0].height and a4[0].width < letter[0].width
    # the same words, laid out for each page
    assert " ".join(flat(p) for p in letter).count("Expiry 2027-06-30") == 60
    assert " ".join(flat(p) for p in a4).count("Expiry 2027-06-30") == 60


LOTS = (
    "naltrexone HCl powder:P778:2027-03-31:source=Medisca:manufacturer=Medisca:ndc=38779-0468-5",
    "ascorbic acid:AA1:2027-05-01:manufacturer=Spectrum",
    "sodium benzoate:SB2:2027-06-01",
    "glycerin:G5:2027-08-01",
    "purified water:W77:2027-01-31",
)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("record")
    lot, record, pdf = record_preparation(
        "1 mg/mL",
        "100 mL",
        "powder",
        "fawcett-preserved",
        rx="1234567",
        ingredient_lots=LOTS,
        prepared_by="JD",
        checked_by="MK",
        assay="101.5%",
        water="12%",
        compounded="2026-12-01",
        time="14:05",
        config=EXAMPLE_CONFIG,
        db=folder / "log.db",
    )
    pages = [page.extract_text() for page in pdf_pages(pdf)]
    return lot, record, pages


def flat_text(text: str) -> str:
    return " ".join(text.split())


def test_every_usp_795_compounding_record_field_is_printed(recorded):
    lot, _, pages = recorded
    text = flat_text(" ".join(pages))
    # domain.md §7, compounding record: one field (label and value) per item
    for part in [
        "Master formulation record: LDN-PH-FP-1 version 1 (effective 2026-11-01)",  # MFR ref
        "Rx: 1234567",  # Rx or lot number
        f"Lot: {lot}",
        "Date: 2026-12-01 • Time: 14:05",  # date and time
        # each component's source, lot, expiry and quantity used
        "Naltrexone hydrochloride USP powder • required 112 mg • measured ________ mg",
        "Source Medisca • Manufacturer Medisca • NDC 38779-0468-5 • Lot P778 • Expiry 2027-03-31",
        "Ascorbic acid USP • required 500 mg • measured ________ mg",
        "Source ________ • Manufacturer Spectrum • NDC ________ • Lot AA1 • Expiry 2027-05-01",
        "Sodium benzoate NF • required 100 mg",
        "Lot SB2 • Expiry 2027-06-01",
        "Glycerol USP • required 20 mL • measured ________ mL",
        "Lot G5 • Expiry 2027-08-01",
        "Purified water USP • required to 100 mL",
        "Lot W77 • Expiry 2027-01-31",
        "Balance: BAL-01",  # equipment
        "Total quantity made: 100 mL (requested 100 mL) • Yield (measured): ________ mL",
        "BUD: 2027-01-04 - set by USP <795> (2023), BUD table: aqueous preparations, preserved",
        "Prepared by: Julia Diaz (JD) • Checked by: Marcus Kim (MK)",  # who
        "Date prepared: 2026-12-01 • Date checked: ________",  # ... with date
        "Quality checks",
        "Final volume checked in a calibrated container: result ________",  # QC results
        "Deviations",
    ]:
        assert part in text, part
    # and the master formulation's own fields (domain.md §7, master formulation record)
    for part in [
        "Name: Naltrexone HCl 1 mg/mL oral solution from Naltrexone hydrochloride USP powder",
        "Strength: 1 mg/mL • Dosage form: oral solution",
        "doses as naltrexone hydrochloride; source is the hydrochloride; grade USP",  # salt
        "Purity: certificate of analysis: assay accepted 98%-102% (USP monograph",
        "- Ascorbic acid USP: 500 mg - Sodium benzoate NF: 100 mg - Glycerol USP: 20 mL",
        "Container: amber bottle",
        "Equipment: weighing boat and spatula",
        "Vehicle preparation Make 100 mL of purified water with ascorbic acid 0.5%",
        "1. Weigh 500 mg of ascorbic acid and 100 mg of sodium benzoate.",
        "Method 1. Weigh 112 mg of Naltrexone hydrochloride USP powder.",
        "Calculation: 1 mg/mL x 100 mL = 100 mg HCl; x salt factor (hydrochloride / "
        "hydrochloride, g/mol) 377.86 / 377.86 = 1 / (assay 101.5% x (1 - water 12%))",
        "BUD rule: USP <795> (2023)",
        "Storage: Store in a refrigerator",
        "Auxiliary labels: Shake well; Refrigerate, do not freeze; Protect from light",
        "! Certificate water 12% is outside the usual 0%-10%",
    ]:
        assert part in text, part


def test_every_page_carries_the_lot_and_page_n_of_n(recorded):
    lot, _, pages = recorded
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        last = page.splitlines()[-1]
        assert last.startswith(f"Lot {lot} • MFR LDN-PH-FP-1 version 1")
        assert last.endswith(f"Page {number} of {len(pages)}")


def test_sections_are_kept_together_and_no_page_holds_a_lone_line(recorded):
    _, _, pages = recorded
    headings = {"Warnings", "Master formulation", "Vehicle preparation", "Method"}
    headings |= {"Components used", "Result", "Quality checks", "Deviations"}
    headings |= {"Compounding log"}
    for page in pages:
        body = page.splitlines()[:-1]  # without the footer
        assert len(body) >= 2, body
    # every section here fits on a page: so every later page starts with a heading
    for page in pages[1:]:
        assert page.splitlines()[0] in headings, page.splitlines()[0]


def test_record_pages_match_the_reviewed_reference_images():
    from PIL import Image, ImageChops
    from reference_images import record_pdf, record_reference_path, render_pages

    data = record_pdf()
    assert data == record_pdf()  # deterministic
    pages = render_pages(data)
    assert len(pages) == 2
    for index, image in enumerate(pages):
        reference = Image.open(record_reference_path(index)).convert("L")
        assert image.size == reference.size
        histogram = ImageChops.difference(image, reference).histogram()
        changed = sum(histogram[64:])  # pixels that differ by more than a quarter
        assert changed / (image.size[0] * image.size[1]) < 0.002, f"page {index + 1}"


def test_the_record_carries_its_log_entry_and_the_head_it_follows(tmp_path):
    """The paper witness: the entry's id and the chain head before it, as logged (a
    record cannot carry its own entry's hash: that hash covers the record's)."""
    from compounder.log.entries import verify_log
    from compounder.log.store import Store

    db = tmp_path / "log.db"
    args = dict(rx="1234567", prepared_by="JD", checked_by="MK", compounded="2026-12-01")
    record_preparation("1 mg/mL", "30 mL", config=EXAMPLE_CONFIG, db=db, **args)
    _, data, pdf = record_preparation("1 mg/mL", "30 mL", config=EXAMPLE_CONFIG, db=db, **args)
    with Store(db) as store:
        first = store.db.execute("SELECT hash FROM entries WHERE id = 1").fetchone()[0]
    assert data["log_place"] == {"entry": 2, "follows": f"1:{first}"}
    text = flat_text(" ".join(page.extract_text() for page in pdf_pages(pdf)))
    assert f"Logged as entry 2, after chain head 1:{first}" in text
    assert verify_log(db, f"1:{first}").ok
