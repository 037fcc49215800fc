"""Drawing a compounding record into a PDF (letter or A4), from its content dict."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from compounder.content.ismp import check_text
from compounder.core.stocks import PAPER, mm_to_pt
from compounder.render.canvas import new_canvas, saved_state
from compounder.render.fonts import REGULAR
from compounder.render.pagination import Item, paginate, text_items
from compounder.render.syringe_pdf import PT_PER_MM
from compounder.render.textfit import Block, Layout, load_layout

MARGIN_MM = 15


def _lines(record: dict[str, Any]) -> list[tuple[str, str]]:
    """(role, text) in reading order."""
    mfr = record["master_formulation"]
    out = [
        ("title", "Compounding record"),
        ("heading", f"{record['title']} - lot {record['lot']}"),
        (
            "body",
            f"Rx: {record['rx'] or '(stock preparation)'} • Compounded: "
            f"{record['compounded_at'].replace('T', ' ')}",
        ),
        ("heading", "Master formulation"),
        ("body", f"Formulation: {mfr['name']}"),
        ("body", f"Drug: {mfr['drug']} ({mfr['salt']})"),
        ("body", f"Vehicle: {mfr['vehicle']}"),
        ("body", f"Container: {mfr['container']}"),
        ("body", f"Calculation: {mfr['calculation']}"),
        ("body", f"BUD rule: {mfr['bud_rule']}"),
        ("body", f"Storage: {mfr['storage']}"),
        ("body", "Auxiliary labels: " + "; ".join(mfr["warnings"])),
        ("heading", "Method"),
    ]
    out += [("body", f"{n}. {step}") for n, step in enumerate(mfr["method"], start=1)]
    out.append(("heading", "Ingredients used"))
    if record["ingredients"]:
        # "entered": ingredient names and lots are the pharmacist's own text, as typed
        out += [
            (
                "entered",
                f"{u['ingredient']} • lot {u['lot']} • expiry {u['expiry']} • "
                f"quantity {u['quantity']}",
            )
            for u in record["ingredients"]
        ]
    else:
        out.append(("body", "No ingredient lots were entered."))
    out += [
        ("heading", "Result"),
        (
            "body",
            f"Quantity made: {record['quantity_made_ml']} mL (requested "
            f"{record['requested_ml']} mL)",
        ),
        ("body", f"BUD: {record['bud']} - set by {record['bud_basis']}"),
        (
            "body",
            f"Prepared by: {record['prepared_by']} • Checked by: {record['checked_by']} "
            "• Date checked: ____________",
        ),
        ("heading", "Quality checks"),
    ]
    out += [("body", f"[  ] {check}: ________________") for check in record["quality_checks"]]
    out += [("heading", "Deviations"), ("body", "_" * 60), ("body", "_" * 60)]
    return out


def draw_record(canvas: Any, record: dict[str, Any], paper: str = "letter") -> int:
    """Draw one record onto ``canvas`` from a fresh page; the pages it took."""
    layout: Layout = load_layout("chart_layout.toml")
    page_w, page_h = (mm_to_pt(v) for v in PAPER[paper])
    margin = MARGIN_MM * PT_PER_MM
    width = page_w - 2 * margin
    items: list[Item] = []
    for role, text in _lines(record):
        if role == "entered":
            role = "body"
        else:
            check_text(text, "record")  # every number Compounder wrote, ISMP-clean
        heading = role == "heading"
        items += text_items(
            Block(role, "record", text),
            layout,
            width,
            keep=heading,
            space_before=10 if heading else 2,
        )
    pages = paginate(items, page_h - 2 * margin - 20)
    for number, page in enumerate(pages, start=1):
        canvas.setPageSize((page_w, page_h))
        for item, offset in page:
            item.draw(canvas, margin, page_h - margin - offset)
        with saved_state(canvas):
            canvas.setFont(REGULAR, 8)
            canvas.drawString(margin, margin, f"Lot {record['lot']}")
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
