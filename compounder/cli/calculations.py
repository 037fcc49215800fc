"""Commands that work numbers out: plan, strengths, prepare, fills."""

from typing import Annotated

import typer

from compounder.cli.options import (
    AssayOpt,
    CandidatesOpt,
    ConcentrationOpt,
    ConfigOpt,
    DbOpt,
    JsonOpt,
    LotOpt,
    LotsFileOpt,
    OffProtocolReasonOpt,
    ProtocolOpt,
    SourceOpt,
    StartDateOpt,
    StartDoseOpt,
    SyringesOpt,
    TargetDoseOpt,
    VehicleOpt,
    VolumeOpt,
    WaterOpt,
    check_settings,
    print_json,
)


def plan(
    protocol: ProtocolOpt = "ldn-standard",
    concentration: ConcentrationOpt = None,
    start_date: StartDateOpt = None,
    dose: Annotated[
        str | None, typer.Option("--dose", help="Plan only the step at this dose, e.g. '3 mg'.")
    ] = None,
    syringes: SyringesOpt = None,
    candidates: CandidatesOpt = None,
    start_dose: StartDoseOpt = None,
    target_dose: TargetDoseOpt = None,
    off_protocol_reason: OffProtocolReasonOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Work out every titration step: dose, volume, syringe and days.

    --start-dose starts (or restarts, or steps back) at any step; --target-dose stops
    rising there and keeps it as the maintenance dose (28 days, dispensing.toml).

    Without --concentration the recommended strength is used (see 'strengths').
    If a step cannot be measured exactly at the concentration, the plan is shown with
    that step marked and the command exits with code 3.

    Example: compounder plan --concentration 1mg/mL --start-date 2026-12-01
    """
    from compounder.api.planning import plan_titration
    from compounder.content.reports import plan_report

    check_settings(config)
    result = plan_titration(
        protocol,
        concentration,
        start_date,
        dose,
        syringes,
        candidates,
        start_dose=start_dose,
        target_dose=target_dose,
        off_protocol_reason=off_protocol_reason,
    )
    if as_json:
        print_json("plan", result.to_dict())
    else:
        typer.echo(plan_report(result))
    result.require_measurable()


def strengths(
    protocol: ProtocolOpt = "ldn-standard",
    syringes: SyringesOpt = None,
    candidates: CandidatesOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Which concentrations measure every step exactly, best first.

    Ranked by: fewest steps outside the syringe fill band, fewest different syringes,
    then convention (1 mg/mL first).

    Example: compounder strengths --protocol ldn-slow-start
    """
    from compounder.api.planning import solve_strengths
    from compounder.content.reports import strengths_report

    check_settings(config)
    results = solve_strengths(protocol, syringes, candidates)
    if as_json:
        print_json(
            "strengths",
            {
                "protocol": results[0].plan.protocol.id if results else protocol,
                "candidates": [r.to_dict() for r in results],
            }
        )
    else:
        typer.echo(strengths_report(results, results[0].plan.protocol.id if results else protocol))


def prepare(
    volume: VolumeOpt,
    concentration: ConcentrationOpt = None,
    source: SourceOpt = None,
    vehicle: VehicleOpt = None,
    assay: AssayOpt = None,
    water: WaterOpt = None,
    on_date: Annotated[
        str | None, typer.Option("--date", help="Compounding date, YYYY-MM-DD (default today).")
    ] = None,
    lot_expiry: LotOpt = None,
    lots_file: LotsFileOpt = None,
    bud: Annotated[
        str | None, typer.Option("--bud", help="A shorter BUD than computed, YYYY-MM-DD.")
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What to weigh or how many tablets to use, the vehicle, the volume made and the BUD.

    The concentration, source and vehicle default to the pharmacy settings' (else
    1 mg/mL from tablets in water).
    A received ingredient lot may be given by its number alone (--lot-expiry LOT): it
    is read from the log (--db) and refused unless usable and holding enough.

    Example: compounder prepare --concentration 1mg/mL --volume 30mL --from tablets
    --vehicle water
    """
    from compounder.api.planning import prepare_batch
    from compounder.content.reports import preparation_dict, preparation_report

    result = prepare_batch(
        concentration,
        volume,
        source,
        vehicle,
        assay,
        water,
        on_date,
        tuple(lot_expiry or ()),
        lots_file,
        bud,
        config=config,
        db=db,
    )
    if as_json:
        print_json("prepare", preparation_dict(result))
    else:
        typer.echo(preparation_report(result))


def fills(
    start_date: Annotated[
        str, typer.Option("--start-date", help="First day of the titration, YYYY-MM-DD.")
    ],
    concentration: ConcentrationOpt = None,
    vehicle: VehicleOpt = None,
    protocol: ProtocolOpt = "ldn-standard",
    overage: Annotated[
        str | None,
        typer.Option("--overage", help="Extra volume for bottle and syringe loss, e.g. 10%."),
    ] = None,
    syringes: SyringesOpt = None,
    lot_expiry: LotOpt = None,
    lots_file: LotsFileOpt = None,
    config: ConfigOpt = None,
    start_dose: StartDoseOpt = None,
    target_dose: TargetDoseOpt = None,
    off_protocol_reason: OffProtocolReasonOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The fills that dispense a whole titration, none holding more days than its BUD.

    With --target-dose the fills continue at the target for the maintenance days
    (28, dispensing.toml maintenance_days).

    Example: compounder fills --start-date 2026-12-01 --concentration 1mg/mL --vehicle water
    """
    from compounder.api.dispensing import plan_fill_schedule
    from compounder.content.reports import fills_report

    result = plan_fill_schedule(
        start_date,
        concentration,
        vehicle,
        protocol,
        overage,
        syringes,
        config=config,
        lot_expiry=tuple(lot_expiry or ()),
        lots_file=lots_file,
        start_dose=start_dose,
        target_dose=target_dose,
        off_protocol_reason=off_protocol_reason,
    )
    if as_json:
        print_json("fills", result.to_dict())
    else:
        typer.echo(fills_report(result))
