"""Fitting text into a box: wrap, shrink to a minimum size, or refuse naming the field.

Used by labels and charts. A block of text has a role (its style: maximum and minimum
size, bold) and the field it shows. ``fit_blocks`` wraps every block to the width and
shrinks roles, least important first, until all fit the height. A word wider than the
box at the minimum size, or text that does not fit at minimum sizes, raises
``DoesNotFitError`` naming the field. Nothing is ever truncated.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

from compounder.content.blocks import Block
from compounder.core.datafiles import Table, display_name, load_toml, template_path
from compounder.errors import EXIT_SAFETY, CompounderError
from compounder.render.fonts import drawable_font, ensure_registered, font_for, normalise

STEP = 0.5
TOO_LONG = "too long even at the minimum size"


@dataclass(eq=False)
class DoesNotFitError(CompounderError):
    """Text that cannot be laid out in its box even at the minimum size."""

    field: str
    box: str
    problem: str

    exit_code = EXIT_SAFETY

    def __str__(self) -> str:
        return (
            f"refused: the {self.field} text does not fit on the {self.box} ({self.problem}); "
            "shorten it or choose a larger stock"
        )


@dataclass(frozen=True)
class Style:
    max_size: float
    min_size: float
    bold: bool
    max_lines: int = 1000
    leading: float = 0.0  # line pitch over size; 0: the layout's
    break_at: str = ""  # lines break only at this separator (each part kept whole)


@dataclass(frozen=True)
class Layout:
    leading: float
    shrink_order: tuple[tuple[str, ...], ...]
    roles: dict[str, Style]
    extra: dict = field(default_factory=dict)


@cache
def load_layout(
    name: str = "label_layout.toml", path: str | None = None, profile: str | None = None
) -> Layout:
    """A layout file; a label layout takes its roles and leading from the print-size
    ``profile`` (None: the default profile; see ``core.label_profiles``)."""
    file = Path(path) if path else template_path(name)
    table = Table(load_toml(file), display_name(file))
    if "profiles" in table.data:
        return _profile_layout(table, profile)
    roles = {}
    role_table = table.table("role")
    for role in role_table.data:
        entry = role_table.table(role)
        entry.check_keys({"max", "min", "bold", "max_lines"})
        high, low = float(entry.decimal("max")), float(entry.decimal("min"))
        if not 0 < low <= high:
            raise entry.error("min", "must be above zero and at most max")
        roles[role] = Style(
            high,
            low,
            entry.boolean("bold"),
            entry.integer("max_lines", required=False, default=1000),
        )
    order = _shrink_order(table, roles)
    extra = {k: v for k, v in table.data.items() if k not in ("role", "shrink_order", "leading")}
    return Layout(float(table.decimal("leading")), order, roles, extra)


def _shrink_order(table: Table, roles: dict[str, Style]) -> tuple[tuple[str, ...], ...]:
    groups = table.data.get("shrink_order")
    if not isinstance(groups, list) or not all(
        isinstance(g, list) and all(isinstance(r, str) for r in g) for g in groups
    ):
        raise table.error(
            "shrink_order",
            "is not a list of lists of roles",
            '[["details"], ["patient", "directions"]]',
        )
    order = tuple(tuple(group) for group in groups)
    for role in (r for group in order for r in group):
        if role not in roles:
            raise table.error("shrink_order", f"names {role!r}, which has no [role.{role}]")
    return order


def _profile_layout(table: Table, profile_id: str | None) -> Layout:
    """A label layout: the file's shrink order and barcode, the profile's sizes. The
    profile's rules travel in ``extra["profile"]`` (kept in a label's log snapshot)."""
    from compounder.core.label_profiles import find_profile

    profile = find_profile(profile_id)
    roles = {
        role: Style(
            float(size.max_size),
            float(size.min_size),
            size.bold,
            size.max_lines,
            float(size.leading) if size.leading is not None else 0.0,
            size.break_at,
        )
        for role, size in profile.roles
    }
    order = _shrink_order(table, roles)
    extra = {k: v for k, v in table.data.items() if k not in ("profiles", "shrink_order")}
    extra["profile"] = {
        "id": profile.id,
        "patient_centred": list(profile.patient_centred),
        "critical": list(profile.critical),
        "patient_area": str(profile.patient_area),
    }
    return Layout(float(profile.leading), order, roles, extra)


class Line(NamedTuple):
    """One laid-out line of text (a tuple: labels make thousands of them)."""

    text: str
    font: str
    size: float
    baseline: float  # distance from the top of the box to the baseline
    field: str
    descent: float = 0.0  # how far the line reaches below its baseline


def font_metrics(font: str) -> tuple[float, float]:
    """Ascent and descent (positive) of a font, per point of size."""
    return _font_metrics_cached(font)


@lru_cache(maxsize=64)
def _font_metrics_cached(font: str) -> tuple[float, float]:
    from reportlab.pdfbase import pdfmetrics

    ensure_registered(font)
    face = pdfmetrics.getFont(font).face
    return face.ascent / 1000, -face.descent / 1000


@lru_cache(maxsize=8192)
def string_width(text: str, font: str, size: float) -> float:
    """Width of ``text`` in points (cached: labels repeat the same words)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    ensure_registered(font)
    return stringWidth(text, font, size)


