"""Wrapping, shrinking and refusing text that does not fit."""

from __future__ import annotations

import pytest

from compounder.render.textfit import Block, DoesNotFitError, fit_blocks, load_layout, wrap


@pytest.fixture(scope="module")
def layout():
    return load_layout()


def test_wrap_keeps_every_word():
    from compounder.render.fonts import register_fonts

    register_fonts()
    text = "Shake well and keep in a refrigerator away from light"
    lines = wrap(text, "Atkinson", 10, 80)
    assert " ".join(lines) == text
    assert len(lines) > 1
    assert wrap("Supercalifragilistic", "Atkinson", 10, 20) is None


def test_fits_at_maximum_when_there_is_room(layout):
    lines = fit_blocks([Block("patient", "patient name", "Jane Doe")], layout, 300, 100, "label")
    assert [(ln.text, ln.size) for ln in lines] == [("Jane Doe", 14)]


def test_shrinks_least_important_first(layout):
    blocks = [
        Block("patient", "patient name", "Jane Doe"),
        Block("details", "details", "\n".join(["Detail line"] * 6)),
    ]
    lines = fit_blocks(blocks, layout, 300, 80, "label")
    sizes = {ln.field: ln.size for ln in lines}
    assert sizes["patient name"] == 14
    assert 6 <= sizes["details"] < 9
    assert lines[-1].baseline + lines[-1].descent <= 80


def test_refuses_naming_the_field(layout):
    with pytest.raises(DoesNotFitError) as caught:
        fit_blocks(
            [Block("patient", "patient name", "Averyveryverylongsinglewordname")],
            layout,
            60,
            100,
            "label",
        )
    assert caught.value.field == "patient name"
    assert "a word is too wide" in str(caught.value)
    with pytest.raises(DoesNotFitError) as caught:
        fit_blocks(
            [Block("directions", "directions", "\n".join(["Take 1 mL"] * 20))],
            layout,
            300,
            400,
            "label",
        )
    assert caught.value.field == "directions"
    assert "more than 10 lines" in str(caught.value)  # usp17's directions max_lines


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Filled: Nov 26, 2026 • Discard after: Dec 9, 2026", "Dec 9, 2026"),
        ("Surtido: 26 nov 2026 • Desechar después del: 9 dic 2026", "9 dic 2026"),
    ],
)
def test_a_date_is_never_broken_across_lines(text, date):
    """Large print on a 4 x 3 in label once read "Discard after: Dec 9," / "2026"."""
    from compounder.core.wording import load_wording
    from compounder.render.textfit import string_width

    load_wording("en"), load_wording("es")  # as the label's content has, writing its dates

    font, size = "Atkinson", 16
    for width in range(int(string_width(date, font, size)) + 1, 400, 3):
        lines = wrap(text, font, size, width)
        assert lines is not None
        assert any(date in line for line in lines), (width, lines)


def test_a_date_wider_than_the_line_still_wraps():
    lines = wrap("Dec 9, 2026", "Atkinson", 16, 40)
    assert lines is not None and len(lines) > 1 and " ".join(lines) == "Dec 9, 2026"


def test_only_dates_are_glued():
    from compounder.core.wording import load_wording
    from compounder.render.textfit import _glued

    load_wording("en"), load_wording("es")

    assert _glued(["take", "12", "doses", "in", "2026", "of", "May", "3", ",", "9", "dic"]) == [
        "take", "12", "doses", "in", "2026", "of", "May 3", ",", "9 dic",
    ]  # fmt: skip
