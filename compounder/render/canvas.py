"""Small drawing helpers shared by the PDF renderers (labels, charts).

Each element is drawn inside ``saved_state`` so that one drawing can never leak a font,
colour or line width into the next.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from compounder.render.fonts import REGULAR, register_font
from compounder.render.textfit import Line


@contextlib.contextmanager
def saved_state(canvas: Any) -> Iterator[Any]:
    canvas.saveState()
    try:
        yield canvas
    finally:
        canvas.restoreState()


def new_canvas(buffer: Any, pagesize: tuple[float, ...], title: str) -> Any:
    """A reportlab canvas in invariant mode: the same input gives the same bytes."""
    from reportlab.pdfgen.canvas import Canvas

    register_font(REGULAR)
    # The initial font is the embedded one, so no unembedded Helvetica is referenced.
    canvas = Canvas(
        buffer,
        pagesize=pagesize,
        invariant=1,
        pageCompression=1,
        initialFontName=REGULAR,
        initialFontSize=10,
    )
    canvas.setTitle(title)
    canvas.setAuthor("Compounder")
    canvas.setCreator("Compounder")
    return canvas


def draw_lines(canvas: Any, lines: list[Line], left: float, top: float) -> None:
    """Draw laid-out lines with the box's top-left corner at (left, top), as one PDF
    text object (one BT/ET pair, fonts set only where they change).

    A line's text operators, once made in a document, are remembered for that document
    (``_text_operators``): a batch draws the same lines on thousands of labels."""
    if not lines:
        return
    text = canvas.beginText()
    code = text._code
    memo = _text_operators(canvas)
    current = None
    for line in lines:
        if (line.font, line.size) != current:
            text.setFont(line.font, line.size)
            current = (line.font, line.size)
        text.setTextOrigin(left, top - line.baseline)
        key = (line.font, line.size, line.text, text._curSubset)
        found = memo.get(key)
        if found is None:
            text.textOut(line.text)
            if len(memo) >= _TEXT_MEMO_SIZE:
                memo.clear()
            memo[key] = (code[-1], text._curSubset)
        else:
            code.append(found[0])
            text._curSubset = found[1]
    canvas.drawText(text)


_TEXT_MEMO_SIZE = 8192


def _text_operators(canvas: Any) -> dict[tuple[str, float, str, int], tuple[str, int]]:
    """The canvas's memo of text operators: (font, size, text, the font subset selected
    before) -> (the operators ``textOut`` wrote, the subset selected after). They are
    the same every time in one document: the font remembers how it maps each character
    to its subset codes there (``fonts``), and size and leading give the rest. Only
    embedded (TrueType) fonts are used to draw lines."""
    memo = canvas.__dict__.get("_compounder_text_operators")
    if memo is None:
        memo = canvas.__dict__["_compounder_text_operators"] = {}
    return memo
