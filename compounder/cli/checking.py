"""Checks: screen (a patient's other medicines against the screening list), and a
pharmacist's final check before a bottle leaves (queue, verify)."""

from pathlib import Path
from typing import Annotated

import typer

from compounder.cli.options import (
    AcknowledgeOpt,
    ConfigOpt,
    DbOpt,
    JsonOpt,
    LiverKidneyOpt,
    NoOtherMedicationsOpt,
    OtherMedicationOpt,
    OverrideOpt,
    PharmacistOpt,
    VerboseOpt,
    print_json,
    which_log,
)


def screen(
    other_medication: OtherMedicationOpt = None,
    override: OverrideOpt = None,
    pharmacist: PharmacistOpt = None,
    liver_kidney_history: LiverKidneyOpt = False,
    acknowledge_unscreened: AcknowledgeOpt = False,
    no_other_medications: NoOtherMedicationsOpt = False,
    screening: Annotated[
        Path | None,
        typer.Option(
            "--screening",
            help="A screening list (.toml) for this check (default: \\[defaults] screening "
            "of the settings, else the shipped list).",
        ),
    ] = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Screen the patient's other medicines before LDN (templates/screening.toml).

    Each medicine as written (brand, generic, salt, strength) is read part by part
    (parts split by , ; + / brackets "and" "with") and matched by whole words to
    opioids, systemic corticosteroids and immunosuppressants. A local form (cream, eye
    drops) makes a caution only of the medicine in its own part. A stop exits with code
    3 unless --override "reason" --pharmacist INITIALS. Every drug-like word must be
    identified: a medicine with a word the list and the drug dictionary do not know is
    "not identified", also a stop (exit 3), until the pharmacist checks it and gives
    --acknowledge-unscreened --pharmacist INITIALS.

    Example: compounder screen --other-medication "oxycodone HCl 5 mg"
    --other-medication "Tylenol #3"
    """
    from compounder.api.checks import screen_medications
    from compounder.content.safety import screening_report

    result = screen_medications(
        tuple(other_medication or ()),
        override=override,
        pharmacist=pharmacist,
        liver_kidney_history=liver_kidney_history,
        acknowledge_unscreened=acknowledge_unscreened,
        no_other_medications=no_other_medications,
        screening=screening,
        refuse=False,
        config=config,
    )
    if as_json:
        print_json("screen", result.to_dict())
    else:
        typer.echo(screening_report(result))
    result.require_safe()


def queue(
    db: DbOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """The fills awaiting a pharmacist's final check, oldest first.

    Every label and batch order is logged awaiting check, one line a fill (a titration's
    labels printed at once: one a fill), until compounder verify checks it or a
    correction names its entry.

    Example: compounder queue
    """
    from compounder.api.verification import queue as awaiting
    from compounder.content.reports import queue_report, queue_rows

    rows = queue_rows(awaiting(which_log(db, config, verbose), config))
    if as_json:
        print_json("queue", {"fills": rows})
    else:
        typer.echo(queue_report(rows))


def verify(
    label_scan: Annotated[
        str,
        typer.Option(
            "--label-scan",
            help="The scan of the label's barcode (the Rx and fill date), or of a batch "
            "record's BATCH- barcode for all its orders at once.",
        ),
    ],
    lot_scan: Annotated[
        str,
        typer.Option(
            "--lot-scan",
            help="The scan of the preparation lot's barcode (its record or lot label), or "
            "of an ingredient's GS1 code.",
        ),
    ],
    pharmacist: Annotated[
        str,
        typer.Option("--pharmacist", help="Your initials: a pharmacist of the staff register."),
    ],
    entry: Annotated[
        int | None,
        typer.Option(
            "--entry",
            help="The dispensing's log entry (compounder queue), when the log holds two of "
            "the label's Rx and fill date.",
        ),
    ] = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """A pharmacist's final check before a bottle leaves: the two scans against the log.

    Passes when the log holds the label's fill (not corrected, not verified yet) drawn
    from the scanned preparation lot, neither BUD has passed, no ingredient lot of the
    preparation is recalled or on hold, and the lot has not given out more than was
    made: logged as verified with the pharmacist (exit 0). Otherwise a mismatch naming
    every difference is logged and nothing is verified (exit 3). A fill verified
    already is compared again: a mismatch is logged as one; if the scans match it,
    the command says by whom and when (exit 3) and nothing is logged.

    Example: compounder verify --label-scan 1234567261207 --lot-scan 20261207-001
    --pharmacist JD
    """
    from compounder.api.verification import verify as check
    from compounder.content.reports import verification_dict, verification_report

    where = which_log(db, config, verbose)
    done = check(label_scan, lot_scan, pharmacist, where, config, entry=entry)
    if as_json:
        print_json("verify", verification_dict(done))
    else:
        typer.echo(verification_report(done), err=not done.ok)
    if not done.ok:
        raise typer.Exit(3)
