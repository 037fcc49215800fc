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
from functools import lru_cache
from pathlib import Path

from compounder.core.dates import parse_date
from compounder.core.limits import CONCENTRATION_MG_ML, PREPARED_VOLUME_ML, check_range
from compounder.core.protocols import DEFAULT_PROTOCOL, Protocol, load_protocol
from compounder.core.staff import StaffRegister
from compounder.core.strengths import (
    StrengthResult,
    candidate_concentrations,
    rank_strengths,
    recommended_concentration,
)
from compounder.core.syringes import Catalogue, load_catalogue
from compounder.core.titration import Plan, make_plan
from compounder.core.units import parse_magnitude
from compounder.errors import InputError


def parse_concentration(text: str, field: str = "concentration") -> Decimal:
    """A concentration as typed, in mg/mL (exact), within the plausible range."""
    value = _magnitude(text, "concentration", "mg/mL", field)
    check_range(value, CONCENTRATION_MG_ML, field, "mg/mL")
    return value


def parse_dose(text: str, field: str = "dose") -> Decimal:
    """A dose as typed, in mg (exact)."""
    return _magnitude(text, "mass", "mg", field)


def parse_volume(text: str, field: str = "volume", bounds: tuple = PREPARED_VOLUME_ML) -> Decimal:
    """A volume as typed, in mL (exact), within ``bounds`` (a preparation's by default;
    ``DISPENSED_ML`` for what one order dispenses)."""
    value = _magnitude(text, "volume", "mL", field)
    check_range(value, bounds, field, "mL")
    return value


def _magnitude(text: str, kind: str, unit: str, field: str) -> Decimal:
    try:
        return _cached_magnitude(text, kind, unit)
    except InputError as exc:
        raise InputError(field, exc.value, exc.expected, exc.where) from None


@lru_cache(maxsize=4096)
def _cached_magnitude(text: str, kind: str, unit: str) -> Decimal:
    """Orders repeat the same few values ("1 mg/mL", "3 mg"): parse each once."""
    return parse_magnitude(text, kind, unit)


def _catalogue(syringes: str | Path | None) -> Catalogue:
    return load_catalogue(str(syringes) if syringes else None)


