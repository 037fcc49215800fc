"""Medication screening: every name in templates/screening.toml matches its class, in the
forms a medication list writes it; near names and misspellings do not."""

from __future__ import annotations

import pytest

from compounder.core.datafiles import load_toml, template_path
from compounder.core.screening import (
    check_initials,
    load_screening,
    match_medicine,
    screen,
    screening_decision,
    split_medicines,
    words,
)
from compounder.errors import DataFileError, InputError, SafetyError

TABLE = load_screening()
RAW = load_toml(template_path("screening.toml"))
ENTRIES = [
    (cls["id"], name)
    for cls in RAW["class"]
    for key in ("generics", "salts", "brands", "combinations")
    for name in cls.get(key, [])
]


def classes_of(medicine: str) -> set[str]:
    return {hit.class_id for hit in match_medicine(medicine, TABLE)}


def test_every_class_is_a_stop_with_a_source():
    assert [c.id for c in TABLE.classes] == ["opioids", "corticosteroids", "immunosuppressants"]
    for cls in TABLE.classes:
        assert cls.action == "stop"
        assert "DailyMed" in cls.source and "LDN Research Trust" in cls.source
    assert len(ENTRIES) > 150


@pytest.mark.parametrize(("class_id", "name"), ENTRIES, ids=[n for _, n in ENTRIES])
def test_every_entry_matches_its_class_as_written_on_a_list(class_id, name):
    assert classes_of(name) == {class_id}
    assert classes_of(name.upper()) == {class_id}  # case-insensitive
    assert classes_of(f"{name} 5 mg tablet, 1 at night") == {class_id}  # strength and form
    if not name[-1].isdigit():  # "Tylenol 310mg" is not Tylenol #3
        assert classes_of(f"{name.lower()}10mg") == {class_id}  # strength run into the name
    hit = match_medicine(f"{name} 5 mg", TABLE)[0]
    assert hit.action == "stop" and not hit.local_form


@pytest.mark.parametrize(
    ("medicine", "class_id", "matched"),
    [
        ("oxycodone HCl 5 mg", "opioids", "oxycodone"),
        ("Oxycodone hydrochloride 10mg ER", "opioids", "oxycodone hydrochloride"),
        ("Percocet 5/325", "opioids", "Percocet"),
        ("Tylenol #3", "opioids", "Tylenol 3"),
        ("Tylenol No. 4 with codeine", "opioids", "Tylenol no 4"),
        ("acetaminophen-codeine 300-30 mg", "opioids", "codeine"),
        ("promethazine with codeine syrup 5 mL at night", "opioids", "codeine"),
        ("Hycodan cough syrup", "opioids", "Hycodan"),
        ("Suboxone 8/2 film", "opioids", "Suboxone"),
        ("Ultram 50", "opioids", "Ultram"),
        ("fentanyl 25 mcg/h patch", "opioids", "fentanyl"),
        ("methadone 40mg daily (clinic)", "opioids", "methadone"),
        ("Solu-Medrol 125 mg IV", "corticosteroids", "Solu-Medrol"),
        ("prednisone 5mg", "corticosteroids", "prednisone"),
        ("Medrol dose pack", "corticosteroids", "Medrol"),
        ("CellCept 500mg BID", "immunosuppressants", "CellCept"),
        ("tacrolimus (Prograf) 1 mg", "immunosuppressants", "tacrolimus"),
        ("ciclosporin", "immunosuppressants", "ciclosporin"),
    ],
)
def test_medication_list_forms(medicine, class_id, matched):
    hits = match_medicine(medicine, TABLE)
    assert [(h.class_id, h.action) for h in hits] == [(class_id, "stop")]
    assert hits[0].matched == matched


@pytest.mark.parametrize(
    "medicine",
    [
        "naloxone",  # an opioid antagonist, not an agonist
        "Narcan nasal spray",
        "naltrexone 50 mg",  # the drug itself
        "methylnaltrexone",
        "apomorphine",  # contains "morphine", is not an opioid
        "hydroxyzine",
        "hydrochlorothiazide",
        "trazodone",  # near "tramadol"
        "dextromethorphan",  # cough medicine that is not an opioid agonist here
        "Tylenol 325 mg",  # plain acetaminophen
        "Tylenol",
        "oxycodon",  # misspellings are not guessed: they are "not screened"
        "hydrocodon",
        "predisone",
        "tacrolimuss",
        "cyclobenzaprine",
        "metformin",
        "codeinex",
    ],
)
def test_near_names_and_misspellings_do_not_match(medicine):
    assert classes_of(medicine) == set()
    hits, unknown = screen([medicine], TABLE)
    assert hits == [] and unknown == [medicine]  # listed as not screened, not passed


