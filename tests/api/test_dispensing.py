"""One set of dispensing rules for every entrance.

The same order is fed through every way Compounder can print it: ``label`` (one dose
and a titration), ``fills``, ``batch`` (a dose row and a titrate row), ``prepare`` /
``record`` (the preparation's BUD) and ``chart`` (the steps); BUD, quantity,
containers, directions and warnings must agree. A second test shows that the
comparison fails when one entrance applies a rule of its own.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import predating
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compounder.api.dispensing import make_chart, make_labels, plan_fill_schedule
from compounder.api.planning import prepare_batch
from compounder.batch.order import RowProblem, prepare_order
from compounder.batch.order_file import RawRow
from compounder.core.lots import parse_lot
from compounder.core.protocols import load_protocol
from compounder.core.settings import find_config
from compounder.errors import InputError, SafetyError

# fills up to 2028 through every entrance: a site that pre-dates ([records] allow_future_dates)
CONFIG = str(find_config(predating(Path(tempfile.mkdtemp(prefix="predating-")))))
# (protocol, concentration) pairs that measure every step of the protocol exactly
PLANS = [
    ("ldn-standard", "1 mg/mL"),
    ("ldn-standard", "0.5 mg/mL"),
    ("ldn-slow-start", "1 mg/mL"),
    ("ldn-weekly", "1 mg/mL"),
]


def _lines(content) -> dict[str, object]:
    """What a label says that does not depend on whom it is for or its lot."""
    lines = content.to_dict()["lines"]
    key = lines["quantity and dates"].split("\n")
    details = lines["details"].split("\n")
    return {
        "drug": lines["drug"],
        "directions": lines["directions"],
        "warnings": lines["warnings"],
        "quantity": key[0].split(" • ")[0],
        "dates": key[1],
        "storage": key[2],
        "notes": details[0].split(" • ")[1:],  # fill n of N, container n of N, refills
        "device": details[1],
    }


def _batch(values: dict[str, str], lots: tuple[str, ...] = ()):
    row = {
        "rx_number": "5550001",
        "patient_name": "Jane Doe",
        "prescriber": "Dr A. Smith",
        **values,
    }
    ingredient_lots = tuple(parse_lot(text) for text in lots)
    return prepare_order(RawRow(2, row, tuple(row.values())), CONFIG, None, ingredient_lots)


def titration_entrances(protocol: str, concentration: str, vehicle: str, start: date):
    """Each fill's (fill date, BUD, containers) and the first fill's label lines."""
    labels = make_labels(
        "5550001",
        "Jane Doe",
        "Dr A. Smith",
        titration=True,
        fill="all",
        start_date=start,
        concentration=concentration,
        protocol=protocol,
        vehicle=vehicle,
        config=CONFIG,
        log=False,
    )
    by_label: dict[int, list] = {}
    for order in labels.orders:
        by_label.setdefault(order.fill_number[0], []).append(order)
    label_fills = [
        (o[0].fill_date, o[0].bud.bud, tuple(x.quantity_ml for x in o))
        for _, o in sorted(by_label.items())
    ]
    schedule = plan_fill_schedule(start, concentration, vehicle, protocol, config=CONFIG)
    fills_fills = [(f.fill_date, f.bud.bud, f.containers) for f in schedule.fills]
    batch = _batch(
        {
            "fill_date": start.isoformat(),
            "concentration": concentration,
            "dose": "titrate",
            "protocol": protocol,
            "vehicle": vehicle,
        }
    )
    first_label = [_lines(c) for c in labels.contents[: len(by_label[1])]]
    # a container continued on a second label is one content drawn twice
    first_batch = [_lines(p.content) for p, _ in batch.labels if p.part[0] == 1]
    chart = make_chart(
        start_date=start, concentration=concentration, protocol=protocol, config=CONFIG
    )
    plan_volumes = [s.volume_ml for s in schedule.plan.steps]
    chart_volumes = [s.volume_ml for s in chart.content.steps]
    return {
        "fills": (label_fills, fills_fills),
        "first fill": (label_fills[0][1:], (date.fromisoformat(batch.manifest["bud"]),
                                            tuple(Decimal(c) for c in
                                                  batch.manifest["container_ml"].split(" + ")))),
        "first label": (first_label, first_batch),
        "chart steps": (plan_volumes, chart_volumes),
    }  # fmt: skip


def dose_entrances(
    protocol: str,
    concentration: str,
    vehicle: str,
    day: date,
    dose: Decimal,
    days: int,
    lots: tuple[str, ...] = (),
):
    """One dose's BUD, containers and label lines through label, batch and prepare,
    made from the same ingredient lots."""
    step_ml = dose / Decimal(concentration.split()[0])
    quantity = f"{step_ml * days} mL"
    reason: str | None = "travelling; told to discard at the BUD"
    refusals: list[str] = []

    def label(reason: str | None):
        return make_labels(
            "5550001",
            "Jane Doe",
            "Dr A. Smith",
            dose=f"{dose} mg",
            quantity=quantity,
            fill_date=day,
            concentration=concentration,
            protocol=protocol,
            vehicle=vehicle,
            lot_expiry=lots,
            config=CONFIG,
            log=False,
            beyond_bud_reason=reason,
        )

    try:
        try:
            labels = label(reason)
        except InputError as unneeded:  # used up before the BUD: a reason is refused
            assert unneeded.field == "beyond-bud-reason"
            reason = None
            labels = label(reason)
    except SafetyError as refused:  # a container opened after its BUD: refused everywhere
        refusals.append(refused.reason)
    row = {
        "fill_date": day.isoformat(),
        "concentration": concentration,
        "dose": f"{dose} mg",
        "quantity": quantity,
        "protocol": protocol,
        "vehicle": vehicle,
        "beyond_bud_reason": reason or "",
    }
    try:
        batch = _batch(row, lots)
    except RowProblem as problem:
        refusals.append(problem.message.removeprefix("refused: ").split("; ")[0])
    if refusals:
        assert len(refusals) == 2 and refusals[0] == refusals[1], refusals
        return {}
    prep = prepare_batch(
        concentration, "30 mL", None, vehicle, compounded=day, lot_expiry=lots, config=CONFIG
    )
    return {
        "BUD": (labels.orders[0].bud.bud, date.fromisoformat(batch.manifest["bud"]), prep.bud.bud),
        "containers": (
            [o.quantity_ml for o in labels.orders],
            [Decimal(c) for c in batch.manifest["container_ml"].split(" + ")],
        ),
        "lines": (
            [_lines(c) for c in labels.contents],
            [_lines(p.content) for p, _ in batch.labels if p.part[0] == 1],
        ),
        "notes": (labels.notes, [batch.manifest["notes"]] if batch.manifest["notes"] else []),
    }  # fmt: skip


def _agree(found: dict[str, tuple]) -> None:
    for what, values in found.items():
        first = values[0]
        for other in values[1:]:
            assert other == first, what


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan=st.sampled_from(PLANS),
    vehicle=st.sampled_from(["water", "fawcett-preserved"]),
    start=st.dates(date(2026, 1, 1), date(2028, 12, 31)),
)
def test_a_titration_is_the_same_through_every_entrance(plan, vehicle, start):
    _agree(titration_entrances(*plan, vehicle, start))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan=st.sampled_from(PLANS),
    vehicle=st.sampled_from(["water", "fawcett-preserved"]),
    day=st.dates(date(2026, 1, 1), date(2028, 12, 31)),
    step=st.integers(0, 20),
    days=st.integers(1, 100),
    expiry=st.one_of(st.none(), st.integers(0, 60)),
)
def test_a_dose_is_the_same_through_every_entrance(plan, vehicle, day, step, days, expiry):
    doses = load_protocol(plan[0]).doses_mg
    lots = (
        ()
        if expiry is None
        else (f"naltrexone 50mg tab:T1:{(day + timedelta(days=expiry)).isoformat()}",)
    )
    _agree(dose_entrances(*plan, vehicle, day, doses[step % len(doses)], days, lots))


def test_the_comparison_fails_when_one_entrance_applies_its_own_rule(monkeypatch):
    """As the batch once did: its own day counting. Only the batch's context changes."""
    import compounder.batch.order as batch_order

    real = batch_order.run_context

    def day_zero(config):
        context = dict(real(config))
        pharmacy = context["pharmacy"]
        rules = replace(pharmacy.rules, day_counting="day-0")
        context["pharmacy"] = replace(pharmacy, rules=rules)
        context["rules"] = rules
        return context

    monkeypatch.setattr(batch_order, "run_context", day_zero)
    batch_order.order_plan.cache_clear()
    try:
        with pytest.raises(AssertionError, match="BUD"):
            _agree(dose_entrances("ldn-standard", "1 mg/mL", "water", date(2026, 12, 1),
                                  Decimal("1.5"), 10))  # fmt: skip
    finally:
        batch_order.order_plan.cache_clear()


