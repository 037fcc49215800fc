"""Drawing container labels into a PDF on a label stock.

Takes finished ``LabelContent`` (see ``labels``) and a ``LabelStock``; lays every label
out first (so a label that does not fit is refused before any file is touched), then
draws: text in the embedded fonts, and a Code 128 barcode of the Rx number with the
number printed under it; the layout (``label_flow.place_labels``) may give a container
more than one label (continuation labels). Roll stock gives one page per label, the page exactly the
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
from compounder.content.labels import LabelContent
from compounder.core.stocks import LabelStock
from compounder.core.units import mm_to_pt, parse_magnitude
from compounder.render import code128
from compounder.render.canvas import draw_lines, new_canvas, saved_state
from compounder.render.fonts import REGULAR
from compounder.render.textfit import Layout, Line, load_layout

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
    modules: tuple[tuple[int, int], ...] = ()  # each bar's start and width, in bars


def encode_barcode(value: str, unit: float, height: float) -> Bars:
    """The Code 128 symbol of ``value`` (the code sets as reportlab's encoder chooses
    them, see ``code128``), with quiet zones of 10 bars but at least 0.25 in."""
    drawn = code128.bars(value)
    rectangles = tuple([_RECTANGLES.get(bar) or _rectangle(bar) for bar in drawn[:-1]])
    quiet = max(72.0 * 0.25, unit * 10.0)
    width = quiet + drawn[-1][0] * unit + quiet
    return Bars(rectangles, quiet, unit, height, width, drawn[:-1])


# A bar's PDF rectangle, by its (start, width): the same few hundred on every label.
_RECTANGLES: dict[tuple[int, int], str] = {}


def _rectangle(bar: tuple[int, int]) -> str:
    text = _RECTANGLES[bar] = f"{bar[0]} 0 {bar[1]} 1 re"
    return text


@dataclass(frozen=True)
class PlacedLabel:
    content: LabelContent
    main: list[Line]
    footer: list[Line]
    bars: Bars  # the Rx number's barcode
    strip_height: float
    part: tuple[int, int] = (1, 1)  # label n of N of one container (continuation labels)


def barcode_points(layout: Layout) -> tuple[float, float, float]:
    """The barcode's narrowest bar and height, and the Rx number's size (points)."""
    return _barcode_settings(layout)


def _barcode_settings(layout: Layout) -> tuple[float, float, float]:
    settings = layout.extra.get("barcode", {})
    return _barcode_points(settings["bar_width"], settings["height"], settings["number_size"])


@lru_cache(maxsize=16)
def _barcode_points(bar_width: str, height: str, number_size: str) -> tuple[float, float, float]:
    """Bar width and height in points (from e.g. "0.01 in"), and the number's size."""

    def points(text: str) -> float:
        return mm_to_pt(parse_magnitude(text, "length", "mm"))

    return points(bar_width), points(height), float(number_size)


def barcode_number_size(layout: Layout) -> float:
    """The size of the Rx number printed under the barcode."""
    return _barcode_settings(layout)[2]


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
    from compounder.render.label_flow import place_labels

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
