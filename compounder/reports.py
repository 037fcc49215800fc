"""Text reports for the terminal: finished domain objects turned into tables."""

from __future__ import annotations

from compounder.dates import format_date
from compounder.strengths import StrengthResult
from compounder.tables import render_table
from compounder.titration import Plan
from compounder.units import format_quantity


def plan_report(plan: Plan) -> str:
    """One row per step: dose, volume, syringe, days and (with a start date) dates."""
    headers = ["Step", "Dose", "Volume", "Syringe", "Days"]
    dated = plan.start_date is not None
    if dated:
        headers += ["First day", "Last day"]
    rows = []
    for step in plan.steps:
        volume = format_quantity(step.volume_ml, "mL") if step.measurable else "NOT MEASURABLE"
        syringe = step.syringe.label if step.syringe is not None else step.problem
        row = [
            str(step.number),
            format_quantity(step.dose_mg, "mg"),
            volume,
            syringe,
            str(step.days),
        ]
        if dated:
            row += [format_date(step.start_date), format_date(step.end_date)]
        rows.append(row)
    title = (
        f"{plan.protocol.name} ({plan.protocol.id}) at {plan.concentration_text} - "
        f"{len(plan.steps)} steps, {plan.total_days} days"
    )
    lines = [title, "", render_table(headers, rows)]
    if plan.syringes:
        lines += ["", "Syringes needed: " + "; ".join(s.label for s in plan.syringes)]
    lines += [f"Warning: {w}" for w in plan.warnings]
    return "\n".join(lines)


def strengths_report(results: list[StrengthResult], protocol_id: str) -> str:
    """One row per candidate concentration, best first."""
    rows = []
    for rank, result in enumerate(results, start=1):
        data = result.to_dict()
        if result.measurable:
            verdict = f"every step exact; {data['syringe_count']} syringe(s)"
            if result.out_of_band:
                verdict += f"; {result.out_of_band} step(s) outside the fill band"
            syringes = ", ".join(
                format_quantity(s.capacity_ml, "mL") + "/" + format_quantity(s.graduation_ml, "mL")
                for s in result.plan.syringes
            )
        else:
            verdict = "NOT MEASURABLE: " + data["problems"][0]
            syringes = ""
        rows.append(
            [str(rank) if result.measurable else "-", data["concentration"], verdict, syringes]
        )
    return "\n".join(
        [
            f"Concentrations for {protocol_id}, best first",
            "",
            render_table(["Rank", "Concentration", "Verdict", "Syringes (capacity/marks)"], rows),
        ]
    )
