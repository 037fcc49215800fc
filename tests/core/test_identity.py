"""Who checks: initials compared, the same person refused unless a single-pharmacist site."""

from __future__ import annotations

import pytest

from compounder.core.identity import check_independent, initials
from compounder.errors import SafetyError


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