def test_lot_expiry_caps_the_fills_made_from_the_lot():
    """Issue 12: tablets expiring 2027-03-01 printed "Discard after: Mar 8, 2027" on
    fill 7. Now fill 7 made from them is discarded on Mar 1; pre-printing every fill
    from them is refused at fill 8, compounded after they expire."""

    start = date(2026, 12, 1)
    lots = ("naltrexone 50mg tab:T9:2027-03-01",)

    def labels(fill: str):
        return make_labels(
            "1", "Jane Doe", "Dr A. Smith", titration=True, fill=fill, start_date=start,
            concentration="1 mg/mL", vehicle="water", lot_expiry=lots, config=CONFIG, log=False,
        )  # fmt: skip

    seventh = labels("7")
    assert [o.fill_date for o in seventh.orders] == [date(2027, 2, 23)]
    assert seventh.orders[0].bud.bud == date(2027, 3, 1)
    assert seventh.orders[0].bud.basis.kind == "ingredient"
    seventh_lines = seventh.contents[0].to_dict()["lines"]
    assert "Discard after: Mar 1, 2027" in seventh_lines["quantity and dates"]
    first = labels("1")
    assert first.orders[0].bud.bud == date(2026, 12, 14)  # the USP limit comes first
    with pytest.raises(SafetyError, match="fill 8 is compounded on 2027-03-02"):
        labels("all")
    schedule = plan_fill_schedule(start, "1 mg/mL", "water", config=CONFIG)
    covered = [s.first_day + timedelta(days=i) for f in schedule.fills for s in f.segments
               for i in range(s.days)]  # fmt: skip
    assert covered == [start + timedelta(days=i) for i in range(98)]  # no gap, no overlap
