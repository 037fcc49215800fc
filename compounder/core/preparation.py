"""What to prepare: tablets or powder to use, vehicle, volume made, BUD and warnings.

Tablets come whole: the count is always rounded up, and the batch is made up to the
volume those tablets give at the concentration (the excess over the request is stated).
Powder is corrected for assay and water content (assay on the anhydrous basis) and for
salt form, then rounded up to the balance's readability; a weight under the balance's
minimum is refused, and so is an assay or water outside the source's accepted range
(one outside its usual range is kept as a note for the record). The vehicle's own
formula is worked out for the volume made. All arithmetic is exact (Fractions);
nothing is rounded down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from compounder.core.bud import BudResult, BudRules, beyond_use_date
from compounder.core.lots import IngredientExpiry
from compounder.core.sources import DrugSource, RangeNote, SourceCatalogue
from compounder.core.units import format_number, format_quantity, fraction_to_decimal
from compounder.core.vehicles import Vehicle, VehicleBatch, vehicle_amounts
from compounder.errors import InputError, SafetyError


def dosage_form(source: DrugSource, vehicle: Vehicle) -> str:
    """The preparation's dosage form (a wording id): the vehicle's if it names one (a
    suspending base), else the source's (tablets: a suspension; a dissolved powder: a
    solution)."""
    return vehicle.dosage_form or source.dosage_form


def warning_ids(source: DrugSource, vehicle: Vehicle) -> tuple[str, ...]:
    """The auxiliary warnings a preparation needs: the source's, then the vehicle's,
    each once."""
    return tuple(dict.fromkeys((*source.warnings, *vehicle.warnings)))


@dataclass(frozen=True)
class Preparation:
    """A batch of liquid naltrexone, fully worked out."""

    concentration_mg_ml: Decimal
    requested_ml: Decimal
    source: DrugSource
    vehicle: Vehicle
    dose_salt: str
    tablets: int | None
    drug_mass_mg: Decimal
    drug_mass_calculated: Fraction
    drug_in_batch_mg: Fraction
    final_volume_ml: Decimal
    bud: BudResult
    assay: Decimal | None = None
    water: Decimal | None = None
    vehicle_batch: VehicleBatch | None = None
    certificate_notes: tuple[RangeNote, ...] = ()
    # a powder's salt and the dose salt, with their molar masses (g/mol): the salt factor
    salt_masses: tuple[tuple[str, Decimal], tuple[str, Decimal]] | None = None

    @property
    def salt_factor_text(self) -> str:
        """The salt factor with its numbers, for a checker to redo: "salt factor (base /
        hydrochloride, g/mol) 341.4 / 377.86 = 0.9035"."""
        if self.salt_masses is None:
            return ""
        (salt, mass), (dose_salt, dose_mass) = self.salt_masses
        factor = _approx(Fraction(mass) / Fraction(dose_mass))
        return (
            f"salt factor ({salt} / {dose_salt}, g/mol) "
            f"{format_number(mass)} / {format_number(dose_mass)} = {factor}"
        )

    @property
    def excess_ml(self) -> Decimal:
        return self.final_volume_ml - self.requested_ml

    @property
    def warning_ids(self) -> list[str]:
        """The source's and the vehicle's warning ids, each once, in that order."""
        return list(warning_ids(self.source, self.vehicle))

    def to_dict(self) -> dict[str, Any]:
        """The preparation as values and ids (storage and warnings as ids; the
        worded form, with the method, is ``content.reports.preparation_dict``)."""
        return {
            "concentration": format_quantity(self.concentration_mg_ml, "mg/mL"),
            "requested_volume_ml": format_number(self.requested_ml),
            "source": self.source.id,
            "source_name": self.source.name,
            "form": self.source.form,
            "tablets": self.tablets,
            "tablet_strength_mg": (
                format_number(self.source.strength_mg) if self.source.strength_mg else None
            ),
            "drug_mass_mg": format_number(self.drug_mass_mg),
            "drug_mass_calculated_mg": _approx(self.drug_mass_calculated),
            "drug_in_batch_mg": _approx(self.drug_in_batch_mg),
            "dose_salt": self.dose_salt,
            "assay": format_number(self.assay * 100) + "%" if self.assay is not None else None,
            "water": format_number(self.water * 100) + "%" if self.water is not None else None,
            "vehicle": self.vehicle.id,
            "vehicle_name": self.vehicle.name,
            "final_volume_ml": format_number(self.final_volume_ml),
            "excess_ml": format_number(self.excess_ml),
            "bud": self.bud.bud.isoformat(),
            "bud_basis": self.bud.basis.basis,
            "storage": self.bud.storage,
            "auxiliary_warnings": self.warning_ids,
            "bud_detail": self.bud.to_dict(),
            "vehicle_formula": _vehicle_dict(self.vehicle_batch),
            "certificate_notes": [
                {
                    "field": n.field,
                    "value": format_number(n.value * 100) + "%",
                    "usual": n.usual.text,
                    "source": n.source,
                }
                for n in self.certificate_notes
            ],
        }


