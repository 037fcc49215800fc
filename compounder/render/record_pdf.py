"""Drawing a compounding record into a PDF (letter or A4), from its content dict.

Sections are kept together on a page where they fit, and no page starts or ends a
section with a lone line (``paginate_sections``); every page's footer carries the lot,
the master formulation and "Page n of N".
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from compounder.content.records import record_sections
from compounder.core.stocks import PAPER
from compounder.core.units import PT_PER_MM, mm_to_pt
from compounder.render.canvas import new_canvas, saved_state
from compounder.render.fonts import REGULAR
from compounder.render.pagination import Item, paginate_sections, text_items
from compounder.render.textfit import Layout, load_layout

MARGIN_MM = 15


def draw_record(canvas: Any, record: dict[str, Any], paper: str = "letter") -> int:
    """Draw one record onto ``canvas`` from a fresh page; the pages it took."""
    layout: Layout = load_layout("chart_layout.toml")
    page_w, page_h = (mm_to_pt(v) for v in PAPER[paper])
    margin = MARGIN_MM * PT_PER_MM
    width = page_w - 2 * margin
    sections: list[list[Item]] = []
    for blocks in record_sections(record):
        items: list[Item] = []
        for block in blocks:
            heading = block.role == "heading"
            items += text_items(
                block,
                layout,
                width,
                keep=heading,
                space_before=10 if heading else 2,
            )
        sections.append(items)
    pages = paginate_sections(sections, page_h - 2 * margin - 20)
    mfr = record["master_formulation"]
    footer = f"Lot {record['lot']} • MFR {mfr['id']} version {mfr['version']}"
    for number, page in enumerate(pages, start=1):
        canvas.setPageSize((page_w, page_h))
        for item, offset in page:
            item.draw(canvas, margin, page_h - margin - offset)
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
