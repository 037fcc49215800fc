"""Compounding records (USP <795>): what a preparation followed, used and produced.

``compounding_record`` turns a worked-out ``Preparation``, its lot number, the people
and the ingredient lots into the record's content; ``planned_powder_record`` does the
same for a powder preparation a batch plans (the weighing is left blank: it needs the
certificate of analysis of the lot used). Both go through ``_record``, so every record
has the same parts:

- the master formulation it follows, by id and version: name, strength, dosage form,
  the formula (drug with salt form and grade, the vehicle's own ingredients worked out
  for the volume made), container, equipment, calculation, the vehicle's steps and the
  method, the BUD rule with its source, storage, auxiliary labels, quality checks;
- what was done: Rx and lot, date and time (blank to be written at the bench when not
  known, never invented), each component's source, manufacturer, NDC, lot, expiry,
  quantity required and a blank for the quantity measured, the balance used, the total
  quantity made and a blank for the yield, the BUD and what set it, who prepared and
  who checked (with the date), the quality-check results and deviations;
- warnings: a certificate value outside its usual range, a same-person check at a
  single-pharmacist site, an ingredient lot that is not in the formula.

The same dict is the log entry's payload, so the record and the log cannot disagree.
``record_sections`` gives its text in reading order, section by section (each section
is kept together on a page where it fits), every line Compounder wrote through the
ISMP gate; ``record_codes`` the barcodes its first page carries (the lot's, and a
batch's record the batch's: ``core.scan_codes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from compounder.content.blocks import Block
from compounder.content.ismp import check_text
from compounder.content.preparation_text import (
    dosage_form_text,
    method_lines,
    preparation_dict,
    tablets_text,
)
from compounder.content.safety import LIVER_KIDNEY, safety_lines, signed
from compounder.core.bud import BudResult
from compounder.core.formulations import MasterFormulation, find_formulation
from compounder.core.lots import IngredientExpiry
from compounder.core.preparation import Preparation
from compounder.core.scan_codes import batch_code, lot_code, printed_code
from compounder.core.sources import DrugSource, RangeNote
from compounder.core.units import format_number, format_quantity
from compounder.core.vehicles import Vehicle, VehicleBatch, vehicle_amounts
from compounder.core.wording import load_wording

BLANK = "________"
DRUG = "drug"


def compounding_record(
    prep: Preparation,
    lot: str,
    rx: str | None,
    prepared_by: str,
    checked_by: str,
    lots: tuple[IngredientExpiry, ...],
    at: datetime | date,
    *,
    balance: str = "",
    single_pharmacist: bool = False,
) -> dict[str, Any]:
    """The record of a worked-out preparation. ``at`` is a datetime when the time of
    compounding is known, a date when it is to be written at the bench.
    ``single_pharmacist``: the same pharmacist prepared and checked, as the settings of
    a single-pharmacist site allow (``core.identity.check_independent``)."""
    data = preparation_dict(prep)
    tablets = (
        tablets_text(prep.tablets, prep.source.strength_mg)
        if prep.tablets is not None and prep.source.strength_mg is not None
        else None
    )
    record = _record(
        source=prep.source,
        vehicle=prep.vehicle,
        vehicle_batch=prep.vehicle_batch,
        concentration=prep.concentration_mg_ml,
        requested_ml=prep.requested_ml,
        final_ml=prep.final_volume_ml,
        bud=prep.bud,
        dose_salt=prep.dose_salt,
        lot=lot,
        rx=rx,
        at=at,
        prepared_by=prepared_by,
        checked_by=checked_by,
        lots=lots,
        drug_quantity=tablets or format_quantity(prep.drug_mass_mg, "mg"),
        drug_unit="tablets" if tablets else "mg",
        method=method_lines(prep),
        calculation=_calculation(prep),
        notes=prep.certificate_notes,
        balance=balance,
        single_pharmacist=single_pharmacist,
        certificate=(data["assay"], data["water"]) if prep.assay is not None else None,
    )
    record.update(
        tablets=prep.tablets,
        drug_mass_mg=data["drug_mass_mg"],
        preparation={k: v for k, v in data.items() if k not in ("bud_detail", "vehicle_formula")},
    )
    return record


def planned_powder_record(
    concentration_mg_ml: Decimal,
    volume_ml: Decimal,
    source: DrugSource,
    vehicle: Vehicle,
    bud: BudResult,
    lot: str,
    dose_salt: str,
    at: datetime | date,
    *,
    readability_mg: Decimal = Decimal("0.1"),
    minimum_weight_mg: Decimal = Decimal(10),
    balance: str = "",
    lots: tuple[IngredientExpiry, ...] = (),
) -> dict[str, Any]:
    """The record of a powder preparation a batch plans: everything but the weighing,
    which depends on the certificate of analysis (assay and water) of the lot used;
    ``lots``: the ingredient lots it is made from, when the run was given them."""
    strength = format_quantity(concentration_mg_ml, "mg/mL")
    need = format_number(concentration_mg_ml * volume_ml)
    fields = {
        "tablets": "",
        "mass": f"{BLANK} mg",
        "name": source.name,
        "volume": format_quantity(volume_ml, "mL"),
        "vehicle": vehicle.name,
    }
    batch = (
        vehicle_amounts(vehicle, volume_ml, readability_mg, minimum_weight_mg)
        if vehicle.ingredients
        else None
    )
    record = _record(
        source=source,
        vehicle=vehicle,
        vehicle_batch=batch,
        concentration=concentration_mg_ml,
        requested_ml=volume_ml,
        final_ml=volume_ml,
        bud=bud,
        dose_salt=dose_salt,
        lot=lot,
        rx=None,
        at=at,
        prepared_by=BLANK,
        checked_by=BLANK,
        lots=lots,
        drug_quantity=f"{BLANK} mg",
        drug_unit="mg",
        method=[line.format(**fields) for line in source.method],
        calculation=f"{strength} x {format_quantity(volume_ml, 'mL')} = {need} mg HCl; "
        "weigh = that / (assay x (1 - water)) from the certificate of analysis "
        f"(compounder prepare --from powder --assay ... --water ...): {BLANK} mg",
        notes=(),
        balance=balance,
        single_pharmacist=False,
        certificate=(f"{BLANK}%", f"{BLANK}%"),
    )
    record.update(tablets=None, drug_mass_mg=None)
    return record


def _record(
    *,
    source: DrugSource,
    vehicle: Vehicle,
    vehicle_batch: VehicleBatch | None,
    concentration: Decimal,
    requested_ml: Decimal,
    final_ml: Decimal,
    bud: BudResult,
    dose_salt: str,
    lot: str,
    rx: str | None,
    at: datetime | date,
    prepared_by: str,
    checked_by: str,
    lots: tuple[IngredientExpiry, ...],
    drug_quantity: str,
    drug_unit: str,
    method: list[str],
    calculation: str,
    notes: tuple[RangeNote, ...],
    balance: str,
    single_pharmacist: bool,
    certificate: tuple[str, str] | None,
) -> dict[str, Any]:
    wording = load_wording("en")
    mfr: MasterFormulation = find_formulation(source.id, vehicle.id, concentration)
    strength = format_quantity(concentration, "mg/mL")
    formula = _formula(source, drug_quantity, drug_unit, vehicle, vehicle_batch, final_ml)
    components, ingredients, unmatched = _components(formula, lots)
    timed = isinstance(at, datetime)
    day = at.date() if isinstance(at, datetime) else at
    same_person = single_pharmacist
    warnings = [certificate_note(n) for n in notes]
    warnings += [
        f"Ingredient lot {u['lot']} ({u['ingredient'] or 'unnamed'}) is not in the master "
        "formulation: record why under Deviations."
        for u in unmatched
    ]
    if same_person:
        warnings.append(
            "Single-pharmacist site: prepared and checked by the same pharmacist "
            "(settings: single_pharmacist = true)."
        )
    equipment = list(dict.fromkeys((*source.equipment, *vehicle.equipment)))
    weighed = source.form == "powder" or (vehicle_batch is not None and vehicle_batch.weighed)
    return {
        "title": f"Naltrexone HCl {strength} {dosage_form_text(source, vehicle)}",
        "lot": lot,
        "rx": rx,
        "compounded_at": at.isoformat(timespec="minutes")
        if isinstance(at, datetime)
        else at.isoformat(),
        "compounded_date": day.isoformat(),
        "compounded_time": at.strftime("%H:%M") if isinstance(at, datetime) else None,
        "time_known": timed,
        "master_formulation": {
            "id": mfr.id,
            "version": mfr.version,
            "effective": mfr.effective.isoformat(),
            "name": f"Naltrexone HCl {strength} {mfr.dosage_form} from "
            f"{source.name}, in {vehicle.name[0].lower()}{vehicle.name[1:]}",
            "strength": strength,
            "dosage_form": mfr.dosage_form,
            "drug": source.name,
            "salt": f"doses as naltrexone {dose_salt}; source is the {source.salt}"
            + (f"; grade {source.grade}" if source.grade else ""),
            "purity": _purity(source),
            "formula": [
                {k: v for k, v in item.items() if k not in ("names", "kind")} for item in formula
            ],
            "vehicle": vehicle.name,
            "vehicle_id": vehicle.id,
            "vehicle_preparation": vehicle_preparation(vehicle, vehicle_batch),
            "container": vehicle.container,
            "equipment": equipment,
            "method": method,
            "calculation": calculation,
            "bud_rule": bud.basis.basis,
            "bud_limits": [limit.basis for limit in bud.limits],
            "storage": wording.storage(bud.storage),
            "warnings": [
                wording.warning(w) for w in dict.fromkeys((*source.warnings, *vehicle.warnings))
            ],
            "quality_checks": list(mfr.quality_checks),
        },
        "components": components,
        "certificate": {"assay": certificate[0], "water": certificate[1]} if certificate else None,
        "ingredients": ingredients,
        "equipment": {"balance": balance if weighed else "", "weighed": weighed},
        "warnings": warnings,
        "quantity_made_ml": format_number(final_ml),
        "requested_ml": format_number(requested_ml),
        "bud": bud.bud.isoformat(),
        "bud_basis": bud.basis.basis,
        "bud_basis_kind": bud.basis.kind,
        "prepared_by": prepared_by,
        "checked_by": checked_by,
        "single_pharmacist": same_person,
        "quality_checks": list(mfr.quality_checks),
    }


def _purity(source: DrugSource) -> str:
    """What the drug's purity is checked against (a powder's certificate ranges)."""
    if source.assay_range is None:
        return "tablets as labelled (strength per tablet)"
    parts = []
    for name, limits in (("assay", source.assay_range), ("water", source.water_range)):
        if limits is None:
            continue
        text = f"{name} accepted {limits.accepted.text}"
        if limits.usual is not None:
            text += f", usual {limits.usual.text}"
        parts.append(f"{text} ({limits.source})")
    return "certificate of analysis: " + "; ".join(parts)


def certificate_note(note: RangeNote) -> str:
    shown = format_number(note.value * 100) + "%"
    return (
        f"Certificate {note.field} {shown} is outside the usual {note.usual.text} "
        f"({note.source}): accepted; confirm the certificate before use."
    )


def amount_text(amount: Decimal | None, unit: str, volume_ml: Decimal) -> str:
    """An ingredient's amount as printed: mg under 1 g, g from 1 g, mL; or to volume."""
    if amount is None:
        return f"to {format_quantity(volume_ml, 'mL')}"
    if unit == "mg" and amount >= 1000:
        return format_quantity(amount / 1000, "g")
    return format_quantity(amount, unit)


