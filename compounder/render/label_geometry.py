"""Where a label's parts go, in any format: the placed label (its lines, fitted and
positioned, and its barcode) and the barcode's geometry.

Made by ``label_flow.place_labels``; drawn by every label renderer (``label_pdf``,
``label_zpl``, ``label_png``), which import it from here and never from each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from compounder.content.labels import LabelContent
from compounder.core.units import mm_to_pt, parse_magnitude
from compounder.render import code128
from compounder.render.canvas import saved_state
from compounder.render.textfit import Layout, Line

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


def draw_bars(canvas: Any, bars: Bars, left: float, bottom: float) -> None:
    """``bars`` drawn into a PDF canvas as one filled path: the left quiet zone from
    ``left``, the bars standing on ``bottom`` (points). Labels, records and lot labels
    draw their barcodes so."""
    from reportlab.pdfgen.pathobject import PDFPathObject

    with saved_state(canvas):
        canvas.translate(left + bars.quiet, bottom)
        canvas.scale(bars.unit, bars.height)
        canvas.drawPath(PDFPathObject(list(bars.rectangles)), stroke=0, fill=1)


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
    bars: Bars  # the label's barcode (the Rx and the fill date: ``LabelContent.barcode``)
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


def barcode_share(layout: Layout) -> float:
    """The widest share of the label's width its barcode may take (quiet zones included)."""
    return float(layout.extra.get("barcode", {}).get("max_share", 0.5))


def barcode_number_size(layout: Layout) -> float:
    """The size of the text printed under the barcode (the Rx number and fill date)."""
    return _barcode_settings(layout)[2]
