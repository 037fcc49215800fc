"""Drawing the patient's dosing chart into a PDF (letter or A4).

Takes finished ``ChartContent``: a title block, the 5 cm check line, the instructions
and the handout's headed sections, an overview table, then one section per step
(heading, dose, syringe flag, the syringe drawn to scale and filled to the step's
volume, a tick box per day), and last the wallet card in a dashed cut-out box. Items are placed
top to bottom; whatever does not fit moves to the next page (headings stay with what
follows; a step section is never split). Nothing is cut. Written atomically, and
byte-identical for the same input.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

from compounder.atomic import write_bytes_atomic
from compounder.content.blocks import Block
from compounder.content.chart import ChartContent, ChartStep
from compounder.core.stocks import PAPER
from compounder.core.units import PT_PER_MM, mm_to_pt, parse_magnitude
from compounder.render.canvas import draw_lines, new_canvas, saved_state
from compounder.render.fonts import REGULAR
from compounder.render.pagination import Item, paginate, text_items
from compounder.render.syringe_pdf import draw_syringe, syringe_geometry
from compounder.render.textfit import Layout, lay_out_block, line_pitch, load_layout

CHECK_LINE_MM = 50
SYRINGE_LEFT_MM = 22  # from the content's left edge to the zero mark
BOX_MM = 8
BOX_PITCH_MM = 11.5
FOOTER_PT = 24


def _check_line_item(text: str, layout: Layout, width: float) -> list[Item]:
    items = text_items(Block("body", "calibration", text), layout, width, keep=True, space_before=8)

    def draw(canvas: Any, left: float, top: float) -> None:
        length = CHECK_LINE_MM * PT_PER_MM
        y = top - 8
        with saved_state(canvas):
            canvas.setLineWidth(1.2)
            canvas.setStrokeColorRGB(0, 0, 0)
            canvas.line(left, y, left + length, y)
            canvas.setLineWidth(0.6)
            canvas.line(left, y - 5, left, y + 5)
            canvas.line(left + length, y - 5, left + length, y + 5)
            canvas.setFont(REGULAR, 8)
            canvas.drawString(left + length + 6, y - 3, "5 cm")

    return [*items, Item(18, draw)]


def _table_items(content: ChartContent, layout: Layout, width: float) -> list[Item]:
    shares = (0.09, 0.34, 0.13, 0.13, 0.31)
    widths = [width * s for s in shares]
    rows = [content.overview_columns] + [step.overview for step in content.steps]
    items = text_items(
        Block("heading", "chart", content.overview_heading),
        layout,
        width,
        keep=True,
        space_before=12,
    )
    for row_index, row in enumerate(rows):
        role = "emphasis" if row_index == 0 else "table"
        cells = [
            lay_out_block(Block(role, "chart", text), layout, w - 4)
            for text, w in zip(row, widths, strict=True)
        ]
        height = max(sum(line_pitch(ln, layout) for ln in cell) for cell in cells) + 3

        def draw(
            canvas: Any,
            left: float,
            top: float,
            cells: list = cells,
            first: bool = row_index == 0,
            height: float = height,
        ) -> None:
            x = left
            for cell, w in zip(cells, widths, strict=True):
                draw_lines(canvas, cell, x, top - 1)
                x += w
            if first:
                with saved_state(canvas):
                    canvas.setLineWidth(0.6)
                    canvas.line(left, top - height + 1, left + width, top - height + 1)

        items.append(Item(height, draw, keep_with_next=row_index == 0))
    return items


def _step_item(step: ChartStep, content: ChartContent, layout: Layout, width: float) -> Item:
    heading = lay_out_block(Block("heading", "chart", step.heading), layout, width)
    dose = lay_out_block(Block("emphasis", "chart", step.dose_line), layout, width)
    flag = (
        lay_out_block(Block("body", "chart", step.syringe_line), layout, width)
        if step.syringe_line
        else []
    )
    note = lay_out_block(Block("body", "chart", step.note), layout, width) if step.note else []
    tick = lay_out_block(Block("small", "chart", content.tick_heading), layout, width)
    geometry = syringe_geometry(step.syringe, step.volume_ml)
    per_row = max(
        1, int((width + (BOX_PITCH_MM - BOX_MM) * PT_PER_MM) // (BOX_PITCH_MM * PT_PER_MM))
    )
    box_rows = -(-len(step.day_labels) // per_row)
    text_height = sum(line_pitch(ln, layout) for ln in (*heading, *dose, *flag, *note))
    syringe_height = 30 * PT_PER_MM
    tick_height = sum(line_pitch(ln, layout) for ln in tick)
    boxes_height = box_rows * (BOX_MM * PT_PER_MM + 12)
    height = text_height + syringe_height + tick_height + boxes_height + 10

    def draw(canvas: Any, left: float, top: float) -> None:
        y = top
        for group in (heading, dose, flag, note):
            if group:
                draw_lines(canvas, group, left, y)
                y -= sum(line_pitch(ln, layout) for ln in group)
        if step.new_syringe:
            with saved_state(canvas):
                canvas.setStrokeColorRGB(0.85, 0.0, 0.0)
                canvas.setLineWidth(2)
                canvas.line(left - 6, top, left - 6, y)
        axis = y - 14 * PT_PER_MM
        draw_syringe(canvas, geometry, left + SYRINGE_LEFT_MM * PT_PER_MM, axis, step.fill_label)
        y -= syringe_height
        draw_lines(canvas, tick, left, y)
        y -= tick_height
        box = BOX_MM * PT_PER_MM
        pitch = BOX_PITCH_MM * PT_PER_MM
        for index, label in enumerate(step.day_labels):
            row, column = divmod(index, per_row)
            x = left + column * pitch
            box_top = y - row * (box + 12)
            with saved_state(canvas):
                canvas.setLineWidth(0.8)
                canvas.rect(x, box_top - box, box, box)
                canvas.setFont(REGULAR, 6.5)
                canvas.drawCentredString(x + box / 2, box_top - box - 8, label)

    return Item(height, draw, space_before=10)


WALLET_MM = (85.6, 54)  # a credit card (ISO/IEC 7810 ID-1)
WALLET_PAD = 8


def _wallet_items(content: ChartContent, layout: Layout, width: float) -> list[Item]:
    """The wallet card: the cut instruction, then a dashed box the size of a bank card
    (taller if its text needs it) holding the card's text."""
    if not content.wallet:
        return []
    card_w = min(WALLET_MM[0] * PT_PER_MM, width)
    inner = card_w - 2 * WALLET_PAD
    roles = ["emphasis"] + ["small"] * (len(content.wallet) - 1)
    name_index = len(content.wallet) - 2  # the card's name line (patient data)
    blocks = [
        lay_out_block(Block(role, "chart", text, private=index == name_index), layout, inner)
        for index, (role, text) in enumerate(zip(roles, content.wallet, strict=True))
    ]
    text_height = sum(line_pitch(ln, layout) for block in blocks for ln in block)
    card_h = max(WALLET_MM[1] * PT_PER_MM, text_height + 2 * WALLET_PAD)
    items = text_items(
        Block("small", "chart", content.wallet_cut), layout, width, keep=True, space_before=14
    )

    def draw(canvas: Any, left: float, top: float) -> None:
        with saved_state(canvas):
            canvas.setDash(4, 3)
            canvas.setLineWidth(0.8)
            canvas.rect(left, top - card_h, card_w, card_h)
        y = top - WALLET_PAD
        for block in blocks:
            draw_lines(canvas, block, left + WALLET_PAD, y)
            y -= sum(line_pitch(ln, layout) for ln in block) + 2

    return [*items, Item(card_h + 2, draw, space_before=4)]


