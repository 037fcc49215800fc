"""Compounding records (USP <795>): what a preparation followed, used and produced.

``compounding_record`` turns a worked-out ``Preparation``, its lot number, the people
and the ingredient lots into the record's content: the master formulation it follows
(formula, vehicle, method, BUD and its source, storage, warnings), the preparation's
own facts (Rx, date and time, each ingredient's source, lot, expiry and quantity used,
the quantity made, the BUD and what set it, who prepared and who checked) and space for
the quality checks and deviations. The same dict is the log entry's payload, so the
record and the log cannot disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from compounder.content.blocks import Block
from compounder.content.ismp import check_text
from compounder.content.reports import dosage_form_text, preparation_dict, tablets_text
from compounder.core.lots import IngredientExpiry
from compounder.core.preparation import Preparation
from compounder.core.units import format_number, format_quantity

QUALITY_CHECKS = (
    "Appearance (uniform suspension or clear solution, no foreign matter)",
    "Final volume checked in a calibrated container",
    "Label checked against this record (lot, BUD, strength)",
)


def ingredient_uses(prep: Preparation, lots: tuple[IngredientExpiry, ...]) -> list[dict]:
    """Each ingredient lot with the quantity used: the drug's for a naltrexone lot,
    the vehicle's ("to 50 mL") for any other."""
    drug_quantity = (
        tablets_text(prep.tablets, prep.source.strength_mg)
        if prep.tablets is not None and prep.source.strength_mg is not None
        else format_quantity(prep.drug_mass_mg, "mg")
    )
    uses = []
    for lot in lots:
        is_drug = "naltrexone" in lot.ingredient.lower() or not lot.ingredient
        uses.append(
            {
                "ingredient": lot.ingredient or prep.source.name,
                "lot": lot.lot,
                "expiry": lot.expiry.isoformat(),
                "quantity": drug_quantity
                if is_drug
                else f"to {format_quantity(prep.final_volume_ml, 'mL')}",
            }
        )
    return uses


def compounding_record(
    prep: Preparation,
    lot: str,
    rx: str | None,
    prepared_by: str,
    checked_by: str,
    lots: tuple[IngredientExpiry, ...],
    at: datetime,
) -> dict[str, Any]:
    data = preparation_dict(prep)
    strength = format_quantity(prep.concentration_mg_ml, "mg/mL")
    form = dosage_form_text(prep.source, prep.vehicle)
    return {
        "title": f"Naltrexone HCl {strength} {form}",
        "lot": lot,
        "rx": rx,
        "compounded_at": at.isoformat(timespec="minutes"),
        "master_formulation": {
            "name": f"Naltrexone HCl {strength} {form} from {prep.source.name.lower()}, "
            f"in {prep.vehicle.name.lower()}",
            "drug": prep.source.name,
            "salt": f"doses as naltrexone {prep.dose_salt}; source is the {prep.source.salt}",
            "vehicle": prep.vehicle.name,
            "container": prep.vehicle.container,
            "method": data["method"],
            "calculation": _calculation(prep),
            "bud_rule": data["bud_basis"],
            "storage": data["storage"],
            "warnings": data["auxiliary_warnings"],
        },
        "ingredients": ingredient_uses(prep, lots),
        "tablets": prep.tablets,
        "drug_mass_mg": data["drug_mass_mg"],
        "quantity_made_ml": data["final_volume_ml"],
        "requested_ml": data["requested_volume_ml"],
        "bud": data["bud"],
        "bud_basis": data["bud_basis"],
        "prepared_by": prepared_by,
        "checked_by": checked_by,
        "quality_checks": list(QUALITY_CHECKS),
        "preparation": {k: v for k, v in data.items() if k != "bud_detail"},
    }


def _calculation(prep: Preparation) -> str:
    need = format_number(prep.concentration_mg_ml * prep.requested_ml)
    conc = format_quantity(prep.concentration_mg_ml, "mg/mL")
    if prep.tablets is not None and prep.source.strength_mg is not None:
        return (
            f"{conc} x {format_quantity(prep.requested_ml, 'mL')} = {need} mg; "
            f"{prep.tablets} tablet(s) of {format_quantity(prep.source.strength_mg, 'mg')} "
            f"= {format_number(prep.drug_mass_mg)} mg, made up to "
            f"{format_quantity(prep.final_volume_ml, 'mL')}"
        )
    data = prep.to_dict()
    return (
        f"{conc} x {format_quantity(prep.requested_ml, 'mL')} = {need} mg HCl; "
        f"/ (assay {data['assay']} x (1 - water {data['water']})), salt factor applied: "
        f"calculated {data['drug_mass_calculated_mg']} mg, weighed up to "
        f"{format_quantity(prep.drug_mass_mg, 'mg')}"
    )


