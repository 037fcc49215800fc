"""Rx numbers and people's names as they enter: limits, tidying, control characters, and
a patient's name never repeated in an error; who checks (initials compared, the same
person refused unless a single-pharmacist site)."""

from __future__ import annotations

import pytest

from compounder.core.identity import check_independent, check_name, check_rx, initials
from compounder.errors import InputError, SafetyError


@pytest.mark.parametrize("rx", ["1", "1234567", "RX-2026-0001", "a" * 20, "ab-CD-12"])
def test_an_rx_of_1_to_20_letters_digits_or_dashes_is_accepted_unchanged(rx):
    assert check_rx(rx) == rx


@pytest.mark.parametrize(
    "rx",
    [
        "",
        "a" * 21,  # one over the limit
        "12 34",
        "12/34",
        "12_34",
        "1234;DROP",
        "１２３",  # full-width digits are not the ASCII digits a pharmacy system prints
        "Rx№1",
    ],
)
def test_any_other_rx_is_refused_with_what_is_accepted(rx):
    with pytest.raises(InputError) as caught:
        check_rx(rx)
    assert str(caught.value) == (
        f"rx: {rx!r} is not accepted; expected 1 to 20 letters, digits or dashes"
    )


def test_an_rx_with_a_trailing_newline_is_refused():
    with pytest.raises(InputError):
        check_rx("1234567\n")


def test_names_have_their_spaces_tidied():
    assert check_name("  Jane   Doe ", "patient") == "Jane Doe"
    assert check_name("Jane\tDoe\r\n", "patient") == "Jane Doe"  # whitespace, not control
    assert check_name("Zoë Ñúñez", "patient") == "Zoë Ñúñez"


def test_the_length_limit_counts_the_tidied_name():
    # 80 characters exactly is the default limit; 81 is one too many
    assert check_name("A" * 80, "prescriber") == "A" * 80
    assert check_name("A" * 40 + " " * 30 + "B" * 39, "prescriber") == "A" * 40 + " " + "B" * 39
    with pytest.raises(InputError) as caught:
        check_name("A" * 81, "prescriber")
    assert (
        str(caught.value)
        == f"prescriber: {'A' * 81!r} is not accepted; expected at most 80 characters"
    )
    assert check_name("Dr Q. Adams", "prepared-by", limit=11) == "Dr Q. Adams"  # 11 characters
    with pytest.raises(InputError, match="at most 10 characters"):
        check_name("Dr Q. Adams", "prepared-by", limit=10)


def test_empty_names_are_refused():
    for blank in ["", "   ", "\t\n"]:
        with pytest.raises(InputError) as caught:
            check_name(blank, "checked-by")
        assert caught.value.expected == "a name (not empty)"
        assert str(caught.value).startswith("checked-by: ")


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x08"])
def test_control_characters_are_refused(control):
    with pytest.raises(InputError) as caught:
        check_name(f"Jane{control}Doe", "prescriber")
    assert caught.value.expected == "a name without control or invisible characters"
    assert repr(f"Jane{control}Doe") in str(caught.value)  # a prescriber's name is shown


@pytest.mark.parametrize("control", ["\x7f", "\x9b"])
def test_del_and_c1_control_characters_are_refused(control):
    with pytest.raises(InputError):
        check_name(f"Jane{control}Doe", "prescriber")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("   ", "a name (not empty)"),
        ("Jane Secretname " + "x" * 80, "at most 80 characters"),
        ("Jane\x00Secretname", "a name without control or invisible characters"),
    ],
)
def test_a_patient_name_is_never_echoed(given, expected):
    with pytest.raises(InputError) as caught:
        check_name(given, "patient")
    message = str(caught.value)
    assert message == f"patient: the value given is not accepted; expected {expected}"
    assert "Secretname" not in message and "Jane" not in message


@pytest.mark.parametrize("name", ["JD", "jd", "J.D.", "J D", "Jane Doe", " j. d "])
def test_initials_are_normalised(name):
    assert initials(name) == "JD"


def test_different_people_pass():
    assert check_independent("JD", "MK", single_pharmacist=False) is False
    assert check_independent("JAD", "JMD", single_pharmacist=False) is False


@pytest.mark.parametrize(
    ("prepared", "checked"), [("JD", "JD"), ("JD", "j.d."), ("Jane Doe", "jd")]
)
def test_the_same_person_is_refused(prepared, checked):
    with pytest.raises(SafetyError, match="the check must be independent"):
        check_independent(prepared, checked, single_pharmacist=False)


def test_a_single_pharmacist_site_may_check_its_own_work():
    assert check_independent("JD", "J.D.", single_pharmacist=True) is True
