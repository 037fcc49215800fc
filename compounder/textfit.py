"""Fitting text into a box: wrap, shrink to a minimum size, or refuse naming the field.

Used by labels and charts. A block of text has a role (its style: maximum and minimum
size, bold) and the field it shows. ``fit_blocks`` wraps every block to the width and
shrinks roles, least important first, until all fit the height. A word wider than the
box at the minimum size, or text that does not fit at minimum sizes, raises
``DoesNotFitError`` naming the field. Nothing is ever truncated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from compounder.datafiles import Table, display_name, load_toml, template_path
from compounder.errors import EXIT_SAFETY, CompounderError
from compounder.fonts import font_for, normalise, register_fonts

STEP = 0.5


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


@dataclass(frozen=True)
class Layout:
    leading: float
    shrink_order: tuple[tuple[str, ...], ...]
    roles: dict[str, Style]
    extra: dict = field(default_factory=dict)


@cache
def load_layout(name: str = "label_layout.toml", path: str | None = None) -> Layout:
    file = Path(path) if path else template_path(name)
    table = Table(load_toml(file), display_name(file))
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
    extra = {k: v for k, v in table.data.items() if k not in ("role", "shrink_order", "leading")}
    return Layout(float(table.decimal("leading")), order, roles, extra)


@dataclass(frozen=True)
class Block:
    """Text to lay out: its role (style), the field it shows (for errors), the text."""

    role: str
    field: str
    text: str
    private: bool = False  # patient data: never repeated in an error message


@dataclass(frozen=True)
class Line:
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

    face = pdfmetrics.getFont(font).face
    return face.ascent / 1000, -face.descent / 1000


@lru_cache(maxsize=8192)
def string_width(text: str, font: str, size: float) -> float:
    """Width of ``text`` in points (cached: labels repeat the same words)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, font, size)


def wrap(text: str, font: str, size: float, width: float) -> list[str] | None:
    """Greedy word wrap; None if one word alone is wider than ``width``.

    TrueType widths add up (no kerning is applied), so a line's width is the sum of its
    words' widths and the spaces between them.
    """
    space = string_width(" ", font, size)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words: list[str] = []
        used = 0.0
        for word in paragraph.split():
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
    return lines


def _layout(
    blocks: list[Block], sizes: dict[str, float], layout: Layout, width: float, gap: float
) -> tuple[list[Line], float, tuple[str, str] | None]:
    lines: list[Line] = []
    y = 0.0
    for index, block in enumerate(blocks):
        style = layout.roles[block.role]
        choice = font_for(block.text, style.bold, block.field, block.private)
        size = sizes[block.role]
        wrapped = _wrapped(block.text, choice.name, size, width)
        if wrapped is None:
            return lines, y, (block.field, "a word is too wide even at the minimum size")
        if len(wrapped) > style.max_lines:
            problem = f"it needs more than {style.max_lines} lines even at the minimum size"
            return lines, y, (block.field, problem)
        ascent, descent = font_metrics(choice.name)
        pitch = max(layout.leading * size, (ascent + descent) * size)
        if index:
            y += gap
        for text in wrapped:
            lines.append(
                Line(text, choice.name, size, y + ascent * size, block.field, descent * size)
            )
            y += pitch
    return lines, y, None


@lru_cache(maxsize=2048)
def _wrapped(text: str, font: str, size: float, width: float) -> tuple[str, ...] | None:
    """``wrap``, remembered: most blocks of a label are the same on every label."""
    lines = wrap(text, font, size, width)
    return tuple(lines) if lines is not None else None


def _shrinkable(role: str, sizes: dict[str, float], layout: Layout, present: set[str]) -> bool:
    return role in present and sizes[role] - STEP >= layout.roles[role].min_size - 1e-9


def fit_blocks(
    blocks: list[Block], layout: Layout, width: float, height: float, box: str, gap: float = 2.0
) -> list[Line]:
    """Lines that fill at most ``height``, or DoesNotFitError naming the field."""
    register_fonts()
    blocks = [
        Block(b.role, b.field, normalise(b.text), b.private) for b in blocks if b.text.strip()
    ]
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
            raise DoesNotFitError(overflow, box, "too long even at the minimum size")
        for role in shrinkable:
            sizes[role] -= STEP


def lay_out_block(block: Block, layout: Layout, width: float) -> list[Line]:
    """One block wrapped at its role's maximum size (no shrinking); baselines from 0."""
    register_fonts()
    block = Block(block.role, block.field, normalise(block.text), block.private)
    sizes = {role: style.max_size for role, style in layout.roles.items()}
    lines, _, offending = _layout([block], sizes, layout, width, 0)
    if offending is not None:
        raise DoesNotFitError(offending[0], "page", offending[1])
    return lines


def line_pitch(line: Line, layout: Layout) -> float:
    """Vertical space one laid-out line takes."""
    ascent, descent = font_metrics(line.font)
    return max(layout.leading * line.size, (ascent + descent) * line.size)