def wrap(
    text: str, font: str, size: float, width: float, break_at: str = ""
) -> list[str] | None:
    """Greedy word wrap; None if one word alone is wider than ``width``.

    TrueType widths add up (no kerning is applied), so a line's width is the sum of its
    words' widths and the spaces between them. With ``break_at`` (e.g. " • " between
    warnings) a line breaks only at that separator, each part kept whole on one line;
    only a part wider than the whole line is wrapped, on lines of its own.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if break_at and break_at in paragraph:
            wrapped = _wrap_parts(paragraph, font, size, width, break_at)
        else:
            wrapped = _wrap_paragraph(paragraph, font, size, width)
        if wrapped is None:
            return None
        lines += wrapped
    return lines


@lru_cache(maxsize=8192)
def _wrap_paragraph(paragraph: str, font: str, size: float, width: float) -> tuple[str, ...] | None:
    """One paragraph wrapped (remembered: most paragraphs of a label are on every label)."""
    space = string_width(" ", font, size)
    lines: list[str] = []
    words: list[str] = []
    used = 0.0
    tokens: list[str] = []
    for token in _glued(paragraph.split()):  # a glued pair wider than a line comes apart
        wide = " " in token and string_width(token, font, size) > width
        tokens += token.split(" ") if wide else [token]
    for word in tokens:
        word_width = string_width(word, font, size)
        if word_width > width:
            return None
        if not words:
            words, used = [word], word_width
        elif used + space + word_width <= width + 1e-9:
            words.append(word)
            used += space + word_width
        else:
            lines.append(" ".join(words))
            words, used = [word], word_width
    lines.append(" ".join(words))
    return tuple(lines)


_NUMBER = re.compile(r"^\(?\d[\d.,]*$")
_UNIT = re.compile(r"^(?:mg/mL|mg|mL|mcg|g|L|°C|%)[).,;:]*$")


_TAG = re.compile(r"^[A-Z][A-Za-z.]{0,5}:$")  # "Rx:", "Lot:", "Qty:", "Cant.:"


_DAY = re.compile(r"^\d{1,2},?$")
_YEAR = re.compile(r"^\d{4}[).,;:]*$")


def _same_date(last: str, word: str) -> bool:
    """Whether ``word`` continues a date ending in ``last``: "Dec 9, 2026", "9 dic 2026"
    (month names of the wordings loaded: those every date was written with)."""
    from compounder.core.wording import month_names

    if _DAY.match(word):
        return last in month_names()
    if _YEAR.match(word):
        return bool(_DAY.match(last)) or last in month_names()
    return bool(_DAY.match(last)) and not last.endswith(",") and word in month_names()


def _glued(words: list[str]) -> list[str]:
    """Words with a number and its unit kept together ("2.5 mg" never broken), a short
    tag with its value ("Lot: 20261201-1"), and a date whole ("Dec 9, 2026")."""
    out: list[str] = []
    for word in words:
        last = out[-1].rsplit(" ", 1)[-1] if out else ""
        if out and (
            (_UNIT.match(word) and _NUMBER.match(last))
            or (_TAG.match(last) and " " not in out[-1])
            or _same_date(last, word)
        ):
            out[-1] = f"{out[-1]} {word}"
        else:
            out.append(word)
    return out


@lru_cache(maxsize=2048)
def _wrap_parts(
    paragraph: str, font: str, size: float, width: float, separator: str
) -> tuple[str, ...] | None:
    """Parts joined by ``separator``, lines broken only between parts."""
    lines: list[str] = []
    current = ""
    for part in (p.strip() for p in paragraph.split(separator)):
        if not part:
            continue
        joined = f"{current}{separator}{part}" if current else part
        if string_width(joined, font, size) <= width + 1e-9:
            current = joined
            continue
        if current:
            lines.append(current)
        current = part
        if string_width(part, font, size) > width + 1e-9:  # longer than a line: alone
            wrapped = _wrap_paragraph(part, font, size, width)
            if wrapped is None:
                return None
            lines += wrapped
            current = ""
    if current or not lines:
        lines.append(current)
    return tuple(lines)


@dataclass(frozen=True, eq=False)  # hashed by identity: made once per text and size
class _SetBlock:
    """A block's text set in one font and size: its lines and the height of each."""

    font: str
    size: float
    lines: tuple[str, ...]
    ascent: float  # points, at this size
    descent: float
    pitch: float
    problem: str | None  # why it cannot be set, if it cannot


