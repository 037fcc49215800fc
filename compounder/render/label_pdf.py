"""Drawing container labels into a PDF on a label stock.

Takes finished ``LabelContent`` (see ``labels``) and a ``LabelStock``; lays every label
out first (so a label that does not fit is refused before any file is touched), then
draws: text in the embedded fonts, and a Code 128 barcode of the Rx number with the
number printed under it. Roll stock gives one page per label, the page exactly the
label's size; sheet stock places labels in the layout's slots. The file is written
atomically and is byte-identical for the same input (reportlab invariant mode).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from itertools import accumulate
from pathlib import Path
from typing import Any

from compounder.atomic import write_bytes_atomic
from compounder.content.labels import LabelContent
from compounder.core.stocks import LabelStock
from compounder.core.units import magnitude_in, mm_to_pt, parse_quantity
from compounder.render.canvas import draw_lines, new_canvas, saved_state
from compounder.render.fonts import REGULAR, register_fonts
from compounder.render.textfit import DoesNotFitError, Layout, Line, fit_blocks, load_layout

GAP = 3.0  # points between the text and the barcode strip


@dataclass(frozen=True)
class Bars:
    """A Code 128 symbol ready to draw: its bars as PDF rectangles in units of the
    narrowest bar (x) and of the bar height (y), and its size in points."""

    rectangles: tuple[str, ...]
    quiet: float  # the blank zone each side of the bars
    unit: float  # the narrowest bar
    height: float
    width: float  # quiet zones included


# In reportlab's decomposed Code 128 a lowercase letter is a space and an uppercase
# letter a bar, the letter's place in the alphabet being its width in narrowest bars.
_WIDTHS = bytes.maketrans(
    (string.ascii_lowercase + string.ascii_uppercase).encode(), bytes(range(1, 27)) * 2
)


def encode_barcode(value: str, unit: float, height: float) -> Bars:
    """The Code 128 symbol of ``value`` (reportlab's encoder chooses the code sets)."""
    from reportlab.graphics.barcode.code128 import Code128

    symbol = Code128(value, barWidth=unit, barHeight=height, humanReadable=False, quiet=True)
    symbol.validate()
    symbol.encode()
    symbol.decompose()
    pattern = symbol.decomposed
    widths = pattern.encode("ascii").translate(_WIDTHS)
    starts = list(accumulate(widths, initial=0))
    if not (pattern[0::2].isupper() and pattern[1::2].islower()):
        raise AssertionError(f"Code 128 bars and spaces do not alternate: {pattern}")
    bars = zip(starts[0::2], widths[0::2], strict=False)  # every other one is a bar
    rectangles = tuple(f"{x} 0 {w} 1 re" for x, w in bars)
    width = symbol.lquiet + starts[-1] * unit + symbol.rquiet
    return Bars(rectangles, symbol.lquiet, unit, height, width)


@dataclass(frozen=True)
class PlacedLabel:
    content: LabelContent
    main: list[Line]
    footer: list[Line]
    bars: Bars  # the Rx number's barcode
    strip_height: float


def _barcode_settings(layout: Layout) -> tuple[float, float, float]:
    settings = layout.extra.get("barcode", {})
    return _barcode_points(settings["bar_width"], settings["height"], settings["number_size"])


@lru_cache(maxsize=16)
def _barcode_points(bar_width: str, height: str, number_size: str) -> tuple[float, float, float]:
    """Bar width and height in points (from e.g. "0.01 in"), and the number's size."""

    def points(text: str) -> float:
        return mm_to_pt(magnitude_in(parse_quantity(text, "length"), "mm"))

    return points(bar_width), points(height), float(number_size)


def place_label(content: LabelContent, stock: LabelStock, layout: Layout) -> PlacedLabel:
    """Lay one label out in its stock; DoesNotFitError naming the field if it cannot."""
    register_fonts()
    margin = mm_to_pt(stock.margin_mm)
    width = mm_to_pt(stock.width_mm) - 2 * margin
    height = mm_to_pt(stock.height_mm) - 2 * margin
    bar_width, bar_height, number_size = _barcode_settings(layout)
    bars = encode_barcode(content.rx, bar_width, bar_height)
    if bars.width > width / 2:
        raise DoesNotFitError("Rx number", "label", "its barcode is wider than half the label")
    strip = bar_height + number_size * 1.25
    footer = fit_blocks(
        list(content.footer),
        layout,
        width - bars.width - GAP,
        strip,
        "label (pharmacy lines beside the barcode)",
    )
    main = fit_blocks(list(content.blocks), layout, width, height - strip - GAP, "label")
    return PlacedLabel(content, main, footer, bars, strip)


def draw_label(
    canvas: Any, placed: PlacedLabel, stock: LabelStock, slot: int, number_size: float
) -> None:
    from reportlab.pdfgen.pathobject import PDFPathObject

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
    with saved_state(canvas):
        canvas.translate(bar_left + bars.quiet, bottom + number_size * 1.25)
        canvas.scale(bars.unit, bars.height)
        canvas.drawPath(PDFPathObject(list(bars.rectangles)), stroke=0, fill=1)
    with saved_state(canvas):
        canvas.setFont(REGULAR, number_size)
        canvas.drawCentredString(
            bar_left + bars.width / 2, bottom + number_size * 0.3, placed.content.rx
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
