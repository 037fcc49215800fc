"""Terminal reports against hand-worked text: the table layout, plans, preparations,
fills, the worksheet, trace and history, and the words of a preparation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from compounder.api.dispensing import plan_fill_schedule
from compounder.api.planning import plan_titration
from compounder.content.reports import (
    fills_report,
    history_report,
    plan_report,
    preparation_dict,
    preparation_report,
    render_table,
    stocks_report,
    tablets_text,
    trace_report,
    trace_rows,
    worksheet_report,
)
from compounder.core.bud import load_bud_rules
from compounder.core.preparation import prepare
from compounder.core.sources import load_sources
from compounder.core.stocks import load_stock
from compounder.core.vehicles import find_vehicle
from compounder.log.store import Entry

USP_14 = "USP <795> (2023), BUD table: aqueous preparations, not preserved (14 days, refrigerator)"
USP_35 = "USP <795> (2023), BUD table: aqueous preparations, preserved (35 days, refrigerator)"
FAWCETT = "Purified water with ascorbic acid 0.5%, sodium benzoate 0.1% and glycerol 20%"


def make(conc, volume, source="tablets", vehicle="water", **kw):
    sources = load_sources()
    return prepare(
        Decimal(conc),
        Decimal(volume),
        sources.find(source),
        find_vehicle(vehicle),
        sources,
        load_bud_rules(),
        date(2026, 12, 1),
        **kw,
    )


def test_render_table_aligns_columns_to_the_widest_cell():
    # widths: max(1, 3, 1) = 3 and max(4, 1, 2) = 4; two spaces between columns
    assert render_table(["A", "Long"], [["xyz", "1"], ["w", "22"]]) == (
        "A    Long\n---  ----\nxyz  1\nw    22"
    )
    # no trailing spaces when the last cell is short or empty
    assert render_table(["Name", "X"], [["a", ""]]) == "Name  X\n----  -\na"
    assert render_table(["One", "Two"], []) == "One  Two\n---  ---"
    with pytest.raises(ValueError):
        render_table(["One", "Two"], [["only one cell"]])


def test_plan_report_without_dates():
    # ldn-standard: 1.5 mg up by 0.5 mg to 4.5 mg, 14 days each: 7 steps, 98 days; at
    # 1 mg/mL the volume in mL is the dose in mg
    assert plan_report(plan_titration("ldn-standard", "1 mg/mL")) == "\n".join(
        [
            "LDN standard titration (ldn-standard) at 1 mg/mL - 7 steps, 98 days",
            "",
            "Step  Dose    Volume  Syringe                            Days",
            "----  ------  ------  ---------------------------------  ----",
            "1     1.5 mg  1.5 mL  3 mL oral syringe (0.1 mL marks)   14",
            "2     2 mg    2 mL    3 mL oral syringe (0.1 mL marks)   14",
            "3     2.5 mg  2.5 mL  5 mL oral syringe (0.1 mL marks)   14",
            "4     3 mg    3 mL    5 mL oral syringe (0.1 mL marks)   14",
            "5     3.5 mg  3.5 mL  5 mL oral syringe (0.1 mL marks)   14",
            "6     4 mg    4 mL    5 mL oral syringe (0.1 mL marks)   14",
            "7     4.5 mg  4.5 mL  10 mL oral syringe (0.5 mL marks)  14",
            "",
            "Syringes needed: 3 mL oral syringe (0.1 mL marks); 5 mL oral syringe (0.1 mL "
            "marks); 10 mL oral syringe (0.5 mL marks)",
        ]
    )


def test_plan_report_with_dates_and_unmeasurable_steps():
    dated = plan_report(plan_titration("ldn-weekly", "1 mg/mL", "2026-12-01")).splitlines()
    # 1, 2, 3, 4 mg and a last step at the 4.5 mg maximum, 7 days each from 2026-12-01
    assert dated[0] == "LDN weekly 1 mg steps (ldn-weekly) at 1 mg/mL - 5 steps, 35 days"
    assert dated[2].endswith("Days  First day   Last day")
    assert dated[4].endswith("7     2026-12-01  2026-12-07")
    assert dated[8].startswith("5     4.5 mg  4.5 mL") and dated[8].endswith(
        "2026-12-29  2027-01-04"
    )
    # at 0.3 mg/mL, 2 mg is 6.666... mL: on no syringe's marks
    text = plan_report(plan_titration("ldn-standard", "0.3 mg/mL"))
    assert (
        "2     2 mg    NOT MEASURABLE  6.667... mL is not on the marks of any syringe         14"
        in text.splitlines()
    )
    assert "7     4.5 mg  NOT MEASURABLE  15 mL is more than the largest syringe (10 mL)" in text
    assert text.splitlines()[-1] == (
        "Warning: step 4: 10 mL fills the 10 mL syringe to about 100%, outside the 20-80% "
        "band (no syringe in the catalogue fits better)"
    )


def test_preparation_report_for_tablets():
    # 1 mg/mL x 30 mL = 30 mg: one 50 mg tablet, made up to 50 mL (20 mL more);
    # 14 days of use from 2026-12-01 (day 1) to 2026-12-14
    assert preparation_report(make("1", "30")) == "\n".join(
        [
            "Naltrexone HCl 1 mg/mL oral suspension - 30 mL requested",
            "",
            "Use:            1 tablet of 50 mg (Naltrexone hydrochloride 50 mg tablets; "
            "50 mg in all)",
            "Make up to:     50 mL with Purified water",
            "Volume made:    50 mL (20 mL more than requested)",
            "BUD:            2026-12-14 (14 days of use from 2026-12-01)",
            f"BUD set by:     {USP_14}",
            "Storage:        Store in a refrigerator, 2 °C to 8 °C. Do not freeze.",
            "Warnings:       Shake well; Refrigerate, do not freeze; Protect from light",
            "",
            "Method:",
            "  1. Count 1 x 50 mg tablet and place in a clean mortar.",
            "  2. Crush to a fine, even powder.",
            "  3. Add a small amount of Purified water and mix to a smooth paste.",
            "  4. Transfer to a calibrated amber bottle, rinsing the mortar with Purified water.",
            "  5. Make up to 50 mL with Purified water.",
            "  6. Close and shake well. Label, and record the compounding.",
        ]
    )
    # 1 mg/mL x 60 mL = 60 mg: two tablets, 100 mL
    assert "Use:            2 tablets of 50 mg" in preparation_report(make("1", "60"))


def test_preparation_report_for_powder():
    # 100 mg / (0.992 x 0.992) = 101.6194... mg, up to the 0.1 mg balance: 101.7 mg;
    # preserved: 35 days, 2026-12-01 to 2027-01-04; the 60-day study may not exceed it
    prep = make(
        "1", "100", "powder", "fawcett-preserved", assay=Decimal("0.992"), water=Decimal("0.008")
    )
    lines = preparation_report(prep).splitlines()
    assert lines[:9] == [
        "Naltrexone HCl 1 mg/mL oral solution - 100 mL requested",
        "",
        "Weigh:          101.7 mg of Naltrexone hydrochloride USP powder",
        "                calculated about 101.6194 mg for assay 99.2%, water 0.8%, salt "
        "hydrochloride; rounded up to the balance",
        f"Make up to:     100 mL with {FAWCETT}",
        "Volume made:    100 mL (0 mL more than requested)",
        "BUD:            2027-01-04 (35 days of use from 2026-12-01)",
        f"BUD set by:     {USP_35}",
        "Storage:        Store in a refrigerator, 2 °C to 8 °C. Do not freeze.",
    ]
    assert lines[-1] == (
        "Note: a study supports 60 days (Fawcett JM, Morgan DJ, Woods DJ. Ann Pharmacother "
        "1997;31:1291-5 (1 mg/mL, amber bottle)), but the rule set does not let a study "
        "exceed the 35-day USP <795> limit"
    )


def test_fills_report():
    # ldn-weekly at 1 mg/mL from 2026-12-01, 14-day BUD, 10% overage rounded up to 1 mL:
    # fill 1: 7 x 1 + 7 x 2 = 21 mL x 1.1 = 23.1 -> 24 mL
    # fill 2: 7 x 3 + 7 x 4 = 49 mL x 1.1 = 53.9 -> 54 mL
    # fill 3: 7 x 4.5 = 31.5 mL x 1.1 = 34.65 -> 35 mL
    schedule = plan_fill_schedule("2026-12-01", "1 mg/mL", protocol="ldn-weekly")
    assert fills_report(schedule) == "\n".join(
        [
            "Fills for ldn-weekly at 1 mg/mL in Purified water (overage 10%)",
            "",
            "Fill  Date        Directions               Days taken                Days  "
            "Dispense  BUD",
            "----  ----------  -----------------------  ------------------------  ----  "
            "--------  ----------",
            "1     2026-12-01  step 1: 1 mL (1 mg)      2026-12-01 to 2026-12-07  7     "
            "24 mL     2026-12-14",
            "                  step 2: 2 mL (2 mg)      2026-12-08 to 2026-12-14  7",
            "2     2026-12-15  step 3: 3 mL (3 mg)      2026-12-15 to 2026-12-21  7     "
            "54 mL     2026-12-28",
            "                  step 4: 4 mL (4 mg)      2026-12-22 to 2026-12-28  7",
            "3     2026-12-29  step 5: 4.5 mL (4.5 mg)  2026-12-29 to 2027-01-04  7     "
            "35 mL     2027-01-11",
            "",
            f"BUD set by: {USP_14}",
        ]
    )


NOTE = "weigh with 'compounder prepare --from powder' and the certificate's assay and water"


def test_worksheet_report():
    # 0.5 mg/mL x 16 mL = 8 mg: one 50 mg tablet makes 100 mL, 84 mL more than needed
    sheet = [
        {
            "lot": "20261201-002",
            "fill_date": "2026-12-01",
            "concentration": "0.5 mg/mL",
            "vehicle": "water",
            "source": "tablet-50mg",
            "volume_needed_ml": "16",
            "tablets": 1,
            "tablet_strength_mg": "50",
            "make_up_to_ml": "100",
            "excess_ml": "84",
        },
        {
            "lot": "20261201-003",
            "fill_date": "2026-12-01",
            "concentration": "1 mg/mL",
            "vehicle": "fawcett-preserved",
            "source": "powder-hcl",
            "volume_needed_ml": "100",
            "drug_needed_mg": "100",
            "note": NOTE,
        },
    ]
    powder = f"100 mg naltrexone HCl; {NOTE}"
    assert (
        worksheet_report(sheet)
        == "\n".join(
            [
                "Compounding worksheet",
                "",
                "Lot           Date        Strength   Vehicle            Source       Needed  "
                "Prepare",
                "------------  ----------  ---------  -----------------  -----------  ------  "
                + "-" * len(powder),
                "20261201-002  2026-12-01  0.5 mg/mL  water              tablet-50mg  16 mL   "
                "1 x 50 mg tablet, make up to 100 mL (excess 84 mL)",
                "20261201-003  2026-12-01  1 mg/mL    fawcett-preserved  powder-hcl   100 mL  "
                + powder,
            ]
        )
        + "\n"
    )
    sheet[0].update(tablets=8, volume_needed_ml="358")
    assert "8 x 50 mg tablets, make up to" in worksheet_report(sheet)


def test_an_empty_worksheet():
    assert worksheet_report([]) == "Compounding worksheet\n\nNothing to prepare.\n"


def entry(id, kind, rx, lot, created, payload, corrects=None):
    return Entry(id, kind, rx, lot, created, corrects, payload)


def test_trace_rows_and_report():
    found = [
        (
            entry(
                1,
                "preparation",
                "1111111",
                "20261201-001",
                "2026-12-01T09:31:02",
                {
                    "compounded_at": "2026-12-01T09:30",
                    "quantity_made_ml": "50",
                    "bud": "2026-12-14",
                },
            ),
            ["3333333", "1111111"],
        ),
        (  # a batch's planned preparation: no record time, no Rx of its own or served
            entry(
                3,
                "preparation",
                None,
                "20261201-003",
                "2026-12-01T10:00:00",
                {"quantity_made_ml": "200", "bud": "2026-12-14"},
            ),
            [],
        ),
    ]
    rows = trace_rows(found)
    assert rows[0] == {
        "lot": "20261201-001",
        "compounded": "2026-12-01T09:30",  # the record's time, not the entry's
        "rx": "1111111",
        "served_rx": ["3333333", "1111111"],
        "quantity_made_ml": "50",
        "bud": "2026-12-14",
    }
    assert rows[1]["compounded"] == "2026-12-01T10:00:00"
    assert trace_report(rows) == "\n".join(
        [
            "Lot           Compounded           Made    BUD         Rx",
            "------------  -------------------  ------  ----------  ----------------",
            "20261201-001  2026-12-01T09:30     50 mL   2026-12-14  1111111, 3333333",
            "20261201-003  2026-12-01T10:00:00  200 mL  2026-12-14  -",
        ]
    )


def test_history_report():
    entries = [
        entry(
            1,
            "preparation",
            "1234567",
            "20261201-001",
            "2026-12-01T09:30:00",
            {"bud": "2026-12-14", "prepared_by": "TR", "checked_by": "MK"},
        ),
        entry(
            4,
            "correction",
            "1234567",
            "20261201-001",
            "2026-12-02T08:00:00",
            {"reason": "wrong lot", "by": "JD", "by_name": "Julia Diaz"},
            corrects=1,
        ),
    ]
    assert history_report(entries, {"20261201-001"}) == "\n".join(
        [
            "Entry  When                         What         Lot/Ref           BUD         "
            "Corrects  By",
            "-----  ---------------------------  -----------  ----------------  ----------  "
            "--------  -----",
            "1      2026-12-01 09:30:00 (local)  preparation  Lot 20261201-001  2026-12-14  "
            "          TR/MK",
            "4      2026-12-02 08:00:00 (local)  correction   Lot 20261201-001              "
            "1         JD",
        ]
    )
    label = entry(5, "label", "1234567", "20261201-1234567", "2026-12-03T08:00:00", {})
    assert history_report([label], {"20261201-001"}).splitlines()[2].split()[5:7] == [
        "Ref",
        "20261201-1234567",
    ]


def test_stocks_report():
    # 4 in = 101.6 mm, 3 in = 76.2 mm, 2 in = 50.8 mm; Avery: 2 across x 5 down
    assert stocks_report([load_stock("thermal-4x3"), load_stock("avery-5163")]) == "\n".join(
        [
            "Stock        Label size       Layout                   Name",
            "-----------  ---------------  -----------------------  "
            + "-" * len("Avery 5163-style sheet, 2 x 4 in labels, 10 a sheet (US letter)"),
            "thermal-4x3  101.6 x 76.2 mm  roll                     Thermal roll label 4 x 3 in",
            "avery-5163   101.6 x 50.8 mm  letter sheet, 10 a page  "
            "Avery 5163-style sheet, 2 x 4 in labels, 10 a sheet (US letter)",
        ]
    )


@pytest.mark.parametrize(
    ("count", "strength", "text"),
    [
        (1, Decimal(50), "1 x 50 mg tablet"),
        (2, Decimal(50), "2 x 50 mg tablets"),
        (8, Decimal("50.0"), "8 x 50 mg tablets"),
        (3, Decimal("12.5"), "3 x 12.5 mg tablets"),
    ],
)
def test_tablets_text(count, strength, text):
    assert tablets_text(count, strength) == text


def test_preparation_dict_words_storage_and_warnings_in_the_language():
    prep = make("1", "30")
    english = preparation_dict(prep)
    assert english["storage"] == "Store in a refrigerator, 2 °C to 8 °C. Do not freeze."
    assert english["auxiliary_warnings"] == [
        "Shake well",
        "Refrigerate, do not freeze",
        "Protect from light",
    ]
    assert english["method"][4] == "Make up to 50 mL with Purified water."
    detail = english["bud_detail"]
    keys = list(detail)
    assert keys[keys.index("storage") + 1] == "storage_text"  # the words follow the id
    assert (detail["storage"], detail["storage_text"]) == ("refrigerator", english["storage"])
    spanish = preparation_dict(prep, "es")
    assert spanish["storage"] == "Guardar en el refrigerador, de 2 °C a 8 °C. No congelar."
    assert spanish["auxiliary_warnings"] == [
        "Agítese bien",
        "Mantener en el refrigerador, no congelar",
        "Proteger de la luz",
    ]
    assert spanish["bud_detail"]["storage_text"] == spanish["storage"]
    # the numbers do not depend on the language
    for key in ("tablets", "final_volume_ml", "excess_ml", "bud", "drug_mass_mg"):
        assert spanish[key] == english[key], key
    assert prep.to_dict()["storage"] == "refrigerator"  # the engine keeps the id


def test_history_says_a_print_every_byte_of_which_was_handed_over_is_not_confirmed():
    base = {"prints": 3, "printer": "socket://10.0.0.5:9100", "printed": False}
    entries = [
        entry(5, "print", "1234567", None, "2026-12-01T09:31:00", base),
        entry(6, "print", "1234567", None, "2026-12-01T09:32:00",
              {**base, "bytes_handed": 900, "bytes": 900, "print_unconfirmed": True}),
        entry(7, "print", "1234567", None, "2026-12-01T09:33:00", {**base, "printed": True}),
    ]  # fmt: skip
    rows = history_report(entries, set()).splitlines()[2:]
    assert [[c for c in row.split("  ") if c][2].strip() for row in rows] == [
        "print of 3 (not printed)",
        "print of 3 (not confirmed)",
        "print of 3 (printed)",
    ]
