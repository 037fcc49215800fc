"""The text drawing helper: remembered text operators give the very bytes of drawing
every line afresh with reportlab."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from compounder.render.canvas import draw_lines, new_canvas
from compounder.render.fonts import BOLD, FALLBACK, REGULAR, register_fonts
from compounder.render.textfit import Line

# Texts in both faces and the fallback, some with enough distinct characters to need a
# second font subset (a subset holds 256 codes), so a line may change subsets midway.
_MANY = "".join(chr(c) for c in range(0x00C0, 0x017F))
TEXTS = [
    "Jane Doe",
    "Take 3 mL (3 mg) by mouth at bedtime",
    "Zoë Ñúñez-Øvergård",
    "Иван Петров",
    _MANY,
    _MANY[::-1] + " 2 °C to 8 °C",
    "Rx: 5000001",
]
FONTS = [REGULAR, BOLD, FALLBACK]


def plain_draw_lines(canvas, lines, left, top):
    """Every line drawn afresh (the helper before it remembered operators)."""
    if not lines:
        return
    text = canvas.beginText()
    current = None
    for line in lines:
        if (line.font, line.size) != current:
            text.setFont(line.font, line.size)
            current = (line.font, line.size)
        text.setTextOrigin(left, top - line.baseline)
        text.textOut(line.text)
    canvas.drawText(text)


def _pdf(draw, labels):
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, (288.0, 216.0), "test")
    for lines in labels:
        draw(canvas, lines, 9.0, 200.0)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


line_strategy = st.builds(
    lambda text, font, size, baseline: Line(text, font, size, baseline, "f", 2.0),
    st.sampled_from(TEXTS),
    st.sampled_from(FONTS),
    st.sampled_from([6.0, 7.5, 9.0]),
    st.sampled_from([10.0, 22.5, 40.0]),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(line_strategy, max_size=8), min_size=1, max_size=6))
def test_remembered_operators_give_the_same_pdf(labels):
    register_fonts()
    assert _pdf(draw_lines, labels) == _pdf(plain_draw_lines, labels)


def test_the_same_lines_on_many_labels():
    register_fonts()
    fonts = (FONTS * 3)[: len(TEXTS)]
    label = [
        Line(t, f, 8.0, 12.0 * i, "f", 2.0)
        for i, (t, f) in enumerate(zip(TEXTS, fonts, strict=True))
    ]
    labels = [label, label[::-1], label, [*label, *label]]
    assert _pdf(draw_lines, labels) == _pdf(plain_draw_lines, labels)
