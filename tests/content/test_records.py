"""Compounding records: the record's fields against hand-worked values, what each
ingredient lot used, the record a batch plans for powder, the master formulation and
the vehicle's sub-formula, the time (known or blank, never invented), warnings, and the
ISMP gate on the lines Compounder writes (not on what the pharmacist typed)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compounder.content.records import (
    compounding_record,
    ingredient_uses,
    planned_powder_record,
    record_blocks,
)
from compounder.core.bud import beyond_use_date, load_bud_rules
from compounder.core.formulations import find_formulation
from compounder.core.lots import IngredientExpiry, parse_lot
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
        "Naltrexone HCl 1 mg/mL oral suspension from Naltrexone hydrochloride 50 mg tablets, "
        "in purified water"
    )
    assert (mfr["id"], mfr["version"], mfr["dosage_form"]) == ("LDN-T50-W-1", 1, "oral suspension")
    assert mfr["formula"] == [
        {
            "ingredient": "Naltrexone hydrochloride 50 mg tablets",
            "role": "drug",
            "quantity": "1 x 50 mg tablet",
            "unit": "tablets",
        },
        {
            "ingredient": "Purified water USP",
            "role": "vehicle",
            "quantity": "to 50 mL",
            "unit": "mL",
        },
    ]
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
    checks = find_formulation("tablet-50mg", "water", Decimal(1)).quality_checks
    assert record["quality_checks"] == mfr["quality_checks"] == list(checks)
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
        'expiry of ingredient lot W1 ("purified water")',
    )


def test_a_powder_record_against_hand_worked_values():
    record = compounding_record(powder(), "20261201-002", None, "JD", "MK", (), AT)
    mfr = record["master_formulation"]
    assert mfr["calculation"] == (
        "1 mg/mL x 100 mL = 100 mg HCl; x salt factor (hydrochloride / hydrochloride, g/mol) "
        "377.86 / 377.86 = 1 / (assay 99.2% x (1 - water 0.8%)): calculated about 101.6194 mg, "
        "weighed up to 101.7 mg"
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
            "source": "",
            "manufacturer": "",
            "ndc": "",
            "quantity": "1 x 50 mg tablet",
        },
        {
            "ingredient": "purified water",
            "lot": "W77",
            "expiry": "2027-01-31",
            "source": "",
            "manufacturer": "",
            "ndc": "",
            "quantity": "to 50 mL",
        },
        {
            "ingredient": "Naltrexone hydrochloride 50 mg tablets",
            "lot": "X9",
            "expiry": "2027-01-01",
            "source": "",
            "manufacturer": "",
            "ndc": "",
            "quantity": "1 x 50 mg tablet",
        },
        {
            "ingredient": "NALTREXONE HCL",
            "lot": "N1",
            "expiry": "2027-01-01",
            "source": "",
            "manufacturer": "",
            "ndc": "",
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
        DAY,  # a batch plans the day; the time is written at the bench
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
    assert planned["compounded_at"] == "2026-12-01"  # never an invented 00:00
    assert planned["compounded_time"] is None
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
    assert [(b.role, b.text) for b in blocks[:5]] == [
        ("title", "Compounding record"),
        ("heading", "Naltrexone HCl 1 mg/mL oral suspension - lot 20261201-001"),
        ("body", "Rx: (stock preparation) • Lot: 20261201-001 • Date: 2026-12-01 • Time: 09:30"),
        ("body", "Master formulation record: LDN-T50-W-1 version 1 (effective 2026-11-01)"),
        ("heading", "Master formulation"),
    ]
    headings = [b.text for b in blocks if b.role == "heading"][1:]
    assert headings == [
        "Master formulation",
        "Method",  # water has no preparation steps of its own
        "Components used",
        "Result",
        "Quality checks",
        "Deviations",
    ]
    assert "1. Count 1 x 50 mg tablet and place in a clean mortar." in texts
    assert "Total quantity made: 50 mL (requested 30 mL) • Yield (measured): ________ mL" in texts
    assert f"BUD: 2026-12-14 - set by {USP_14}" in texts
    assert "Prepared by: JD • Checked by: MK" in texts
    assert "Date prepared: 2026-12-01 • Date checked: ________" in texts
    assert texts.count("_" * 60) == 2
    assert {b.field for b in blocks} == {"record"} and not any(b.private for b in blocks)


def test_the_pharmacists_text_is_not_gated_but_compounders_lines_are():
    # "50mg" runs a number into its unit: refused on any line Compounder writes, kept as
    # typed in what the pharmacist entered (a lot, a name, an NDC)
    lots = (IngredientExpiry("naltrexone 50mg tab", "AB1234", date(2027, 6, 30), "Wholesale 5mg"),)
    record = compounding_record(make("1", "30", lots=lots), "L1", "1234567", "JD", "MK", lots, AT)
    texts = [b.text for b in record_blocks(record)]
    assert (
        "Source Wholesale 5mg • Manufacturer ________ • NDC ________ • Lot AB1234 • "
        "Expiry 2027-06-30" in texts
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


def test_no_ingredient_lots_leaves_blanks_to_fill_in():
    record = compounding_record(make("1", "30"), "L1", None, "JD", "MK", (), AT)
    texts = [b.text for b in record_blocks(record)]
    at = texts.index("Components used")
    assert texts[at + 1 : at + 5] == [
        "Naltrexone hydrochloride 50 mg tablets • required 1 x 50 mg tablet • measured "
        "________ tablets",
        "Source ________ • Manufacturer ________ • NDC ________ • Lot ________ • Expiry ________",
        "Purified water USP • required to 50 mL • measured ________ mL",
        "Source ________ • Manufacturer ________ • NDC ________ • Lot ________ • Expiry ________",
    ]


def test_a_pharmacists_name_is_not_read_as_an_abbreviation():
    # the names are the pharmacist's own text: checked where they enter (check_name),
    # not read as the abbreviation "U"
    record = compounding_record(make("1", "30"), "L1", None, "U Thant", "MK", (), AT)
    assert "Prepared by: U Thant • Checked by: MK" in [b.text for b in record_blocks(record)]


def make_fawcett(volume: str, source: str = "powder", vehicle: str = "fawcett-preserved", **kw):
    sources = load_sources()
    if source != "tablets":
        kw.setdefault("assay", Decimal("0.992"))
        kw.setdefault("water", Decimal("0.008"))
    return prepare(
        Decimal(1),
        Decimal(volume),
        sources.find(source),
        find_vehicle(vehicle),
        sources,
        load_bud_rules(),
        DAY,
        **kw,
    )


def text_of(record) -> str:
    return "\n".join(block.text for block in record_blocks(record))


@pytest.mark.parametrize(
    ("volume", "expected"),
    [
        ("30", ["Ascorbic acid USP: 150 mg", "Sodium benzoate NF: 30 mg", "Glycerol USP: 6 mL"]),
        ("100", ["Ascorbic acid USP: 500 mg", "Sodium benzoate NF: 100 mg", "Glycerol USP: 20 mL"]),
        ("250", ["Ascorbic acid USP: 1.25 g", "Sodium benzoate NF: 250 mg", "Glycerol USP: 50 mL"]),
    ],
)
def test_fawcett_formula_on_the_record(volume, expected):
    record = compounding_record(make_fawcett(volume), "L1", None, "JD", "MK", (), DAY)
    text = text_of(record)
    for line in [*expected, f"Purified water USP: to {volume} mL"]:
        assert f"- {line}" in text
    assert f"Make {volume} mL of purified water with ascorbic acid 0.5%" in text
    assert "3. Measure " + expected[2].split(": ")[1] + " of glycerol and add it" in text
    mfr = record["master_formulation"]
    assert (mfr["id"], mfr["version"]) == ("LDN-PH-FP-1", 1)


def test_tablets_in_fawcett_make_the_vehicle_for_the_volume_made():
    # 30 mL at 1 mg/mL from 50 mg tablets: 1 tablet, made up to 50 mL; vehicle for 50 mL
    record = compounding_record(make_fawcett("30", "tablets"), "L1", None, "JD", "MK", (), DAY)
    text = text_of(record)
    assert "- Ascorbic acid USP: 250 mg" in text and "- Glycerol USP: 10 mL" in text
    assert "Naltrexone hydrochloride 50 mg tablets • required 1 x 50 mg tablet" in text
    assert record["master_formulation"]["id"] == "LDN-T50-FP-1"


def test_lots_are_matched_to_their_ingredients():
    lots = tuple(
        parse_lot(t)
        for t in [
            "naltrexone HCl powder:P778:2027-03-31:manufacturer=Medisca:ndc=38779-0468-5",
            "glycerin:G5:2027-08-01:source=PCCA",
            "mystery:X1:2027-08-01",
        ]
    )
    record = compounding_record(make_fawcett("100"), "L1", "123", "JD", "MK", lots, DAY)
    by_name = {c["ingredient"]: c for c in record["components"]}
    assert by_name["Naltrexone hydrochloride USP powder"]["lots"][0]["ndc"] == "38779-0468-5"
    assert by_name["Glycerol USP"]["lots"][0]["source"] == "PCCA"
    assert by_name["Glycerol USP"]["quantity"] == "20 mL"
    assert by_name["mystery"]["role"] == "not in the formula"
    assert [u["lot"] for u in record["ingredients"]] == ["P778", "G5", "X1"]
    text = text_of(record)
    assert "Source PCCA • Manufacturer ________ • NDC ________ • Lot G5 • Expiry 2027-08-01" in (
        text
    )
    assert "Sodium benzoate NF • required 100 mg • measured ________ mg" in text
    assert "Ingredient lot X1 (mystery) is not in the master formulation" in text


def test_time_known_or_left_blank_never_invented():
    timed = compounding_record(
        make_fawcett("100"), "L1", None, "JD", "MK", (), datetime(2026, 12, 1, 14, 5)
    )
    assert "Date: 2026-12-01 • Time: 14:05" in text_of(timed)
    assert timed["compounded_at"] == "2026-12-01T14:05"
    blank = compounding_record(make_fawcett("100"), "L1", None, "JD", "MK", (), DAY)
    assert "Time: ________ (write the time at the bench)" in text_of(blank)
    assert blank["compounded_at"] == "2026-12-01" and blank["compounded_time"] is None
    assert "00:00" not in text_of(blank)


def test_unusual_certificate_value_is_printed_as_a_warning():
    record = compounding_record(
        make_fawcett("100", water=Decimal("0.12")), "L1", None, "JD", "MK", (), DAY
    )
    assert "! Certificate water 12% is outside the usual 0%-10%" in text_of(record)
    assert record["preparation"]["certificate_notes"][0]["value"] == "12%"


def test_single_pharmacist_is_said_on_the_record():
    record = compounding_record(
        make_fawcett("100"),
        "L1",
        None,
        "JD",
        "JD",
        (),
        DAY,
        single_pharmacist=True,
        balance="BAL-9",
    )
    text = text_of(record)
    assert "Single-pharmacist site: prepared and checked by the same pharmacist" in text
    assert "Balance: BAL-9" in text


def test_planned_powder_record_leaves_the_weighing_blank():
    sources = load_sources()
    vehicle = find_vehicle("fawcett-preserved")
    bud = beyond_use_date(DAY, vehicle, load_bud_rules())
    record = planned_powder_record(
        Decimal(1), Decimal(100), sources.find("powder"), vehicle, bud, "L2", "hydrochloride", DAY
    )
    text = text_of(record)
    assert "Naltrexone hydrochloride USP powder • required ________ mg" in text
    assert "- Ascorbic acid USP: 500 mg" in text
    assert "Prepared by: ________ • Checked by: ________" in text
    assert "Time: ________" in text


def test_a_bud_set_by_a_lot_named_as_typed_is_printed():
    # "50mg" is the pharmacist's own text: the lot that sets the BUD is named as typed
    lots = (parse_lot("naltrexone 50mg tab:AB1:2026-12-05"),)
    prep = make_fawcett("30", "tablets", lots=lots)
    record = compounding_record(prep, "L1", None, "JD", "MK", lots, DAY)
    text = text_of(record)
    assert "BUD: 2026-12-05 - set by " in text
    assert 'expiry of ingredient lot AB1 ("naltrexone 50mg tab")' in text


def test_the_certificate_is_printed_with_the_drug():
    record = compounding_record(
        make_fawcett("100", assay=Decimal("1.015")), "L1", None, "JD", "MK", (), DAY
    )
    assert "Certificate of analysis: assay 101.5% • water 0.8%" in text_of(record)


def test_a_vehicle_used_as_bought_is_one_ingredient_to_volume(tmp_path):
    from compounder.content.records import ingredient_uses
    from compounder.core.vehicles import load_vehicles

    path = tmp_path / "vehicles.toml"
    path.write_text(
        '[[vehicle]]\nid = "syrup"\nname = "Ready-made syrup"\ncategory = "aqueous-preserved"\n'
        'storage = "room"\nwarnings = []\n'
    )
    sources = load_sources()
    prep = prepare(
        Decimal(1),
        Decimal(30),
        sources.find("tablets"),
        load_vehicles(str(path))["syrup"],
        sources,
        load_bud_rules(),
        DAY,
    )
    assert prep.vehicle_batch is None
    lots = (parse_lot("naltrexone tab:AB1:2027-01-01"), parse_lot("ready-made syrup:S1:2027-01-01"))
    assert [u["quantity"] for u in ingredient_uses(prep, lots)] == ["1 x 50 mg tablet", "to 50 mL"]


@given(
    st.sampled_from(["0.5", "1", "2", "3"]),
    st.integers(1, 2500).map(lambda tenths: Decimal(tenths) / 10),
    st.sampled_from(["tablets", "powder", "base-powder"]),
    st.sampled_from(["water", "fawcett-preserved"]),
    st.integers(980, 1020),
    st.integers(0, 150),
)
@settings(max_examples=100, deadline=None)
def test_every_record_is_ismp_clean(conc, volume, source, vehicle, assay, water):
    from compounder.errors import SafetyError

    sources = load_sources()
    kw = {}
    if source != "tablets":
        kw = {"assay": Decimal(assay) / 1000, "water": Decimal(water) / 1000}
    try:
        prep = prepare(
            Decimal(conc),
            volume,
            sources.find(source),
            find_vehicle(vehicle),
            sources,
            load_bud_rules(),
            DAY,
            **kw,
        )
        record = compounding_record(prep, "L1", None, "JD", "MK", (), DAY)
    except SafetyError:
        return  # not exact from tablets, under the minimum weight, or no formulation
    blocks = record_blocks(record)  # raises if any line Compounder wrote is not ISMP-clean
    assert any(b.text.startswith("Master formulation record: LDN-") for b in blocks)


def test_a_base_powder_record_gives_the_salt_factor_with_its_numbers():
    """Issue 24: a checker can redo the salt factor (341.4 / 377.86 = 0.9035)."""
    from compounder.core.bud import load_bud_rules
    from compounder.core.preparation import prepare
    from compounder.core.sources import load_sources
    from compounder.core.vehicles import find_vehicle

    sources = load_sources()
    prep = prepare(
        Decimal(1), Decimal(50), sources.find("powder-base"), find_vehicle("water"), sources,
        load_bud_rules(), date(2026, 12, 1), assay=Decimal("0.995"), water=Decimal("0.005"),
    )  # fmt: skip
    assert prep.salt_factor_text == (
        "salt factor (base / hydrochloride, g/mol) 341.4 / 377.86 = about 0.9035"
    )