@lru_cache(maxsize=4096)
def _set_block(
    text: str,
    bold: bool,
    size: float,
    width: float,
    max_lines: int,
    leading: float,
    break_at: str = "",
) -> _SetBlock | None:
    """``text`` set at ``size`` in ``width`` (None if no bundled font can draw it).

    Remembered: a label's fixed blocks (drug, warnings, pharmacy) are the same on every
    label, so a batch sets them once per size, not once per label.
    """
    choice = drawable_font(text, bold)
    if choice is None:
        return None
    ascent, descent = font_metrics(choice.name)
    wrapped = wrap(text, choice.name, size, width, break_at)
    problem = None
    if wrapped is None:
        problem, wrapped = "a word is too wide even at the minimum size", []
    elif len(wrapped) > max_lines:
        problem = f"it needs more than {max_lines} lines even at the minimum size"
    pitch = max(leading * size, (ascent + descent) * size)
    return _SetBlock(
        choice.name, size, tuple(wrapped), ascent * size, descent * size, pitch, problem
    )


@lru_cache(maxsize=1024)
def _runs(text: str, font: str, size: float, width: float, break_at: str) -> tuple[int, ...]:
    """How many lines each paragraph of ``text`` wraps to, a heading ("Take by mouth at
    bedtime:") counted with the paragraph after it: the runs kept on one label."""
    runs: list[int] = []
    heading = False
    for paragraph in text.split("\n"):
        count = len(wrap(paragraph, font, size, width, break_at) or ())
        if heading:
            runs[-1] += count
        else:
            runs.append(count)
        heading = paragraph.rstrip().endswith(":")
    return tuple(runs)


@lru_cache(maxsize=4096)
def _lines_at(set_block: _SetBlock, field: str, top: float) -> tuple[tuple[Line, ...], float]:
    """The lines of a set block whose first line starts ``top`` below the box's top, and
    where the next block may start (remembered: blocks mostly land at the same place)."""
    lines = []
    y = top
    for text in set_block.lines:
        lines.append(
            Line(
                text,
                set_block.font,
                set_block.size,
                y + set_block.ascent,
                field,
                set_block.descent,
            )
        )
        y += set_block.pitch
    return tuple(lines), y