def chart_items(content: ChartContent, layout: Layout, width: float) -> list[Item]:
    items = text_items(Block("title", "chart", content.title), layout, width)
    if content.patient_line:
        items += text_items(
            Block("heading", "patient name", content.patient_line, True), layout, width
        )
    items += text_items(Block("emphasis", "chart", content.drug_line), layout, width)
    items += text_items(Block("body", "pharmacy", content.pharmacy_line), layout, width)
    items += _check_line_item(content.calibration, layout, width)
    items += text_items(
        Block("heading", "chart", content.instructions_heading),
        layout,
        width,
        keep=True,
        space_before=12,
    )
    for number, text in enumerate(content.instructions, start=1):
        items += text_items(
            Block("body", "chart", f"{number}. {text}"), layout, width, space_before=3
        )
    for heading, lines in content.sections:
        items += text_items(
            Block("heading", "chart", heading), layout, width, keep=True, space_before=10
        )
        for text in lines:
            items += text_items(Block("body", "chart", f"• {text}"), layout, width, space_before=3)
    items += _table_items(content, layout, width)
    for step in content.steps:
        items.append(_step_item(step, content, layout, width))
    items += _wallet_items(content, layout, width)
    return items


def draw_chart(canvas: Any, content: ChartContent, paper: str, layout: Layout) -> int:
    """Draw a whole chart onto ``canvas``, starting on a fresh page; the pages it took."""
    page_w, page_h = (mm_to_pt(v) for v in PAPER[paper])
    margin = float(parse_magnitude(layout.extra["margin"], "length", "mm"))
    margin *= PT_PER_MM
    width = page_w - 2 * margin
    items = chart_items(content, layout, width)
    pages = paginate(items, page_h - 2 * margin - FOOTER_PT)
    for number, page in enumerate(pages, start=1):
        canvas.setPageSize((page_w, page_h))
        for item, offset in page:
            item.draw(canvas, margin, page_h - margin - offset)
        footer = content.page_label.format(number=number, total=len(pages))
        with saved_state(canvas):
            canvas.setFont(REGULAR, 8)
            canvas.drawString(margin, margin, content.pharmacy_line)
            canvas.drawRightString(page_w - margin, margin, footer)
        canvas.showPage()
    return len(pages)


def render_chart(
    content: ChartContent | Sequence[ChartContent],
    paper: str = "letter",
    target: Path | None = None,
    layout: Layout | None = None,
) -> bytes:
    """The chart (or several, one after the other: en+es) as PDF bytes; written
    atomically to ``target`` when given."""
    layout = layout or load_layout("chart_layout.toml")
    buffer = BytesIO()
    canvas = new_canvas(buffer, tuple(mm_to_pt(v) for v in PAPER[paper]), "Dosing chart")
    for chart in (content,) if isinstance(content, ChartContent) else content:
        draw_chart(canvas, chart, paper, layout)
    canvas.save()
    data = buffer.getvalue()
    if target is not None:
        write_bytes_atomic(Path(target), data)
    return data
