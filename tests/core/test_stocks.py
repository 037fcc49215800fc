"""Label stocks as data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compounder.core.stocks import load_stock, shipped_stocks
from compounder.errors import DataFileError, InputError


def test_shipped_stocks():
    assert shipped_stocks() == ["a4-99x67", "avery-5163", "roll-4x6", "thermal-4x3"]


def test_avery_5163_layout():
    stock = load_stock("avery-5163")
    assert (stock.width_mm, stock.height_mm) == (Decimal("101.6"), Decimal("50.8"))
    assert (stock.nx, stock.ny, stock.per_page) == (2, 5, 10)
    assert stock.page_size_pt == (612.0, 792.0)
    # second column, second row: x0 + dx, and y from the bottom of the page
    left, bottom = stock.origin_mm(3)
    assert left == Decimal("3.96875") + Decimal("106.3625")
    assert bottom == Decimal("279.4") - Decimal("12.7") - Decimal("50.8") - Decimal("50.8")


def test_roll_page_is_the_label():
    stock = load_stock("thermal-4x3")
    assert stock.page_size_pt == pytest.approx((288.0, 216.0))


def test_unknown_stock():
    with pytest.raises(InputError, match="one of a4-99x67, avery-5163"):
        load_stock("avery-9999")


def test_bad_stock_files(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        'id = "x"\nname = "x"\nkind = "sheet"\npaper = "letter"\nwidth = "4 in"\n'
        'height = "2 in"\nmargin = "0.1 in"\n[layout]\nnx = 3\nny = 5\n'
        'x0 = "0.15 in"\ny0 = "0.5 in"\ndx = "4.2 in"\ndy = "2 in"\n'
    )
    with pytest.raises(DataFileError, match="layout: labels fall off the paper"):
        load_stock(path)
    path.write_text(
        'id = "x"\nname = "x"\nkind = "roll"\nwidth = "4 mL"\nheight = "2 in"\nmargin = "0.1 in"\n'
    )
    with pytest.raises(DataFileError, match="width: '4 mL' is not accepted; expected a length"):
        load_stock(path)
