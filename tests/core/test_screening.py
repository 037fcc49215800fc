"""Medication screening: every name in templates/screening.toml matches its class, in the
forms a medication list writes it; near names of other drugs do not, misspellings one
letter off a listed name are read as it."""

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
from compounder.core.staff import Role, StaffError, StaffMember, StaffRegister
from compounder.errors import DataFileError, InputError, SafetyError

STAFF = StaffRegister(
    (
        StaffMember("JD", "Julia Diaz", Role.PHARMACIST),
        StaffMember("AB", "Ana Brooks", Role.PHARMACIST),
    )
)

TABLE = load_screening()
RAW = load_toml(template_path("screening.toml"))
ENTRIES = [
    (cls["id"], name)
    for cls in RAW["class"]
    for key in ("generics", "salts", "brands", "combinations", "other_names")
    for name in cls.get(key, [])
]


def classes_of(medicine: str) -> set[str]:
    return {hit.class_id for hit in match_medicine(medicine, TABLE)}


ISSUE_CLASSES = [
    "opioids", "naltrexone", "opioid_antidiarrheals", "corticosteroids", "local_corticosteroids",
    "immunosuppressants", "local_immunomodulators", "tnf_inhibitors", "anti_cd20",
    "integrin_blockers", "s1p_modulators", "jak_inhibitors", "alkylating_agents",
    "costimulation_blockers", "il6_blockers", "other_biologic_immunosuppressants",
]  # fmt: skip
CAUTIONS = {"opioid_antidiarrheals", "local_corticosteroids", "local_immunomodulators"}


def test_every_class_has_an_action_and_a_source():
    assert [c.id for c in TABLE.classes] == ISSUE_CLASSES
    for cls in TABLE.classes:
        assert cls.action == ("caution" if cls.id in CAUTIONS else "stop")
        assert "DailyMed" in cls.source or "EMA" in cls.source
    assert len(ENTRIES) > 600


@pytest.mark.parametrize(("class_id", "name"), ENTRIES, ids=[n for _, n in ENTRIES])
def test_every_entry_matches_its_class_as_written_on_a_list(class_id, name):
    assert class_id in classes_of(name)
    assert class_id in classes_of(name.upper())  # case-insensitive
    assert class_id in classes_of(f"{name} 5 mg tablet, 1 at night")  # strength and form
    if not name[-1].isdigit():  # "Tylenol 310mg" is not Tylenol #3
        assert class_id in classes_of(f"{name.lower()}10mg")  # strength run into the name
    hit = next(h for h in match_medicine(f"{name} 5 mg", TABLE) if h.class_id == class_id)
    expected = "caution" if class_id in CAUTIONS else "stop"
    assert hit.action == expected and not hit.local_form


