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


def test_extra_fields_after_the_expiry():
    lot = parse_lot(
        "naltrexone 50mg tab:AB1234:2027-06-30:manufacturer=Accord:ndc=16729-081-01:source=McKesson"
    )
    assert (lot.ingredient, lot.lot, lot.expiry) == (
        "naltrexone 50mg tab",
        "AB1234",
        date(2027, 6, 30),
    )
    assert (lot.manufacturer, lot.ndc, lot.source) == ("Accord", "16729-081-01", "McKesson")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tab:AB1:2027-06-30:colour=red", "then optionally :source=...:manufacturer=...:ndc="),
        ("tab:AB1:2027-06-30:ndc", "then optionally :source="),
        ("tab:AB1:2027-06-30:ndc=1:ndc=2", "then optionally :source="),
        ("tab:AB1:2027-06-30:ndc=12345", "an NDC of 10 digits"),
        ("tab:AB1:2027-06-30:ndc=1234-56789-0", "an NDC of 10 digits"),
    ],
)
def test_bad_extra_fields(text, expected):
    with pytest.raises(InputError, match=expected):
        parse_lot(text)


@pytest.mark.parametrize("ndc", ["1234-5678-90", "12345-678-90", "12345-6789-0", "12345-6789-01"])
def test_ndc_forms(ndc):
    assert parse_lot(f"tab:AB1:2027-06-30:ndc={ndc}").ndc == ndc


def test_lots_file_with_extra_columns(tmp_path):
    path = tmp_path / "lots.csv"
    path.write_text(
        "ingredient,lot,expiry,manufacturer,ndc\n"
        "naltrexone tab,AB1,2027-01-31,Accord,16729-081-01\nglycerin,G5,2027-08-01,,\n"
    )
    first, second = read_lots_file(path)
    assert (first.manufacturer, first.ndc, second.manufacturer) == ("Accord", "16729-081-01", "")
    path.write_text("ingredient,lot,expiry,colour\nx,AB1,2027-01-31,red\n")
    with pytest.raises(DataFileError, match="then any of source, manufacturer, ndc"):
        read_lots_file(path)
    path.write_text("ingredient,lot,expiry,ndc\nx,AB1,2027-01-31,999\n")
    with pytest.raises(InputError, match=r"lots.csv: line 2: ndc: '999'"):
        read_lots_file(path)
