"""Safety checks from the Python API: screen a patient's other medicines.

``screen_medications`` is what ``compounder screen`` calls; labels, charts, records and
batch orders call the same decision (``core.screening.screening_decision``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: a cold start loads only what it needs
    from compounder.core.screening import Screening


def screen_medications(
    other_medications: Iterable[str] = (),
    *,
    override: str | None = None,
    pharmacist: str | None = None,
    liver_kidney_history: bool = False,
    screening: str | Path | None = None,
    acknowledge_unscreened: bool = False,
    no_other_medications: bool = False,
    refuse: bool = True,
    config: str | Path | None = None,
) -> Screening:
    """Screen medicines as typed; SafetyError on a ``stop`` hit without an override
    (``refuse=False``: return the decision; ``require_safe()`` refuses later).
    The list is ``screening`` if given, else the pharmacy's (``[defaults] screening``
    of the settings ``config``, found as every command finds them), else the shipped one.
    ``pharmacist``: an active pharmacist of those settings' staff register."""
    from compounder.core.pharmacy import open_pharmacy
    from compounder.core.screening import load_screening, screening_decision

    pharmacy = open_pharmacy(config, required=False)
    return screening_decision(
        list(other_medications),
        override=override,
        pharmacist=pharmacist,
        liver_kidney_history=liver_kidney_history,
        acknowledge_unscreened=acknowledge_unscreened,
        no_other_medications=no_other_medications,
        table=(
            load_screening(screening)
            if screening is not None
            else pharmacy.screening()
        ),
        refuse=refuse,
        signers=pharmacy.settings.staff,
    )
