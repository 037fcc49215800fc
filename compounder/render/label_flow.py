"""A label's text laid out on its stock, going over continuation labels when needed.

``place_labels`` lays out one container's label under the print-size profile of the
layout (``core.label_profiles``): the pharmacy's lines beside the barcode strip, the
rest above it. When the text cannot fit one label at the profile's minimum sizes, it
goes over at most the layout's ``max_parts`` labels ("Label 1 of 3" ...): the first
carries what ``LabelContent.first`` says (the patient, the drug, the first direction,
NOTE STRENGTH and the drug's warnings, the Rx number and the discard date), each
continuation starts with the patient's name, at the name's size, and the drug, and no
paragraph is cut between labels. Where that needs more labels, the content's shorter
forms (the first step(s), then the dosing chart) are tried; where none fits, the label
is refused, naming the shipped stocks that hold it. Where the profile asks the
patient-centred items to fill a share of the label (California), the other text starts
below that share of the first label. Every format (PDF, ZPL, PNG) draws these very
lines.
"""

from __future__ import annotations

from collections.abc import Callable

from compounder.content.blocks import Block
from compounder.content.labels import LabelContent
from compounder.core.stocks import LabelStock
from compounder.core.units import mm_to_pt
from compounder.render.fonts import REGULAR, register_font
from compounder.render.label_geometry import (
    GAP,
    PlacedLabel,
    barcode_points,
    barcode_share,
    encode_barcode,
)
from compounder.render.textfit import (
    CANNOT_HOLD,
    DoesNotFitError,
    Layout,
    Line,
    fit_blocks,
    flow_blocks,
)

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
    """One container's label laid out on its stock: one label, or a first label and at
    most the layout's ``max_parts`` in all (the first carrying what ``content.first``
    says, each continuation the patient's name and the drug); when the whole
    directions need more, the first of ``content.shorter`` that fits (the fill's first
    direction(s) and the dosing chart for the later steps). The placed labels carry
    the content they show. DoesNotFitError naming the field if not even that fits."""
    found = _PLACED.get(id(content))
    if found is not None and found[0] is content and found[1] is stock and found[2] is layout:
        return found[3]
    if len(_PLACED) > 64:
        _PLACED.clear()
    placed = _place_labels(content, stock, layout)
    _PLACED[id(content)] = (content, stock, layout, placed)
    return placed


# A container's labels as laid out last (by the very content, compared by identity):
# counted, then drawn, by the same run.
_PLACED: dict[int, tuple[LabelContent, LabelStock, Layout, list[PlacedLabel]]] = {}


def _place_labels(content: LabelContent, stock: LabelStock, layout: Layout) -> list[PlacedLabel]:
    register_font(REGULAR)  # the Rx number under the barcode
    box = _Box(content, stock, layout)
    refusal: DoesNotFitError | None = None
    for form in (content, *content.shorter):
        try:
            return box.place(form)
        except DoesNotFitError as exc:
            refusal = refusal or exc
    assert refusal is not None
    if not _too_long(refusal):
        raise refusal
    raise DoesNotFitError(
        refusal.field,
        "label",
        f"the first label must carry the patient, the drug, the first direction, the "
        f"warnings, the Rx and the discard date, and a container at most {box.most} "
        f"labels; at the {box.profile} profile's sizes {stock.id} cannot"
        + _taller(content, stock, layout),
    )


def _taller(content: LabelContent, stock: LabelStock, layout: Layout) -> str:
    """ ", roll-4x6 can": the shipped stocks that hold the label (the refusal's advice)."""
    from compounder.core.stocks import load_stock, shipped_stocks

    holding = []
    for name in shipped_stocks():
        other = load_stock(name)
        if other.id == stock.id or other.height_mm <= stock.height_mm:
            continue
        try:
            box = _Box(content, other, layout)
        except DoesNotFitError:  # its barcode is too wide for that one
            continue
        for form in (content, *content.shorter):
            try:
                box.place(form)
            except DoesNotFitError:
                continue
            holding.append(other.id)
            break
    return f" ({', '.join(holding)} can)" if holding else ""


