"""A pharmacy's own screening list may add classes and names and tighten an action, but
never drop or weaken a class the shipped list marks ``stop``; an unknown list format
(``version``) is refused."""

from __future__ import annotations

import re

import pytest

from compounder.core.datafiles import template_path
from compounder.core.screening import load_screening, match_medicine
from compounder.errors import DataFileError

SHIPPED = template_path("screening.toml").read_text()
RULE = "a pharmacy's list may add classes and names but not drop a stop"
ONLY_ONE = """version = 1

[[class]]
id = "zolbetuximab"
name = "zolbetuximab"
action = "caution"
source = "the pharmacy's own policy"
generics = ["zolbetuximab"]
"""


def own(tmp_path, text: str):
    path = tmp_path / "own-screening.toml"
    path.write_text(text)
    return path


def refusal(tmp_path, text: str) -> str:
    path = own(tmp_path, text)
    with pytest.raises(DataFileError) as caught:
        load_screening(path)
    assert caught.value.exit_code == 4
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message


def test_a_list_without_the_opioid_class_is_refused(tmp_path):
    message = refusal(tmp_path, ONLY_ONE)
    assert f"leaves out the shipped stop class 'opioids'; {RULE}" in message


def test_dropping_any_stop_class_is_refused(tmp_path):
    # the shipped file without its last class
    text = SHIPPED[: SHIPPED.rindex("[[class]]")]
    assert "leaves out the shipped stop class 'other_biologic_immunosuppressants'" in refusal(
        tmp_path, text
    )


def test_marking_a_stop_class_caution_is_refused(tmp_path):
    text = SHIPPED.replace('id = "opioids"\nname = "opioid"\naction = "stop"',
                           'id = "opioids"\nname = "opioid"\naction = "caution"', 1)  # fmt: skip
    assert text != SHIPPED
    assert "marks the shipped stop class 'opioids' 'caution'" in refusal(tmp_path, text)


def test_removing_a_name_from_a_stop_class_is_refused(tmp_path):
    text = SHIPPED.replace('"hydrocodone", "benzhydrocodone", "oxycodone",',
                           '"hydrocodone", "benzhydrocodone",', 1)  # fmt: skip
    assert text != SHIPPED
    assert "leaves out 'oxycodone' of the shipped stop class 'opioids'" in refusal(tmp_path, text)


def test_a_name_may_move_lists_within_its_class(tmp_path):
    # names are compared by their words, whichever list of the class holds them
    text = SHIPPED.replace('"RoxyBond", ', "", 1).replace(
        '"Percocet", ', '"Percocet", "roxybond", ', 1
    )
    assert load_screening(own(tmp_path, text)).classes[0].id == "opioids"


def test_widening_local_forms_of_a_stop_class_is_refused(tmp_path):
    # "tablet" as a local word would make prednisone tablets a caution
    eye = '"eye drops", "ear drops",'
    text = SHIPPED.replace(eye, '"tablet", ' + eye, 1)
    assert text != SHIPPED
    message = refusal(tmp_path, text)
    assert "makes 'tablet' forms of the shipped stop class 'corticosteroids' a caution" in message
    # an opioid class with local forms is a weakening too
    text = SHIPPED.replace(
        '\n[[class]]\nid = "naltrexone"',
        '\n[class.local]\naction = "caution"\nwords = ["patch"]\n\n[[class]]\nid = "naltrexone"',
        1,
    )
    assert "makes 'patch' forms of the shipped stop class 'opioids'" in refusal(tmp_path, text)


def test_adding_and_tightening_is_accepted(tmp_path):
    text = SHIPPED.replace(
        '[class.local]\naction = "caution"', '[class.local]\naction = "stop"', 1
    ).replace('"tramadol", ', '"tramadol", "kratom", ', 1) + ONLY_ONE.replace("version = 1\n", "")
    table = load_screening(own(tmp_path, text))
    assert [c.id for c in table.classes][-1] == "zolbetuximab"
    assert [h.action for h in match_medicine("kratom", table)] == ["stop"]
    assert [h.action for h in match_medicine("prednisone eye drops", table)] == ["stop"]


@pytest.mark.parametrize("version", ["2", "0", '"1"'])
def test_an_unknown_list_version_is_refused(tmp_path, version):
    message = refusal(tmp_path, SHIPPED.replace("version = 1", f"version = {version}", 1))
    assert re.search(r": version: .*(not a list format|not accepted)", message)


def test_a_list_without_a_version_is_the_current_format(tmp_path):
    table = load_screening(own(tmp_path, SHIPPED.replace("version = 1\n", "", 1)))
    assert [c.id for c in table.classes] == [c.id for c in load_screening().classes]


def test_dropping_a_systemic_form_of_a_stop_class_is_refused(tmp_path):
    text = SHIPPED.replace('"tablet", "tablets", ', "", 1)
    assert text != SHIPPED
    message = refusal(tmp_path, text)
    assert "leaves out the systemic form 'tablet' of the shipped stop class 'corticosteroids'" in (
        message
    )
