"""Label stocks: the size and layout of the labels a pharmacy prints on.

A stock is a TOML file in ``templates/stocks/`` (or a user's own file) with the fields
gLabels uses: label width and height, corner radius (``round``), margin, and for sheet
stock the paper and the layout (``nx``, ``ny`` labels across and down, first label at
``x0``, ``y0`` from the sheet's top left, then every ``dx`` across and ``dy`` down). A
roll stock prints one label a page, the page exactly the label's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from compounder.core.datafiles import (
    Table,
    display_name,
    id_or_file,
    is_file_path,
    load_toml,
    shipped_ids,
)
from compounder.core.units import mm_to_pt
from compounder.errors import DataFileError

#: Paper sizes in mm.
PAPER = {"letter": (Decimal("215.9"), Decimal("279.4")), "a4": (Decimal(210), Decimal(297))}


@dataclass(frozen=True)
class LabelStock:
    """One label stock; every length in mm, exact."""

    id: str
    name: str
    kind: str  # "roll" or "sheet"
    width_mm: Decimal
    height_mm: Decimal
    round_mm: Decimal
    margin_mm: Decimal
    paper: str = ""
    nx: int = 1
    ny: int = 1
    x0_mm: Decimal = Decimal(0)
    y0_mm: Decimal = Decimal(0)
    dx_mm: Decimal = Decimal(0)
    dy_mm: Decimal = Decimal(0)

    @property
    def per_page(self) -> int:
        return self.nx * self.ny

    @property
    def page_size_mm(self) -> tuple[Decimal, Decimal]:
        if self.kind == "roll":
            return (self.width_mm, self.height_mm)
        return PAPER[self.paper]

    @property
    def page_size_pt(self) -> tuple[float, float]:
        width, height = self.page_size_mm
        return (mm_to_pt(width), mm_to_pt(height))

    def origin_mm(self, slot: int) -> tuple[Decimal, Decimal]:
        """Bottom-left corner of label ``slot`` (0-based) on its page, in PDF coordinates."""
        if self.kind == "roll":
            return (Decimal(0), Decimal(0))
        column, row = slot % self.nx, slot // self.nx
        left = self.x0_mm + column * self.dx_mm
        top = self.y0_mm + row * self.dy_mm
        return (left, self.page_size_mm[1] - top - self.height_mm)


def shipped_stocks() -> list[str]:
    return shipped_ids("stocks")


def load_stock(name_or_path: str | Path) -> LabelStock:
    """A shipped stock by id, or a stock file by path."""
    text = str(name_or_path)
    if not is_file_path(text):
        return _shipped_stock(text)
    return _stock_file(text)


@cache
def _shipped_stock(text: str) -> LabelStock:
    return _stock_file(text)


def _stock_file(text: str) -> LabelStock:
    path = id_or_file(text, "stocks", "stock")
    table = Table(load_toml(path), display_name(path))
    table.check_keys(
        {"id", "name", "kind", "paper", "width", "height", "round", "margin", "layout"}
    )

    def length(t: Table, key: str) -> Decimal:
        return t.magnitude(key, "length", "mm")  # type: ignore[no-any-return]

    kind = table.text("kind")
    if kind not in ("roll", "sheet"):
        raise table.error("kind", f"{kind!r} is not accepted", "roll or sheet")
    fields = {
        "id": table.text("id"),
        "name": table.text("name"),
        "kind": kind,
        "width_mm": length(table, "width"),
        "height_mm": length(table, "height"),
        "round_mm": length(table, "round") if "round" in table.data else Decimal(0),
        "margin_mm": length(table, "margin"),
    }
    if kind == "sheet":
        paper = table.text("paper")
        if paper not in PAPER:
            raise table.error("paper", f"{paper!r} is not accepted", " or ".join(PAPER))
        layout = table.table("layout")
        layout.check_keys({"nx", "ny", "x0", "y0", "dx", "dy"})
        fields.update(
            paper=paper,
            nx=layout.integer("nx"),
            ny=layout.integer("ny"),
            x0_mm=length(layout, "x0"),
            y0_mm=length(layout, "y0"),
            dx_mm=length(layout, "dx"),
            dy_mm=length(layout, "dy"),
        )
    stock = LabelStock(**fields)  # type: ignore[arg-type]  # checked field by field above
    _check_geometry(stock, table.path)
    return stock


def _check_geometry(stock: LabelStock, path: str) -> None:
    if 2 * stock.margin_mm >= min(stock.width_mm, stock.height_mm):
        raise DataFileError(path, "margin", "leaves no room inside the label")
    if stock.kind == "sheet":
        paper_w, paper_h = PAPER[stock.paper]
        right = stock.x0_mm + (stock.nx - 1) * stock.dx_mm + stock.width_mm
        bottom = stock.y0_mm + (stock.ny - 1) * stock.dy_mm + stock.height_mm
        if right > paper_w or bottom > paper_h:
            raise DataFileError(
                path, "layout", "labels fall off the paper", f"a layout within {stock.paper} paper"
            )
        if stock.nx > 1 and stock.dx_mm < stock.width_mm:
            raise DataFileError(path, "layout.dx", "labels overlap across")
        if stock.ny > 1 and stock.dy_mm < stock.height_mm:
            raise DataFileError(path, "layout.dy", "labels overlap down")
