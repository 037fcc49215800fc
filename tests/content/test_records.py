"""The compounding record's content: master formulation, vehicle sub-formula, lots,
blank time, warnings; every line Compounder writes is ISMP-clean."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compounder.content.records import (
    compounding_record,
    planned_powder_record,
    record_blocks,
)
from compounder.core.bud import beyond_use_date, load_bud_rules
from compounder.core.lots import parse_lot
from compounder.core.preparation import prepare
from compounder.core.sources import load_sources
from compounder.core.vehicles import find_vehicle

DAY = date(2026, 12, 1)


def make(volume: str, source: str = "powder", vehicle: str = "fawcett-preserved", **kw):
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
    record = compounding_record(make(volume), "L1", None, "JD", "MK", (), DAY)
    text = text_of(record)
    for line in [*expected, f"Purified water USP: to {volume} mL"]:
        assert f"- {line}" in text
    assert f"Make {volume} mL of purified water with ascorbic acid 0.5%" in text
    assert "3. Measure " + expected[2].split(": ")[1] + " of glycerol and add it" in text
    mfr = record["master_formulation"]
    assert (mfr["id"], mfr["version"]) == ("LDN-PH-FP-1", 1)


def test_tablets_in_fawcett_make_the_vehicle_for_the_volume_made():
    # 30 mL at 1 mg/mL from 50 mg tablets: 1 tablet, made up to 50 mL; vehicle for 50 mL
    record = compounding_record(make("30", "tablets"), "L1", None, "JD", "MK", (), DAY)
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
    record = compounding_record(make("100"), "L1", "123", "JD", "MK", lots, DAY)
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
        make("100"), "L1", None, "JD", "MK", (), datetime(2026, 12, 1, 14, 5)
    )
    assert "Date: 2026-12-01 • Time: 14:05" in text_of(timed)
    assert timed["compounded_at"] == "2026-12-01T14:05"
    blank = compounding_record(make("100"), "L1", None, "JD", "MK", (), DAY)
    assert "Time: ________ (write the time at the bench)" in text_of(blank)
    assert blank["compounded_at"] == "2026-12-01" and blank["compounded_time"] is None
    assert "00:00" not in text_of(blank)


def test_unusual_certificate_value_is_printed_as_a_warning():
    record = compounding_record(make("100", water=Decimal("0.12")), "L1", None, "JD", "MK", (), DAY)
    assert "! Certificate water 12% is outside the usual 0%-10%" in text_of(record)
    assert record["preparation"]["certificate_notes"][0]["value"] == "12%"


def test_single_pharmacist_is_said_on_the_record():
    record = compounding_record(
        make("100"), "L1", None, "JD", "JD", (), DAY, single_pharmacist=True, balance="BAL-9"
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
    prep = make("30", "tablets", lots=lots)
    record = compounding_record(prep, "L1", None, "JD", "MK", lots, DAY)
    text = text_of(record)
    assert "BUD: 2026-12-05 - set by " in text and "naltrexone 50mg tab lot AB1" in text


def test_the_certificate_is_printed_with_the_drug():
    record = compounding_record(
        make("100", assay=Decimal("1.015")), "L1", None, "JD", "MK", (), DAY
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
