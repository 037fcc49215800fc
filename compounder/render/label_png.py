"""A PNG preview of each label, at the stock's size, for a screen.

Laid out by ``label_flow.place_labels`` (the very lines of the PDF) and painted by
``label_raster`` at the printer's resolution; the image carries its resolution so a
viewer can show it at its real size. One image per label: ``label.png`` for one label,
``label-1.png``, ``label-2.png``... for several.
"""

from __future__ import annotations

import io
from pathlib import Path

from compounder.atomic import write_bytes_atomic
from compounder.content.labels import LabelContent
from compounder.core.stocks import LabelStock
from compounder.render.label_flow import place_labels
from compounder.render.label_pdf import barcode_number_size
from compounder.render.label_raster import DPI_CHOICES, label_image
from compounder.render.textfit import Layout, load_layout


def png_targets(target: Path, count: int) -> list[Path]:
    """Where each of ``count`` previews goes for the output path ``target``."""
    if count == 1:
        return [target]
    return [target.with_name(f"{target.stem}-{n}{target.suffix}") for n in range(1, count + 1)]


def render_labels_png(
    contents: list[LabelContent],
    stock: LabelStock,
    dpi: int,
    target: Path | None = None,
    layout: Layout | None = None,
) -> list[bytes]:
    """Each label as PNG bytes; written atomically (all laid out first) when ``target``."""
    if dpi not in DPI_CHOICES:
        raise ValueError(f"dpi must be one of {DPI_CHOICES}")
    layout = layout or load_layout()
    number_size = barcode_number_size(layout)
    placed = [p for content in contents for p in place_labels(content, stock, layout)]
    images = []
    for label in placed:
        buffer = io.BytesIO()
        image = label_image(label, stock, number_size, dpi, barcode=True)
        image.save(buffer, format="PNG", dpi=(dpi, dpi), optimize=False)
        images.append(buffer.getvalue())
    if target is not None:
        for path, data in zip(png_targets(Path(target), len(images)), images, strict=True):
            write_bytes_atomic(path, data)
    return images
