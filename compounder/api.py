"""The Python API: what the CLI does, callable from scripts with plain text inputs.

Each function takes what a person would type ("1 mg/mL", "2026-12-01", a protocol id
or file) and returns finished domain objects; errors are CompounderError subclasses.

    >>> from compounder import plan_titration
    >>> plan = plan_titration(concentration="1 mg/mL")
    >>> [step.to_dict()["volume_ml"] for step in plan.steps]
    ['1.5', '2', '2.5', '3', '3.5', '4', '4.5']
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from compounder.dates import parse_date
from compounder.protocols import DEFAULT_PROTOCOL, Protocol, load_protocol
from compounder.strengths import (
    StrengthResult,
    candidate_concentrations,
    rank_strengths,
    recommended_concentration,
)
from compounder.syringes import Catalogue, load_catalogue
from compounder.titration import Plan, make_plan
from compounder.units import magnitude_in, parse_quantity


def parse_concentration(text: str, field: str = "concentration") -> Decimal:
    """A concentration as typed, in mg/mL (exact)."""
    return magnitude_in(parse_quantity(text, "concentration", field=field), "mg/mL")


def parse_dose(text: str, field: str = "dose") -> Decimal:
    """A dose as typed, in mg (exact)."""
    return magnitude_in(parse_quantity(text, "mass", field=field), "mg")


def parse_volume(text: str, field: str = "volume") -> Decimal:
    """A volume as typed, in mL (exact)."""
    return magnitude_in(parse_quantity(text, "volume", field=field), "mL")


def _catalogue(syringes: str | Path | None) -> Catalogue:
    return load_catalogue(str(syringes) if syringes else None)


def plan_titration(
    protocol: str | Path | Protocol = DEFAULT_PROTOCOL,
    concentration: str | Decimal | None = None,
    start_date: str | date | None = None,
    dose: str | None = None,
    syringes: str | Path | None = None,
    strengths: str | Path | None = None,
) -> Plan:
    """The titration plan; without a concentration, at the recommended one.

    The plan may contain steps that are not measurable; call ``require_measurable()``
    (the CLI does) before printing anything from it.
    """
    proto = protocol if isinstance(protocol, Protocol) else load_protocol(protocol)
    catalogue = _catalogue(syringes)
    if concentration is None:
        conc = recommended_concentration(
            proto, catalogue, candidate_concentrations(str(strengths) if strengths else None)
        )
    elif isinstance(concentration, Decimal):
        conc = concentration
    else:
        conc = parse_concentration(concentration)
    start = parse_date(start_date, "start-date") if start_date is not None else None
    dose_mg = parse_dose(dose) if dose is not None else None
    return make_plan(proto, conc, catalogue, start, dose_mg)


def solve_strengths(
    protocol: str | Path | Protocol = DEFAULT_PROTOCOL,
    syringes: str | Path | None = None,
    strengths: str | Path | None = None,
) -> list[StrengthResult]:
    """Every candidate concentration for a protocol, best first."""
    proto = protocol if isinstance(protocol, Protocol) else load_protocol(protocol)
    return rank_strengths(
        proto, _catalogue(syringes), candidate_concentrations(str(strengths) if strengths else None)
    )