def plan_titration(
    protocol: str | Path | Protocol = DEFAULT_PROTOCOL,
    concentration: str | Decimal | None = None,
    start_date: str | date | None = None,
    dose: str | None = None,
    syringes: str | Path | None = None,
    strengths: str | Path | None = None,
    *,
    start_dose: str | Decimal | None = None,
    target_dose: str | Decimal | None = None,
    off_protocol_reason: str | None = None,
    pharmacist: str | None = None,
    signers: StaffRegister | None = None,
) -> Plan:
    """The titration plan; without a concentration, at the recommended one.

    ``start_dose``/``target_dose``: start (or restart) at any step and stay at the
    target as maintenance (``dispensing.toml`` maintenance_days); a dose off the
    protocol's steps needs ``off_protocol_reason`` (``core.titration``), one above its
    maximum also the ``pharmacist``'s initials: an active pharmacist of the staff
    register ``signers`` (StaffError otherwise, and always without one).
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
    reason = ""
    if off_protocol_reason is not None:
        from compounder.core.screening import check_reason

        reason = check_reason(off_protocol_reason, "off-protocol-reason")
    start_mg = _dose_value(start_dose, "start-dose")
    target_mg = _dose_value(target_dose, "target-dose")
    maintenance_days = 28
    if target_mg is not None:
        from compounder.core.fills import load_dispensing

        maintenance_days = load_dispensing().maintenance_days
    return make_plan(
        proto,
        conc,
        catalogue,
        start,
        dose_mg,
        start_mg=start_mg,
        target_mg=target_mg,
        off_protocol_reason=reason,
        maintenance_days=maintenance_days,
        pharmacist=(
            (signers or StaffRegister())
            .pharmacist(pharmacist, "pharmacist", "an off-protocol dose")
            .initials
            if pharmacist
            else ""
        ),
    )


def _dose_value(value: str | Decimal | None, field: str) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return parse_dose(value, field)


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


def lots_from(
    lot_expiry: tuple[str, ...] | list[str],
    lots_file: str | Path | None,
    day: date | None = None,
    *,
    config: str | Path | None = None,
    db: str | Path | None = None,
):
    """The ingredient lots typed (``--lot-expiry``, ``--ingredient-lot``) and in a lots
    file, as used on ``day`` (default today): every entrance reads them here, so a
    received lot is read from the log and refused unless usable, as
    ``api.receiving.resolve_lots`` says."""
    if not lot_expiry and not lots_file:  # the usual label: nothing to read
        return ()
    return resolved_lots_from(lot_expiry, lots_file, day, config=config, db=db).lots


def resolved_lots_from(
    lot_expiry: tuple[str, ...] | list[str],
    lots_file: str | Path | None,
    day: date | None = None,
    *,
    config: str | Path | None = None,
    db: str | Path | None = None,
):
    """``lots_from`` with the received lots among them (``ResolvedLots``)."""
    if not lot_expiry and not lots_file:  # the usual label: nothing to read
        from compounder.core.inventory import NO_LOTS

        return NO_LOTS
    from compounder.api.receiving import resolve_lots
    from compounder.core.lots import parse_lot, read_lots_file

    lots = [parse_lot(text) for text in lot_expiry]
    if lots_file:
        lots += read_lots_file(Path(lots_file))
    return resolve_lots(tuple(lots), day or date.today(), db, config)


def prepare_batch(
    concentration: str | Decimal | None,
    volume: str | Decimal,
    source: str | None = None,
    vehicle: str | None = None,
    assay: str | None = None,
    water: str | None = None,
    compounded: str | date | None = None,
    lot_expiry: tuple[str, ...] | list[str] = (),
    lots_file: str | Path | None = None,
    bud: str | date | None = None,
    sources_file: str | Path | None = None,
    vehicles_file: str | Path | None = None,
    bud_rules_file: str | Path | None = None,
    config: str | Path | None = None,
    resolved=None,
    db: str | Path | None = None,
):
    """What to weigh or how many tablets, the volume made, the BUD and its basis (as
    the pharmacy of ``config`` counts days; its default source and vehicle).

    Ingredient lots received in the log (``db``) may be given by number alone; each
    must be usable on the compounding date and hold what the preparation takes (exit
    3 otherwise), and a powder lot's certificate (assay, water) is taken from the log
    when not typed. ``resolved``: the lots, read already (``resolved_lots_from``)."""
    from compounder.core.bud import load_bud_rules
    from compounder.core.pharmacy import open_pharmacy
    from compounder.core.preparation import prepare
    from compounder.core.sources import load_sources
    from compounder.core.units import parse_percent
    from compounder.core.vehicles import find_vehicle

    pharmacy = open_pharmacy(config, required=False)
    catalogue = load_sources(str(sources_file)) if sources_file else pharmacy.sources
    if concentration is None:  # the pharmacy's default strength
        concentration = pharmacy.settings.concentration
    conc = (
        concentration if isinstance(concentration, Decimal) else parse_concentration(concentration)
    )
    vol = volume if isinstance(volume, Decimal) else parse_volume(volume)
    the_vehicle = (
        find_vehicle(vehicle or pharmacy.settings.vehicle, str(vehicles_file))
        if vehicles_file
        else pharmacy.vehicle(vehicle)
    )
    from compounder.api.receiving import certificate_from, check_stock

    day = parse_date(compounded, "date") if compounded is not None else date.today()
    the_source = catalogue.find(pharmacy.settings.source if source is None else source)
    if resolved is None:
        resolved = resolved_lots_from(lot_expiry, lots_file, day, config=config, db=db)
    assay, water = certificate_from(resolved, the_source, assay, water)
    prep = prepare(
        conc,
        vol,
        the_source,
        the_vehicle,
        catalogue,
        load_bud_rules(str(bud_rules_file)) if bud_rules_file else pharmacy.rules,
        day,
        assay=(
            parse_percent(assay, "assay", allow_zero=False, maximum=Decimal(200))
            if assay is not None
            else None
        ),
        water=(
            parse_percent(water, "water", allow_zero=True, maximum=Decimal(99))
            if water is not None
            else None
        ),
        lots=resolved.lots,
        requested_bud=parse_date(bud, "bud") if bud is not None else None,
    )
    check_stock(prep, resolved.received, day)
    return prep
