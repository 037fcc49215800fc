"""Dosing chart content: what the patient's handout says, as finished, checked text.

Built from a titration plan, the pharmacy settings and the wording of one language
(``templates/wording/<language>.toml``). For every step: when (dates, or week numbers
without a start date), dose and volume, the syringe (flagged when it changes), the
volume to fill to, and one tick box a day. The handout around it says everything the LDN
fact sheet asks: how and when to take it (the morning wording when the dose is taken in
the morning), a missed dose, the maximum, the first weeks, what to do after the last
step (or at the maintenance dose), other medicines (opioids, steroids,
immunosuppressants), liver and kidney problems, telling surgery and emergency staff,
and a wallet card to cut out. Every text passes ``ismp.check_text``. The renderer
(``chart_pdf``) only lays out and draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from compounder.content.ismp import check_text
from compounder.content.labels import load_drug, syringe_text
from compounder.core.settings import PharmacySettings
from compounder.core.syringes import Syringe
from compounder.core.titration import Plan
from compounder.core.units import format_quantity
from compounder.core.wording import Wording


@dataclass(frozen=True)
class ChartStep:
    number: int
    heading: str
    dose_line: str
    syringe_line: str
    new_syringe: bool
    syringe: Syringe
    volume_ml: Decimal
    fill_label: str
    day_labels: tuple[str, ...]
    overview: tuple[str, ...]  # the step's row in the overview table
    note: str = ""  # the maintenance note on the target step


@dataclass(frozen=True)
class ChartContent:
    language: str
    title: str
    patient_line: str
    drug_line: str
    pharmacy_line: str
    calibration: str
    instructions_heading: str
    instructions: tuple[str, ...]
    overview_heading: str
    overview_columns: tuple[str, ...]
    tick_heading: str
    steps: tuple[ChartStep, ...]
    page_label: str  # "Page {number} of {total}"
    sections: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (heading, lines) after instructions
    wallet_cut: str = ""  # the wallet card: the cut instruction, then its title and lines
    wallet: tuple[str, ...] = ()

    def all_text(self) -> list[str]:
        texts = [
            self.title,
            self.patient_line,
            self.drug_line,
            self.pharmacy_line,
            self.calibration,
            self.instructions_heading,
            *self.instructions,
            self.overview_heading,
            *self.overview_columns,
            self.tick_heading,
        ]
        for heading, lines in self.sections:
            texts += [heading, *lines]
        texts += [self.wallet_cut, *self.wallet]
        for step in self.steps:
            texts += [
                step.heading,
                step.dose_line,
                step.syringe_line,
                step.fill_label,
                step.note,
                *step.day_labels,
                *step.overview,
            ]
        return [t for t in texts if t]

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "title": self.title,
            "steps": [
                {
                    "step": s.number,
                    "heading": s.heading,
                    "dose": s.dose_line,
                    "syringe": s.syringe_line,
                    "new_syringe": s.new_syringe,
                    "fill_to": s.fill_label,
                    "days": list(s.day_labels),
                    **({"note": s.note} if s.note else {}),
                }
                for s in self.steps
            ],
            "instructions": list(self.instructions),
            "sections": [{"heading": h, "lines": list(lines)} for h, lines in self.sections],
            "wallet_card": list(self.wallet),
        }


def _when(plan: Plan, index: int, wording: Wording) -> str:
    step = plan.steps[index]
    if step.start_date is not None and step.end_date is not None:
        return wording.date_range(step.start_date, step.end_date)
    first_day = sum(s.days for s in plan.steps[:index]) + 1
    last_day = first_day + step.days - 1
    first_week, last_week = (first_day - 1) // 7 + 1, (last_day - 1) // 7 + 1
    if first_week == last_week:
        return wording.text("chart.week", number=str(first_week))
    return wording.text("chart.weeks", first=str(first_week), last=str(last_week))


def _day_labels(plan: Plan, index: int, wording: Wording) -> tuple[str, ...]:
    from datetime import timedelta

    step = plan.steps[index]
    first_day = sum(s.days for s in plan.steps[:index]) + 1
    labels = []
    months = wording.lines("months")
    for offset in range(step.days):
        if step.start_date is not None:
            day = step.start_date + timedelta(days=offset)
            labels.append(
                wording.text("chart.day_short", month=months[day.month - 1], day=str(day.day))
            )
        else:
            labels.append(wording.text("chart.day", number=str(first_day + offset)))
    return tuple(labels)


def build_chart(
    plan: Plan,
    settings: PharmacySettings,
    wording: Wording,
    storage: str,
    dose_time: str,
    patient: str | None = None,
    *,
    liver_kidney_history: bool = False,
    dosage_form: str = "oral-suspension",
) -> ChartContent:
    """The finished text of a dosing chart; InputError if any text is not ISMP-clean.

    ``liver_kidney_history``: the patient has had liver or kidney problems (a caution in
    the handout). ``dosage_form``: a wording id, as ``core.preparation.dosage_form``
    gives it."""
    plan.require_measurable()
    drug = load_drug(wording, dosage_form)
    name = drug.tall_man_name if settings.tall_man else drug.name
    time = wording.time(dose_time)
    fields = {
        "time": time,
        "storage": wording.storage(storage),
        "pharmacy": settings.name,
        "phone": settings.phone,
        "max_dose": format_quantity(plan.protocol.max_mg, "mg"),
    }
    steps = []
    previous: Syringe | None = None
    for index, step in enumerate(plan.steps):
        assert step.syringe is not None
        volume = format_quantity(step.volume_ml, "mL")
        dose = format_quantity(step.dose_mg, "mg")
        label = syringe_text(step.syringe, wording)
        when = _when(plan, index, wording)
        new = previous is not None and step.syringe.id != previous.id
        syringe_line = (
            wording.text("chart.new_syringe", syringe=label)
            if new
            else wording.text("chart.first_syringe", syringe=label)
            if previous is None
            else ""
        )
        heading_key = "chart.maintenance_heading" if step.maintenance else "chart.step_heading"
        steps.append(
            ChartStep(
                number=step.number,
                heading=check_text(
                    wording.text(heading_key, number=str(step.number), when=when), "chart"
                ),
                dose_line=check_text(
                    wording.text("chart.step_dose", volume=volume, dose=dose, time=time), "chart"
                ),
                syringe_line=check_text(syringe_line, "chart"),
                new_syringe=new,
                syringe=step.syringe,
                volume_ml=step.volume_ml,
                fill_label=check_text(wording.text("chart.fill_to", volume=volume), "chart"),
                day_labels=_day_labels(plan, index, wording),
                overview=tuple(
                    check_text(t, "chart") for t in (str(step.number), when, dose, volume, label)
                ),
                note=(
                    check_text(wording.text("chart.maintenance_note"), "chart")
                    if step.maintenance
                    else ""
                ),
            )
        )
        previous = step.syringe
    strength = format_quantity(plan.concentration_mg_ml, "mg/mL")
    return ChartContent(
        language=wording.language,
        title=check_text(wording.text("chart.title"), "chart"),
        patient_line=(
            check_text(wording.text("chart.patient", patient=patient), "patient", name=True)
            if patient
            else ""
        ),
        drug_line=check_text(
            wording.text("chart.drug", drug=name, strength=strength, form=drug.dosage_form), "chart"
        ),
        pharmacy_line=check_text(wording.text("chart.pharmacy", **fields), "pharmacy"),
        calibration=check_text(wording.text("chart.calibration"), "chart"),
        instructions_heading=check_text(wording.text("chart.instructions_heading"), "chart"),
        instructions=tuple(
            check_text(line, "chart")
            for line in (
                wording.text(f"chart.take.{dose_time}"),
                *(line.format(**fields) for line in wording.lines("chart.instructions")),
            )
        ),
        sections=_sections(plan, wording, fields, liver_kidney_history),
        wallet_cut=check_text(wording.text("chart.wallet.cut"), "chart"),
        wallet=_wallet(wording, fields, patient),
        overview_heading=check_text(wording.text("chart.overview_heading"), "chart"),
        overview_columns=tuple(wording.lines("chart.overview_columns")),
        tick_heading=check_text(wording.text("chart.tick_heading"), "chart"),
        steps=tuple(steps),
        page_label=wording.text("chart.page", number="{number}", total="{total}"),
    )


def _sections(
    plan: Plan, wording: Wording, fields: dict[str, str], liver_kidney_history: bool
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The headed sections after the instructions: the first weeks, after the last
    step (or the maintenance dose), other medicines and health."""
    kept = plan.maintenance
    after = (
        wording.text(
            "chart.after.maintenance",
            dose=format_quantity(kept.dose_mg, "mg"),
            number=str(kept.number),
        )
        if kept is not None
        else wording.text("chart.after.last_step", **fields)
    )
    safety = [line.format(**fields) for line in wording.lines("chart.safety.lines")]
    if liver_kidney_history:
        safety.insert(3, wording.text("chart.safety.liver_kidney"))
    sections = (
        (
            "chart.first_weeks",
            [line.format(**fields) for line in wording.lines("chart.first_weeks.lines")],
        ),
        ("chart.after", [after]),
        ("chart.safety", safety),
    )
    return tuple(
        (
            check_text(wording.text(f"{key}.heading"), "chart"),
            tuple(check_text(line, "chart") for line in lines),
        )
        for key, lines in sections
    )


def _wallet(wording: Wording, fields: dict[str, str], patient: str | None) -> tuple[str, ...]:
    """The wallet card: its title, what it tells emergency staff, name and pharmacy."""
    name = (
        check_text(wording.text("chart.wallet.name", patient=patient), "patient", name=True)
        if patient
        else wording.text("chart.wallet.no_name")
    )
    return (
        check_text(wording.text("chart.wallet.title"), "chart"),
        *(check_text(line, "chart") for line in wording.lines("chart.wallet.lines")),
        name,
        check_text(wording.text("chart.wallet.pharmacy", **fields), "pharmacy"),
    )
