"""A preparation in words: its dosage form, method and amounts, as the ``prepare``
report and the compounding records both write them (records in English)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from compounder.core.units import format_quantity

if TYPE_CHECKING:
    from compounder.core.preparation import Preparation


def dosage_form_text(source: Any, vehicle: Any) -> str:
    """The preparation's dosage form in the records' language (English), from the data
    (sources.toml, vehicles.toml): "oral suspension" from tablets, "oral solution" from
    a dissolved powder."""
    from compounder.core.preparation import dosage_form
    from compounder.core.wording import load_wording

    return load_wording("en").text(f"dosage_form.{dosage_form(source, vehicle)}")


def preparation_dict(prep: Preparation, language: str = "en") -> dict[str, Any]:
    """The preparation as ``prepare --json`` and the records show it: storage and
    auxiliary warnings worded in ``language``."""
    from compounder.core.wording import load_wording

    wording = load_wording(language)
    data = prep.to_dict()
    storage = wording.storage(prep.bud.storage)
    data["storage"] = storage
    data["auxiliary_warnings"] = [wording.warning(w) for w in prep.warning_ids]
    detail = data.pop("bud_detail")
    data["method"] = method_lines(prep)
    at = list(detail).index("storage") + 1
    items = list(detail.items())
    data["bud_detail"] = dict([*items[:at], ("storage_text", storage), *items[at:]])
    return data


def tablets_text(count: int, strength_mg: Decimal) -> str:
    """ "1 x 50 mg tablet", "8 x 50 mg tablets"."""
    plural = "s" if count != 1 else ""
    return f"{count} x {format_quantity(strength_mg, 'mg')} tablet{plural}"


def method_lines(prep: Preparation) -> list[str]:
    """The source's method (``sources.toml``) with this preparation's amounts filled in."""
    tablets = (
        tablets_text(prep.tablets, prep.source.strength_mg)
        if prep.tablets is not None and prep.source.strength_mg is not None
        else ""
    )
    fields = {
        "tablets": tablets,
        "mass": format_quantity(prep.drug_mass_mg, "mg"),
        "name": prep.source.name,
        "volume": format_quantity(prep.final_volume_ml, "mL"),
        "vehicle": prep.vehicle.name,
    }
    return [line.format(**fields) for line in prep.source.method]
