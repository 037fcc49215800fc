"""Print-size profiles: the shipped file, and the rules a profile file must keep."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compounder.core.datafiles import template_path
from compounder.core.label_profiles import find_profile, load_label_profiles
from compounder.core.settings import load_settings
from compounder.errors import DataFileError, InputError

SHIPPED = template_path("label_profiles.toml").read_text(encoding="utf-8")


def test_shipped_profiles_and_their_numbers():
    profiles = load_label_profiles()
    assert profiles.ids() == ["usp17", "california", "large-print"]
    assert find_profile().id == "usp17"
    usp17 = find_profile("usp17")
    assert usp17.critical_min == Decimal("8")
    assert usp17.role("pharmacy").max_size <= usp17.role("key").min_size
    california = find_profile("california")
    assert california.patient_area == Decimal("0.5")
    assert {california.role(r).min_size for r in ("patient", "drug", "directions")} == {12}
    large = find_profile("large-print")
    assert {large.role(r).min_size for r in ("patient", "drug", "directions")} == {18}
    assert large.role("directions").leading == Decimal("1.5")
    assert large.role("warnings").break_at == " • "


def test_an_unknown_profile_names_the_choices():
    with pytest.raises(InputError) as caught:
        find_profile("tiny")
    assert caught.value.field == "profile"
    assert "usp17, california, large-print" in caught.value.expected


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        # the pharmacy may not outrank critical text
        ('[profile.usp17.role.pharmacy]\nmax = "8"', '[profile.usp17.role.pharmacy]\nmax = "9"',
         "below the pharmacy's max"),
        # critical text at least critical_min
        ('[profile.usp17.role.key]\nmax = "9.5"\nmin = "8"',
         '[profile.usp17.role.key]\nmax = "9.5"\nmin = "7.5"', "below critical_min"),
        # the patient-centred items stay the largest text
        ('[profile.usp17.role.drug]\nmax = "12"\nmin = "10"',
         '[profile.usp17.role.drug]\nmax = "12"\nmin = "9"', "patient-centred"),
        ('min_source = "USP <17>: explicit directions most prominent"\n', "", "min_source"),
    ],
)
def test_a_profile_breaking_a_rule_is_refused(tmp_path, old, new, problem):
    assert old in SHIPPED
    path = tmp_path / "profiles.toml"
    path.write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DataFileError, match=problem.replace("(", r"\(")):
        load_label_profiles(str(path))


SETTINGS = """
[pharmacy]
name = "Riverside Compounding Pharmacy"
address = "120 Harbor Street, Springfield, IL 62701"
phone = "(555) 010-0199"
"""


def test_the_settings_choose_a_profile(tmp_path):
    path = tmp_path / "compounder.toml"
    path.write_text(SETTINGS + '[defaults]\nprofile = "large-print"\n')
    assert load_settings(path).profile == "large-print"
    path.write_text(SETTINGS + '[defaults]\nprofile = "huge"\n')
    with pytest.raises(DataFileError, match=r"defaults\.profile"):
        load_settings(path)
    path.write_text(SETTINGS)
    assert load_settings(path).profile == ""  # the file's default (usp17)


def test_the_settings_warnings_library(tmp_path):
    path = tmp_path / "compounder.toml"
    path.write_text(
        SETTINGS
        + '[warnings]\nprint = ["keep-out", "keep-out", "shake-well"]\n'
        + '[warnings.library.keep-out]\nen = "Keep out of reach of children"\n'
        + 'es = "Manténgase fuera del alcance de los niños"\n',
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert settings.warnings == ("keep-out", "shake-well")
    own = settings.library_warning("keep-out")
    assert own is not None and own.text("es") == "Manténgase fuera del alcance de los niños"
    assert own.text("fr") is None


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('[warnings.library.x]\nes = "Agítese"\n', "warnings.library.x.en: missing"),
        ('[warnings.library.x]\nen = "Shake"\nfr = "Agiter"\n', "unknown key"),
        ('[warnings.library.x]\nen = "' + "x" * 81 + '"\n', "at most 80"),
        ('[warnings]\nshow = ["x"]\n', "unknown key"),
    ],
)
def test_bad_warnings_settings_are_refused_by_key(tmp_path, table, problem):
    path = tmp_path / "compounder.toml"
    path.write_text(SETTINGS + table, encoding="utf-8")
    with pytest.raises(DataFileError, match=problem):
        load_settings(path)
