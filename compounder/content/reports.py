"""Text reports for the terminal: finished domain objects turned into tables."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compounder.content.preparation_text import (  # re-exported for the commands
    dosage_form_text,
    preparation_dict,
    tablets_text,
)
from compounder.content.tables import render_table
from compounder.core.dates import format_date, logged_time
from compounder.core.units import format_number, format_quantity

if TYPE_CHECKING:  # only for the annotations: `plan` starts without loading these
    from compounder.core.fills import FillPlan
    from compounder.core.preparation import Preparation
    from compounder.core.stocks import LabelStock
    from compounder.core.strengths import StrengthResult
    from compounder.core.titration import Plan


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
    if plan.maintenance is not None:
        kept = plan.maintenance
        lines.append(
            f"Maintenance: step {kept.number} ({format_quantity(kept.dose_mg, 'mg')}) is the "
            f"target; the patient stays at it ({kept.days} days planned)."
        )
    if plan.off_protocol_reason:
        off = ", ".join(format_quantity(s.dose_mg, "mg") for s in plan.steps if s.off_protocol)
        lines.append(f"Off-protocol dose {off}. Reason: {plan.off_protocol_reason}")
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


def preparation_report(prep: Preparation) -> str:
    from compounder.content.records import certificate_note

    """What to prepare, as the pharmacist reads it at the bench."""
    data = preparation_dict(prep)
    conc = data["concentration"]
    lines = [
        f"Naltrexone HCl {conc} {dosage_form_text(prep.source, prep.vehicle)} - "
        f"{format_quantity(prep.requested_ml, 'mL')} requested",
        "",
    ]
    if prep.tablets is not None and prep.source.strength_mg is not None:
        strength = format_quantity(prep.source.strength_mg, "mg")
        plural = "s" if prep.tablets != 1 else ""
        lines.append(
            f"Use:            {prep.tablets} tablet{plural} of {strength} "
            f"({prep.source.name}; {data['drug_mass_mg']} mg in all)"
        )
    else:
        lines.append(
            f"Weigh:          {format_quantity(prep.drug_mass_mg, 'mg')} of {prep.source.name}"
        )
        lines.append(
            f"                calculated {data['drug_mass_calculated_mg']} mg for assay "
            f"{data['assay']}, water {data['water']}, salt {prep.source.salt}; "
            "rounded up to the balance"
        )
    lines += [
        f"Make up to:     {format_quantity(prep.final_volume_ml, 'mL')} with {prep.vehicle.name}",
        f"Volume made:    {format_quantity(prep.final_volume_ml, 'mL')} "
        f"({format_quantity(prep.excess_ml, 'mL')} more than requested)",
        f"BUD:            {prep.bud.bud.isoformat()} ({prep.bud.days_of_use} days of use "
        f"from {prep.bud.compounded.isoformat()})",
        f"BUD set by:     {prep.bud.basis.basis}",
        f"Storage:        {data['storage']}",
        "Warnings:       " + "; ".join(data["auxiliary_warnings"]),
    ]
    lines += _vehicle_lines(prep)
    lines += ["", "Method:"]
    lines += [f"  {n}. {line}" for n, line in enumerate(data["method"], start=1)]
    for note in prep.bud.notes:
        lines.append(f"Note: {note}")
    lines += [f"Warning: {certificate_note(n)}" for n in prep.certificate_notes]
    return "\n".join(lines)


def _vehicle_lines(prep: Preparation) -> list[str]:
    """The vehicle's own formula and steps for the volume made (if it has steps)."""
    from compounder.content.records import amount_text, vehicle_preparation

    made = vehicle_preparation(prep.vehicle, prep.vehicle_batch)
    if made is None or not made["steps"] or prep.vehicle_batch is None:
        return []
    lines = ["", f"Vehicle: {made['make']}:"]
    for amount in prep.vehicle_batch.amounts:
        shown = amount_text(amount.amount, amount.unit, prep.vehicle_batch.volume_ml)
        lines.append(f"  {amount.ingredient.name} {amount.ingredient.grade}: {shown}")
    lines += [f"  {n}. {step}" for n, step in enumerate(made["steps"], start=1)]
    return lines


