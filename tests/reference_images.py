"""Reference images of the default dosing chart, a compounding record and labels under
each print-size profile, and the one way to regenerate them.

The reference PNGs in tests/reference/ were reviewed by eye. After a deliberate layout
change, regenerate them, look at every page, and commit them with the change:

    python tests/reference_images.py
"""

from __future__ import annotations

from pathlib import Path

REFERENCE = Path(__file__).parent / "reference"
CONFIG = Path(__file__).resolve().parents[1] / "examples" / "compounder.toml"
DPI = 50


def default_chart_pdf() -> bytes:
    from compounder.api.dispensing import make_chart

    return make_chart(
        start_date="2026-12-01", concentration="1 mg/mL", patient="Jane Doe", config=CONFIG
    ).pdf


def record_pdf() -> bytes:
    """A compounding record made the same way every time: 100 mL of 1 mg/mL from HCl
    powder in the preserved vehicle, with lots, a time and an unusual water content."""
    from datetime import datetime
    from decimal import Decimal

    from compounder.content.records import compounding_record
    from compounder.core.bud import load_bud_rules
    from compounder.core.lots import parse_lot
    from compounder.core.preparation import prepare
    from compounder.core.sources import load_sources
    from compounder.core.vehicles import find_vehicle
    from compounder.render.record_pdf import render_record

    sources = load_sources()
    lots = tuple(
        parse_lot(text)
        for text in (
            "naltrexone HCl powder:P778:2027-03-31:manufacturer=Medisca:ndc=38779-0468-5",
            "ascorbic acid:AA1:2027-05-01",
            "glycerin:G5:2027-08-01",
        )
    )
    at = datetime(2026, 12, 1, 14, 5)
    prep = prepare(
        Decimal(1),
        Decimal(100),
        sources.find("powder"),
        find_vehicle("fawcett-preserved"),
        sources,
        load_bud_rules(),
        at.date(),
        assay=Decimal("0.992"),
        water=Decimal("0.12"),
        lots=lots,
    )
    record = compounding_record(
        prep, "20261201-001", "1234567", "JD", "MK", lots, at, balance="BAL-01"
    )
    return render_record(record)


def record_reference_path(page: int) -> Path:
    return REFERENCE / f"record-fawcett-page{page + 1}.png"


def render_pages(data: bytes, dpi: int = DPI) -> list:
    """Every page as a greyscale PIL image."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    return [page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for page in document]


def reference_path(page: int) -> Path:
    return REFERENCE / f"chart-default-page{page + 1}.png"


# Labels: the example one-dose label under each print-size profile on the default
# 4 x 3 in stock, and a titration on Avery 5163 (each fill continued on a second label).
LABEL_CASES = {
    "label-usp17": ("usp17", "thermal-4x3", False),
    "label-california": ("california", "thermal-4x3", False),
    "label-large-print": ("large-print", "thermal-4x3", False),
    "label-avery-5163-titration": ("usp17", "avery-5163", True),
}


def label_pdf(name: str) -> bytes:
    from compounder.api.dispensing import make_labels

    profile, stock, titration = LABEL_CASES[name]
    order = (
        {"titration": True, "fill": "all", "start_date": "2026-12-01"}
        if titration
        else {"dose": "1.5 mg", "quantity": "21 mL", "fill_date": "2026-12-01"}
    )
    return make_labels(
        "1234567", "Jane Doe", "Dr A. Smith", config=CONFIG, stock=stock, profile=profile,
        log=False, **order,
    ).pdf


def label_reference_path(name: str, page: int) -> Path:
    return REFERENCE / f"{name}-page{page + 1}.png"


def regenerate() -> None:
    REFERENCE.mkdir(exist_ok=True)
    for index, image in enumerate(render_pages(default_chart_pdf())):
        image.save(reference_path(index), optimize=True)
        print("wrote", reference_path(index))
    for stale in REFERENCE.glob("record-fawcett-page*.png"):
        stale.unlink()
    for index, image in enumerate(render_pages(record_pdf())):
        image.save(record_reference_path(index), optimize=True)
        print("wrote", record_reference_path(index))
    for name in LABEL_CASES:
        for index, image in enumerate(render_pages(label_pdf(name), dpi=100)):
            image.save(label_reference_path(name, index), optimize=True)
            print("wrote", label_reference_path(name, index))


if __name__ == "__main__":
    regenerate()