def planned_powder_record(
    concentration_mg_ml: Any,
    volume_ml: Any,
    source: Any,
    vehicle: Any,
    bud: Any,
    lot: str,
    dose_salt: str,
    at: datetime,
) -> dict[str, Any]:
    """The record of a powder preparation a batch plans: everything but the weighing,
    which depends on the certificate of analysis (assay and water) of the lot used."""
    from compounder.core.wording import load_wording

    strength = format_quantity(concentration_mg_ml, "mg/mL")
    need = format_number(concentration_mg_ml * volume_ml)
    wording = load_wording("en")
    form = dosage_form_text(source, vehicle)
    fields = {
        "tablets": "",
        "mass": "________ mg",
        "name": source.name,
        "volume": format_quantity(volume_ml, "mL"),
        "vehicle": vehicle.name,
    }
    return {
        "title": f"Naltrexone HCl {strength} {form}",
        "lot": lot,
        "rx": None,
        "compounded_at": at.isoformat(timespec="minutes"),
        "master_formulation": {
            "name": f"Naltrexone HCl {strength} {form} from {source.name.lower()}, "
            f"in {vehicle.name.lower()}",
            "drug": source.name,
            "salt": f"doses as naltrexone {dose_salt}; source is the {source.salt}",
            "vehicle": vehicle.name,
            "container": vehicle.container,
            "method": [line.format(**fields) for line in source.method],
            "calculation": f"{strength} x {format_quantity(volume_ml, 'mL')} = {need} mg HCl; "
            "weigh = that / (assay x (1 - water)) from the certificate of analysis "
            "(compounder prepare --from powder --assay ... --water ...): ________ mg",
            "bud_rule": bud.basis.basis,
            "storage": wording.storage(bud.storage),
            "warnings": [wording.warning(w) for w in (*source.warnings, *vehicle.warnings)],
        },
        "ingredients": [],
        "tablets": None,
        "drug_mass_mg": None,
        "quantity_made_ml": format_number(volume_ml),
        "requested_ml": format_number(volume_ml),
        "bud": bud.bud.isoformat(),
        "bud_basis": bud.basis.basis,
        "prepared_by": "________",
        "checked_by": "________",
        "quality_checks": list(QUALITY_CHECKS),
    }


def _lines(record: dict[str, Any]) -> list[tuple[str, str]]:
    """(role, text) in reading order; "entered" is the pharmacist's own text."""
    mfr = record["master_formulation"]
    out = [
        ("title", "Compounding record"),
        ("heading", f"{record['title']} - lot {record['lot']}"),
        (
            "body",
            f"Rx: {record['rx'] or '(stock preparation)'} • Compounded: "
            f"{record['compounded_at'].replace('T', ' ')}",
        ),
        ("heading", "Master formulation"),
        ("body", f"Formulation: {mfr['name']}"),
        ("body", f"Drug: {mfr['drug']} ({mfr['salt']})"),
        ("body", f"Vehicle: {mfr['vehicle']}"),
        ("body", f"Container: {mfr['container']}"),
        ("body", f"Calculation: {mfr['calculation']}"),
        ("body", f"BUD rule: {mfr['bud_rule']}"),
        ("body", f"Storage: {mfr['storage']}"),
        ("body", "Auxiliary labels: " + "; ".join(mfr["warnings"])),
        ("heading", "Method"),
    ]
    out += [("body", f"{n}. {step}") for n, step in enumerate(mfr["method"], start=1)]
    out.append(("heading", "Ingredients used"))
    if record["ingredients"]:
        # "entered": ingredient names and lots are the pharmacist's own text, as typed
        out += [
            (
                "entered",
                f"{u['ingredient']} • lot {u['lot']} • expiry {u['expiry']} • "
                f"quantity {u['quantity']}",
            )
            for u in record["ingredients"]
        ]
    else:
        out.append(("body", "No ingredient lots were entered."))
    out += [
        ("heading", "Result"),
        (
            "body",
            f"Quantity made: {record['quantity_made_ml']} mL (requested "
            f"{record['requested_ml']} mL)",
        ),
        ("body", f"BUD: {record['bud']} - set by {record['bud_basis']}"),
        (
            "body",
            f"Prepared by: {record['prepared_by']} • Checked by: {record['checked_by']} "
            "• Date checked: ____________",
        ),
        ("heading", "Quality checks"),
    ]
    out += [("body", f"[  ] {check}: ________________") for check in record["quality_checks"]]
    out += [("heading", "Deviations"), ("body", "_" * 60), ("body", "_" * 60)]
    return out


def record_blocks(record: dict[str, Any]) -> list[Block]:
    """The compounding record's text in reading order, every line Compounder wrote
    through the ISMP gate (ingredient names and lots as the pharmacist typed them)."""
    blocks = []
    for role, text in _lines(record):
        if role == "entered":
            role = "body"
        else:
            check_text(text, "record")  # every number Compounder wrote, ISMP-clean
        blocks.append(Block(role, "record", text))
    return blocks
