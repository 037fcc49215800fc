"""Bilingual labels, the dosage form from the data, and the pharmacy's own warnings."""

from __future__ import annotations

import pytest
from conftest import pdf_pages

from compounder.api.dispensing import make_chart, make_labels
from compounder.content.ismp import problems
from compounder.errors import DataFileError, InputError

ORDER = {
    "rx": "1234567",
    "patient": "María González",
    "prescriber": "Dr K. Patel",
    "dose": "1.5 mg",
    "quantity": "21 mL",
    "fill_date": "2026-12-01",
    "log": False,
}
SETTINGS = """
[pharmacy]
name = "Riverside Compounding Pharmacy"
address = "120 Harbor Street, Springfield, IL 62701"
phone = "(555) 010-0199"

[defaults]
day_counting = "day-1"
"""


def lines(run, index=0):
    return run.contents[index].to_dict()["lines"]


def test_en_plus_es_keeps_the_english_label_with_spanish_directions_beneath(example_config):
    run = make_labels(**ORDER, language="en+es", config=example_config)
    content = run.contents[0]
    fields = [b.field for b in content.blocks]
    assert fields[:4] == ["patient name", "drug", "directions", "directions (es)"]
    assert lines(run)["directions"] == "Take 1.5 mL (1.5 mg) by mouth at bedtime"
    assert lines(run)["directions (es)"] == "Tome 1.5 mL (1.5 mg) por vía oral al acostarse"
    assert lines(run)["drug"].startswith("Naltrexone HCl 1 mg/mL oral suspension")
    assert "Discard after" in lines(run)["quantity and dates"]  # the rest stays English
    text = " ".join(pdf_pages(run.pdf)[0].extract_text().split())
    assert "Take 1.5 mL (1.5 mg) by mouth at bedtime" in text
    assert "Tome 1.5 mL (1.5 mg) por vía oral al acostarse" in text
    assert problems(text) == []


def test_en_plus_es_titration_has_dated_spanish_directions(example_config):
    run = make_labels(
        **{**ORDER, "dose": None, "quantity": None},
        titration=True,
        start_date="2026-12-01",
        vehicle="fawcett-preserved",
        language="en+es",
        config=example_config,
    )
    assert lines(run)["directions (es)"].splitlines() == [
        "Tome por vía oral al acostarse:",
        "del 1 dic al 14 dic 2026: 1.5 mL (1.5 mg)",
        "del 15 dic al 28 dic 2026: 2 mL (2 mg)",
        "del 29 dic 2026 al 4 ene 2027: 2.5 mL (2.5 mg)",
    ]


@pytest.mark.parametrize("language", ["en+", "+es", "en+en", "en+es+fr", "en+xx", "fr"])
def test_bad_language_values_are_refused(example_config, language):
    with pytest.raises(InputError) as caught:
        make_labels(**ORDER, language=language, config=example_config)
    assert caught.value.field == "language"


@pytest.mark.parametrize(
    ("source", "english", "spanish"),
    [
        ("tablets", "oral suspension", "suspensión oral"),
        ("powder", "oral solution", "solución oral"),
        ("base-powder", "oral solution", "solución oral"),
    ],
)
def test_the_dosage_form_comes_from_the_source(example_config, source, english, spanish):
    en = make_labels(**ORDER, source=source, config=example_config)
    assert lines(en)["drug"].startswith(f"Naltrexone HCl 1 mg/mL {english} •")
    es = make_labels(**ORDER, source=source, language="es", config=example_config)
    assert lines(es)["drug"].startswith(f"Naltrexona HCl 1 mg/mL {spanish} •")
    chart = make_chart(start_date="2026-12-01", source=source, config=example_config)
    assert chart.content.drug_line == f"Naltrexone HCl 1 mg/mL {english}"


def test_the_record_names_the_same_dosage_form():
    from datetime import date, datetime
    from decimal import Decimal

    from compounder.content.records import compounding_record
    from compounder.core.bud import load_bud_rules
    from compounder.core.preparation import prepare
    from compounder.core.sources import load_sources
    from compounder.core.vehicles import find_vehicle

    for source, form in (("tablets", "oral suspension"), ("powder", "oral solution")):
        prep = prepare(
            Decimal("1"),
            Decimal("30"),
            load_sources().find(source),
            find_vehicle("water"),
            load_sources(),
            load_bud_rules(),
            date(2026, 12, 1),
            assay=Decimal("0.99") if source == "powder" else None,
            water=Decimal("0.01") if source == "powder" else None,
        )
        record = compounding_record(prep, "L1", None, "AB", "CD", (), datetime(2026, 12, 1, 9))
        assert record["title"] == f"Naltrexone HCl 1 mg/mL {form}"


def settings_with(tmp_path, extra: str):
    path = tmp_path / "compounder.toml"
    path.write_text(SETTINGS + extra, encoding="utf-8")
    return path


def test_the_pharmacys_own_warning_prints_in_the_label_language(tmp_path):
    config = settings_with(
        tmp_path,
        '[warnings]\nprint = ["keep-out"]\n[warnings.library.keep-out]\n'
        'en = "Keep out of reach of children"\n'
        'es = "Manténgase fuera del alcance de los niños"\n',
    )
    en = lines(make_labels(**ORDER, config=config))["warnings"]
    assert en.endswith("Do not take with opioid pain medicines • Keep out of reach of children")
    es = lines(make_labels(**ORDER, language="es", config=config))["warnings"]
    assert es.endswith("• Manténgase fuera del alcance de los niños")


def test_a_pharmacy_warning_missing_in_the_label_language_is_refused(tmp_path):
    config = settings_with(
        tmp_path, '[warnings]\nprint = ["keep-out"]\n[warnings.library.keep-out]\nen = "Keep out"\n'
    )
    with pytest.raises(DataFileError, match=r"warnings\.library\.keep-out\.es: missing"):
        make_labels(**ORDER, language="es", config=config)


def test_an_unknown_printed_warning_is_refused(tmp_path):
    config = settings_with(tmp_path, '[warnings]\nprint = ["keep-out"]\n')
    with pytest.raises(DataFileError, match="neither a shipped warning nor in"):
        make_labels(**ORDER, config=config)


def test_a_pharmacy_warning_passes_the_ismp_gate(tmp_path):
    config = settings_with(
        tmp_path,
        '[warnings]\nprint = ["dose"]\n[warnings.library.dose]\nen = "Do not exceed 5.0 mL"\n',
    )
    with pytest.raises(DataFileError) as caught:  # a settings error: its file and key
        make_labels(**ORDER, config=config)
    assert caught.value.exit_code == 4
    assert (caught.value.path, caught.value.key) == (str(config), "warnings.library.dose.en")
    assert "trailing zero" in caught.value.expected


def test_every_master_formulation_names_the_labels_dosage_form():
    """formulations.toml prints a dosage form on the record; it must be the one the
    labels and charts take from sources.toml/vehicles.toml (one rule)."""
    from compounder.content.preparation_text import dosage_form_text
    from compounder.core.formulations import load_formulations
    from compounder.core.sources import load_sources
    from compounder.core.vehicles import find_vehicle

    formulations = load_formulations()
    assert formulations
    for mfr in formulations:
        source = load_sources().find(mfr.source)
        assert mfr.dosage_form == dosage_form_text(source, find_vehicle(mfr.vehicle)), mfr.id