def fills_report(schedule: FillPlan) -> str:
    """One block per fill: dates, days, the steps it covers and the volume to dispense."""
    plan = schedule.plan
    lines = [
        f"Fills for {plan.protocol.id} at {plan.concentration_text} in {schedule.vehicle.name} "
        f"(overage {format_number(schedule.overage * 100)}%)",
        "",
    ]
    rows = []
    for fill in schedule.fills:
        for index, seg in enumerate(fill.segments):
            rows.append(
                [
                    str(fill.number) if index == 0 else "",
                    fill.fill_date.isoformat() if index == 0 else "",
                    f"step {seg.step.number}: {format_quantity(seg.step.volume_ml, 'mL')} "
                    f"({format_quantity(seg.step.dose_mg, 'mg')})",
                    f"{seg.first_day.isoformat()} to {seg.last_day.isoformat()}",
                    str(seg.days),
                    _dispensed(fill) if index == 0 else "",
                    fill.bud.bud.isoformat() if index == 0 else "",
                ]
            )
    lines.append(
        render_table(["Fill", "Date", "Directions", "Days taken", "Days", "Dispense", "BUD"], rows)
    )
    lines.append("")
    lines.append(f"BUD set by: {schedule.fills[0].bud.basis.basis}")
    for number, lot in schedule.new_lots:
        lines.append(
            f"Fill {number} onwards: a new lot ({lot.label} expires on "
            f"{lot.expiry.isoformat()}, before fill {number} is compounded)."
        )
    if plan.maintenance is not None:
        kept = plan.maintenance
        lines.append(
            f"Maintenance at {format_quantity(kept.dose_mg, 'mg')} (step {kept.number}): "
            f"{kept.days} days planned; plan the next fills with --start-dose "
            f"{format_quantity(kept.dose_mg, 'mg')} --target-dose "
            f"{format_quantity(kept.dose_mg, 'mg')}."
        )
    return "\n".join(lines)


def stocks_report(stocks: list[LabelStock]) -> str:
    rows = []
    for stock in stocks:
        size = f"{format_number(stock.width_mm)} x {format_number(stock.height_mm)} mm"
        layout = "roll" if stock.kind == "roll" else f"{stock.paper} sheet, {stock.per_page} a page"
        rows.append([stock.id, size, layout, stock.name])
    return render_table(["Stock", "Label size", "Layout", "Name"], rows)


def worksheet_report(sheet: list[dict], place: dict[str, Any] | None = None) -> str:
    """The compounding worksheet: what to prepare in total, by batch; ``place``: where
    the run's entry sits in the log (``records.log_place``), printed at its foot."""
    from compounder.content.records import log_place_text

    lines = ["Compounding worksheet", ""]
    foot = ["", log_place_text({"log_place": place})] if place else []
    if not sheet:
        return "\n".join([*lines, "Nothing to prepare.", *foot]) + "\n"
    rows = []
    for entry in sheet:
        if "tablets" in entry:
            tablets = tablets_text(entry["tablets"], Decimal(entry["tablet_strength_mg"]))
            make = (
                f"{tablets}, make up to "
                f"{entry['make_up_to_ml']} mL (excess {entry['excess_ml']} mL)"
            )
        else:
            make = f"{entry['drug_needed_mg']} mg naltrexone HCl; {entry['note']}"
        rows.append(
            [
                entry.get("lot", ""),
                entry["fill_date"],
                entry["concentration"],
                entry["vehicle"],
                entry["source"],
                f"{entry['volume_needed_ml']} mL",
                make,
            ]
        )
    table = render_table(
        ["Lot", "Date", "Strength", "Vehicle", "Source", "Needed", "Prepare"], rows
    )
    return "\n".join([*lines, table, *foot]) + "\n"


def files_text(names: list[str]) -> str:
    """File names for one line: a numbered series of more than three (labels-0001.pdf...,
    a run's previews) as its first and last and how many."""
    import re

    series: dict[tuple[str, str], list[str]] = {}
    shown: list[Any] = []
    for name in names:
        numbered = re.fullmatch(r"(.*-)\d+((?:\.\w+)?)", name)  # rr-1 too (no suffix)
        if numbered is None:
            shown.append(name)
            continue
        key = (numbered.group(1), numbered.group(2))
        if key not in series:
            series[key] = []
            shown.append(key)
        series[key].append(name)
    parts = []
    for item in shown:
        if isinstance(item, str):
            parts.append(item)
            continue
        run = series[item]
        if len(run) > 3:
            parts.append(f"{run[0]} ... {run[-1]} ({len(run)} files)")
        else:
            parts.extend(run)
    return ", ".join(parts)


def batch_summary(report: Any, output: str) -> str:
    """One screen: what was read, printed and set aside, and what to compound."""
    lines = [f"Orders read: {report.orders}; valid: {report.valid}; rejected: {len(report.errors)}"]
    if report.checked_only:
        lines.append("Checked only: nothing printed.")
    elif report.printed:
        lines.append(
            f"Printed {report.printed} orders: {report.labels} labels, {report.charts} charts"
        )
        lines.append(f"Files in {output}: " + files_text([Path(f).name for f in report.files]))
    else:
        lines.append(
            "Nothing printed: fix the rows above (or use --skip-invalid)."
            if report.valid
            else "Nothing printed: every row was refused; fix the rows above."
        )
    lines += screening_lines(report)
    if report.worksheet and (report.printed or report.checked_only):
        lines += ["", worksheet_report(report.worksheet, report.log_place).rstrip()]
    return "\n".join(lines)


