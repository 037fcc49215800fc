"""Flowing items down pages: what does not fit moves to the next page, never cut.

Shared by the renderers of multi-page documents (dosing charts, compounding records).
An ``Item`` has a height and a draw function; ``paginate`` places items top to bottom,
starting a new page when the next item (with the one it must stay with) does not fit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from compounder.content.blocks import Block
from compounder.render.canvas import draw_lines
from compounder.render.textfit import Layout, Line, lay_out_block, line_pitch


@dataclass
class Item:
    """Something placed on a page: its height, how to draw it, and page-break rules."""

    height: float
    draw: Callable[[Any, float, float], None]  # (canvas, left, top)
    keep_with_next: bool = False
    space_before: float = 0.0


def text_items(
    block: Block, layout: Layout, width: float, keep: bool = False, space_before: float = 0.0
) -> list[Item]:
    items = []
    for index, line in enumerate(lay_out_block(block, layout, width)):
        pitch = line_pitch(line, layout)
        shifted = Line(
            line.text, line.font, line.size, line.baseline - index * pitch, line.field, line.descent
        )

        def draw(canvas: Any, left: float, top: float, ln: Line = shifted) -> None:
            draw_lines(canvas, [ln], left, top)

        items.append(
            Item(pitch, draw, keep_with_next=keep, space_before=space_before if index == 0 else 0.0)
        )
    return items


def paginate(items: list[Item], height: float) -> list[list[tuple[Item, float]]]:
    """Items with their offset from the page's content top, page by page."""
    pages: list[list[tuple[Item, float]]] = [[]]
    used = 0.0
    for index, item in enumerate(items):
        need = item.height + (item.space_before if pages[-1] else 0)
        follow = index  # a chain of items kept with the next stays together
        while items[follow].keep_with_next and follow + 1 < len(items):
            follow += 1
            need += items[follow].height + items[follow].space_before
        if pages[-1] and used + need > height:
            pages.append([])
            used = 0.0
        if pages[-1]:
            used += item.space_before
        pages[-1].append((item, used))
        used += item.height
    return pages


def paginate_sections(sections: list[list[Item]], height: float) -> list[list[tuple[Item, float]]]:
    """Like ``paginate``, for documents in sections (a compounding record): a section
    that fits on a page is never split (it moves to the next page whole); a longer one
    is split only where at least two of its lines stay on each side, so no page starts
    or ends a section with a lone line."""
    pages: list[list[tuple[Item, float]]] = [[]]
    used = 0.0

    def need(items: list[Item], fresh: bool) -> float:
        total = sum(item.height + item.space_before for item in items)
        return total - (items[0].space_before if items and fresh else 0.0)

    def place(items: list[Item]) -> None:
        nonlocal used
        for item in items:
            if pages[-1]:
                used += item.space_before
            pages[-1].append((item, used))
            used += item.height

    def new_page() -> None:
        nonlocal used
        pages.append([])
        used = 0.0

    for section in sections:
        remaining = list(section)
        if pages[-1] and used + need(remaining, False) > height >= need(remaining, True):
            new_page()
        while remaining:
            fit = 0
            while fit < len(remaining) and (
                used + need(remaining[: fit + 1], not pages[-1]) <= height
            ):
                fit += 1
            if fit == len(remaining):
                place(remaining)
                break
            cut = min(fit, len(remaining) - 2)
            if cut < 2:
                if pages[-1]:
                    new_page()
                    continue
                cut = max(fit, 1)  # a line taller than a page: place it anyway
            place(remaining[:cut])
            remaining = remaining[cut:]
            new_page()
    return pages
