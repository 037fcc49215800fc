"""Drawing a compounding record into a PDF (letter or A4), from its content dict.

Sections are kept together on a page where they fit, and no page starts or ends a
section with a lone line (``paginate_sections``); every page's footer carries the lot,
the master formulation and "Page n of N". The first page carries the record's barcodes
(``content.records.record_codes``: the lot's, a batch's record also the batch's) in a
column at its top right, each with what it stands for above it and what it holds
under it; the record's first section (its heading) is set beside that column.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any

from compounder.content.blocks import Block
from compounder.content.records import RecordCode, record_codes, record_sections
from compounder.core.stocks import PAPER
from compounder.core.units import PT_PER_MM, mm_to_pt
from compounder.render.canvas import draw_lines, new_canvas, saved_state
from compounder.render.fonts import REGULAR
from compounder.render.label_geometry import Bars, draw_bars, encode_barcode
from compounder.render.pagination import Item, paginate_sections, text_items
from compounder.render.textfit import (
    Layout,
    Line,
    lay_out_block,
    line_pitch,
    load_layout,
    string_width,
)

MARGIN_MM = 15
BAR_UNIT = 0.72  # the narrowest bar: 0.01 in, as on the labels
BAR_HEIGHT = 0.4 * 72  # 0.4 in: an easy aim for a handheld scanner
CODE_GAP = 12.0  # points between the barcodes and the text beside them, and between two
CODE_TEXT = "table"  # the layout's role of the text above and under each barcode


@dataclass(frozen=True)
class _Code:
    """A barcode as the record draws it: what it stands for, its bars, what it holds."""

    caption: list[Line]
    bars: Bars
    printed: Line


def _code_column(codes: tuple[RecordCode, ...], layout: Layout) -> tuple[list[_Code], float]:
    """The record's barcodes laid out in a column, and its width."""
    drawn = [(code, encode_barcode(code.value, BAR_UNIT, BAR_HEIGHT)) for code in codes]
    width = max((bars.width for _, bars in drawn), default=0.0)
    column = []
    for code, bars in drawn:
        caption = lay_out_block(Block(CODE_TEXT, "record", code.caption), layout, width)
        (printed,) = lay_out_block(Block(CODE_TEXT, "record", code.printed), layout, width)
        column.append(_Code(caption, bars, printed))
    return column, width


def _column_height(column: list[_Code], layout: Layout) -> float:
    return sum(_code_height(code, layout) for code in column) + CODE_GAP * (len(column) - 1)


def _code_height(code: _Code, layout: Layout) -> float:
    pitch = line_pitch(code.printed, layout)
    return pitch * len(code.caption) + code.bars.height + pitch


def _draw_codes(canvas: Any, column: list[_Code], layout: Layout, right: float, top: float) -> None:
    """The column of barcodes, its top right corner at (right, top): each barcode's
    caption, bars and printed value, the bars and text centred on the column."""
    for code in column:
        pitch = line_pitch(code.printed, layout)
        left = right - code.bars.width
        for line in code.caption:
            shift = (code.bars.width - string_width(line.text, line.font, line.size)) / 2
            draw_lines(canvas, [line], left + shift, top)
        bars_top = top - pitch * len(code.caption)
        draw_bars(canvas, code.bars, left, bars_top - code.bars.height)
        printed = code.printed
        shift = (code.bars.width - string_width(printed.text, printed.font, printed.size)) / 2
        draw_lines(canvas, [printed], left + shift, bars_top - code.bars.height)
        top -= _code_height(code, layout) + CODE_GAP


def draw_record(canvas: Any, record: dict[str, Any], paper: str = "letter") -> int:
    """Draw one record onto ``canvas`` from a fresh page; the pages it took."""
    layout: Layout = load_layout("chart_layout.toml")
    page_w, page_h = (mm_to_pt(v) for v in PAPER[paper])
    margin = MARGIN_MM * PT_PER_MM
    width = page_w - 2 * margin
    column, column_width = _code_column(record_codes(record), layout)
    sections: list[list[Item]] = []
    for blocks in record_sections(record):
        beside = not sections and column  # the first section: beside the barcodes
        items: list[Item] = []
        for block in blocks:
            heading = block.role == "heading"
            items += text_items(
                block,
                layout,
                width - column_width - CODE_GAP if beside else width,
                keep=heading,
                space_before=10 if heading else 2,
            )
        if beside:  # the next section starts below the barcodes
            used = sum(i.height + i.space_before for i in items) - items[0].space_before
            below = _column_height(column, layout) - used
            if below > 0:
                items.append(Item(below, lambda canvas, left, top: None))
        sections.append(items)
    pages = paginate_sections(sections, page_h - 2 * margin - 20)
    mfr = record["master_formulation"]
    footer = f"Lot {record['lot']} • MFR {mfr['id']} version {mfr['version']}"
    for number, page in enumerate(pages, start=1):
        canvas.setPageSize((page_w, page_h))
        for item, offset in page:
            item.draw(canvas, margin, page_h - margin - offset)
        if number == 1:
            _draw_codes(canvas, column, layout, page_w - margin, page_h - margin)
        with saved_state(canvas):
            canvas.setFont(REGULAR, 8)
            canvas.drawString(margin, margin, footer)
            canvas.drawRightString(page_w - margin, margin, f"Page {number} of {len(pages)}")
        canvas.showPage()
    return len(pages)


def render_record(record: dict[str, Any], paper: str = "letter") -> bytes:
    buffer = BytesIO()
    size = tuple(mm_to_pt(v) for v in PAPER[paper])
    canvas = new_canvas(buffer, size, f"Compounding record {record['lot']}")
    draw_record(canvas, record, paper)
    canvas.save()
    return buffer.getvalue()