def _layout(
    blocks: list[Block], sizes: dict[str, float], layout: Layout, width: float, gap: float
) -> tuple[list[Line], float, tuple[str, str] | None]:
    lines: list[Line] = []
    y = 0.0
    for index, block in enumerate(blocks):
        style = layout.roles[block.role]
        set_block = _set_block(
            block.text,
            style.bold,
            sizes[block.role],
            width,
            style.max_lines,
            style.leading or layout.leading,
            style.break_at,
        )
        if set_block is None:  # no font draws it: the error names the field
            font_for(block.text, style.bold, block.field, block.private)
            raise AssertionError("font_for accepted what drawable_font refused")
        if set_block.problem is not None:
            return lines, y, (block.field, set_block.problem)
        if index:
            y += gap
        block_lines, y = _lines_at(set_block, block.field, y)
        lines += block_lines
    return lines, y, None


def _normalised(block: Block) -> Block:
    """The block with its text in NFC form (plain ASCII already is)."""
    if unicodedata.is_normalized("NFC", block.text):
        return block
    return Block(block.role, block.field, normalise(block.text), block.private)


def _shrinkable(role: str, sizes: dict[str, float], layout: Layout, present: set[str]) -> bool:
    return role in present and sizes[role] - STEP >= layout.roles[role].min_size - 1e-9


def fit_blocks(
    blocks: list[Block], layout: Layout, width: float, height: float, box: str, gap: float = 2.0
) -> list[Line]:
    """Lines that fill at most ``height``, or DoesNotFitError naming the field."""
    blocks = [_normalised(b) for b in blocks if b.text.strip()]
    present = {b.role for b in blocks}
    sizes = {role: style.max_size for role, style in layout.roles.items()}
    while True:
        lines, used, offending = _layout(blocks, sizes, layout, width, gap)
        if offending is None and used <= height:
            return lines
        if offending is not None:
            role = next(b.role for b in blocks if b.field == offending[0])
            shrinkable = [role] if _shrinkable(role, sizes, layout, present) else []
        else:
            groups = [
                [r for r in group if _shrinkable(r, sizes, layout, present)]
                for group in layout.shrink_order
            ]
            shrinkable = next((g for g in groups if g), [])
        if not shrinkable:
            if offending is not None:
                raise DoesNotFitError(offending[0], box, offending[1])
            overflow = next(
                (ln.field for ln in lines if ln.baseline + ln.descent > height), blocks[-1].field
            )
            raise DoesNotFitError(overflow, box, TOO_LONG)
        for role in shrinkable:
            sizes[role] -= STEP


CANNOT_HOLD = "even a continuation label cannot hold one of its lines"
NOT_FIRST = "it must be on the first label and does not fit there"


