"""Drawing container labels into a PDF on a label stock.

Takes finished ``LabelContent`` (see ``labels``) and a ``LabelStock``; lays every label
out first (so a label that does not fit is refused before any file is touched), then
draws: text in the embedded fonts, and a Code 128 barcode of the Rx number with the
number printed under it. Roll stock gives one page per label, the page exactly the
label's size; sheet stock places labels in the layout's slots. The file is written
atomically and is byte-identical for the same input (reportlab invariant mode).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from compounder.atomic import write_bytes_atomic
from compounder.drawing import draw_lines, new_canvas, saved_state
from compounder.fonts import REGULAR, register_fonts
from compounder.labels import LabelContent
from compounder.stocks import LabelStock, mm_to_pt
from compounder.textfit import DoesNotFitError, Layout, Line, fit_blocks, load_layout
from compounder.units import magnitude_in, parse_quantity

GAP = 3.0  # points between the text and the barcode strip


@dataclass(frozen=True)
class PlacedLabel:
    content: LabelContent
    main: list[Line]
    footer: list[Line]
    bars: Any  # the barcode's bars, one filled path from its bottom-left corner
    strip_height: float
    barcode_width: float


def _barcode_settings(layout: Layout) -> tuple[float, float, float]:
    settings = layout.extra.get("barcode", {})
    return _barcode_points(settings["bar_width"], settings["height"], settings["number_size"])


@lru_cache(maxsize=16)
def _barcode_points(bar_width: str, height: str, number_size: str) -> tuple[float, float, float]:
    """Bar width and height in points (from e.g. "0.01 in"), and the number's size."""

    def points(text: str) -> float:
        return float(magnitude_in(parse_quantity(text, "length"), "mm")) * 72 / 25.4

    return points(bar_width), points(height), float(number_size)


def place_label(content: LabelContent, stock: LabelStock, layout: Layout) -> PlacedLabel:
    """Lay one label out in its stock; DoesNotFitError naming the field if it cannot."""
    from reportlab.graphics.barcode.code128 import Code128

    register_fonts()
    margin = mm_to_pt(stock.margin_mm)
    width = mm_to_pt(stock.width_mm) - 2 * margin
    height = mm_to_pt(stock.height_mm) - 2 * margin
    bar_width, bar_height, number_size = _barcode_settings(layout)
    barcode = Code128(
        content.rx, barWidth=bar_width, barHeight=bar_height, humanReadable=False, quiet=True
    )
    barcode_width = barcode.width  # encodes it, once: the encoding is not free
    if barcode_width > width / 2:
        raise DoesNotFitError("Rx number", "label", "its barcode is wider than half the label")
    strip = bar_height + number_size * 1.25
    footer = fit_blocks(
        list(content.footer),
        layout,
        width - barcode_width - GAP,
        strip,
        "label (pharmacy lines beside the barcode)",
    )
    main = fit_blocks(list(content.blocks), layout, width, height - strip - GAP, "label")
    return PlacedLabel(content, main, footer, _bar_path(barcode), strip, barcode_width)


def _bar_path(barcode: Any) -> Any:
    """The bars of an encoded Code 128 as one path (the quiet zone is left blank).

    In its decomposed form a lowercase letter is a space and an uppercase letter a bar,
    the letter's place in the alphabet being the width in narrow bars.
    """
    from reportlab.pdfgen.pathobject import PDFPathObject

    path = PDFPathObject()
    unit, height = barcode.barWidth, barcode.barHeight
    left = barcode.lquiet if barcode.quiet else 0
    for code in barcode.decomposed:
        if code.islower():
            left = left + (ord(code) - ord("a") + 1) * unit
        elif code.isupper():
            width = (ord(code) - ord("A") + 1) * unit
            path.rect(left, 0, width, height)
            left += width
    return path


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
    bar_left = right - placed.barcode_width
    with saved_state(canvas):
        canvas.translate(bar_left, bottom + number_size * 1.25)
        canvas.drawPath(placed.bars, stroke=0, fill=1)
    with saved_state(canvas):
        canvas.setFont(REGULAR, number_size)
        canvas.drawCentredString(
            bar_left + placed.barcode_width / 2, bottom + number_size * 0.3, placed.content.rx
        )


class LabelWriter:
    """Draws placed labels one after another into one PDF, in order.

    A roll label takes a page of its own size; sheet labels fill the slots of a sheet.
    A change of stock starts a new page. ``add`` returns the page a label is on.
    """

    def __init__(self, output: Any, layout: Layout, title: str = "Compounder labels") -> None:
        self.output = output
        self.title = title
        self.number_size = _barcode_settings(layout)[2]
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
    placed = [place_label(content, stock, layout) for content in contents]
    buffer = BytesIO()
    writer = LabelWriter(buffer, layout)
    for label in placed:
        writer.add(label, stock)
    writer.close()
    data = buffer.getvalue()
    if target is not None:
        write_bytes_atomic(Path(target), data)
    return data