def _formula(
    source: DrugSource,
    drug_quantity: str,
    drug_unit: str,
    vehicle: Vehicle,
    batch: VehicleBatch | None,
    final_ml: Decimal,
) -> list[dict[str, Any]]:
    """Every ingredient of the preparation with its quantity: the drug, then the
    vehicle's own ingredients for the vehicle made (or the vehicle, to volume)."""
    items: list[dict[str, Any]] = [
        {
            "ingredient": source.name,
            "role": DRUG,
            "quantity": drug_quantity,
            "unit": drug_unit,
            "names": ("naltrexone", source.id, *source.aliases),
        }
    ]
    if batch is None:
        items.append(
            {
                "ingredient": vehicle.name,
                "role": "vehicle",
                "quantity": f"to {format_quantity(final_ml, 'mL')}",
                "unit": "mL",
                "names": (vehicle.name.lower(), vehicle.id),
            }
        )
        return items
    for amount in batch.amounts:
        ingredient = amount.ingredient
        shown = amount_text(amount.amount, amount.unit, batch.volume_ml)
        items.append(
            {
                "ingredient": f"{ingredient.name} {ingredient.grade}".strip(),
                "role": "vehicle",
                "quantity": shown,
                "unit": shown.split()[-1] if amount.amount is not None else "mL",
                "names": ingredient.names(),
            }
        )
    return items


