"""Reference images of the default dosing chart and of labels under each print-size
profile, and the one way to regenerate them.

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
        {"titration": True, "start_date": "2026-12-01"}
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
    for name in LABEL_CASES:
        for index, image in enumerate(render_pages(label_pdf(name), dpi=100)):
            image.save(label_reference_path(name, index), optimize=True)
            print("wrote", label_reference_path(name, index))


if __name__ == "__main__":
    regenerate()
