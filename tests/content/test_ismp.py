"""The ISMP gate all printed text passes through."""

from __future__ import annotations

import pytest

from compounder.content.ismp import check_text, problems
from compounder.errors import InputError


@pytest.mark.parametrize(
    "text",
    [
        "Take 1.5 mL (1.5 mg) by mouth at bedtime",
        "Dec 1 to Dec 14, 2026: 0.5 mL (0.5 mg)",
        "Lot: 20261201-1234567 • Rx: 1234567",
        "(555) 010-0199",
        "Store in a refrigerator, 2 °C to 8 °C. Do not freeze.",
        "10 mL oral syringe (0.5 mL marks)",
    ],
)
def test_clean_text_passes(text):
    assert check_text(text, "directions") == text


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Take 1.0 mg", "trailing zero"),
        ("Take 2.50 mL", "trailing zero"),
        ("Take .5 mL", "leading zero"),
        ("Take 10mg", "run into its unit"),
        ("Take 1 cc", "cc"),
        ("Take 5 ml", "ml (write mL)"),
        ("Take 500 µg", "µg"),
        ("Take 1 mg. daily", "period after a unit"),
        ("Take 1 mL qhs", "abbreviation"),
        ("Take 1 mL hs", "abbreviation"),
        ("1 mL qd", "abbreviation"),
        ("10 U", "U or IU"),
        ("10 IU", "U or IU"),
    ],
)
def test_error_prone_forms_are_refused(text, why):
    assert any(why in p for p in problems(text))
    with pytest.raises(InputError, match="directions"):
        check_text(text, "directions")


def test_names_are_checked_for_numbers_only():
    assert check_text("Hs U Qd", "prescriber", name=True) == "Hs U Qd"
    with pytest.raises(InputError):
        check_text("Bed 1.0", "prescriber", name=True)


def test_patient_name_never_echoed():
    with pytest.raises(InputError) as caught:
        check_text("Room 2.0 Jane", "patient", name=True)
    assert "Jane" not in str(caught.value)
