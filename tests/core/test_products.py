"""The products table (core.products) and stock quantities (core.inventory)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from compounder.core.inventory import (
    LotEvent,
    LotEventKind,
    LotStatus,
    StockAmount,
    check_usable,
    parse_stock_quantity,
    received_lot,
)
from compounder.core.products import find_ingredient, load_products
from compounder.errors import DataFileError, InputError, SafetyError


def test_the_shipped_products_map_gtins_and_ndcs_to_ingredients():
    table = load_products()
    assert table.by_gtin("00312345678906").ingredient == "tablet-50mg"
    assert table.by_gtin("00399999999999", ndc="1234567890").ingredient == "tablet-50mg"
    assert find_ingredient("glycerol").form == "liquid"
    assert find_ingredient("ascorbic-acid").form == "powder"
    assert find_ingredient("tablets").id == "tablet-50mg"
    with pytest.raises(InputError, match="products"):
        table.by_gtin("09501101530058")


def test_a_pharmacy_adds_and_replaces_products(tmp_path):
    own = tmp_path / "own.toml"
    own.write_text(
        '[[product]]\ngtin = "00312345678906"\nname = "Our tablets"\n'
        'ingredient = "tablet-50mg"\nunit = "tablets"\nsupplier = "Wholesaler A"\n'
        '[[product]]\ngtin = "09501101530058"\nname = "Our glycerol"\n'
        'ingredient = "glycerol"\nunit = "mL"\n'
    )
    table = load_products(own)
    assert table.by_gtin("00312345678906").supplier == "Wholesaler A"
    assert table.by_gtin("09501101530058").ingredient == "glycerol"
    assert table.by_gtin("09501101530010").ingredient == "powder-hcl"  # shipped, kept


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ('gtin = "00312345678907"', "gtin"),  # check digit
        ('gtin = "09501101530058"\nunit = "boxes"', "unit"),
        ('gtin = "09501101530058"\ningredient = "saline"', "ingredient"),
    ],
)
def test_a_bad_product_is_blamed_on_its_key(tmp_path, entry, key):
    fields = {"gtin": '"09501101530058"', "name": '"X"', "ingredient": '"glycerol"',
              "unit": '"mL"'}
    for line in entry.splitlines():
        name, _, value = line.partition(" = ")
        fields[name] = value
    own = tmp_path / "bad.toml"
    own.write_text("[[product]]\n" + "".join(f"{k} = {v}\n" for k, v in fields.items()))
    with pytest.raises(DataFileError) as caught:
        load_products(own)
    assert caught.value.key.endswith(key)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("100 tablets", StockAmount(Decimal(100), "tablets")),
        ("1 tablet", StockAmount(Decimal(1), "tablets")),
        ("25 g", StockAmount(Decimal(25000), "mg")),
        ("0.5 L", StockAmount(Decimal(500), "mL")),
        ("500mL", StockAmount(Decimal(500), "mL")),
    ],
)
def test_stock_quantities_are_exact(text, amount):
    assert parse_stock_quantity(text) == amount


@pytest.mark.parametrize("text", ["-3 tablets", "2.5 tablets", "0 g", "3 boxes", "3", "5 cc"])
def test_bad_quantities_are_refused(text):
    with pytest.raises(InputError):
        parse_stock_quantity(text)


def test_a_lots_events_fold_into_its_status():
    receipt = {"ingredient": "tablet-50mg", "unit": "tablets", "expiry": "2027-06-30",
               "quantity": "10", "quarantined": True}
    events = [LotEvent(LotEventKind.RECEIPT, receipt, "2026-12-01T09:00:00")]
    lot = received_lot("AB1", events, Decimal(0))
    assert lot is not None and lot.status is LotStatus.QUARANTINED
    with pytest.raises(SafetyError, match="AB1 is quarantined"):
        check_usable(lot, date(2026, 12, 1))
    events.append(LotEvent(LotEventKind.RELEASE, {"pharmacist": "JD"}, ""))
    events.append(LotEvent(LotEventKind.ADJUST, {"by": "-2", "reason": "x"}, ""))
    lot = received_lot("AB1", events, Decimal(3))
    assert lot is not None and lot.on_hand == 5
    check_usable(lot, date(2027, 6, 30), StockAmount(Decimal(5), "tablets"))
    with pytest.raises(SafetyError, match="holds 5 tablets"):
        check_usable(lot, date(2026, 12, 1), StockAmount(Decimal(6), "tablets"))
    with pytest.raises(SafetyError, match="AB1 is expired"):
        check_usable(lot, date(2027, 7, 1))
    events.append(LotEvent(LotEventKind.RECALL, {"reason": "recall"}, ""))
    lot = received_lot("AB1", events, Decimal(3))
    assert lot is not None and lot.status_on(date(2030, 1, 1)) is LotStatus.RECALLED
