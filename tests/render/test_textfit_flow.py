"""Warnings kept whole, numbers kept with their units, and text flowing onto
continuation boxes (``textfit.flow_blocks``)."""

from __future__ import annotations

import pytest

from compounder.content.blocks import Block
from compounder.render.fonts import BOLD, register_fonts
from compounder.render.textfit import (
    DoesNotFitError,
    fit_blocks,
    flow_blocks,
    load_layout,
    string_width,
    wrap,
)

WARNINGS = [
    "Shake well",
    "Refrigerate, do not freeze",
    "Protect from light",
    "Do not take with opioid pain medicines",
    "Keep out of reach of children",
]


@pytest.fixture(scope="module")
def layout():
    register_fonts()
    return load_layout()


@pytest.mark.parametrize("width", [180, 200, 230, 260, 330])
def test_warnings_break_only_between_warnings(width):
    register_fonts()
    assert max(string_width(w, BOLD, 8) for w in WARNINGS) <= width  # each fits a line
    lines = wrap(" • ".join(WARNINGS), BOLD, 8, width, " • ")
    assert lines is not None
    for line in lines:
        assert all(part in WARNINGS for part in line.split(" • ")), line
        assert string_width(line, BOLD, 8) <= width + 1e-6
    assert " • ".join(lines) == " • ".join(WARNINGS)  # all of them, in order


def test_a_warning_longer_than_a_line_has_lines_of_its_own():
    register_fonts()
    text = "Shake well • Do not take with opioid pain medicines • Protect"
    lines = wrap(text, BOLD, 8, 90, " • ")
    assert lines[0] == "Shake well"
    assert lines[-1] == "Protect"
    assert " ".join(lines[1:-1]) == "Do not take with opioid pain medicines"


def test_a_number_stays_with_its_unit():
    register_fonts()
    text = "Dec 29, 2026 to Jan 4, 2027: 2.5 mL (2.5 mg)"
    for width in range(60, 260, 4):
        lines = wrap(text, BOLD, 13, width)
        if lines is None:
            continue
        for line in lines:
            assert not line.endswith(("2.5", "(2.5", "2026: 2.5")), (width, lines)
            assert not line.startswith(("mL", "mg")), (width, lines)


def test_flow_uses_one_box_when_it_fits(layout):
    blocks = [Block("patient", "patient name", "Jane Doe"), Block("key", "key", "Qty: 30 mL")]
    boxes = flow_blocks(
        blocks, layout, 250, 200, "label", header=lambda k, n: [], trailer=lambda k, n: []
    )
    assert boxes == [fit_blocks(blocks, layout, 250, 200, "label")]


def test_flow_continues_with_header_and_trailer_never_below_minimum(layout):
    blocks = [
        Block("patient", "patient name", "Jane Doe"),
        Block("directions", "directions", "\n".join(f"Line {n} of directions" for n in range(9))),
        Block("key", "key", "Qty: 30 mL\nDiscard after: Dec 14, 2026"),
    ]
    with pytest.raises(DoesNotFitError):
        fit_blocks(blocks, layout, 250, 80, "label")
    boxes = flow_blocks(
        blocks,
        layout,
        250,
        80,
        "label",
        header=lambda k, n: [blocks[0]],
        trailer=lambda k, n: [Block("key", "label number", f"Label {k} of {n}")],
    )
    total = len(boxes)
    assert total > 1
    for number, lines in enumerate(boxes, start=1):
        assert lines[-1].text == f"Label {number} of {total}"
        assert lines[0].text == "Jane Doe"
        assert max(ln.baseline + ln.descent for ln in lines) <= 80
        for line in lines:
            assert (
                line.size
                >= layout.roles[
                    {"patient name": "patient", "directions": "directions"}.get(line.field, "key")
                ].min_size
            )
    texts = [ln.text for box in boxes for ln in box if ln.field == "directions"]
    assert texts == [f"Line {n} of directions" for n in range(9)]  # nothing lost


def test_flow_refuses_when_a_continuation_cannot_hold_a_line(layout):
    name = Block("patient", "patient name", "Jane Doe")
    blocks = [name, Block("directions", "directions", "\n".join(["Take 1 mL"] * 6))]
    with pytest.raises(DoesNotFitError, match="even a continuation label cannot hold"):
        flow_blocks(
            blocks,
            layout,
            250,
            30,
            "label",
            header=lambda k, n: [name],
            trailer=lambda k, n: [Block("key", "label number", f"Label {k} of {n}")],
        )


@pytest.mark.parametrize("height", range(80, 150, 6))
def test_a_paragraph_is_never_cut_between_boxes(layout, height):
    """Every paragraph (a date range with its dose) whole on one box, and the first
    ``first`` blocks all on the first box."""
    steps = "\n".join(
        f"Dec {d} to Dec {d + 1}, 2026: take {d}.5 mL ({d}.5 mg) by mouth at bedtime"
        for d in range(1, 4)
    )
    blocks = [
        Block("patient", "patient name", "Jane Doe"),
        Block("warnings", "warnings", "Do not take with opioid pain medicines"),
        Block("directions", "directions", steps),
        Block("key", "key", "Qty: 30 mL\nDiscard after: Dec 14, 2026"),
    ]
    boxes = flow_blocks(
        blocks,
        layout,
        160,
        height,
        "label",
        header=lambda k, n: [blocks[0]],
        trailer=lambda k, n: [Block("key", "label number", f"Label {k} of {n}")],
        max_parts=12,
        first=2,
    )
    assert len(boxes) >= 2
    assert any(ln.field == "warnings" for ln in boxes[0])
    for paragraph in steps.splitlines():
        holding = [
            box for box in boxes if paragraph.replace(" ", "") in
            "".join(ln.text for ln in box if ln.field == "directions").replace(" ", "")
        ]  # fmt: skip
        assert len(holding) == 1, paragraph
