"""Drawing a preparation lot's label into a PDF of the label's size.

The size, margin, text sizes and barcode come from ``templates/lot_label.toml``
(3 x 1.5 in). The label's lines (``content.lot_label``) are fitted above a strip at the
bottom, shrinking least important text first and never below its minimum (text that
still does not fit is refused, naming it: ``textfit.fit_blocks``); the lot's Code 128
stands at the strip's right, as the container labels' barcode does, with the lot
printed under it. Fonts are the labels' embedded ones; the same label gives the same
bytes (reportlab invariant mode).
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from compounder.atomic import write_bytes_atomic
from compounder.content.lot_label import LotLabel
from compounder.core.units import mm_to_pt, parse_magnitude
from compounder.render.canvas import draw_lines, new_canvas, saved_state
from compounder.render.fonts import REGULAR
from compounder.render.label_geometry import GAP, barcode_points, draw_bars, encode_barcode
from compounder.render.textfit import DoesNotFitError, fit_blocks, load_layout

LAYOUT = "lot_label.toml"
BOX = "lot label"


def _points(text: str) -> float:
    return mm_to_pt(parse_magnitude(text, "length", "mm"))


def render_lot_label(label: LotLabel, target: Path | None = None) -> bytes:
    """The lot label as PDF bytes (one page, the label's size); written atomically to
    ``target`` when given. DoesNotFitError (exit 3) naming what does not fit."""
    layout = load_layout(LAYOUT)
    width, height = _points(layout.extra["width"]), _points(layout.extra["height"])
    margin = _points(layout.extra["margin"])
    bar_width, bar_height, number_size = barcode_points(layout)  # its [barcode]
    inner = width - 2 * margin
    bars = encode_barcode(label.code, bar_width, bar_height)
    if bars.width > inner:
        raise DoesNotFitError("lot", BOX, "its barcode is wider than the label")
    strip = bar_height + number_size * 1.25
    lines = fit_blocks(list(label.blocks), layout, inner, height - 2 * margin - strip - GAP, BOX)
    buffer = BytesIO()
    canvas = new_canvas(buffer, (width, height), f"Lot label {label.lot}")
    draw_lines(canvas, lines, margin, height - margin)
    bar_left = width - margin - bars.width
    draw_bars(canvas, bars, bar_left, margin + number_size * 1.25)
    with saved_state(canvas):
        canvas.setFont(REGULAR, number_size)
        canvas.drawCentredString(
            bar_left + bars.width / 2, margin + number_size * 0.3, label.printed
        )
    canvas.showPage()
    canvas.save()
    data = buffer.getvalue()
    if target is not None:
        write_bytes_atomic(Path(target), data)
    return data