def vehicle_preparation(vehicle: Vehicle, batch: VehicleBatch | None) -> dict[str, Any] | None:
    """How much vehicle to make and its steps, the amounts filled in."""
    if batch is None:
        return None
    fields = {
        a.ingredient.id: amount_text(a.amount, a.unit, batch.volume_ml) for a in batch.amounts
    }
    fields["volume"] = format_quantity(batch.volume_ml, "mL")
    make = f"Make {format_quantity(batch.volume_ml, 'mL')} of {vehicle.name.lower()}"
    if batch.volume_ml != batch.needed_ml:
        make += (
            f" ({format_quantity(batch.needed_ml, 'mL')} needed; the smallest weighing "
            "sets a larger volume, the rest is not used)"
        )
    return {
        "make": make,
        "make_ml": format_number(batch.volume_ml),
        "steps": [step.format(**fields) for step in vehicle.steps],
    }


def _matches(item: dict[str, Any], lot: IngredientExpiry) -> bool:
    name = lot.ingredient.lower()
    if item["role"] == DRUG:
        return not name or any(n in name for n in item["names"])
    return bool(name) and any(n in name for n in item["names"])


def _components(
    formula: list[dict[str, Any]], lots: tuple[IngredientExpiry, ...]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The formula with the lots entered for each ingredient; the lots as logged (for
    traceability); the lots that match no ingredient of the formula."""
    components = [
        {k: v for k, v in item.items() if k != "names"} | {"lots": []} for item in formula
    ]
    ingredients = []
    unmatched = []
    for lot in lots:
        index = next(
            (i for i, item in enumerate(formula) if _matches(item, lot)),
            None,
        )
        use = {
            "ingredient": lot.ingredient or formula[0]["ingredient"],
            "lot": lot.lot,
            "expiry": lot.expiry.isoformat(),
            "source": lot.source,
            "manufacturer": lot.manufacturer,
            "ndc": lot.ndc,
            "quantity": components[index]["quantity"] if index is not None else "",
        }
        ingredients.append(use)
        if index is None:
            unmatched.append(use)
            components.append(
                {
                    "ingredient": use["ingredient"],
                    "role": "not in the formula",
                    "quantity": "",
                    "unit": "",
                    "lots": [use],
                }
            )
        else:
            components[index]["lots"].append(use)
    return components, ingredients, unmatched


def ingredient_uses(prep: Preparation, lots: tuple[IngredientExpiry, ...]) -> list[dict]:
    """Each ingredient lot with the quantity of its ingredient in the formula."""
    tablets = (
        tablets_text(prep.tablets, prep.source.strength_mg)
        if prep.tablets is not None and prep.source.strength_mg is not None
        else None
    )
    formula = _formula(
        prep.source,
        tablets or format_quantity(prep.drug_mass_mg, "mg"),
        "tablets" if tablets else "mg",
        prep.vehicle,
        prep.vehicle_batch,
        prep.final_volume_ml,
    )
    return _components(formula, lots)[1]


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
    data = prep.to_dict()  # assay and water as printed
    return (
        f"{conc} x {format_quantity(prep.requested_ml, 'mL')} = {need} mg HCl; "
        f"x {prep.salt_factor_text} "
        f"/ (assay {data['assay']} x (1 - water {data['water']})): "
        f"calculated {data['drug_mass_calculated_mg']} mg, weighed up to "
        f"{format_quantity(prep.drug_mass_mg, 'mg')}"
    )


# -- the record's text ---------------------------------------------------------------

Line = tuple[str, str]  # (role, text); role "entered" is the pharmacist's own text


def _header(record: dict[str, Any]) -> list[Line]:
    mfr = record["master_formulation"]
    time = record["compounded_time"] or f"{BLANK} (write the time at the bench)"
    out: list[Line] = [
        ("title", "Compounding record"),
        ("heading", f"{record['title']} - lot {record['lot']}"),
        (
            "body",
            f"Rx: {record['rx'] or '(stock preparation)'} • Lot: {record['lot']} • "
            f"Date: {record['compounded_date']} • Time: {time}",
        ),
        (
            "body",
            f"Master formulation record: {mfr['id']} version {mfr['version']} "
            f"(effective {mfr['effective']})",
        ),
    ]
    return out


def _formulation(record: dict[str, Any]) -> list[Line]:
    mfr = record["master_formulation"]
    out: list[Line] = [
        ("heading", "Master formulation"),
        ("body", f"Name: {mfr['name']}"),
        ("body", f"Strength: {mfr['strength']} • Dosage form: {mfr['dosage_form']}"),
        ("body", f"Drug: {mfr['drug']} ({mfr['salt']})"),
        ("body", f"Purity: {mfr['purity']}"),
        ("body", f"Vehicle: {mfr['vehicle']}"),
        ("body", "Formula for this batch:"),
    ]
    out += [("body", f"- {i['ingredient']}: {i['quantity']}") for i in mfr["formula"]]
    out += [
        ("body", f"Container: {mfr['container']}"),
        ("body", "Equipment: " + "; ".join(mfr["equipment"])),
        ("body", f"Calculation: {mfr['calculation']}"),
        (_bud_role(record), f"BUD rule: {mfr['bud_rule']}"),
        # the limits name the ingredient lots as the pharmacist typed them
        (
            "entered" if record["ingredients"] else "body",
            "BUD limits considered: " + "; ".join(mfr["bud_limits"]),
        ),
        ("body", f"Storage: {mfr['storage']}"),
        ("body", "Auxiliary labels: " + "; ".join(mfr["warnings"])),
    ]
    return out


def _steps(record: dict[str, Any]) -> list[list[Line]]:
    mfr = record["master_formulation"]
    sections = []
    vehicle = mfr["vehicle_preparation"]
    if vehicle is not None and vehicle["steps"]:
        section: list[Line] = [("heading", "Vehicle preparation"), ("body", vehicle["make"] + ".")]
        section += [("body", f"{n}. {step}") for n, step in enumerate(vehicle["steps"], start=1)]
        sections.append(section)
    method: list[Line] = [("heading", "Method")]
    method += [("body", f"{n}. {step}") for n, step in enumerate(mfr["method"], start=1)]
    sections.append(method)
    return sections


def _components_lines(record: dict[str, Any]) -> list[Line]:
    out: list[Line] = [("heading", "Components used")]
    certificate = record.get("certificate")
    for item in record["components"]:
        required = item["quantity"] or "(not in the formula)"
        out.append(
            (
                "body",
                f"{item['ingredient']} • required {required} • measured {BLANK} {item['unit']}",
            )
        )
        if not item["lots"]:
            out.append(
                (
                    "body",
                    f"Source {BLANK} • Manufacturer {BLANK} • NDC {BLANK} • "
                    f"Lot {BLANK} • Expiry {BLANK}",
                )
            )
        for use in item["lots"]:
            out.append(
                (
                    "entered",
                    f"Source {use['source'] or BLANK} • Manufacturer "
                    f"{use['manufacturer'] or BLANK} • NDC {use['ndc'] or BLANK} • "
                    f"Lot {use['lot']} • Expiry {use['expiry']}",
                )
            )
        if item["role"] == DRUG and certificate:
            out.append(
                (
                    "body",
                    f"Certificate of analysis: assay {certificate['assay']} • "
                    f"water {certificate['water']}",
                )
            )
    balance = record["equipment"]["balance"]
    if record["equipment"]["weighed"]:
        out.append(("entered", f"Balance: {balance or BLANK}"))
    else:
        out.append(("body", "Balance: none used (nothing weighed)"))
    return out


def _result(record: dict[str, Any]) -> list[Line]:
    prepared, checked = signed(record, "prepared_by"), signed(record, "checked_by")
    check = f"Prepared by: {prepared} • Checked by: {checked}"
    return [
        ("heading", "Result"),
        (
            "body",
            f"Total quantity made: {record['quantity_made_ml']} mL (requested "
            f"{record['requested_ml']} mL) • Yield (measured): {BLANK} mL",
        ),
        (_bud_role(record), f"BUD: {record['bud']} - set by {record['bud_basis']}"),
        ("entered", check),
        ("body", f"Date prepared: {record['compounded_date']} • Date checked: {BLANK}"),
    ]


def _bud_role(record: dict[str, Any]) -> str:
    """A BUD set by an ingredient lot names the lot as typed: not ISMP-checked."""
    return "entered" if record.get("bud_basis_kind") == "ingredient" else "body"


def _checks(record: dict[str, Any]) -> list[Line]:
    out: list[Line] = [("heading", "Quality checks")]
    out += [("body", f"[  ] {check}: result {BLANK}") for check in record["quality_checks"]]
    return out


def _dispensed(orders: list[dict[str, Any]]) -> list[Line]:
    """The orders a batch filled from this lot: Rx, fill, dose and quantity, and each
    order's safety checks (its screening line, a liver or kidney history)."""
    out: list[Line] = [("heading", f"Dispensed from this lot ({len(orders)} orders)")]
    for order in orders:
        containers = int(order.get("containers") or 1)
        split = f" in {containers} containers" if containers > 1 else ""
        out.append(
            (
                "entered",
                f"Rx {order['rx_number']}: filled {order['fill_date']}, "
                f"{order['dose_mg']} mg, {order['quantity_ml']} mL{split}",
            )
        )
        if order.get("text"):
            out.append(("entered", f"    Other medicines: {order['text']}"))
        if order.get("liver_kidney_history"):
            out.append(("body", f"    {LIVER_KIDNEY}"))
    return out


def _lines_by_section(record: dict[str, Any]) -> list[list[Line]]:
    sections = [_header(record)]
    if record.get("warnings"):
        sections.append(
            [("heading", "Warnings")] + [("body", f"! {w}") for w in record["warnings"]]
        )
    sections += [_formulation(record), *_steps(record)]
    sections += [_components_lines(record), _result(record)]
    if record.get("safety"):  # screening, override, off-protocol reason
        sections.append(safety_lines(record["safety"]))
    for order in record.get("safety_by_rx", ()):  # a batch's preparation for several Rx
        sections.append(safety_lines(order["safety"], order["rx"]))
    if record.get("dispensed"):  # a batch's lot: every order filled from it
        sections.append(_dispensed(record["dispensed"]))
    if record.get("skipped_lots"):  # a gap in the day's lot numbers, explained
        sections.append(
            [("heading", "Lot numbers not used")]
            + [("entered", f"{lot}: {why}") for lot, why in record["skipped_lots"]]
        )
    sections.append(_checks(record))
    sections.append([("heading", "Deviations"), ("body", "_" * 60), ("body", "_" * 60)])
    if record.get("log_place"):  # the paper witness of the log's head
        sections.append([("heading", "Compounding log"), ("entered", log_place_text(record))])
    return sections


def log_place(entry_id: int, prev_id: int, prev_hash: str) -> dict[str, Any]:
    """Where a document's entry sits in the log's chain: its id and the head it follows
    (``ID:HASH``, as ``compounder log verify --head`` takes it). A document cannot
    carry its own entry's hash (that hash covers the document's), so it carries the
    one before."""
    return {"entry": entry_id, "follows": f"{prev_id}:{prev_hash}"}


def log_place_text(document: dict[str, Any]) -> str:
    """The paper witness a record or worksheet prints."""
    place = document["log_place"]
    return (
        f"Logged as entry {place['entry']}, after chain head {place['follows']} "
        f"(keep it: compounder log verify --head {place['follows']})"
    )


def record_sections(record: dict[str, Any]) -> list[list[Block]]:
    """The record's text in reading order, section by section; every line Compounder
    wrote through the ISMP gate (names, lots, NDCs as the pharmacist typed them)."""
    sections = []
    for lines in _lines_by_section(record):
        blocks = []
        for role, text in lines:
            if role == "entered":
                role = "body"
            else:
                check_text(text, "record")  # every number Compounder wrote, ISMP-clean
            blocks.append(Block(role, "record", text))
        sections.append(blocks)
    return sections


def record_blocks(record: dict[str, Any]) -> list[Block]:
    """The record's text in reading order (``record_sections`` run together)."""
    return [block for section in record_sections(record) for block in section]


@dataclass(frozen=True)
class RecordCode:
    """A barcode on a compounding record: what it holds, the text printed under it,
    and what scanning it stands for (printed above it)."""

    value: str
    printed: str
    caption: str


def record_codes(record: dict[str, Any]) -> tuple[RecordCode, ...]:
    """The barcodes a record's first page carries: its preparation lot's (the lot a
    label's check is scanned against) and, on a batch's record, the batch's, whose
    scan stands for every order of the batch drawn from this lot at once."""
    lot = str(record["lot"])
    codes = [RecordCode(lot_code(lot), printed_code(lot_code(lot)), "Preparation lot")]
    orders = record.get("dispensed") or ()
    if orders:
        count = f"{len(orders)} orders" if len(orders) > 1 else "1 order"
        caption = f"Batch: {count} from this lot, verified with one scan"
        codes.append(
            RecordCode(
                batch_code(lot), printed_code(batch_code(lot)), check_text(caption, "record")
            )
        )
    return tuple(codes)