class _Pages:
    """Blocks set at given sizes, poured onto ``parts`` boxes (see ``flow_blocks``)."""

    def __init__(self, layout: Layout, width: float, height: float, gap: float) -> None:
        self.layout, self.width, self.height, self.gap = layout, width, height, gap

    def set(self, block: Block, sizes: dict[str, float]) -> _SetBlock:
        style = self.layout.roles[block.role]
        set_block = _set_block(
            block.text,
            style.bold,
            sizes[block.role],
            self.width,
            style.max_lines,
            style.leading or self.layout.leading,
            style.break_at,
        )
        if set_block is None:
            font_for(block.text, style.bold, block.field, block.private)
            raise AssertionError("font_for accepted what drawable_font refused")
        return set_block

    def units(self, block: Block, set_block: _SetBlock) -> tuple[int, ...]:
        """How many lines each piece of the block that is never split takes: a
        paragraph (a heading with the paragraph after it), or one line of a role
        broken at a separator (each line already holds whole parts, e.g. warnings)."""
        style = self.layout.roles[block.role]
        if style.break_at:
            return (1,) * len(set_block.lines)
        return _runs(block.text, set_block.font, set_block.size, self.width, style.break_at)

    def pour(
        self,
        blocks: list[Block],
        sizes: dict[str, float],
        parts: int,
        header: Callable[[int, int], list[Block]],
        trailer: Callable[[int, int], list[Block]],
        zone: tuple[frozenset[str], float],
        first: int = 0,
        keep: bool = True,
    ) -> list[list[Line]] | tuple[str, str]:
        """The lines of each part, or (field, problem) when they do not fit. A block
        that does not fit the rest of a box moves whole to the next when that holds
        it (``keep``), or else is split between its paragraphs - never inside one.
        The first ``first`` blocks must all be on the first box."""
        content = []
        for block in blocks:
            set_block = self.set(block, sizes)
            if set_block.problem is not None:
                return block.field, set_block.problem
            content.append((block, set_block))
        zone_roles, zone_height = zone

        def start(number: int) -> tuple[list[Line], float, float]:
            top: list[Line] = []
            at = 0.0
            for extra in header(number, parts) if number > 1 else []:
                set_extra = self.set(extra, sizes)
                if top:
                    at += self.gap
                placed, at = _lines_at(set_extra, extra.field, at)
                top += placed
            bottom = 0.0
            for extra in trailer(number, parts):
                set_extra = self.set(extra, sizes)
                bottom += self.gap + set_extra.pitch * len(set_extra.lines)
            return top, at, self.height - bottom

        def finish(number: int, lines: list[Line], y: float) -> list[Line]:
            if number == 1 and zone_height:  # the first label's zone: the trailer below it
                y = max(y, zone_height)
            for extra in trailer(number, parts):
                set_extra = self.set(extra, sizes)
                placed, y = _lines_at(set_extra, extra.field, y + self.gap)
                lines += placed
            return lines

        pages: list[list[Line]] = []
        lines, y, capacity = start(1)
        held = 0  # lines of content (not the header) on the current box
        zone_open = bool(zone_height)
        for index, (block, set_block) in enumerate(content):
            if zone_open and not pages and block.role not in zone_roles:
                y = max(y, zone_height)
                zone_open = False
            pitch = set_block.pitch
            whole = pitch * len(set_block.lines)
            if held and index < first and y + self.gap + whole > capacity + 1e-9:
                return block.field, NOT_FIRST
            if keep and held and y + self.gap + whole > capacity + 1e-9:
                _, fresh_y, fresh_capacity = start(len(pages) + 2)
                if len(pages) + 1 < parts and fresh_y + self.gap + whole <= fresh_capacity + 1e-9:
                    pages.append(finish(len(pages) + 1, lines, y))  # moved whole
                    lines, y, capacity = start(len(pages) + 1)
                    held = 0
            row = 0
            for count in self.units(block, set_block):
                step = self.gap if row == 0 and (lines or y) else 0.0
                if y + step + pitch * count > capacity + 1e-9:
                    if not held:
                        return block.field, CANNOT_HOLD
                    if index < first:
                        return block.field, NOT_FIRST
                    pages.append(finish(len(pages) + 1, lines, y))
                    if len(pages) >= parts:
                        return block.field, TOO_LONG
                    lines, y, capacity = start(len(pages) + 1)
                    held = 0
                    step = self.gap if lines else 0.0
                    if y + step + pitch * count > capacity + 1e-9:
                        return block.field, CANNOT_HOLD
                y += step
                for text in set_block.lines[row : row + count]:
                    lines.append(
                        Line(text, set_block.font, set_block.size, y + set_block.ascent,
                             block.field, set_block.descent)
                    )  # fmt: skip
                    y += pitch
                row += count
                held += count
        pages.append(finish(len(pages) + 1, lines, y))
        return pages


