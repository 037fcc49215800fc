"""The handout around the dosing chart, read back from the PDF in English and Spanish:
everything the LDN fact sheet asks a patient to know, the morning wording, the
maintenance dose and the wallet card."""

from __future__ import annotations

import pdfplumber
import pytest
from conftest import pdf_pages

from compounder.api.dispensing import make_chart

MM = 72 / 25.4

FACT_SHEET = {
    "en": [
        "Do not take naltrexone with opioid pain medicines or cough medicines that contain an "
        "opioid",
        "Do not take it with steroid medicines (such as prednisone or dexamethasone)",
        "medicines that weaken the immune system (such as tacrolimus, ciclosporin or azathioprine)",
        "If you have ever had liver or kidney problems, tell your pharmacist and prescriber "
        "before you start.",
        "disturbed sleep, vivid dreams, nausea or constipation, or their usual symptoms get "
        "worse for a while",
        "go back to the dose of the previous step",
        "Do not take more than 4.5 mg a day.",
        "If you miss a dose, skip it and take the next dose at the usual time. Do not take two "
        "doses",
        "Tell every doctor, dentist, surgeon and emergency team that you take naltrexone",
        "After the last step",
        "Stay at the dose that suits you best. Do not go above 4.5 mg a day. Your prescriber "
        "decides any change.",
        "Cut along the dashed line and keep this card with you.",
        "I take naltrexone (low-dose naltrexone, LDN)",
        "opioid pain medicines may not work, and they can cause withdrawal",
        "Tell emergency and surgery staff",
        "Name: Jane Doe",
    ],
    "es": [
        "No tome naltrexona con analgésicos opioides ni con jarabes para la tos",
        "No la tome con medicamentos esteroides (como prednisona o dexametasona)",
        "medicamentos que debilitan el sistema inmunitario (como tacrolimus, ciclosporina o "
        "azatioprina)",
        "Si alguna vez ha tenido problemas de hígado o de riñón",
        "duermen mal, tienen sueños muy vívidos, náuseas o estreñimiento, o sus síntomas "
        "habituales empeoran por un tiempo",
        "vuelva a la dosis del paso anterior",
        "No tome más de 4.5 mg al día.",
        "Si olvida una dosis, sáltela y tome la siguiente a la hora de siempre.",
        "Diga a todo médico, dentista, cirujano y equipo de urgencias que toma naltrexona",
        "Después del último paso",
        "Siga con la dosis que mejor le siente. No tome más de 4.5 mg al día.",
        "Recorte por la línea de puntos y lleve esta tarjeta consigo.",
        "Tomo naltrexona (naltrexona en dosis bajas, LDN)",
        "Avise al personal de urgencias y de cirugía",
        "Nombre: Jane Doe",
    ],
}
MORNING_ASK = {
    "en": "ask your pharmacist about taking it in the morning instead",
    "es": "pregunte a su farmacéutico si puede tomarla por la mañana",
}
MORNING = {
    "en": "Take your dose once a day in the morning",
    "es": "Tome su dosis una vez al día por la mañana",
}
LIVER = {
    "en": "You have told us you have had liver or kidney problems.",
    "es": "Nos ha dicho que ha tenido problemas de hígado o de riñón.",
}
MAINTENANCE = {
    "en": [
        "Step 4: Jan 12 to Feb 8, 2027 (your maintenance dose)",
        "Your plan stops rising at 3 mg (step 4). Stay at that dose: it is your maintenance dose.",
        "Stay at this dose: it is your maintenance dose. Your prescriber decides any change.",
    ],
    "es": [
        "Paso 4: del 12 ene al 8 feb 2027 (su dosis de mantenimiento)",
        "Su plan deja de subir en 3 mg (paso 4). Siga con esa dosis: es su dosis de mantenimiento.",
    ],
}


def flat(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in pdf_pages(data)).split())


def chart(example_config, language, **kwargs) -> bytes:
    return make_chart(
        start_date="2026-12-01",
        concentration="1 mg/mL",
        patient="Jane Doe",
        language=language,
        config=example_config,
        **kwargs,
    ).pdf


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_handout_says_everything_the_fact_sheet_asks(example_config, language):
    text = flat(chart(example_config, language))
    for sentence in FACT_SHEET[language]:
        assert sentence in text
    assert MORNING_ASK[language] in text  # bedtime: the morning is offered
    assert LIVER[language] not in text
    assert "maintenance" not in text and "mantenimiento" not in text


@pytest.mark.parametrize("language", ["en", "es"])
def test_morning_dosing_does_not_offer_the_morning_instead(example_config, language):
    text = flat(chart(example_config, language, dose_time="morning"))
    assert MORNING[language] in text
    assert MORNING_ASK[language] not in text
    assert "at bedtime" not in text and "al acostarse" not in text


@pytest.mark.parametrize("language", ["en", "es"])
def test_liver_kidney_history_adds_its_caution(example_config, language):
    text = flat(chart(example_config, language, liver_kidney_history=True))
    assert LIVER[language] in text


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_target_dose_is_kept_as_maintenance(example_config, language):
    text = flat(chart(example_config, language, target_dose="3 mg"))
    for sentence in MAINTENANCE[language]:
        assert sentence in text
    assert "3.5 mg" not in text.replace("No tome más de 4.5 mg", "")  # no step above 3 mg


def test_wallet_card_is_a_dashed_card_sized_box(example_config):
    data = chart(example_config, "en")
    with pdfplumber.open(__import__("io").BytesIO(data)) as pdf:
        last = pdf.pages[-1]
        boxes = [r for r in last.rects if r.get("dash") and r["dash"][0]]
        assert len(boxes) == 1
        box = boxes[0]
        assert box["width"] == pytest.approx(85.6 * MM, abs=0.1)
        assert box["height"] >= 54 * MM - 0.1
        inside = last.within_bbox((box["x0"], box["top"], box["x1"], box["bottom"]))
        card = " ".join(inside.extract_text().split())
    assert card.startswith("I take naltrexone (low-dose naltrexone, LDN)")
    assert "Name: Jane Doe" in card and "(555) 010-0199" in card


def test_no_patient_name_leaves_a_line_to_write_it(example_config):
    data = make_chart(start_date="2026-12-01", concentration="1 mg/mL", config=example_config).pdf
    assert "Name: ______" in flat(data)