def _vehicle_dict(batch: VehicleBatch | None) -> dict[str, Any] | None:
    if batch is None:
        return None
    return {
        "vehicle": batch.vehicle_id,
        "make_ml": format_number(batch.volume_ml),
        "needed_ml": format_number(batch.needed_ml),
        "ingredients": [
            {
                "id": a.ingredient.id,
                "name": a.ingredient.name,
                "amount": format_number(a.amount) if a.amount is not None else "to volume",
                "unit": a.unit,
            }
            for a in batch.amounts
        ],
    }


def _approx(value: Fraction) -> str:
    """A calculated quantity for records: exact if it has a short form, else 4 places."""
    try:
        text = format_number(fraction_to_decimal(value))
    except ValueError:
        text = ""
    if text and len(text.partition(".")[2]) <= 4:
        return text
    scaled = math.floor(value * 10000 + Fraction(1, 2))
    return "about " + format_number(Decimal(scaled).scaleb(-4))


def round_up(value: Fraction, step: Decimal) -> Decimal:
    """The smallest multiple of ``step`` that is at least ``value``."""
    count = math.ceil(value / Fraction(step))
    return fraction_to_decimal(count * Fraction(step))


def prepare(
    concentration_mg_ml: Decimal,
    volume_ml: Decimal,
    source: DrugSource,
    vehicle: Vehicle,
    catalogue: SourceCatalogue,
    rules: BudRules,
    compounded: date,
    assay: Decimal | None = None,
    water: Decimal | None = None,
    lots: tuple[IngredientExpiry, ...] = (),
    requested_bud: date | None = None,
) -> Preparation:
    """Work out a batch; see the module docstring for the rules."""
    if volume_ml <= 0 or concentration_mg_ml <= 0:
        raise InputError("volume", format_number(volume_ml), "a volume greater than zero")
    needed = Fraction(concentration_mg_ml) * Fraction(volume_ml)  # mg of the dose salt
    bud = beyond_use_date(compounded, vehicle, rules, lots, requested_bud)
    if source.form == "tablet":
        if assay is not None or water is not None:
            raise InputError(
                "assay", "given for tablets", "--assay and --water only with a powder source"
            )
        assert source.strength_mg is not None
        per_tablet = Fraction(source.strength_mg) * catalogue.salt_factor(
            source.salt, catalogue.dose_salt
        )
        tablets = math.ceil(needed / per_tablet)
        in_batch = tablets * per_tablet
        try:
            final_volume = fraction_to_decimal(in_batch / Fraction(concentration_mg_ml))
        except ValueError:
            raise SafetyError(
                f"{tablets} tablet(s) of {source.name} do not give an exact volume at "
                f"{format_quantity(concentration_mg_ml, 'mg/mL')}",
                "use a powder source or another concentration",
            ) from None
        return Preparation(
            concentration_mg_ml,
            volume_ml,
            source,
            vehicle,
            catalogue.dose_salt,
            tablets,
            fraction_to_decimal(tablets * Fraction(source.strength_mg)),
            tablets * Fraction(source.strength_mg),
            in_batch,
            final_volume,
            bud,
            vehicle_batch=_vehicle_batch(vehicle, final_volume, catalogue),
        )
    if assay is None or water is None:
        raise InputError(
            "assay", "missing", "--assay and --water from the powder's certificate of analysis"
        )
    notes = source.check_certificate(assay, water)
    salt_mass = needed * catalogue.salt_factor(catalogue.dose_salt, source.salt)
    calculated = salt_mass / (Fraction(assay) * (1 - Fraction(water)))
    weigh = round_up(calculated, catalogue.readability_mg)
    if weigh < catalogue.minimum_weight_mg:
        minimum_volume = round_up(
            Fraction(catalogue.minimum_weight_mg) / calculated * Fraction(volume_ml), Decimal(1)
        )
        raise SafetyError(
            f"{format_quantity(weigh, 'mg')} is below the balance's minimum weight of "
            f"{format_quantity(catalogue.minimum_weight_mg, 'mg')}",
            f"make at least {format_quantity(minimum_volume, 'mL')}",
        )
    in_batch = (
        Fraction(weigh)
        * Fraction(assay)
        * (1 - Fraction(water))
        * catalogue.salt_factor(source.salt, catalogue.dose_salt)
    )
    return Preparation(
        concentration_mg_ml,
        volume_ml,
        source,
        vehicle,
        catalogue.dose_salt,
        None,
        weigh,
        calculated,
        in_batch,
        volume_ml,
        bud,
        assay,
        water,
        _vehicle_batch(vehicle, volume_ml, catalogue),
        notes,
        (
            (source.salt, catalogue.molar_mass[source.salt]),
            (catalogue.dose_salt, catalogue.molar_mass[catalogue.dose_salt]),
        ),
    )


def _vehicle_batch(vehicle: Vehicle, volume_ml: Decimal, catalogue: SourceCatalogue):
    """The vehicle's sub-formula for the volume made (None for a vehicle without one)."""
    if not vehicle.ingredients:
        return None
    return vehicle_amounts(
        vehicle, volume_ml, catalogue.readability_mg, catalogue.minimum_weight_mg
    )