def flow_blocks(
    blocks: list[Block],
    layout: Layout,
    width: float,
    height: float,
    box: str,
    *,
    header: Callable[[int, int], list[Block]],
    trailer: Callable[[int, int], list[Block]],
    zone: tuple[frozenset[str], float] = (frozenset(), 0.0),
    gap: float = 2.0,
    max_parts: int = 6,
    min_parts: int = 1,
    first: int = 0,
) -> list[list[Line]]:
    """The blocks on as few boxes (labels) as hold them, at the largest sizes that do.

    One box when they fit (with ``zone``: the roles named are clustered at the top of the
    first box, the other text starting no higher than the zone's height). Otherwise the
    text flows onto 2, 3 ... ``max_parts`` boxes, a block moving whole to the next box
    or split between its paragraphs (a wrapped line, a date, a drug name is never cut
    between boxes); the first ``first`` blocks stay on the first box. Every box ends
    with ``trailer(k, n)`` ("Label k of n") and every box after the first starts with
    ``header(k, n)`` (the patient's name and the drug). Roles shrink by
    ``layout.shrink_order``, never below their minimum; DoesNotFitError naming the
    field when even ``max_parts`` boxes at the minimum sizes cannot hold the text, or a
    box cannot hold one of its paragraphs.
    """
    if min_parts == 1 and not zone[1]:  # the common case: one label, as fit_blocks lays it out
        try:
            return [fit_blocks(blocks, layout, width, height, box, gap)]
        except DoesNotFitError as exc:
            if exc.problem != TOO_LONG:
                raise
        min_parts = 2
    blocks = [_normalised(b) for b in blocks if b.text.strip()]
    pages = _Pages(layout, width, height, gap)
    present = {b.role for b in blocks}
    last: tuple[str, str] = (blocks[-1].field if blocks else box, TOO_LONG)

    def extra(make: Callable[[int, int], list[Block]]) -> Callable[[int, int], list[Block]]:
        return lambda k, n: [] if n == 1 else [_normalised(b) for b in make(k, n)]

    for parts in range(min_parts, max_parts + 1):
        sizes = {role: style.max_size for role, style in layout.roles.items()}
        if parts > 1:
            for block in (*header(2, parts), *trailer(1, parts)):
                present.add(block.role)
        while True:
            result = pages.pour(blocks, sizes, parts, extra(header), extra(trailer), zone, first)
            if not isinstance(result, list) and parts > 1:  # blocks split between paragraphs
                result = pages.pour(
                    blocks, sizes, parts, extra(header), extra(trailer), zone, first, keep=False
                )
            if isinstance(result, list):
                if len(result) == parts:
                    return result
                break  # fewer boxes than "of n" would say: n - 1 was tried already
            last = result
            field, problem = result
            if problem in (TOO_LONG, CANNOT_HOLD, NOT_FIRST):
                groups = [
                    [r for r in group if _shrinkable(r, sizes, layout, present)]
                    for group in layout.shrink_order
                ]
                shrinkable = next((g for g in groups if g), [])
            else:
                role = next(b.role for b in blocks if b.field == field)
                shrinkable = [role] if _shrinkable(role, sizes, layout, present) else []
                if not shrinkable:
                    raise DoesNotFitError(field, box, problem)
            if not shrinkable:
                break
            for role in shrinkable:
                sizes[role] -= STEP
        if last[1] == CANNOT_HOLD:
            raise DoesNotFitError(last[0], box, last[1])
    labels = "label" if max_parts == 1 else f"{max_parts} labels"
    raise DoesNotFitError(last[0], box, f"too long even on {labels} at the minimum sizes")


def lay_out_block(block: Block, layout: Layout, width: float) -> list[Line]:
    """One block wrapped at its role's maximum size (no shrinking); baselines from 0."""
    block = _normalised(block)
    sizes = {role: style.max_size for role, style in layout.roles.items()}
    lines, _, offending = _layout([block], sizes, layout, width, 0)
    if offending is not None:
        raise DoesNotFitError(offending[0], "page", offending[1])
    return lines


def line_pitch(line: Line, layout: Layout) -> float:
    """Vertical space one laid-out line takes."""
    ascent, descent = font_metrics(line.font)
    return max(layout.leading * line.size, (ascent + descent) * line.size)
