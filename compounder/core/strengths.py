"""The strength solver: which concentrations measure every step of a protocol exactly.

Candidates are data (``templates/strengths.toml``), listed most conventional first.
A candidate qualifies when every step's volume lands on a syringe's marks. Qualifying
candidates are ranked by: fewest steps filled outside the syringe fill band, then
fewest different syringes the patient needs, then the candidates' conventional order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from compounder.core.datafiles import Table, display_name, load_toml, template_path
from compounder.core.protocols import Protocol
from compounder.core.syringes import Catalogue
from compounder.core.titration import Plan, make_plan
from compounder.errors import SafetyError


@dataclass(frozen=True)
class StrengthResult:
    """How one candidate concentration serves a protocol."""

    plan: Plan
    convention_rank: int

    @property
    def measurable(self) -> bool:
        return self.plan.measurable

    @property
    def out_of_band(self) -> int:
        return sum(1 for step in self.plan.steps if step.warnings)

    def sort_key(self) -> tuple[int, int, int]:
        return (self.out_of_band, len(self.plan.syringes), self.convention_rank)

    def to_dict(self) -> dict[str, Any]:
        problems = [f"step {s.number}: {s.problem}" for s in self.plan.steps if not s.measurable]
        return {
            "concentration": self.plan.concentration_text,
            "measurable": self.measurable,
            "syringes": [s.id for s in self.plan.syringes] if self.measurable else [],
            "syringe_count": len(self.plan.syringes) if self.measurable else None,
            "steps_outside_fill_band": self.out_of_band if self.measurable else None,
            "problems": problems,
            "warnings": self.plan.warnings,
        }


def candidate_concentrations(path: str | None = None) -> list[Decimal]:
    """The candidate concentrations in mg/mL, in conventional order."""
    file = Path(path) if path else template_path("strengths.toml")
    table = Table(load_toml(file), display_name(file))
    table.check_keys({"candidates"})
    values = []
    for index, text in enumerate(table.text_list("candidates")):
        item = Table({"value": text}, table.path, f"candidates[{index}].")
        values.append(item.magnitude("value", "concentration", "mg/mL"))
    return values


def rank_strengths(
    protocol: Protocol, catalogue: Catalogue, candidates: list[Decimal]
) -> list[StrengthResult]:
    """Every candidate evaluated; measurable ones first, best first."""
    results = [
        StrengthResult(make_plan(protocol, c, catalogue), rank) for rank, c in enumerate(candidates)
    ]
    good = sorted((r for r in results if r.measurable), key=StrengthResult.sort_key)
    bad = [r for r in results if not r.measurable]
    return good + bad


def recommended_concentration(
    protocol: Protocol, catalogue: Catalogue, candidates: list[Decimal]
) -> Decimal:
    """The best-ranked measurable candidate; SafetyError if none measures every step."""
    ranked = rank_strengths(protocol, catalogue, candidates)
    if not ranked or not ranked[0].measurable:
        raise SafetyError(
            f"no candidate concentration measures every step of {protocol.id}",
            "add a concentration to templates/strengths.toml or a syringe to the catalogue",
        )
    return ranked[0].plan.concentration_mg_ml
