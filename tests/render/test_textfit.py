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
