"""Ingredient lots as typed and from a CSV file."""

from __future__ import annotations

from datetime import date

import pytest

from compounder.core.lots import parse_lot, read_lots_file
from compounder.errors import DataFileError, InputError


def test_forms():
    assert parse_lot("2027-06-30").expiry == date(2027, 6, 30)
    assert parse_lot("AB1234:2027-06-30").label == "AB1234"
    lot = parse_lot("naltrexone 50mg tab:AB1234:2027-06-30")
    assert (lot.ingredient, lot.lot, lot.label) == (
        "naltrexone 50mg tab",
        "AB1234",
        "naltrexone 50mg tab lot AB1234",
    )


@pytest.mark.parametrize("text", ["", "AB:", "2027-13-01", "a:b:c:2027-01-01", "AB:tomorrow"])
def test_bad_forms(text):
    with pytest.raises(InputError, match="expected DATE, LABEL:DATE or INGREDIENT:LOT:DATE"):
        parse_lot(text)


def test_lots_file(tmp_path):
    path = tmp_path / "lots.csv"
    path.write_text("\ufeffingredient,lot,expiry\r\nnaltrexone tab,AB1,2027-01-31\r\n")
    (lot,) = read_lots_file(path)
    assert lot.label == "naltrexone tab lot AB1"


def test_lots_file_errors(tmp_path):
    path = tmp_path / "lots.csv"
    path.write_text("ingredient,lot,expiry\nx,AB1,31/01/2027\n")
    with pytest.raises(InputError, match=r"lots.csv: line 2: expiry: '31/01/2027'"):
        read_lots_file(path)
    path.write_text("name,expiry\n")
    with pytest.raises(DataFileError, match="header"):
        read_lots_file(path)