def _too_wide(
    content: LabelContent, stock: LabelStock, bars: tuple[float, float], widest: float
) -> str:
    """Why a label's barcode is refused: what it holds, and the longest all-digit Rx
    whose barcode fits the stock (``widest``, in points; letters and dashes take more)."""
    from compounder.core.scan_codes import FillScan, fill_code, parse_label_scan

    fill = parse_label_scan(content.code) if content.code else None
    if not isinstance(fill, FillScan):
        return "its barcode is wider than the label's barcode strip"
    longest = 0
    for digits in range(1, 21):
        if encode_barcode(fill_code("9" * digits, fill.fill_date), *bars).width > widest:
            break
        longest = digits
    return (
        f"its barcode, Rx {content.rx} and the fill date, is wider than the label's barcode "
        f"strip: on {stock.id} an Rx of at most {longest} digits fits, fewer with letters or "
        "dashes"
    )


class _Box:
    """The stock's text box, barcode strip and pharmacy lines, for one Rx number."""

    def __init__(self, content: LabelContent, stock: LabelStock, layout: Layout) -> None:
        margin = mm_to_pt(stock.margin_mm)
        self.stock, self.layout = stock, layout
        self.width = mm_to_pt(stock.width_mm) - 2 * margin
        height = mm_to_pt(stock.height_mm) - 2 * margin
        bar_width, bar_height, number_size = barcode_points(layout)
        self.bars = encode_barcode(content.barcode, bar_width, bar_height)
        if self.bars.width > self.width * barcode_share(layout):
            raise DoesNotFitError(
                "Rx number",
                "label",
                _too_wide(
                    content, stock, (bar_width, bar_height), self.width * barcode_share(layout)
                ),
            )
        self.strip = bar_height + number_size * 1.25
        self.footer = _fitted_footer(
            content.footer, layout, self.width - self.bars.width - GAP, self.strip
        )
        self.height = height - self.strip - GAP
        self.most = int(layout.extra.get("max_parts", 3))
        self.profile = str(layout.extra.get("profile", {}).get("id", "label"))

    def place(self, content: LabelContent) -> list[PlacedLabel]:
        """``content`` on one label, or flowing over at most ``most``."""
        template = content.part or DEFAULT_PART
        zone = patient_zone(self.layout, self.stock)

        def trailer(number: int, total: int) -> list[Block]:
            return [Block("key", "label number", template.format(n=number, total=total))]

        def header(number: int, total: int) -> list[Block]:
            # a continuation names the patient at the name's size and the drug: it
            # identifies the container; the text it continues keeps its own sizes
            if content.continued:
                return list(content.continued)
            return [b for b in content.blocks if b.role == "patient"][:1]

        try:
            parts = flow_blocks(
                list(content.blocks), self.layout, self.width, self.height, "label",
                header=header, trailer=trailer, zone=zone, max_parts=1,
            )  # fmt: skip
        except DoesNotFitError as exc:
            if not _too_long(exc) or self.most < 2:
                raise
            parts = _flow_in_order(self, content, header, trailer, zone)
        total = len(parts)
        return [
            PlacedLabel(content, main, self.footer, self.bars, self.strip, (number, total))
            for number, main in enumerate(parts, start=1)
        ]


def _flow_in_order(
    box: _Box,
    content: LabelContent,
    header: Callable[[int, int], list[Block]],
    trailer: Callable[[int, int], list[Block]],
    zone: tuple[frozenset[str], float],
) -> list[list[Line]]:
    refusal: DoesNotFitError | None = None
    for blocks, first in _orders(content):
        try:
            return flow_blocks(
                blocks, box.layout, box.width, box.height, "label", header=header,
                trailer=trailer, zone=zone, max_parts=box.most, min_parts=2, first=first,
            )  # fmt: skip
        except DoesNotFitError as exc:
            refusal = exc
    assert refusal is not None
    raise refusal


def _orders(content: LabelContent) -> list[tuple[list[Block], int]]:
    """The orders the text may take over several labels, with how many blocks the first
    label carries whole: the label as one label shows it with only the prescriber's
    lines on the continuation, then the order that puts what the first label must
    carry first (``content.flowing``)."""
    orders = []
    blocks = list(content.blocks)
    if content.flowing and blocks[-1].role == "details":
        orders.append((blocks, len(blocks) - 1))
    orders.append((list(content.flowing or blocks), content.first))
    return orders


def _too_long(error: DoesNotFitError) -> bool:
    """Whether the text is only too long (more labels would hold it)."""
    return error.problem.startswith("too long even") or error.problem == CANNOT_HOLD
