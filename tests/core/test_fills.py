"""Fill planning for every shipped protocol."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compounder.api.dispensing import plan_fill_schedule
from compounder.core.bud import load_bud_rules
from compounder.core.fills import dispense_volume, load_dispensing, plan_fills
from compounder.core.protocols import shipped_protocols
from compounder.core.titration import make_plan
from compounder.core.vehicles import load_vehicles


def test_default_titration_with_water():
    schedule = plan_fill_schedule("2026-12-01", "1 mg/mL", "water")
    data = schedule.to_dict()
    assert data["overage"] == "10%"
    got = [
        (
            f["fill_date"],
            f["last_day"],
            [s["step"] for s in f["steps"]],
            f["volume_needed_ml"],
            f["dispense_ml"],
            f["bud"],
        )
        for f in data["fills"]
    ]
    # one step a fill: 14 days x volume, +10%, rounded up to 1 mL
    assert got == [
        ("2026-12-01", "2026-12-14", [1], "21", "24", "2026-12-14"),
        ("2026-12-15", "2026-12-28", [2], "28", "31", "2026-12-28"),
        ("2026-12-29", "2027-01-11", [3], "35", "39", "2027-01-11"),
        ("2027-01-12", "2027-01-25", [4], "42", "47", "2027-01-25"),
        ("2027-01-26", "2027-02-08", [5], "49", "54", "2027-02-08"),
        ("2027-02-09", "2027-02-22", [6], "56", "62", "2027-02-22"),
        ("2027-02-23", "2027-03-08", [7], "63", "70", "2027-03-08"),
    ]


def test_default_titration_with_preserved_vehicle():
    data = plan_fill_schedule("2026-12-01", "1 mg/mL", "fawcett-preserved").to_dict()
    fills = data["fills"]
    assert [f["days"] for f in fills] == [35, 35, 28]
    first = fills[0]
    assert [(s["step"], s["days"]) for s in first["steps"]] == [(1, 14), (2, 14), (3, 7)]
    assert first["volume_needed_ml"] == "66.5"  # 1.5x14 + 2x14 + 2.5x7
    assert first["dispense_ml"] == "74"  # 73.15 rounded up
    assert first["bud"] == "2027-01-04"
    assert [(s["step"], s["days"]) for s in fills[1]["steps"]] == [(3, 7), (4, 14), (5, 14)]


def test_overage_can_change():
    data = plan_fill_schedule("2026-12-01", "1 mg/mL", "water", overage="0%").to_dict()
    assert data["fills"][0]["dispense_ml"] == "21"


def test_dispense_rounding():
    rules = load_dispensing()
    assert dispense_volume(Decimal("21"), rules) == Decimal("24")
    assert dispense_volume(Decimal("20"), rules) == Decimal("22")


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(shipped_protocols()),
    st.sampled_from(["water", "fawcett-preserved"]),
    st.sampled_from(["day-1", "day-0"]),
    st.booleans(),
    st.integers(0, 365),
)
def test_fills_cover_every_day_once_within_bud(protocol_id, vehicle_id, counting, exceed, shift):
    from compounder.core.protocols import load_protocol
    from compounder.core.syringes import load_catalogue

    rules = replace(load_bud_rules(), day_counting=counting, studies_may_exceed_table=exceed)
    start = date(2026, 1, 1) + timedelta(days=shift)
    plan = make_plan(load_protocol(protocol_id), Decimal(1), load_catalogue(), start)
    schedule = plan_fills(plan, load_vehicles()[vehicle_id], rules, load_dispensing())
    covered = []
    for fill in schedule.fills:
        assert fill.days <= fill.bud.days_of_use
        assert fill.last_day <= fill.bud.bud
        assert fill.dispense_ml >= fill.volume_needed_ml
        assert fill.dispense_ml * plan.concentration_mg_ml >= fill.drug_needed_mg
        for seg in fill.segments:
            covered += [seg.first_day + timedelta(days=i) for i in range(seg.days)]
    expected = [start + timedelta(days=i) for i in range(plan.total_days)]
    assert covered == expected  # no gap, no overlap, in order


@pytest.mark.parametrize("protocol_id", ["ldn-standard", "ldn-slow-start", "ldn-weekly"])
def test_every_shipped_protocol_plans(protocol_id):
    schedule = plan_fill_schedule("2026-12-01", "1 mg/mL", "water", protocol_id)
    assert sum(f.days for f in schedule.fills) == schedule.plan.total_days
