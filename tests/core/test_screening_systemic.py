"""A local-form word does not make an oral or injected steroid local: a medicine that
also names a form taken by mouth or injected keeps its class's stop."""

from __future__ import annotations

import pytest

from compounder.core.screening import load_screening, match_medicine, screening_decision
from compounder.errors import SafetyError


@pytest.mark.parametrize(
    "medicine",
    [
        "prednisone 40 mg tablets for eye inflammation",
        "hydrocortisone 20 mg tablet, skin rash",
        "dexamethasone eye inflammation 4mg PO",
        "methylprednisolone injection for skin",
        "prednisolone by mouth, for the eye",
        "tacrolimus 1 mg capsules, skin",
    ],
)
def test_a_systemic_form_keeps_the_stop_whatever_else_it_says(medicine):
    (hit,) = match_medicine(medicine, load_screening())
    assert (hit.action, hit.local_form) == ("stop", False)
    with pytest.raises(SafetyError):
        screening_decision([medicine])


@pytest.mark.parametrize(
    "medicine", ["hydrocortisone 1% cream", "prednisone eye drops", "dexamethasone ear drops"]
)
def test_a_true_local_form_stays_a_caution(medicine):
    (hit,) = match_medicine(medicine, load_screening())
    assert (hit.action, hit.local_form) == ("caution", True)
    assert screening_decision([medicine]).decision == "proceed"