@pytest.mark.parametrize(
    ("medicine", "class_id", "matched"),
    [
        ("oxycodone HCl 5 mg", "opioids", "oxycodone"),
        ("Oxycodone hydrochloride 10mg ER", "opioids", "oxycodone hydrochloride"),
        ("Percocet 5/325", "opioids", "Percocet"),
        ("Tylenol #3", "opioids", "tylenol #3"),
        ("Tylenol No. 4 with codeine", "opioids", "Tylenol no 4"),
        ("acetaminophen-codeine 300-30 mg", "opioids", "codeine"),
        ("promethazine with codeine syrup 5 mL at night", "opioids", "promethazine with codeine"),
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
    # every medicine named is a hit ("Tylenol No. 4 with codeine": both names)
    assert {(h.class_id, h.action) for h in hits} == {(class_id, "stop")}
    assert hits[0].matched == matched


@pytest.mark.parametrize(
    "medicine",
    [
        "naloxone",  # an opioid antagonist, not an agonist
        "Narcan nasal spray",
        "methylnaltrexone",
        "apomorphine",  # contains "morphine", is not an opioid
        "hydroxyzine",
        "hydrochlorothiazide",
        "trazodone",  # near "tramadol"
        "dextromethorphan",  # cough medicine that is not an opioid agonist here
        "Tylenol 325 mg",  # plain acetaminophen
        "Tylenol",
        "cyclobenzaprine",
        "metformin",
    ],
)
def test_near_names_of_other_drugs_do_not_match(medicine):
    assert classes_of(medicine) == set()
    hits, unknown, identified = screen([medicine], TABLE)
    assert hits == [] and unknown == [] and identified  # the dictionary knows them


@pytest.mark.parametrize(
    ("medicine", "class_id"),
    [
        ("oxycodon", "opioids"),
        ("hydrocodon", "opioids"),
        ("predisone", "corticosteroids"),
        ("tacrolimuss", "immunosuppressants"),
        ("codeinex", "opioids"),
        ("oxycodne 5 mg", "opioids"),
        ("prednisnoe", "corticosteroids"),  # two letters swapped
    ],
)
def test_misspellings_one_letter_off_are_read_as_the_listed_name(medicine, class_id):
    hits, unknown, _ = screen([medicine], TABLE)
    assert [(h.class_id, h.action) for h in hits] == [(class_id, "stop")] and unknown == []


def test_naltrexone_itself_is_its_own_stop():
    with pytest.raises(SafetyError, match="already takes naltrexone"):
        screening_decision(["naltrexone 50 mg"])


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
    assert "Percocet (opioid)" in message and "CellCept (immunosuppressant" in message
    assert "ibuprofen" not in message  # identified by the dictionary, no class
    assert "--override" in message and caught.value.exit_code == 3


def test_an_override_needs_a_reason_and_initials():
    result = screening_decision(
        ["Norco"], override="hospice team aware", pharmacist="j.d.", signers=STAFF
    )
    assert result.decision == "override" and result.overridden
    assert result.to_dict()["override"] == {
        "reason": "hospice team aware", "pharmacist": "JD", "pharmacist_name": "Julia Diaz"
    }  # fmt: skip
    with pytest.raises(InputError, match="pharmacist"):
        screening_decision(["Norco"], override="hospice team aware")
    with pytest.raises(StaffError, match=r"the staff register .* is empty"):  # no register
        screening_decision(["Norco"], override="hospice team aware", pharmacist="JD")
    with pytest.raises(StaffError, match="'JQ' is not in the staff register"):
        screening_decision(["Norco"], override="aware", pharmacist="JQ", signers=STAFF)
    technician = StaffRegister((StaffMember("TR", "Tomas Reyes", Role.TECHNICIAN),))
    with pytest.raises(StaffError, match=r"TR is a technician .* an override needs a pharmac"):
        screening_decision(["Norco"], override="aware", pharmacist="TR", signers=technician)
    with pytest.raises(SafetyError, match="Norco"):  # initials alone override nothing
        screening_decision(["Norco"], pharmacist="JD", signers=STAFF)
    with pytest.raises(InputError, match="override"):
        screening_decision(["Norco"], override="   ", pharmacist="JD", signers=STAFF)
    with pytest.raises(InputError, match="initials"):
        check_initials("J")
    with pytest.raises(InputError, match="initials"):
        check_initials("J0hn")


def test_unrecognised_medicines_are_listed_not_passed():
    result = screening_decision(["zyxqol 500 mg", "Percocet"], override="x", pharmacist="AB",
                                refuse=False, signers=STAFF)  # fmt: skip
    assert result.not_screened == ("zyxqol 500 mg",) and result.decision == "refuse"
    assert result.to_dict()["not_screened"] == ["zyxqol 500 mg"]
    with pytest.raises(SafetyError) as caught:
        result.require_safe()
    assert "medicine 1 of 2" in str(caught.value) and "zyxqol" not in str(caught.value)
    assert "--acknowledge-unscreened" in str(caught.value)
    acknowledged = screening_decision(
        ["zyxqol 500 mg", "Percocet"],
        override="x",
        pharmacist="AB",
        acknowledge_unscreened=True,
        signers=STAFF,
    )
    assert acknowledged.decision == "override" and acknowledged.acknowledged
    assert acknowledged.to_dict()["acknowledged"] == {
        "pharmacist": "AB", "pharmacist_name": "Ana Brooks", "medicines": ["zyxqol 500 mg"]
    }  # fmt: skip
    with pytest.raises(InputError, match="pharmacist"):
        screening_decision(["zyxqol"], acknowledge_unscreened=True)


def test_no_other_medications_is_recorded_and_excludes_medicines():
    none = screening_decision([], no_other_medications=True)
    assert none.decision == "proceed" and none.to_dict()["no_other_medications"] is True
    with pytest.raises(InputError, match="no-other-medications"):
        screening_decision(["metformin"], no_other_medications=True)


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
