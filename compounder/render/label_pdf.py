"""Drawing container labels into a PDF on a label stock.

Takes finished ``LabelContent`` (see ``labels``) and a ``LabelStock``; lays every label
out first (so a label that does not fit is refused before any file is touched), then
draws: text in the embedded fonts, and a Code 128 barcode of the fill (the Rx number
and the fill date, ``core.scan_codes``) with them printed under it; the layout
(``label_flow.place_labels``) may give a container more than one label (continuation
labels), each with the same barcode. Roll stock gives one page per label, the page
exactly the label's size; sheet stock places labels in the layout's slots. The file is written
atomically and is byte-identical for the same input (reportlab invariant mode).
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

from compounder.atomic import write_bytes_atomic
from compounder.content.labels import LabelContent
from compounder.core.stocks import LabelStock
from compounder.core.units import mm_to_pt
from compounder.render.canvas import draw_lines, new_canvas, saved_state
from compounder.render.fonts import REGULAR
from compounder.render.label_flow import place_labels
from compounder.render.label_geometry import PlacedLabel, barcode_number_size, draw_bars
from compounder.render.textfit import Layout, load_layout


def draw_label(
    canvas: Any, placed: PlacedLabel, stock: LabelStock, slot: int, number_size: float
) -> None:
    origin_x, origin_y = (mm_to_pt(v) for v in stock.origin_mm(slot))
    margin = mm_to_pt(stock.margin_mm)
    left = origin_x + margin
    top = origin_y + mm_to_pt(stock.height_mm) - margin
    bottom = origin_y + margin
    right = origin_x + mm_to_pt(stock.width_mm) - margin
    draw_lines(canvas, placed.main, left, top)
    draw_lines(canvas, placed.footer, left, bottom + placed.strip_height)
    bars = placed.bars
    bar_left = right - bars.width
    draw_bars(canvas, bars, bar_left, bottom + number_size * 1.25)
    with saved_state(canvas):
        canvas.setFont(REGULAR, number_size)
        canvas.drawCentredString(
            bar_left + bars.width / 2, bottom + number_size * 0.3, placed.content.barcode_text
        )


class LabelWriter:
    """Draws placed labels one after another into one PDF, in order.

    A roll label takes a page of its own size; sheet labels fill the slots of a sheet.
    A change of stock starts a new page. ``add`` returns the page a label is on.
    """

    def __init__(self, output: Any, layout: Layout, title: str = "Compounder labels") -> None:
        self.output = output
        self.title = title
        self.number_size = barcode_number_size(layout)
        self.canvas: Any = None
        self.stock: LabelStock | None = None
        self.slot = 0
        self.pages = 0

    def add(self, placed: PlacedLabel, stock: LabelStock) -> int:
        if self.canvas is None:
            self.canvas = new_canvas(self.output, stock.page_size_pt, self.title)
            self.pages = 1
        elif stock != self.stock or self.slot >= stock.per_page:
            self.canvas.showPage()
            self.canvas.setPageSize(stock.page_size_pt)
            self.pages += 1
            self.slot = 0
        self.stock = stock
        draw_label(self.canvas, placed, stock, self.slot, self.number_size)
        self.slot += 1
        return self.pages

    def close(self) -> None:
        if self.canvas is not None:
            self.canvas.showPage()
            self.canvas.save()


def render_labels(
    contents: list[LabelContent],
    stock: LabelStock,
    target: Path | None = None,
    layout: Layout | None = None,
) -> bytes:
    """The labels as PDF bytes; written atomically to ``target`` when given."""
    layout = layout or load_layout()
    placed = [p for content in contents for p in place_labels(content, stock, layout)]
    buffer = BytesIO()
    writer = LabelWriter(buffer, layout)
    for label in placed:
        writer.add(label, stock)
    writer.close()
    data = buffer.getvalue()
    if target is not None:
        write_bytes_atomic(Path(target), data)
    return data


# The format's entry points (``core.label_formats``' registry; ``render.label_output``).
def render_files(
    contents: list[LabelContent],
    stock: LabelStock,
    dpi: int,
    target: Path | None = None,
    layout: Layout | None = None,
) -> list[bytes]:
    """The labels as one PDF (``dpi`` unused: PDF is drawn in points)."""
    return [render_labels(contents, stock, target, layout)]


def open_writer(path: Path, layout: Layout, dpi: int, files: Any, name: str) -> LabelWriter:
    """A writer drawing placed labels into one PDF at ``path``."""
    return LabelWriter(files.enter_context(path.open("wb")), layout)
