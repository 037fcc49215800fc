"""A laid-out label as a bitmap at a printer's resolution (for ZPL and the PNG preview).

The label is laid out once, by ``label_flow.place_labels`` (the same never-truncate rules,
lines, sizes and positions as the PDF); this module only paints that layout into dots:
every character in the same TrueType face, at the same x as the PDF puts it (the
advance widths add up exactly as reportlab adds them, no kerning), on the same
baseline. The barcode is painted only for the preview: ZPL sends it as a native field.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from compounder.core.datafiles import data_dir
from compounder.core.stocks import LabelStock
from compounder.core.units import mm_to_pt
from compounder.render.fonts import FONT_FILES, REGULAR
from compounder.render.label_geometry import PlacedLabel
from compounder.render.textfit import Line, string_width


@dataclass(frozen=True)
class Geometry:
    """Where a label's parts sit, in points from its top-left corner (y downwards)."""

    width: float
    height: float
    left: float
    main_top: float
    footer_top: float
    bar_left: float  # the barcode's left edge, quiet zone included
    bar_top: float
    number_x: float  # the centre and baseline of the text under the barcode
    number_baseline: float


def geometry(placed: PlacedLabel, stock: LabelStock, number_size: float) -> Geometry:
    """The same positions ``label_pdf.draw_label`` draws at, measured from the top."""
    width, height = mm_to_pt(stock.width_mm), mm_to_pt(stock.height_mm)
    margin = mm_to_pt(stock.margin_mm)
    bottom = height - margin  # the PDF's bottom margin line, from the top
    bars = placed.bars
    bar_left = width - margin - bars.width
    return Geometry(
        width=width,
        height=height,
        left=margin,
        main_top=margin,
        footer_top=bottom - placed.strip_height,
        bar_left=bar_left,
        bar_top=bottom - number_size * 1.25 - bars.height,
        number_x=bar_left + bars.width / 2,
        number_baseline=bottom - number_size * 0.3,
    )


def dots(points: float, dpi: int) -> int:
    return round(points * dpi / 72)


@cache
def _face(font: str, pixels: float) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(str(data_dir("fonts") / FONT_FILES[font]), pixels)


def paint_text(
    draw: Any, text: str, font: str, size: float, x: float, baseline: float, dpi: int
) -> None:
    """Paint ``text`` with its left end at ``x`` and its baseline at ``baseline`` (points),
    each character where the PDF puts it."""
    face = _face(font, size * dpi / 72)
    scale = dpi / 72
    for ch in text:
        if not ch.isspace():
            draw.text((x * scale, baseline * scale), ch, font=face, fill=0, anchor="ls")
        x += string_width(ch, font, size)


def paint_lines(draw: Any, lines: list[Line], left: float, top: float, dpi: int) -> None:
    for line in lines:
        paint_text(draw, line.text, line.font, line.size, left, top + line.baseline, dpi)


def label_image(
    placed: PlacedLabel, stock: LabelStock, number_size: float, dpi: int, barcode: bool
) -> Any:
    """The label as a greyscale image (white 255, black 0), ``dpi`` dots an inch."""
    from PIL import Image, ImageDraw

    where = geometry(placed, stock, number_size)
    image = Image.new("L", (dots(where.width, dpi), dots(where.height, dpi)), 255)
    draw = ImageDraw.Draw(image)
    paint_lines(draw, placed.main, where.left, where.main_top, dpi)
    paint_lines(draw, placed.footer, where.left, where.footer_top, dpi)
    printed = placed.content.barcode_text
    paint_text(
        draw,
        printed,
        REGULAR,
        number_size,
        where.number_x - string_width(printed, REGULAR, number_size) / 2,
        where.number_baseline,
        dpi,
    )
    if barcode:
        bars = placed.bars
        scale = dpi / 72
        top = where.bar_top * scale
        for start, width in bars.modules:
            x0 = (where.bar_left + bars.quiet + start * bars.unit) * scale
            x1 = x0 + width * bars.unit * scale
            draw.rectangle((round(x0), top, round(x1) - 1, top + bars.height * scale - 1), fill=0)
    return image