@pytest.mark.parametrize(
    ("medicine", "class_id"),
    [
        ("prednisone eye drops", "corticosteroids"),
        ("prednisolone acetate 1% ophthalmic suspension", "corticosteroids"),
        ("hydrocortisone cream 1%", "corticosteroids"),
        ("budesonide inhaler", "corticosteroids"),
        ("triamcinolone nasal spray", "corticosteroids"),
        ("dexamethasone ear drops", "corticosteroids"),
        ("tacrolimus ointment 0.1%", "immunosuppressants"),
        ("cyclosporine ophthalmic emulsion", "immunosuppressants"),
    ],
)
def test_local_forms_of_steroids_and_immunosuppressants_are_a_caution(medicine, class_id):
    (hit,) = match_medicine(medicine, TABLE)
    assert (hit.class_id, hit.action, hit.local_form) == (class_id, "caution", True)
    result = screening_decision([medicine])  # a caution never refuses
    assert result.decision == "proceed" and result.cautions == [hit]


def test_opioids_have_no_local_form():
    # a fentanyl patch or nasal spray is systemic: still a stop
    for medicine in ("fentanyl transdermal patch", "fentanyl nasal spray", "Lazanda nasal spray"):
        assert [h.action for h in match_medicine(medicine, TABLE)] == ["stop"]


def test_words_split_on_everything_but_letters_and_digits():
    assert words("Oxycodone/APAP 5mg-325mg") == ("oxycodone", "apap", "5", "mg", "325", "mg")
    assert words("Tylenol #3") == ("tylenol", "3")
    assert words("Solu-Medrol") == ("solu", "medrol")


def test_a_stop_refuses_naming_the_medicine_and_class():
    with pytest.raises(SafetyError) as caught:
        screening_decision(["ibuprofen", "Percocet 5/325", "CellCept"])
    message = str(caught.value)
    assert "Percocet (opioid)" in message and "CellCept (immunosuppressant)" in message
    assert "--override" in message and caught.value.exit_code == 3


def test_an_override_needs_a_reason_and_initials():
    result = screening_decision(["Norco"], override="hospice team aware", pharmacist="j.d.")
    assert result.decision == "override" and result.overridden
    assert result.to_dict()["override"] == {"reason": "hospice team aware", "pharmacist": "JD"}
    with pytest.raises(InputError, match="pharmacist"):
        screening_decision(["Norco"], override="hospice team aware")
    with pytest.raises(InputError, match="override"):
        screening_decision(["Norco"], pharmacist="JD")
    with pytest.raises(InputError, match="override"):
        screening_decision(["Norco"], override="   ", pharmacist="JD")
    with pytest.raises(InputError, match="initials"):
        check_initials("J")
    with pytest.raises(InputError, match="initials"):
        check_initials("J0hn")


def test_unrecognised_medicines_are_listed_not_passed():
    result = screening_decision(["metformin 500 mg", "Percocet"], override="x", pharmacist="AB")
    assert result.not_screened == ("metformin 500 mg",)
    assert result.to_dict()["not_screened"] == ["metformin 500 mg"]


def test_batch_cell_is_split_on_semicolons():
    assert split_medicines(" metformin 500 mg ;; Tylenol #3; ") == [
        "metformin 500 mg",
        "Tylenol #3",
    ]


def test_a_medicine_needs_letters():
    with pytest.raises(InputError, match="other-medication"):
        screening_decision(["5 / 10"])


def test_a_pharmacy_file_can_make_local_forms_a_stop(tmp_path):
    text = (
        template_path("screening.toml")
        .read_text()
        .replace('[class.local]\naction = "caution"', '[class.local]\naction = "stop"', 1)
    )
    own = tmp_path / "screening.toml"
    own.write_text(text)
    table = load_screening(own)
    assert [h.action for h in match_medicine("prednisone eye drops", table)] == ["stop"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (('\naction = "stop"', '\naction = "warn"'), "action"),
        (('id = "opioids"', 'id = "corticosteroids"'), "appears twice"),
        (("version = 1", "version = 1\ncolour = 2"), "unknown key"),
    ],
)
def test_a_bad_screening_file_is_refused(tmp_path, change, problem):
    own = tmp_path / "screening.toml"
    own.write_text(template_path("screening.toml").read_text().replace(*change, 1))
    with pytest.raises(DataFileError, match=problem):
        load_screening(own)
