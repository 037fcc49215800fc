"""The compounding record PDF, read back: every USP <795> field, the layout rules."""

from __future__ import annotations

import pytest
from conftest import EXAMPLE_CONFIG, pdf_pages

from compounder.api.recording import record_preparation

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


def flat(text: str) -> str:
    return " ".join(text.split())


def test_every_usp_795_compounding_record_field_is_printed(recorded):
    lot, _, pages = recorded
    text = flat(" ".join(pages))
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
        "Prepared by: JD • Checked by: MK",  # who prepared and who checked
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
        "Calculation: 1 mg/mL x 100 mL = 100 mg HCl; / (assay 101.5% x (1 - water 12%))",
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
