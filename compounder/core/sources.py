"""Drug sources (tablets, powders) and salt-form conversion, from ``sources.toml``.

Doses are by convention written as naltrexone hydrochloride (``dose_salt``). A source
whose salt differs is converted by the ratio of molar masses, exactly (Fractions).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path

from compounder.core.datafiles import Table, display_name, load_toml, template_path
from compounder.errors import InputError

FORMS = ("tablet", "powder")


@dataclass(frozen=True)
class DrugSource:
    """One source of naltrexone: a tablet of a given strength, or a powder."""

    id: str
    name: str
    form: str
    salt: str
    strength_mg: Decimal | None = None
    aliases: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: str = ""
    method: tuple[str, ...] = ()
    # what the liquid made from it is (a wording id: templates/wording/*.toml [dosage_form])
    dosage_form: str = "oral-suspension"

    def __post_init__(self) -> None:
        if self.form not in FORMS:
            raise ValueError(f"form must be one of {', '.join(FORMS)}")
        if (self.form == "tablet") != (self.strength_mg is not None):
            raise ValueError("a tablet needs a strength; a powder has none")


@dataclass(frozen=True)
class SourceCatalogue:
    """The sources, the salts' molar masses and the weighing rules."""

    sources: tuple[DrugSource, ...]
    molar_mass: dict[str, Decimal]
    dose_salt: str
    readability_mg: Decimal
    minimum_weight_mg: Decimal

    def find(self, name: str) -> DrugSource:
        """A source by id or alias; InputError listing what is accepted."""
        for source in self.sources:
            if name == source.id or name in source.aliases:
                return source
        accepted = ", ".join(n for s in self.sources for n in (s.id, *s.aliases))
        raise InputError("from", name, f"one of {accepted}")

    def salt_factor(self, from_salt: str, to_salt: str) -> Fraction:
        """Mass of ``to_salt`` per mass of ``from_salt`` (same number of molecules)."""
        return Fraction(self.molar_mass[to_salt]) / Fraction(self.molar_mass[from_salt])


@cache
def load_sources(path: str | None = None) -> SourceCatalogue:
    """The shipped sources file, or a user's file of the same form."""
    file = Path(path) if path else template_path("sources.toml")
    table = Table(load_toml(file), display_name(file))
    table.check_keys({"dose_salt", "salts", "weighing", "source"})
    salts_table = table.table("salts")
    molar = {name: salts_table.decimal(name) for name in salts_table.data}
    dose_salt = table.text("dose_salt")
    if dose_salt not in molar:
        raise table.error("dose_salt", f"{dose_salt!r} has no molar mass in [salts]")
    weighing = table.table("weighing")
    weighing.check_keys({"readability", "minimum_weight"})
    sources = []
    for entry in table.tables("source"):
        entry.check_keys(
            {
                "id",
                "aliases",
                "name",
                "form",
                "salt",
                "strength",
                "warnings",
                "notes",
                "method",
                "dosage_form",
            }
        )
        salt = entry.text("salt")
        if salt not in molar:
            raise entry.error("salt", f"{salt!r} has no molar mass in [salts]", ", ".join(molar))
        form = entry.text("form")
        strength = entry.magnitude("strength", "mass", "mg", required=form == "tablet")
        try:
            sources.append(
                DrugSource(
                    id=entry.text("id"),
                    name=entry.text("name"),
                    form=form,
                    salt=salt,
                    strength_mg=strength,
                    aliases=tuple(entry.text_list("aliases", required=False)),
                    warnings=tuple(entry.text_list("warnings", required=False)),
                    notes=entry.text("notes", required=False),
                    method=tuple(entry.text_list("method")),
                    dosage_form=entry.text(
                        "dosage_form",
                        required=False,
                        default="oral-suspension" if form == "tablet" else "oral-solution",
                    ),
                )
            )
        except ValueError as exc:
            raise entry.error("form", str(exc)) from None
    return SourceCatalogue(
        sources=tuple(sources),
        molar_mass=molar,
        dose_salt=dose_salt,
        readability_mg=weighing.magnitude("readability", "mass", "mg"),
        minimum_weight_mg=weighing.magnitude("minimum_weight", "mass", "mg"),
    )
