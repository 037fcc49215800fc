"""One pharmacy context: its settings and the data catalogues every command reads.

Opened once per command (``open_pharmacy``) and passed to every rule that needs it,
so that ``plan``, ``prepare``, ``fills``, ``label``, ``chart``, ``record`` and
``batch`` apply the same settings the same way: the same vehicle and source defaults,
the same BUD rules (with the pharmacy's day counting), the same dispensing rules.
A default in the settings that names nothing known (a vehicle, source, stock or
concentration) is blamed on the settings file when it is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from compounder.core.bud import BudRules
from compounder.core.fills import DispensingRules, load_dispensing
from compounder.core.settings import PharmacySettings, bud_rules_for, find_config, load_settings
from compounder.core.sources import DrugSource, SourceCatalogue, load_sources
from compounder.core.vehicles import Vehicle, find_vehicle
from compounder.errors import CompounderError, DataFileError

if TYPE_CHECKING:  # imported where used: a cold start loads only what it needs
    from compounder.core.screening import ScreeningTable


@dataclass(frozen=True)
class Pharmacy:
    settings: PharmacySettings
    rules: BudRules
    dispensing: DispensingRules
    sources: SourceCatalogue

    def vehicle(self, name: str | None = None) -> Vehicle:
        """The vehicle named, or the pharmacy's default."""
        return find_vehicle(self.settings.vehicle if name is None else name)

    def source(self, name: str | None = None) -> DrugSource:
        """The drug source named, or the pharmacy's default."""
        return self.sources.find(self.settings.source if name is None else name)

    def screening(self) -> ScreeningTable:
        """The medication-screening list every entrance screens against: the one the
        settings name (``[defaults] screening``), else the shipped one. A list the
        settings name that is not valid is blamed on the settings file (and the list)."""
        from compounder.core.screening import load_screening

        if not self.settings.screening:
            return load_screening()
        try:
            return load_screening(self.settings.screening)
        except DataFileError as exc:
            raise DataFileError(
                self.settings.path, "defaults.screening", f"the list is not usable ({exc})"
            ) from None


def open_pharmacy(config: str | Path | None = None, *, required: bool = True) -> Pharmacy:
    """The pharmacy of the settings file ``config`` (found as ``find_config`` says).

    ``required=False`` (commands that print nothing for a patient: plan, strengths,
    prepare, fills, record): without a settings file the shipped defaults apply."""
    if not required and config is None:
        try:
            config = find_config(None)
        except DataFileError:
            return _pharmacy(None)
    return _pharmacy(str(find_config(config)))


@lru_cache(maxsize=8)
def _pharmacy(path: str | None) -> Pharmacy:
    settings = load_settings(path) if path else PharmacySettings("", "", "")
    pharmacy = Pharmacy(settings, bud_rules_for(settings), load_dispensing(), load_sources())
    if path:
        _check_defaults(pharmacy, path)
    return pharmacy


def _check_defaults(pharmacy: Pharmacy, path: str) -> None:
    """Every default the settings name must exist: else the settings file is at fault."""
    from compounder.core.stocks import load_stock
    from compounder.core.units import parse_magnitude

    settings = pharmacy.settings
    checks = {
        "vehicle": lambda: pharmacy.vehicle(),
        "source": lambda: pharmacy.source(),
        "stock": lambda: load_stock(settings.stock),
        "concentration": lambda: parse_magnitude(settings.concentration, "concentration"),
    }
    for key, check in checks.items():
        try:
            check()
        except CompounderError as exc:
            raise DataFileError(
                path, f"defaults.{key}", f"{getattr(settings, key)!r} is not usable ({exc})"
            ) from None
