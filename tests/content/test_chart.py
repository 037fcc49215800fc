"""Dosing chart content: step headings, dates or week numbers, the dose time, syringes,
the ISMP gate, and the same chart in Spanish."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from conftest import EXAMPLE_CONFIG

from compounder.api.planning import plan_titration
from compounder.content.chart import build_chart
from compounder.content.ismp import problems
from compounder.core.protocols import Protocol
from compounder.core.settings import load_settings
from compounder.core.wording import load_wording
from compounder.errors import InputError, NotMeasurableError

EN = load_wording("en")
ES = load_wording("es")


@pytest.fixture(scope="module")
def settings():
    return load_settings(EXAMPLE_CONFIG)


def chart(settings, protocol="ldn-standard", start=None, wording=EN, time="bedtime", **kw):
    plan = plan_titration(protocol, "1 mg/mL", start)
    return build_chart(plan, settings, wording, "refrigerator", time, **kw)


def test_without_a_start_date_steps_are_in_weeks_and_days_are_numbered(settings):
    # ldn-standard: 14 days a step, so step n is days 14n-13 to 14n, weeks 2n-1 to 2n
    content = chart(settings)
    assert [s.heading for s in content.steps] == [
        f"Step {n}: weeks {2 * n - 1} to {2 * n}" for n in range(1, 8)
    ]
    assert content.steps[0].day_labels == tuple(f"day {d}" for d in range(1, 15))
    assert content.steps[2].day_labels == tuple(f"day {d}" for d in range(29, 43))
    assert content.steps[2].overview == (
        "3",
        "weeks 5 to 6",
        "2.5 mg",
        "2.5 mL",
        "5 mL oral syringe (0.1 mL marks)",
    )


def test_a_step_within_one_week_says_week(settings):
    # ldn-weekly: 7 days a step: step n is week n (1, 2, 3, 4 and 4.5 mg)
    content = chart(settings, "ldn-weekly")
    assert [s.heading for s in content.steps] == [f"Step {n}: week {n}" for n in range(1, 6)]
    assert content.steps[4].dose_line == "Take 4.5 mL (4.5 mg) once a day at bedtime"


def test_weeks_of_steps_that_do_not_start_on_a_week(settings):
    # ten days a step: days 1-10 are weeks 1-2, 11-20 weeks 2-3, 21-30 weeks 3-5
    # (day 21 is in week 3, day 29 starts week 5)
    ten = Protocol("ten-day", "Ten-day steps", "test", Decimal(1), Decimal(1), Decimal(3), 10)
    content = chart(settings, ten)
    assert [s.heading for s in content.steps] == [
        "Step 1: weeks 1 to 2",
        "Step 2: weeks 2 to 3",
        "Step 3: weeks 3 to 5",
    ]
    assert content.steps[2].day_labels[0] == "day 21"
    assert content.steps[2].day_labels[-1] == "day 30"


def test_with_a_start_date_steps_are_dated(settings):
    # from 2026-12-01, 14 days a step: Dec 1-14, Dec 15-28, Dec 29 - Jan 11 (two years)
    content = chart(settings, start="2026-12-01")
    assert [s.heading for s in content.steps[:3]] == [
        "Step 1: Dec 1 to Dec 14, 2026",
        "Step 2: Dec 15 to Dec 28, 2026",
        "Step 3: Dec 29, 2026 to Jan 11, 2027",
    ]
    assert content.steps[6].heading == "Step 7: Feb 23 to Mar 8, 2027"  # 2027 not a leap year
    assert content.steps[0].day_labels == tuple(f"Dec {d}" for d in range(1, 15))
    assert content.steps[2].day_labels[:4] == ("Dec 29", "Dec 30", "Dec 31", "Jan 1")
    assert len(content.steps[6].day_labels) == 14


def test_dose_lines_syringes_and_fill_marks(settings):
    content = chart(settings)
    first, second, third = content.steps[:3]
    assert first.dose_line == "Take 1.5 mL (1.5 mg) once a day at bedtime"
    assert first.fill_label == "Fill to 1.5 mL"
    assert first.volume_ml == Decimal("1.5")
    assert (first.syringe_line, first.new_syringe) == (
        "Use the 3 mL oral syringe (0.1 mL marks)",
        False,
    )
    assert (second.syringe_line, second.new_syringe) == ("", False)  # same syringe
    assert (third.syringe_line, third.new_syringe) == (
        "New syringe from this date: the 5 mL oral syringe (0.1 mL marks)",
        True,
    )
    assert [s.new_syringe for s in content.steps] == [False, False, True, False, False, False, True]


def test_the_whole_chart_is_ismp_clean(settings):
    for wording in (EN, ES):
        for start in (None, "2026-12-01"):
            for protocol in ("ldn-standard", "ldn-slow-start", "ldn-weekly"):
                content = chart(settings, protocol, start, wording, patient="Jane Doe")
                assert [t for t in content.all_text() if problems(t)] == []


def test_morning_and_bedtime(settings):
    morning = chart(settings, time="morning")
    bedtime = chart(settings, time="bedtime")
    assert morning.steps[0].dose_line == "Take 1.5 mL (1.5 mg) once a day in the morning"
    assert bedtime.steps[0].dose_line == "Take 1.5 mL (1.5 mg) once a day at bedtime"
    assert morning.instructions[0].startswith("Take your dose once a day in the morning.")
    assert bedtime.instructions[0] == (
        "Take your dose once a day at bedtime. If it disturbs your sleep, ask your pharmacist "
        "about taking it in the morning instead."
    )


@pytest.mark.parametrize("wording", [EN, ES], ids=["en", "es"])
def test_a_morning_chart_does_not_suggest_the_morning_instead(settings, wording):
    content = chart(settings, time="morning", wording=wording)
    morning = wording.time("morning")
    assert content.instructions[0].count(morning) == 1


def test_the_other_lines(settings):
    content = chart(settings, patient="Jane Doe")
    assert content.title == "Your low-dose naltrexone (LDN) dosing chart"
    assert content.patient_line == "For: Jane Doe"
    assert content.drug_line == "Naltrexone HCl 1 mg/mL oral suspension"
    assert content.pharmacy_line == "Riverside Compounding Pharmacy • (555) 010-0199"
    assert content.instructions[3] == (
        "Store in a refrigerator, 2 °C to 8 °C. Do not freeze. Do not use it after the "
        "discard date on the label."
    )
    assert content.instructions[-1] == (
        "Questions? Call Riverside Compounding Pharmacy at (555) 010-0199."
    )
    assert content.page_label.format(number=2, total=3) == "Page 2 of 3"
    assert chart(settings).patient_line == ""  # no patient, no line
    tall = chart(replace(settings, tall_man=True))
    assert tall.drug_line == "NalTREXone HCl 1 mg/mL oral suspension"


def test_a_patient_name_is_checked_for_number_forms_only_and_never_echoed(settings):
    # "Hs" would be an abbreviation in the text, but in a name it is a name
    assert chart(settings, patient="Hs Lee").patient_line == "For: Hs Lee"
    with pytest.raises(InputError) as caught:
        chart(settings, patient="Jane 10mg Doe")
    assert str(caught.value) == (
        "patient: the value given is not accepted; expected text without a number run into "
        "its unit (write 10 mg)"
    )


def test_an_unmeasurable_plan_gives_no_chart(settings):
    plan = plan_titration("ldn-standard", "0.3 mg/mL")  # 2 mg is 6.666... mL
    with pytest.raises(NotMeasurableError):
        build_chart(plan, settings, EN, "refrigerator", "bedtime")


def test_the_chart_in_spanish(settings):
    dated = chart(settings, start="2026-12-01", wording=ES, patient="Zoë Ñúñez")
    assert dated.language == "es"
    assert dated.title == "Su calendario de dosis de naltrexona en dosis bajas (LDN)"
    assert dated.patient_line == "Para: Zoë Ñúñez"
    assert dated.drug_line == "Naltrexona HCl 1 mg/mL suspensión oral"
    step = dated.steps[2]
    assert step.heading == "Paso 3: del 29 dic 2026 al 11 ene 2027"
    assert step.dose_line == "Tome 2.5 mL (2.5 mg) una vez al día al acostarse"
    assert step.syringe_line == (
        "Nueva jeringa desde esta fecha: la jeringa oral de 5 mL (marcas de 0.1 mL)"
    )
    assert step.fill_label == "Llenar hasta 2.5 mL"
    assert step.day_labels[:4] == ("29 dic", "30 dic", "31 dic", "1 ene")
    assert dated.overview_columns == ("Paso", "Cuándo", "Dosis", "Medir", "Jeringa")
    assert dated.page_label.format(number=1, total=3) == "Página 1 de 3"
    weeks = chart(settings, wording=ES)
    assert weeks.steps[0].heading == "Paso 1: semanas 1 a 2"
    assert weeks.steps[0].day_labels[0] == "día 1"
    assert chart(settings, "ldn-weekly", wording=ES).steps[1].heading == "Paso 2: semana 2"


def test_to_dict(settings):
    data = chart(settings, "ldn-weekly", "2026-12-01").to_dict()
    assert data["language"] == "en" and len(data["steps"]) == 5
    assert data["steps"][0] == {
        "step": 1,
        "heading": "Step 1: Dec 1 to Dec 7, 2026",
        "dose": "Take 1 mL (1 mg) once a day at bedtime",
        "syringe": data["steps"][0]["syringe"],
        "new_syringe": False,
        "fill_to": "Fill to 1 mL",
        "days": ["Dec 1", "Dec 2", "Dec 3", "Dec 4", "Dec 5", "Dec 6", "Dec 7"],
    }
    assert data["steps"][0]["syringe"].startswith("Use the ")