def screening_lines(report: Any) -> list[str]:
    """The batch's screening: its counts, then each order's line (the orders with no
    other medicines entered are counted, not listed)."""
    counts = report.screening_counts()
    rows = sorted(report.screening, key=lambda row: row["line"])
    listed = [row for row in rows if row["text"]]
    out = [
        "",
        f"Screening: {counts['stops']} stops ({counts['refused_by_screening']} rows refused, "
        f"{counts['overrides']} overridden), {counts['cautions']} cautions, "
        f"{counts['acknowledged']} medicines acknowledged as not identified",
    ]
    out += [f"  line {row['line']} (Rx {row['rx_number']}): {row['text']}" for row in listed]
    unlisted = len(rows) - len(listed)
    if unlisted:
        out.append(f"  {unlisted} orders: no other medicines entered (not screened)")
    return out


def trace_rows(found: list[Any]) -> list[dict[str, Any]]:
    """The preparations that used an ingredient lot, as rows (the Rx each served)."""
    return [
        {
            "lot": e.lot,
            "compounded": e.payload.get("compounded_at", e.created_at),
            "rx": e.rx,
            "served_rx": served,
            "quantity_made_ml": e.payload.get("quantity_made_ml"),
            "bud": e.payload.get("bud"),
        }
        for e, served in found
    ]


def trace_report(rows: list[dict[str, Any]]) -> str:
    return render_table(
        ["Lot", "Compounded", "Made", "BUD", "Rx"],
        [
            [
                r["lot"],
                r["compounded"],
                f"{r['quantity_made_ml']} mL",
                r["bud"],
                ", ".join(sorted(set(filter(None, [r["rx"], *r["served_rx"]])))) or "-",
            ]
            for r in rows
        ],
    )


def entry_dict(entry: Any, lots: set[str] | None = None) -> dict[str, Any]:
    """A log entry as JSON. ``lots``: the lots the log holds preparations for (given,
    an entry's lot that is not one is a label's reference: ``"reference"``, not ``"lot"``)."""
    reference = lots is not None and bool(entry.lot) and entry.lot not in lots
    return {
        "id": entry.id,
        "kind": entry.kind,
        "rx": entry.rx,
        "lot": None if reference else entry.lot,
        **({"reference": entry.lot if reference else None} if lots is not None else {}),
        "created_at": entry.created_at,
        "created_local": logged_time(entry.created_at),
        "corrects": entry.corrects,
        "by": signed_by(entry.payload),
        "payload": entry.payload,
    }


def signed_by(payload: Any) -> str:
    """Who an entry names as its author, by registered initials: a correction's
    author ("JD"), a preparation's preparer and checker ("JD/MK"); "" for none."""
    if not isinstance(payload, dict):
        return ""
    if payload.get("by"):
        return str(payload["by"])
    people = [str(payload.get(key) or "") for key in ("prepared_by", "checked_by")]
    if all(people) and not any(set(p) == {"_"} for p in people):
        return "/".join(people)
    return ""


def staff_rows(register: Any) -> list[dict[str, Any]]:
    """The staff register as rows: initials, name, role, active."""
    return [
        {"initials": m.initials, "name": m.name, "role": str(m.role), "active": m.active}
        for m in register.members
    ]


def staff_report(register: Any) -> str:
    """The staff register as a table, or what to do when it is empty."""
    if not register.members:
        where = register.source or "no settings file found"
        return (
            f"The staff register is empty ({where}): nobody can prepare, check, override, "
            "release or correct. Add a [staff.XX] table per person (name, role, active) to "
            'the settings, or write them with: compounder init --staff "XX=Full Name:pharmacist"'
        )
    rows = [
        [row["initials"], row["name"], row["role"], "yes" if row["active"] else "no"]
        for row in staff_rows(register)
    ]
    return render_table(["Initials", "Name", "Role", "Active"], rows)


def lot_or_reference(lot: str | None, lots: set[str]) -> str:
    """ "Lot 20261201-001" for a lot a preparation holds, "Ref 20261201-1234567" for a
    label's reference (as the label prints them: "Lot:" or "Ref:")."""
    if not lot:
        return ""
    return f"Lot {lot}" if lot in lots else f"Ref {lot}"


