"""The staff register: initials resolve to registered, active people; roles; independence."""

from __future__ import annotations

from pathlib import Path

import pytest

from compounder.core.settings import load_register, load_settings
from compounder.core.staff import (
    Role,
    StaffError,
    StaffMember,
    StaffRegister,
    check_independent,
    parse_register,
)
from compounder.errors import EXIT_INPUT, DataFileError, SafetyError

SETTINGS = """
[pharmacy]
name = "P"
address = "A"
phone = "1"

[staff.JD]
name = "Jane Doe"
role = "pharmacist"

[staff.MK]
name = "Maria Khan"
role = "pharmacist"
active = true

[staff.TR]
name = "Tom Reyes"
role = "technician"

[staff.OLD]
name = "Olive Dent"
role = "pharmacist"
active = false
"""


@pytest.fixture
def register(tmp_path: Path) -> StaffRegister:
    path = tmp_path / "site.toml"
    path.write_text(SETTINGS)
    return load_settings(path).staff


def test_initials_resolve_to_the_registered_person(register: StaffRegister) -> None:
    jane = register.person("j.d.", "prepared-by")
    assert jane == StaffMember("JD", "Jane Doe", Role.PHARMACIST, True)
    assert register.person(" TR ", "prepared-by").role is Role.TECHNICIAN


def test_unknown_initials_are_refused_naming_the_register(register: StaffRegister) -> None:
    with pytest.raises(StaffError) as caught:
        register.person("Jane Doe", "checked-by")
    message = str(caught.value)
    assert message.startswith("checked-by: 'Jane Doe' is not in the staff register ([staff.XX]")
    assert "site.toml" in message
    assert message.endswith("expected the initials of an active person of the register: JD, MK, TR")
    assert caught.value.exit_code == EXIT_INPUT
    with pytest.raises(StaffError) as caught:  # a field only a pharmacist may sign
        register.pharmacist("ZZ", "pharmacist", "a final check (verify)")
    assert str(caught.value).endswith("an active pharmacist of the register: JD, MK")


def test_an_inactive_person_is_refused(register: StaffRegister) -> None:
    with pytest.raises(StaffError, match="OLD is not active in the staff register"):
        register.person("old", "checked-by")


def test_a_technician_cannot_do_what_needs_a_pharmacist(register: StaffRegister) -> None:
    assert register.pharmacist("MK", "pharmacist", "an override").name == "Maria Khan"
    with pytest.raises(StaffError) as caught:
        register.pharmacist("TR", "pharmacist", "an override")
    assert "TR is a technician in the staff register" in str(caught.value)
    assert "an override needs a pharmacist; expected the initials of an active pharmacist" in str(
        caught.value
    )
    assert str(caught.value).endswith(": JD, MK")


def test_no_register_refuses_every_person_and_says_how_to_add_one(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text(SETTINGS.split("[staff.JD]")[0])
    with pytest.raises(StaffError) as caught:
        load_settings(path).staff.person("JD", "prepared-by")
    message = str(caught.value)
    assert "the staff register ([staff.XX] tables of the settings in" in message
    assert "is empty: nobody can sign" in message
    assert "compounder init --staff" in message
    with pytest.raises(StaffError, match=r"no settings file found"):
        StaffRegister().person("JD", "prepared-by")


def test_the_same_register_entry_is_not_an_independent_check(register: StaffRegister) -> None:
    jane = register.person("JD", "prepared-by")
    assert check_independent(jane, register.person("MK", "checked-by"), False) is False
    with pytest.raises(SafetyError, match="same person of the staff register"):
        check_independent(jane, register.person("j d", "checked-by"), False)
    assert check_independent(jane, jane, True) is True


@pytest.mark.parametrize(
    ("toml", "key", "problem"),
    [
        ('[J]\nname = "x"\nrole = "pharmacist"', "staff.J", "is not accepted as initials"),
        ('[JD]\nname = "Jane"\nrole = "nurse"', "staff.JD.role", "'nurse' is not accepted"),
        ('[JD]\nrole = "pharmacist"', "staff.JD.name", "missing"),
        ('[JD]\nname = "J"\nrole = "pharmacist"\nactive = "yes"', "staff.JD.active", "'yes'"),
        ('[JD]\nname = "J"\nrole = "pharmacist"\ncolour = 1', "staff.JD.colour", "unknown key"),
        (
            '[JD]\nname = "J"\nrole = "pharmacist"\n[jd]\nname = "K"\nrole = "technician"',
            "staff.jd",
            "JD is registered twice",
        ),
    ],
)
def test_a_register_that_is_not_valid_names_its_key(toml: str, key: str, problem: str) -> None:
    import tomllib

    with pytest.raises(DataFileError) as caught:
        parse_register(tomllib.loads(toml), "site.toml")
    assert caught.value.key == key
    assert problem in caught.value.problem


def test_load_register_reads_only_the_staff_table(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text(SETTINGS + "\n[defaults]\nstock = 'no-such-stock-checked-here'\n")
    assert [m.initials for m in load_register(path).active()] == ["JD", "MK", "TR"]
