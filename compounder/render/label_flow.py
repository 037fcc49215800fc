"""A label's text laid out on its stock, flowing onto continuation labels when needed.

``place_labels`` lays out one container's label under the print-size profile of the
layout (``core.label_profiles``): the pharmacy's lines beside the barcode strip, the
rest above it. When the text cannot fit one label at the profile's minimum sizes, it
flows onto "Label 2 of 2" (and 3, ...): each continuation label repeats the patient's
name (at the key lines' size), the Rx number and its barcode, and every part says which
label it is. Where the
profile asks the patient-centred items to fill a share of the label (California), the
other text starts below that share of the first label. Every format (PDF, ZPL, PNG)
draws these very lines.
"""

from __future__ import annotations

from compounder.content.blocks import Block
from compounder.content.labels import LabelContent
from compounder.core.stocks import LabelStock
from compounder.core.units import mm_to_pt
from compounder.render.fonts import REGULAR, register_font
from compounder.render.label_geometry import GAP, PlacedLabel, barcode_points, encode_barcode
from compounder.render.textfit import DoesNotFitError, Layout, fit_blocks, flow_blocks

DEFAULT_PART = "Label {n} of {total}"


def patient_zone(layout: Layout, stock: LabelStock) -> tuple[frozenset[str], float]:
    """The patient-centred roles and the height (points, below the top margin) they
    take at least on the first label: the profile's share of the label's area,
    as a band the label's full width measured from its top edge."""
    profile = layout.extra.get("profile", {})
    share = float(profile.get("patient_area", 0) or 0)
    if not share:
        return frozenset(), 0.0
    roles = frozenset(profile.get("patient_centred", ()))
    return roles, share * mm_to_pt(stock.height_mm) - mm_to_pt(stock.margin_mm)


# The pharmacy's lines are the same on every label of a run: fitted once per width.
_FOOTERS: dict[tuple[tuple[Block, ...], int, float, float], tuple[Layout, list]] = {}


def _fitted_footer(footer: tuple[Block, ...], layout: Layout, width: float, strip: float) -> list:
    key = (footer, id(layout), width, strip)
    found = _FOOTERS.get(key)
    if found is not None and found[0] is layout:  # the very layout, not one at its address
        return found[1]
    if len(_FOOTERS) > 64:
        _FOOTERS.clear()
    lines = fit_blocks(
        list(footer), layout, width, strip, "label (pharmacy lines beside the barcode)"
    )
    _FOOTERS[key] = (layout, lines)
    return lines


def place_labels(content: LabelContent, stock: LabelStock, layout: Layout) -> list[PlacedLabel]:
    """One container's label laid out on its stock: one label, or a first label and
    its continuations; DoesNotFitError naming the field if not even that holds it."""
    register_font(REGULAR)  # the Rx number under the barcode
    margin = mm_to_pt(stock.margin_mm)
    width = mm_to_pt(stock.width_mm) - 2 * margin
    height = mm_to_pt(stock.height_mm) - 2 * margin
    bar_width, bar_height, number_size = barcode_points(layout)
    bars = encode_barcode(content.rx, bar_width, bar_height)
    if bars.width > width / 2:
        raise DoesNotFitError("Rx number", "label", "its barcode is wider than half the label")
    strip = bar_height + number_size * 1.25
    footer = _fitted_footer(content.footer, layout, width - bars.width - GAP, strip)
    template = content.part or DEFAULT_PART

    def header(number: int, total: int) -> list[Block]:
        # a continuation label names the patient at the size of the key lines: it
        # identifies the container; the text it continues keeps its own sizes
        return [
            Block("key", b.field, b.text, b.private) for b in content.blocks if b.role == "patient"
        ][:1]

    def trailer(number: int, total: int) -> list[Block]:
        text = template.format(n=number, total=total)
        return [Block("key", "label number", text)]

    parts = flow_blocks(
        list(content.blocks),
        layout,
        width,
        height - strip - GAP,
        "label",
        header=header,
        trailer=trailer,
        zone=patient_zone(layout, stock),
        max_parts=int(layout.extra.get("max_parts", 6)),
    )
    total = len(parts)
    return [
        PlacedLabel(content, main, footer, bars, strip, (number, total))
        for number, main in enumerate(parts, start=1)
    ]
