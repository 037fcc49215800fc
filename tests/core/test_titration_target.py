"""Titration to the dose that suits the patient: start, restart or step back at any step,
stop rising at a target and stay there as maintenance; off-protocol doses need a reason.
Every plan here is checked against values worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from compounder.api.dispensing import plan_fill_schedule
from compounder.api.planning import plan_titration
from compounder.core.protocols import load_protocol
from compounder.core.titration import make_plan, titration_doses
from compounder.errors import InputError, SafetyError

D = Decimal


def rows(plan):
    return [
        (
            s.number,
            str(s.dose_mg.normalize()),
            str(s.volume_ml.normalize()),
            s.syringe.id if s.syringe else None,
            s.days,
            s.start_date.isoformat() if s.start_date else None,
            s.end_date.isoformat() if s.end_date else None,
            s.maintenance,
        )
        for s in plan.steps
    ]


def test_start_and_target_on_the_standard_protocol():
    # 2.5, 3, 3.5 mg at 1 mg/mL from Dec 1: two 14-day steps, then 28 days at 3.5 mg
    plan = plan_titration(
        concentration="1 mg/mL", start_date="2026-12-01", start_dose="2.5 mg", target_dose="3.5 mg"
    )
    assert [r[:3] + r[4:] for r in rows(plan)] == [
        (1, "2.5", "2.5", 14, "2026-12-01", "2026-12-14", False),
        (2, "3", "3", 14, "2026-12-15", "2026-12-28", False),
        (3, "3.5", "3.5", 28, "2026-12-29", "2027-01-25", True),
    ]
    assert plan.total_days == 56
    assert plan.maintenance is plan.steps[-1]
    # 2.5 mL is 83% of a 3 mL syringe (above the 80% band): the 5 mL from the start
    assert [s.syringe.capacity_ml for s in plan.steps] == [D(5), D(5), D(5)]
    data = plan.to_dict()
    assert data["maintenance_dose_mg"] == "3.5" and data["steps"][2]["maintenance"] is True


def test_restart_or_step_back_without_a_target_runs_to_the_maximum():
    # a restart at 3 mg: 3, 3.5, 4, 4.5 mg, 14 days each, nothing kept as maintenance
    plan = plan_titration(concentration="1 mg/mL", start_date="2027-03-01", start_dose="3 mg")
    assert [(r[1], r[4], r[5]) for r in rows(plan)] == [
        ("3", 14, "2027-03-01"),
        ("3.5", 14, "2027-03-15"),
        ("4", 14, "2027-03-29"),
        ("4.5", 14, "2027-04-12"),
    ]
    assert plan.maintenance is None and plan.to_dict()["maintenance_dose_mg"] is None


def test_the_default_plan_is_unchanged():
    standard = load_protocol()
    plain = make_plan(standard, D(1), __import__("compounder").load_catalogue())
    assert [str(s.dose_mg.normalize()) for s in plain.steps] == [
        "1.5",
        "2",
        "2.5",
        "3",
        "3.5",
        "4",
        "4.5",
    ]
    assert all(s.days == 14 and not s.maintenance for s in plain.steps)


def test_start_at_the_target_is_maintenance_only():
    plan = plan_titration(
        concentration="1 mg/mL", start_date="2026-12-01", start_dose="4 mg", target_dose="4 mg"
    )
    assert rows(plan) == [(1, "4", "4", "oral-5ml-0.1", 28, "2026-12-01", "2026-12-28", True)]


def test_weekly_protocol_with_a_target():
    # ldn-weekly: 1, 2, 3, 4, 4.5 mg, 7 days each; start 2, target 4: 2 (7), 3 (7), 4 (28)
    plan = plan_titration(
        "ldn-weekly", "1 mg/mL", "2026-12-01", start_dose="2 mg", target_dose="4 mg"
    )
    assert [(r[1], r[4], r[5], r[7]) for r in rows(plan)] == [
        ("2", 7, "2026-12-01", False),
        ("3", 7, "2026-12-08", False),
        ("4", 28, "2026-12-15", True),
    ]


def test_off_protocol_doses_need_a_reason():
    with pytest.raises(SafetyError, match="dose 1 mg is not a step of protocol ldn-standard"):
        plan_titration(concentration="1 mg/mL", start_dose="1 mg")
    with pytest.raises(SafetyError, match="--off-protocol-reason"):
        plan_titration(concentration="1 mg/mL", dose="0.25 mg")
    plan = plan_titration(
        concentration="1 mg/mL",
        start_date="2026-12-01",
        start_dose="1 mg",
        target_dose="2 mg",
        off_protocol_reason="  prescriber: nausea at 1.5 mg ",
    )
    # 1 mg (off), then the protocol's 1.5 mg, then the 2 mg target kept 28 days
    assert [(r[1], r[4]) for r in rows(plan)] == [("1", 14), ("1.5", 14), ("2", 28)]
    assert [s.off_protocol for s in plan.steps] == [True, False, False]
    assert plan.off_protocol_reason == "prescriber: nausea at 1.5 mg"
    single = plan_titration(concentration="1 mg/mL", dose="0.25 mg", off_protocol_reason="Rx")
    assert single.steps[0].off_protocol and single.steps[0].volume_ml == D("0.25")
    # a reason given for doses on the steps is not kept: nothing was off the protocol
    on = plan_titration(concentration="1 mg/mL", target_dose="3 mg", off_protocol_reason="Rx")
    assert on.off_protocol_reason == ""


def test_above_the_ceiling_needs_a_reason_and_the_pharmacist():
    from compounder.core.settings import load_register

    signers = load_register()
    for kwargs in ({"target_dose": "5 mg"}, {"start_dose": "4.75 mg"}, {"dose": "6 mg"}):
        with pytest.raises(InputError, match="pharmacist: missing"):
            plan_titration(concentration="1 mg/mL", off_protocol_reason="Rx says so", **kwargs)
        with pytest.raises(SafetyError, match=r"above the ceiling of 4\.5 mg a day"):
            plan_titration(concentration="1 mg/mL", pharmacist="JD", signers=signers, **kwargs)
    plan = plan_titration(
        concentration="1 mg/mL", dose="6 mg", off_protocol_reason="Rx says so", pharmacist="JD",
        signers=signers,
    )
    assert plan.off_protocol_reason == "Rx says so" and plan.steps[0].off_protocol
    with pytest.raises(InputError, match="'J' is not in the staff register"):
        plan_titration(concentration="1 mg/mL", dose="6 mg", off_protocol_reason="x",
                       pharmacist="J", signers=signers)  # fmt: skip


def test_target_below_start_is_an_input_error():
    with pytest.raises(InputError, match="target-dose"):
        plan_titration(concentration="1 mg/mL", start_dose="3 mg", target_dose="2 mg")
    with pytest.raises(InputError, match="off-protocol-reason"):
        plan_titration(concentration="1 mg/mL", start_dose="1 mg", off_protocol_reason=" ")


def test_titration_doses_between_off_step_ends():
    standard = load_protocol()
    got = titration_doses(standard, D("1.75"), D("3.25"), "prescriber")
    assert [str(d.normalize()) for d in got.doses] == ["1.75", "2", "2.5", "3", "3.25"]
    assert got.off_protocol == {D("1.75"), D("3.25")} and got.maintenance


def test_fills_continue_at_the_target():
    # water: 14-day BUD. 1.5 mg x 14 = 21 mL + 10% = 23.1 -> 24 mL; then 2 mg for 28 days
    # in two 14-day fills: 28 mL + 10% = 30.8 -> 31 mL each
    schedule = plan_fill_schedule("2026-12-01", "1 mg/mL", "water", target_dose="2 mg")
    got = [
        (f.fill_date.isoformat(), f.last_day.isoformat(), f.days, str(f.dispense_ml))
        for f in schedule.fills
    ]
    assert got == [
        ("2026-12-01", "2026-12-14", 14, "24"),
        ("2026-12-15", "2026-12-28", 14, "31"),
        ("2026-12-29", "2027-01-11", 14, "31"),
    ]
    assert [s["maintenance"] for f in schedule.to_dict()["fills"] for s in f["steps"]] == [
        False,
        True,
        True,
    ]


def test_maintenance_only_fills():
    # 4 mg x 14 days = 56 mL + 10% = 61.6 -> 62 mL, twice (28 days)
    schedule = plan_fill_schedule(
        date(2026, 12, 1), "1 mg/mL", start_dose="4 mg", target_dose="4 mg"
    )
    assert [(f.days, str(f.dispense_ml)) for f in schedule.fills] == [(14, "62"), (14, "62")]