def _what(entry: Any, states: dict[int, str] | None = None) -> str:
    """An entry's kind, and for one that sent labels to a printer whether they printed,
    for a dispensing its final check (``states``), for a check what it found."""
    if states and entry.id in states:
        return f"{entry.kind} ({states[entry.id]})"
    if entry.kind == "verification":
        payload = entry.payload
        return f"verification of entry {payload.get('verifies')} fill {payload.get('fill')}"
    if entry.kind == "verification-mismatch":
        checks = sorted({str(d.get("check")) for d in entry.payload.get("differences", [])})
        return f"verification-mismatch ({', '.join(checks)})"
    printed = entry.payload.get("printed")
    if printed is None:
        return str(entry.kind)
    what = f"{entry.kind} of {entry.payload['prints']}" if "prints" in entry.payload else entry.kind
    if not printed and entry.payload.get("print_unconfirmed"):
        return f"{what} (not confirmed)"  # every byte handed over, then the printer closed
    return f"{what} ({'printed' if printed else 'not printed'})"


def history_report(entries: list[Any], lots: set[str], states: dict[int, str] | None = None) -> str:
    """The history table; ``lots``: the lots the log holds preparations for;
    ``states``: each dispensing's final check ("awaiting check", "verified")."""
    return render_table(
        ["Entry", "When", "What", "Lot/Ref", "BUD", "Corrects", "By"],
        [
            [
                str(e.id),
                logged_time(e.created_at),
                _what(e, states),
                lot_or_reference(e.lot, lots),
                str(e.payload.get("bud", "")),
                str(e.corrects or ""),
                signed_by(e.payload),
            ]
            for e in entries
        ],
    )


def _dispensed(fill: Any) -> str:
    """ "239 mL in 2 containers (120 + 119 mL)" when a fill needs more than one."""
    total = format_quantity(fill.dispense_ml, "mL")
    if len(fill.containers) <= 1:
        return total
    parts = " + ".join(format_number(c) for c in fill.containers)
    return f"{total} in {len(fill.containers)} containers ({parts} mL)"


# ---------------------------------------------------------------- verification


def queue_rows(fills: list[Any]) -> list[dict[str, Any]]:
    """The verification queue as rows (no patient data: the Rx names the order)."""
    return [
        {
            "entry_id": f.entry_id,
            "kind": "batch order" if f.kind == "dispense" else "label",
            "rx": f.rx,
            "fill": f.fill,
            "fills": f.fills,
            "fill_date": f.fill_date.isoformat(),
            "bud": f.bud.isoformat(),
            "quantity_ml": format_number(f.quantity_ml),
            "lot": f.lot if f.lot_recorded else None,
            "reference": None if f.lot_recorded else f.lot,
            "logged_at": f.logged_at,
            "logged_local": logged_time(f.logged_at),
        }
        for f in fills
    ]


def queue_report(rows: list[dict[str, Any]]) -> str:
    """The queue as a table, oldest first, or a line saying nothing awaits."""
    if not rows:
        return "Nothing awaits a pharmacist's final check."
    table = render_table(
        ["Entry", "Logged", "What", "Rx", "Fill", "Filled", "BUD", "Qty (mL)", "Lot/Ref"],
        [
            [
                str(r["entry_id"]),
                r["logged_local"],
                r["kind"],
                r["rx"],
                f"{r['fill']} of {r['fills']}",
                r["fill_date"],
                r["bud"],
                r["quantity_ml"],
                r["lot"] or f"Ref {r['reference']} (no recorded lot)",
            ]
            for r in rows
        ],
    )
    return f"{table}\n{len(rows)} fill(s) await a pharmacist's final check (compounder verify)."


def verification_dict(done: Any) -> dict[str, Any]:
    """``verify``'s outcome as JSON."""
    return {
        "result": "verified" if done.ok else "mismatch",
        "pharmacist": done.pharmacist,
        "label_scan": done.label_scan,
        "lot_scan": done.lot_scan,
        "fills": queue_rows(list(done.fills)),
        "differences": [d.to_dict() for d in done.differences],
        "entry_ids": list(done.entry_ids),
        "notes": list(done.notes),
    }


def verification_report(done: Any) -> str:
    """``verify``'s outcome for the pharmacist: what was verified, or every difference."""
    if done.ok:
        fills = "; ".join(
            f"Rx {f.rx} fill {f.fill} of {f.fills} ({f.fill_date.isoformat()}, lot {f.lot})"
            for f in done.fills
        )
        entries = ", ".join(str(e) for e in done.entry_ids)
        noun = "entry" if len(done.entry_ids) == 1 else "entries"
        shown = [f"Verified by {done.pharmacist}: {fills} ({noun} {entries})."]
        return "\n".join([*shown, *(f"Note: {note}" for note in done.notes)])
    entries = ", ".join(str(e) for e in done.entry_ids)
    noun = "entry" if len(done.entry_ids) == 1 else "entries"
    lines = [f"MISMATCH: do not hand this over (logged as {noun} {entries})."]
    lines += [f"  {d.text()}" for d in done.differences]
    return "\n".join(lines)
