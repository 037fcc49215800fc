"""The dose plan: hand-worked values, and properties over protocols and strengths."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compounder.core.protocols import Protocol
from compounder.core.titration import make_plan
from compounder.errors import NotMeasurableError, SafetyError

# Hand-worked: dose / concentration, smallest syringe on whose marks the volume lies
# with a fill between 20% and 80%; 14 days a step from 2026-12-01.
STANDARD_AT_1 = [
    # step, dose, volume, capacity, graduation, syringe id, first day, last day
    (1, "1.5", "1.5", "3", "0.1", "oral-3ml", "2026-12-01", "2026-12-14"),
    (2, "2", "2", "3", "0.1", "oral-3ml", "2026-12-15", "2026-12-28"),
    (3, "2.5", "2.5", "5", "0.1", "oral-5ml-0.1", "2026-12-29", "2027-01-11"),
    (4, "3", "3", "5", "0.1", "oral-5ml-0.1", "2027-01-12", "2027-01-25"),
    (5, "3.5", "3.5", "5", "0.1", "oral-5ml-0.1", "2027-01-26", "2027-02-08"),
    (6, "4", "4", "5", "0.1", "oral-5ml-0.1", "2027-02-09", "2027-02-22"),
    (7, "4.5", "4.5", "10", "0.5", "oral-10ml-0.5", "2027-02-23", "2027-03-08"),
]
STANDARD_AT_HALF = [
    (1, "1.5", "3", "5", "0.1", "oral-5ml-0.1", "2026-12-01", "2026-12-14"),
    (2, "2", "4", "5", "0.1", "oral-5ml-0.1", "2026-12-15", "2026-12-28"),
    (3, "2.5", "5", "10", "0.2", "oral-10ml-0.2", "2026-12-29", "2027-01-11"),
    (4, "3", "6", "10", "0.2", "oral-10ml-0.2", "2027-01-12", "2027-01-25"),
    (5, "3.5", "7", "10", "0.2", "oral-10ml-0.2", "2027-01-26", "2027-02-08"),
    (6, "4", "8", "10", "0.2", "oral-10ml-0.2", "2027-02-09", "2027-02-22"),
    (7, "4.5", "9", "10", "0.2", "oral-10ml-0.2", "2027-02-23", "2027-03-08"),
]


@pytest.mark.parametrize(
    ("concentration", "expected"), [("1", STANDARD_AT_1), ("0.5", STANDARD_AT_HALF)]
)
def test_default_plan_every_field(standard, catalogue, concentration, expected):
    plan = make_plan(standard, Decimal(concentration), catalogue, date(2026, 12, 1))
    got = [
        (
            s["step"],
            s["dose_mg"],
            s["volume_ml"],
            s["syringe_ml"],
            s["graduation_ml"],
            s["syringe"],
            s["start_date"],
            s["end_date"],
        )
        for s in plan.to_dict()["steps"]
    ]
    assert got == expected
    assert all(s.days == 14 for s in plan.steps)
    assert plan.total_days == 98
    assert plan.to_dict()["concentration"] == f"{concentration} mg/mL"


def test_half_strength_warns_for_the_9_ml_step(standard, catalogue):
    plan = make_plan(standard, Decimal("0.5"), catalogue)
    assert plan.warnings == [
        "step 7: 9 mL fills the 10 mL syringe to about 90%, outside the 20-80% band "
        "(no syringe in the catalogue fits better)"
    ]
    assert [s.id for s in plan.syringes] == ["oral-5ml-0.1", "oral-10ml-0.2"]


def test_unmeasurable_concentration_is_refused(standard, catalogue):
    plan = make_plan(standard, Decimal("3"), catalogue)
    assert not plan.measurable
    assert [s.number for s in plan.steps if not s.measurable] == [2, 3, 5, 6]
    step2 = plan.to_dict()["steps"][1]
    assert step2["volume_ml"] is None  # never a rounded volume
    with pytest.raises(NotMeasurableError) as caught:
        plan.require_measurable()
    assert caught.value.steps == ["2", "3", "5", "6"]
    assert "step 2 (2 mg): 0.667... mL is not on the marks of any syringe" in str(caught.value)


def test_single_dose_plan(standard, catalogue):
    plan = make_plan(standard, Decimal("1"), catalogue, dose_mg=Decimal("3"))
    assert [(s.number, str(s.volume_ml)) for s in plan.steps] == [(4, "3")]
    with pytest.raises(SafetyError):
        make_plan(standard, Decimal("1"), catalogue, dose_mg=Decimal("6"))


def test_json_numbers_are_label_strings(standard, catalogue):
    data = make_plan(standard, Decimal("1"), catalogue).to_dict()
    for step in data["steps"]:
        for key in ("dose_mg", "volume_ml", "syringe_ml", "graduation_ml"):
            assert isinstance(step[key], str)
            assert not step[key].endswith(".0") and not step[key].startswith(".")
    assert data["steps"][1]["dose_mg"] == "2"


protocols = st.builds(
    lambda start, inc, n, days: Protocol(
        id="p",
        name="p",
        source="test",
        start_mg=Decimal(start) / 4,
        increment_mg=Decimal(inc) / 4,
        max_mg=Decimal(start) / 4 + Decimal(inc) / 4 * n,
        days_per_step=days,
    ),
    st.integers(1, 40),
    st.integers(1, 8),
    st.integers(0, 10),
    st.integers(1, 28),
)
concentrations = st.sampled_from(
    [Decimal(x) for x in ["0.25", "0.5", "1", "1.5", "2", "2.5", "3", "4", "5", "0.3", "0.7"]]
)


@settings(max_examples=300, deadline=None)
@given(protocols, concentrations)
def test_plan_properties(catalogue, protocol, concentration):
    plan = make_plan(protocol, concentration, catalogue, date(2026, 1, 1))
    previous_end = None
    for step in plan.steps:
        if previous_end is not None:
            assert (step.start_date - previous_end).days == 1
        previous_end = step.end_date
        if not step.measurable:
            assert step.problem
            assert step.to_dict()["volume_ml"] is None
            continue
        # volume x concentration equals the dose exactly
        assert step.volume_ml * concentration == step.dose_mg
        # every chosen volume is an exact multiple of its syringe's graduation
        marks = Fraction(step.volume_ml) / Fraction(step.syringe.graduation_ml)
        assert marks.denominator == 1
        assert step.volume_ml <= step.syringe.capacity_ml
        text = step.to_dict()["volume_ml"]
        assert Decimal(text) == step.volume_ml
        assert not text.startswith(".") and "E" not in text
        assert not ("." in text and text.endswith("0"))
