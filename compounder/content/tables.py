"""Text tables for the terminal: columns aligned, every cell made printable."""

from __future__ import annotations

from collections.abc import Sequence

from compounder.core.identity import escaped


def printable(text: str) -> str:
    """Text for a terminal: control and invisible characters escaped (``\\x1b``), so
    nothing read from a log or typed can move the cursor or recolour the screen
    (``core.identity.escaped``, which every CSV uses too)."""
    return escaped(text)


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns left-aligned to their widest cell, a rule under the header; every cell
    made printable."""
    rows = [[printable(cell) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)
