"""The screen command: a patient's other medicines against the screening list."""

from pathlib import Path
from typing import Annotated

import typer

from compounder.cli.options import (
    AcknowledgeOpt,
    ConfigOpt,
    JsonOpt,
    LiverKidneyOpt,
    NoOtherMedicationsOpt,
    OtherMedicationOpt,
    OverrideOpt,
    PharmacistOpt,
    print_json,
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
