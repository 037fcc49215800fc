"""A recall worklist as a PDF a pharmacist works from and signs (US letter, landscape).

It takes finished rows (``content.worklist``) and draws them: the recalled lot and the
reason, a table with one row per fill (long worklists run over pages, the header
repeated), a tick box per row, and a signature line on the last page.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from compounder.render.canvas import new_canvas, saved_state
from compounder.render.fonts import BOLD, REGULAR, font_for, register_font

PAGE = (792.0, 612.0)  # US letter, landscape (points)
MARGIN = 40.0
ROW = 16.0
COLUMNS = (
    ("Prep. lot", "preparation_lot", 95),
    ("Compounded", "compounded", 75),
    ("Rx", "rx", 75),
    ("Patient", "patient", 170),
    ("Fill date", "fill_date", 70),
    ("BUD", "bud", 70),
    ("BUD passed", "bud_passed", 65),
    ("Contacted", "", 60),
)


def _text(canvas: Any, x: float, y: float, text: str, size: float, bold: bool = False) -> None:
    choice = font_for(text, bold, "worklist", private=True)
    register_font(choice.name)
    with saved_state(canvas):
        canvas.setFont(choice.name, size)
        canvas.drawString(x, y, text)


def _header(canvas: Any, lot: str, reason: str, day: date, page: int) -> float:
    top = PAGE[1] - MARGIN
    _text(canvas, MARGIN, top, f"Recall worklist: ingredient lot {lot}", 16, bold=True)
    _text(canvas, MARGIN, top - 20, f"Reason: {reason}", 10)
    _text(canvas, MARGIN, top - 34, f"Recalled {day.isoformat()}   page {page}", 10)
    y = top - 60
    x = MARGIN
    for title, _, width in COLUMNS:
        _text(canvas, x, y, title, 9, bold=True)
        x += width
    with saved_state(canvas):
        canvas.line(MARGIN, y - 4, PAGE[0] - MARGIN, y - 4)
    return y - ROW


def render_worklist(
    lot: str, reason: str, day: date, rows: tuple[dict[str, Any], ...], received: Any = None
) -> bytes:
    """The worklist's PDF bytes."""
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, PAGE, f"Recall worklist {lot}")
    register_font(BOLD)
    register_font(REGULAR)
    page = 1
    y = _header(canvas, lot, reason, day, page)
    if received is not None:
        _text(canvas, MARGIN + 420, PAGE[1] - MARGIN - 34, f"{received.name}", 10)
    if not rows:
        _text(canvas, MARGIN, y, "No preparation in the log was made from this lot.", 10)
        y -= ROW
    for row in rows:
        if y < MARGIN + 80:
            canvas.showPage()
            page += 1
            y = _header(canvas, lot, reason, day, page)
        x = MARGIN
        for _, key, width in COLUMNS:
            if key:
                _text(canvas, x, y, str(row.get(key) or "-")[:40], 9)
            else:
                with saved_state(canvas):
                    canvas.rect(x + 20, y - 2, 9, 9)
            x += width
        y -= ROW
    y -= 20
    _text(canvas, MARGIN, y, f"{len(rows)} row(s).", 10)
    _text(canvas, MARGIN, y - 14, "Every patient contacted and the stock quarantined:", 10)
    with saved_state(canvas):
        canvas.line(MARGIN + 120, y - 40, MARGIN + 380, y - 40)
        canvas.line(MARGIN + 420, y - 40, MARGIN + 560, y - 40)
    _text(canvas, MARGIN, y - 38, "Pharmacist", 10)
    _text(canvas, MARGIN + 390, y - 38, "Date", 10)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
