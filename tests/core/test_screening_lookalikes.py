"""Look-alike medicine names: full-width letters are read as the plain ones (Unicode
NFKC); invisible characters and words mixing Latin with Cyrillic or Greek letters are
refused (exit 2) without repeating the text."""

from __future__ import annotations

import pytest

from compounder.core.identity import mixes_scripts
from compounder.core.screening import screening_decision
from compounder.core.staff import Role, StaffMember, StaffRegister
from compounder.errors import InputError, SafetyError

STAFF = StaffRegister(
    (
        StaffMember("JD", "Julia Diaz", Role.PHARMACIST),
        StaffMember("AB", "Ana Brooks", Role.PHARMACIST),
    )
)


def test_full_width_letters_are_screened_as_the_plain_name():
    with pytest.raises(SafetyError, match="oxycodone \\(opioid\\)"):
        screening_decision(["ｏｘｙｃｏｄｏｎｅ 5 mg"])
    result = screening_decision(
        ["ｏｘｙｃｏｄｏｎｅ 5 mg"], override="planned", pharmacist="JD", signers=STAFF
    )
    assert result.medicines == ("oxycodone 5 mg",) and result.decision == "override"


@pytest.mark.parametrize(
    "medicine",
    ["oxy\u200bcodone", "oxycodone\u2060 5 mg", "\u202eenodocyxo", "oxy\u00adcodone", "oxy\x00c"],
)
def test_invisible_characters_are_refused_without_echo(medicine):
    with pytest.raises(InputError) as error:
        screening_decision([medicine])
    message = str(error.value)
    assert error.value.exit_code == 2 and "\n" not in message
    assert "invisible" in message and "codone" not in message and "enodoc" not in message


@pytest.mark.parametrize("medicine", ["\u043exycodone", "oxyc\u03bfdone 5 mg", "pred\u0456sone"])
def test_a_word_mixing_alphabets_is_refused(medicine):
    with pytest.raises(InputError) as error:
        screening_decision([medicine])
    message = str(error.value)
    assert error.value.exit_code == 2 and "one alphabet" in message and "xycodone" not in message


def test_one_alphabet_words_and_micrograms_pass():
    assert not mixes_scripts("levothyroxine") and not mixes_scripts("\u00b5g")
    assert not mixes_scripts("\u043e\u043a\u0441\u0438\u043a\u043e\u0434\u043e\u043d")
    result = screening_decision(["levothyroxine 50\u00b5g", "Zoë drops\tdaily"], refuse=False)
    # levothyroxine is identified (the drug dictionary); "Zoë drops" is not: a stop
    assert result.decision == "refuse" and result.not_screened == ("Zoë drops daily",)
