"""A PNG preview of each label, at the stock's size, for a screen.

Laid out by ``label_flow.place_labels`` (the very lines of the PDF) and painted by
``label_raster`` at the printer's resolution; the image carries its resolution so a
viewer can show it at its real size. One image per label: ``label.png`` for one label,
``label-1.png``, ``label-2.png``... for several; a batch's are numbered through the run
(``PngWriter``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from compounder.atomic import write_bytes_atomic
from compounder.content.labels import LabelContent
from compounder.core.label_formats import DPI_CHOICES
from compounder.core.stocks import LabelStock
from compounder.render.label_flow import place_labels
from compounder.render.label_geometry import PlacedLabel, barcode_number_size
from compounder.render.label_raster import label_image
from compounder.render.textfit import Layout, load_layout


def png_targets(target: Path, count: int) -> list[Path]:
    """Where each of ``count`` previews goes for the output path ``target``."""
    if count == 1:
        return [target]
    return [target.with_name(f"{target.stem}-{n}{target.suffix}") for n in range(1, count + 1)]


def stale_previews(target: Path, count: int) -> list[Path]:
    """Previews named for ``target`` (``label.png``, ``label-N.png``) that writing
    ``count`` previews there would not replace (an earlier label's ``label-3.png`` when
    this one has two): left beside the new ones they would be taken for this label's."""
    import re

    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        return []
    numbered = re.compile(re.escape(target.stem) + r"-[1-9][0-9]*" + re.escape(target.suffix))
    written = {p.name for p in png_targets(target, count)}
    found = [
        p
        for p in folder.iterdir()
        if (p.name == target.name or numbered.fullmatch(p.name)) and p.name not in written
    ]
    return sorted(found, key=lambda p: (len(p.name), p.name))


def _png_bytes(label: PlacedLabel, stock: LabelStock, number_size: float, dpi: int) -> bytes:
    buffer = io.BytesIO()
    image = label_image(label, stock, number_size, dpi, barcode=True)
    image.save(buffer, format="PNG", dpi=(dpi, dpi), optimize=False)
    return buffer.getvalue()


class PngWriter:
    """Writes each label's preview as its own file in ``folder`` (a batch's), named by
    ``name`` (a ``str.format`` pattern taking the label's number, from 1); ``add``
    returns that number."""

    def __init__(self, folder: Path, name: str, layout: Layout, dpi: int) -> None:
        if dpi not in DPI_CHOICES:
            raise ValueError(f"dpi must be one of {DPI_CHOICES}")
        self.folder = folder
        self.name = name
        self.dpi = dpi
        self.number_size = barcode_number_size(layout)
        self.count = 0
        folder.mkdir(exist_ok=True)

    def add(self, placed: PlacedLabel, stock: LabelStock) -> int:
        self.count += 1
        data = _png_bytes(placed, stock, self.number_size, self.dpi)
        (self.folder / self.name.format(self.count)).write_bytes(data)
        return self.count

    def close(self) -> None:
        pass


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
    images = [_png_bytes(label, stock, number_size, dpi) for label in placed]
    if target is not None:
        for path, data in zip(png_targets(Path(target), len(images)), images, strict=True):
            write_bytes_atomic(path, data)
    return images


# The format's entry points (``core.label_formats``' registry; ``render.label_output``).
render_files = render_labels_png


def open_writer(path: Path, layout: Layout, dpi: int, files: Any, name: str) -> PngWriter:
    """A writer putting each placed label's preview in the folder ``path``, named
    ``name`` (a pattern taking the label's number)."""
    return PngWriter(path, name, layout, dpi)
