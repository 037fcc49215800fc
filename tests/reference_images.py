"""Reference images of the default dosing chart, and the one way to regenerate them.

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


def regenerate() -> None:
    REFERENCE.mkdir(exist_ok=True)
    for index, image in enumerate(render_pages(default_chart_pdf())):
        image.save(reference_path(index), optimize=True)
        print("wrote", reference_path(index))


if __name__ == "__main__":
    regenerate()
