"""Compounding records: the record's fields against hand-worked values, what each
ingredient lot used, the record a batch plans for powder, and the ISMP gate on the lines
Compounder writes (not on what the pharmacist typed)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from compounder.content.records import (
    QUALITY_CHECKS,
    compounding_record,
    ingredient_uses,
    planned_powder_record,
    record_blocks,
)
from compounder.core.bud import beyond_use_date, load_bud_rules
from compounder.core.lots import IngredientExpiry
from compounder.core.preparation import prepare
from compounder.core.sources import load_sources
from compounder.core.vehicles import find_vehicle
from compounder.errors import InputError

DAY = date(2026, 12, 1)
AT = datetime(2026, 12, 1, 9, 30, 15)
TABLET_LOT = IngredientExpiry("naltrexone 50mg tab", "AB1234", date(2027, 6, 30))
WATER_LOT = IngredientExpiry("purified water", "W77", date(2027, 1, 31))
USP_14 = "USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)"
USP_35 = "USP <795> (2023), BUD table: aqueous preparations, preserved (35 days, refrigerator)"
WARNINGS = ["Shake well", "Refrigerate, do not freeze", "Protect from light"]
STORAGE = "Store in a refrigerator, 2 °C to 8 °C. Do not freeze."


def make(conc, volume, source="tablets", vehicle="water", lots=(), **kw):
    sources = load_sources()
    return prepare(
        Decimal(conc),
        Decimal(volume),
        sources.find(source),
        find_vehicle(vehicle),
        sources,
        load_bud_rules(),
        DAY,
        lots=lots,
        **kw,
    )


def powder():
    # 1 mg/mL x 100 mL = 100 mg HCl; / (0.992 x (1 - 0.008)) = 100 / 0.984064
    # = 101.6194... mg, weighed up to the balance's 0.1 mg: 101.7 mg
    return make(
        "1", "100", "powder", "fawcett-preserved", assay=Decimal("0.992"), water=Decimal("0.008")
    )


def test_a_tablet_record_against_hand_worked_values():
    # 1 mg/mL x 30 mL = 30 mg: one 50 mg tablet (rounded up), which at 1 mg/mL makes
    # 50 mL (20 mL more than asked); BUD 14 days, 2026-12-01 counted as day 1: 2026-12-14
    lots = (TABLET_LOT, WATER_LOT)
    record = compounding_record(
        make("1", "30", lots=lots), "20261201-001", "1234567", "JD", "MK", lots, AT
    )
    mfr = record["master_formulation"]
    assert record["title"] == "Naltrexone HCl 1 mg/mL oral suspension"
    assert (record["lot"], record["rx"]) == ("20261201-001", "1234567")
    assert record["compounded_at"] == "2026-12-01T09:30"  # to the minute
    assert mfr["name"] == (
        "Naltrexone HCl 1 mg/mL oral suspension from naltrexone hydrochloride 50 mg tablets, "
        "in purified water"
    )
    assert mfr["drug"] == "Naltrexone hydrochloride 50 mg tablets"
    assert mfr["salt"] == "doses as naltrexone hydrochloride; source is the hydrochloride"
    assert (mfr["vehicle"], mfr["container"]) == ("Purified water", "amber glass or plastic bottle")
    assert mfr["calculation"] == (
        "1 mg/mL x 30 mL = 30 mg; 1 tablet(s) of 50 mg = 50 mg, made up to 50 mL"
    )
    assert mfr["method"][0] == "Count 1 x 50 mg tablet and place in a clean mortar."
    assert mfr["method"][4] == "Make up to 50 mL with Purified water."
    assert (mfr["bud_rule"], mfr["storage"], mfr["warnings"]) == (USP_14, STORAGE, WARNINGS)
    assert (record["tablets"], record["drug_mass_mg"]) == (1, "50")
    assert (record["quantity_made_ml"], record["requested_ml"]) == ("50", "30")
    assert (record["bud"], record["bud_basis"]) == ("2026-12-14", USP_14)
    assert (record["prepared_by"], record["checked_by"]) == ("JD", "MK")
    assert record["quality_checks"] == list(QUALITY_CHECKS)
    assert record["preparation"]["excess_ml"] == "20"
    assert "bud_detail" not in record["preparation"]


def test_eight_tablets_and_the_ingredient_lot_setting_the_bud():
    # 1 mg/mL x 358 mL = 358 mg: 8 tablets (7 give only 350 mg), 400 mg made up to 400 mL;
    # the water lot expires 2026-12-10, before the 14-day limit: it sets the BUD
    water = IngredientExpiry("purified water", "W1", date(2026, 12, 10))
    lots = (TABLET_LOT, water)
    record = compounding_record(make("1", "358", lots=lots), "L", None, "JD", "MK", lots, AT)
    assert record["master_formulation"]["calculation"] == (
        "1 mg/mL x 358 mL = 358 mg; 8 tablet(s) of 50 mg = 400 mg, made up to 400 mL"
    )
    assert record["ingredients"][0]["quantity"] == "8 x 50 mg tablets"
    assert record["ingredients"][1]["quantity"] == "to 400 mL"
    assert (record["bud"], record["bud_basis"]) == (
        "2026-12-10",
        "expiry of ingredient purified water lot W1",
    )


def test_a_powder_record_against_hand_worked_values():
    record = compounding_record(powder(), "20261201-002", None, "JD", "MK", (), AT)
    mfr = record["master_formulation"]
    assert mfr["calculation"] == (
        "1 mg/mL x 100 mL = 100 mg HCl; / (assay 99.2% x (1 - water 0.8%)), salt factor "
        "applied: calculated about 101.6194 mg, weighed up to 101.7 mg"
    )
    assert mfr["method"][0] == "Weigh 101.7 mg of Naltrexone hydrochloride USP powder."
    assert (record["tablets"], record["drug_mass_mg"]) == (None, "101.7")
    assert (record["quantity_made_ml"], record["requested_ml"]) == ("100", "100")
    # preserved, refrigerated: 35 days from 2026-12-01 (day 1) is 2027-01-04
    assert (record["bud"], record["bud_basis"]) == ("2027-01-04", USP_35)
    assert record["ingredients"] == []


def test_ingredient_uses_drug_against_vehicle():
    prep = make("1", "30")
    unnamed = IngredientExpiry("", "X9", date(2027, 1, 1))  # LABEL:DATE: taken as the drug
    upper = IngredientExpiry("NALTREXONE HCL", "N1", date(2027, 1, 1))
    assert ingredient_uses(prep, (TABLET_LOT, WATER_LOT, unnamed, upper)) == [
        {
            "ingredient": "naltrexone 50mg tab",
            "lot": "AB1234",
            "expiry": "2027-06-30",
            "quantity": "1 x 50 mg tablet",
        },
        {
            "ingredient": "purified water",
            "lot": "W77",
            "expiry": "2027-01-31",
            "quantity": "to 50 mL",
        },
        {
            "ingredient": "Naltrexone hydrochloride 50 mg tablets",
            "lot": "X9",
            "expiry": "2027-01-01",
            "quantity": "1 x 50 mg tablet",
        },
        {
            "ingredient": "NALTREXONE HCL",
            "lot": "N1",
            "expiry": "2027-01-01",
            "quantity": "1 x 50 mg tablet",
        },
    ]
    # a weighed drug is given by mass
    powder_lot = IngredientExpiry("naltrexone HCl powder", "P778", date(2027, 3, 31))
    uses = ingredient_uses(powder(), (powder_lot, WATER_LOT))
    assert [u["quantity"] for u in uses] == ["101.7 mg", "to 100 mL"]


def test_the_planned_powder_record_leaves_the_weighing_blank():
    sources = load_sources()
    vehicle = find_vehicle("fawcett-preserved")
    bud = beyond_use_date(DAY, vehicle, load_bud_rules())
    planned = planned_powder_record(
        Decimal(1),
        Decimal(100),
        sources.find("powder"),
        vehicle,
        bud,
        "20261201-003",
        "hydrochloride",
        datetime(2026, 12, 1),
    )
    mfr = planned["master_formulation"]
    assert mfr["method"][0] == "Weigh ________ mg of Naltrexone hydrochloride USP powder."
    assert mfr["method"][3] == (
        "Make up to 100 mL with Purified water with ascorbic acid 0.5%, sodium benzoate 0.1% "
        "and glycerol 20%."
    )
    assert mfr["calculation"] == (
        "1 mg/mL x 100 mL = 100 mg HCl; weigh = that / (assay x (1 - water)) from the "
        "certificate of analysis (compounder prepare --from powder --assay ... --water ...): "
        "________ mg"
    )
    assert (planned["rx"], planned["tablets"], planned["drug_mass_mg"]) == (None, None, None)
    assert (planned["quantity_made_ml"], planned["requested_ml"]) == ("100", "100")
    assert (planned["bud"], planned["bud_basis"]) == ("2027-01-04", USP_35)
    assert (planned["prepared_by"], planned["checked_by"]) == ("________", "________")
    assert planned["compounded_at"] == "2026-12-01T00:00"
    # the master formulation agrees with the record of the same preparation once weighed
    weighed = compounding_record(powder(), "20261201-003", None, "JD", "MK", (), AT)
    for key in ("name", "drug", "salt", "vehicle", "container", "bud_rule", "storage", "warnings"):
        assert mfr[key] == weighed["master_formulation"][key], key
    record_blocks(planned)  # and it passes the ISMP gate


def test_record_blocks_in_reading_order():
    lots = (TABLET_LOT, WATER_LOT)
    record = compounding_record(
        make("1", "30", lots=lots), "20261201-001", None, "JD", "MK", lots, AT
    )
    blocks = record_blocks(record)
    texts = [b.text for b in blocks]
    assert [(b.role, b.text) for b in blocks[:4]] == [
        ("title", "Compounding record"),
        ("heading", "Naltrexone HCl 1 mg/mL oral suspension - lot 20261201-001"),
        ("body", "Rx: (stock preparation) • Compounded: 2026-12-01 09:30"),
        ("heading", "Master formulation"),
    ]
    headings = [b.text for b in blocks if b.role == "heading"][1:]
    assert headings == [
        "Master formulation",
        "Method",
        "Ingredients used",
        "Result",
        "Quality checks",
        "Deviations",
    ]
    assert "1. Count 1 x 50 mg tablet and place in a clean mortar." in texts
    assert "Quantity made: 50 mL (requested 30 mL)" in texts
    assert f"BUD: 2026-12-14 - set by {USP_14}" in texts
    assert "Prepared by: JD • Checked by: MK • Date checked: ____________" in texts
    assert texts.count("_" * 60) == 2
    assert {b.field for b in blocks} == {"record"} and not any(b.private for b in blocks)


def test_the_pharmacists_text_is_not_gated_but_compounders_lines_are():
    # "50mg" runs a number into its unit: refused on any line Compounder writes, kept as
    # typed in an ingredient the pharmacist entered
    lots = (TABLET_LOT,)
    record = compounding_record(make("1", "30", lots=lots), "L1", "1234567", "JD", "MK", lots, AT)
    texts = [b.text for b in record_blocks(record)]
    assert (
        "naltrexone 50mg tab • lot AB1234 • expiry 2027-06-30 • quantity 1 x 50 mg tablet" in texts
    )
    record["master_formulation"]["container"] = "amber bottle, 50mL"
    with pytest.raises(InputError) as caught:
        record_blocks(record)
    assert str(caught.value) == (
        "record: 'Container: amber bottle, 50mL' is not accepted; expected text without a "
        "number run into its unit (write 10 mg)"
    )
    record["master_formulation"]["container"] = "amber bottle"
    record["quantity_made_ml"] = "50.0"
    with pytest.raises(InputError, match="a trailing zero"):
        record_blocks(record)


def test_no_ingredient_lots_says_so():
    record = compounding_record(make("1", "30"), "L1", None, "JD", "MK", (), AT)
    texts = [b.text for b in record_blocks(record)]
    at = texts.index("Ingredients used")
    assert texts[at + 1] == "No ingredient lots were entered."


@pytest.mark.xfail(
    strict=True,
    reason="the 'Prepared by / Checked by' line carries the names the pharmacist typed but "
    "goes through the full ISMP gate (abbreviations included), so a name that check_name "
    "accepts and labels accept for a prescriber ('U Thant') makes the record fail; names "
    "elsewhere are checked for number forms only",
)
def test_a_pharmacists_name_is_not_read_as_an_abbreviation():
    record = compounding_record(make("1", "30"), "L1", None, "U Thant", "MK", (), AT)
    assert "Prepared by: U Thant • Checked by: MK • Date checked: ____________" in [
        b.text for b in record_blocks(record)
    ]
