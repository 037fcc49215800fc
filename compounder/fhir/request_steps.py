"""A titration in FHIR: several dosage instructions, each a step with its ``sequence``
and ``timing.repeat.boundsPeriod``, matched to a shipped protocol's steps.

The steps must be a run of one protocol's doses (``core.protocols``), each starting
``days_per_step`` after the one before; the first step's start is the order's start
date, its dose the order's start dose and the last step's dose its target, where they
differ from the protocol's own. The default protocol is tried first; anything that
follows none is refused at the first step that leaves the default protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from compounder.api.orders import TITRATE
from compounder.fhir.request_errors import Unmappable


def titration_row(steps: Sequence[Any]) -> dict[str, tuple[str, str]]:
    """The titration's cells (column -> (value, FHIR path)) from its steps (``_Step``:
    path, dose, dose_path, sequence, start, end)."""
    from compounder.core.protocols import DEFAULT_PROTOCOL, load_protocol, shipped_protocols
    from compounder.core.units import format_number

    ordered = _in_sequence(steps)
    names = [DEFAULT_PROTOCOL, *sorted(p for p in shipped_protocols() if p != DEFAULT_PROTOCOL)]
    first_problem: Unmappable | None = None
    for name in names:
        protocol = load_protocol(name)
        problem = _mismatch(ordered, protocol)
        if problem is None:
            break
        first_problem = first_problem or problem
    else:
        assert first_problem is not None
        raise first_problem
    first, last = ordered[0], ordered[-1]
    bounds = f"{first.path}.timing.repeat.boundsPeriod.start"
    out = {"dose": (TITRATE, "dosageInstruction"), "start_date": (first.start.isoformat(), bounds)}
    if protocol.id != DEFAULT_PROTOCOL:
        out["protocol"] = (protocol.id, "dosageInstruction")
    if first.dose != protocol.start_mg:
        out["start_dose"] = (f"{format_number(first.dose)} mg", first.dose_path)
    if last.dose != protocol.doses_mg[-1]:
        out["target_dose"] = (f"{format_number(last.dose)} mg", last.dose_path)
    return out


def _in_sequence(steps: Sequence[Any]) -> list[Any]:
    """The steps by sequence: each numbered, none twice, each with its start."""
    seen: dict[int, str] = {}
    for step in steps:
        if step.sequence is None:
            raise Unmappable(
                f"{step.path}.sequence", "missing; several dosage instructions are a "
                "titration's steps, each with its sequence (taken together: not accepted)",
            )  # fmt: skip
        if step.sequence in seen:
            raise Unmappable(
                f"{step.path}.sequence", "repeats another instruction's; expected one "
                "instruction a step (LDN is taken once a day)",
            )  # fmt: skip
        seen[step.sequence] = step.path
    for step in steps:
        if step.start is None:
            raise Unmappable(
                f"{step.path}.timing.repeat.boundsPeriod.start",
                "missing; expected each titration step's first day",
            )
    return sorted(steps, key=lambda s: s.sequence)


def _mismatch(steps: list[Any], protocol: Any) -> Unmappable | None:
    """Where the steps leave the protocol's (None: they follow it)."""
    from compounder.core.units import format_number

    doses: list[Decimal] = protocol.doses_mg
    rule = (
        f"{protocol.id}: {format_number(protocol.start_mg)} mg, then "
        f"+{format_number(protocol.increment_mg)} mg every {protocol.days_per_step} days up "
        f"to {format_number(protocol.max_mg)} mg"
    )
    if steps[0].dose not in doses:
        return Unmappable(steps[0].dose_path, f"is not a step of {rule}")
    at = doses.index(steps[0].dose)
    step_days = timedelta(days=protocol.days_per_step)
    for k, step in enumerate(steps):
        expected = doses[at + k] if at + k < len(doses) else None
        if step.dose != expected:
            what = f"{format_number(expected)} mg" if expected is not None else "no further step"
            return Unmappable(step.dose_path, f"does not follow {rule}; expected {what}")
        period = f"{step.path}.timing.repeat.boundsPeriod"
        if k and step.start - steps[k - 1].start != step_days:
            return Unmappable(
                f"{period}.start", f"does not follow {rule}; expected the step to start "
                f"{protocol.days_per_step} days after the one before",
            )  # fmt: skip
        last = k == len(steps) - 1
        if (
            not last
            and step.end is not None
            and (step.end - step.start).days
            not in (
                protocol.days_per_step - 1,
                protocol.days_per_step,
            )
        ):
            return Unmappable(
                f"{period}.end", f"does not follow {rule}; expected the step to last "
                f"{protocol.days_per_step} days",
            )  # fmt: skip
    return None
