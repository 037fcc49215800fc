"""Drug sources (tablets, powders) and salt-form conversion, from ``sources.toml``.

Doses are by convention written as naltrexone hydrochloride (``dose_salt``). A source
whose salt differs is converted by the ratio of molar masses, exactly (Fractions).

A powder carries the ranges its certificate of analysis is checked against (assay on
the anhydrous basis, and water), each with where the range comes from: a value outside
the accepted range is refused; one inside it but outside the usual range is accepted
with a ``RangeNote`` that the compounding record prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path

from compounder.core.datafiles import Table, display_name, load_toml, template_path
from compounder.core.units import format_number, parse_percent
from compounder.errors import InputError, SafetyError

FORMS = ("tablet", "powder")


@dataclass(frozen=True)
class PercentRange:
    """An inclusive range of fractions (0.98 to 1.02 for 98%-102%)."""

    low: Decimal
    high: Decimal

    def __contains__(self, value: object) -> bool:
        return isinstance(value, Decimal) and self.low <= value <= self.high

    @property
    def text(self) -> str:
        return f"{format_number(self.low * 100)}%-{format_number(self.high * 100)}%"


@dataclass(frozen=True)
class CertificateRange:
    """What a certificate-of-analysis value (assay or water) is checked against."""

    accepted: PercentRange
    usual: PercentRange | None
    source: str


@dataclass(frozen=True)
class RangeNote:
    """A certificate value accepted but outside its usual range (printed on the record)."""

    field: str  # "assay" or "water"
    value: Decimal
    usual: PercentRange
    source: str


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
    assay_range: CertificateRange | None = None
    water_range: CertificateRange | None = None
    equipment: tuple[str, ...] = ()
    grade: str = ""

    def check_certificate(self, assay: Decimal, water: Decimal) -> tuple[RangeNote, ...]:
        """SafetyError if the assay or water is outside its accepted range; the values
        accepted but outside their usual range, as notes."""
        notes = []
        for name, value, limits in (
            ("assay", assay, self.assay_range),
            ("water", water, self.water_range),
        ):
            if limits is None:
                continue
            shown = f"{format_number(value * 100)}%"
            if value not in limits.accepted:
                raise SafetyError(
                    f"{name} {shown} is outside {limits.accepted.text} for {self.name} "
                    f"({limits.source})",
                    "check the certificate of analysis; a lot outside the range is not used",
                )
            if limits.usual is not None and value not in limits.usual:
                notes.append(RangeNote(name, value, limits.usual, limits.source))
        return tuple(notes)
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
                "assay",
                "water",
                "equipment",
                "grade",
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
                    assay_range=_range(entry, "assay", form),
                    water_range=_range(entry, "water", form),
                    equipment=tuple(entry.text_list("equipment", required=False)),
                    grade=entry.text("grade", required=False),
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


def _range(entry: Table, key: str, form: str) -> CertificateRange | None:
    """``[source.assay]`` or ``[source.water]``: accepted and usual ranges and their
    source; required for a powder, refused for a tablet."""
    if form != "powder":
        if key in entry.data:
            raise entry.error(key, "is only for a powder (a tablet's strength is its label's)")
        return None
    table = entry.table(key)
    table.check_keys({"accepted", "usual", "source"})
    accepted = _percent_pair(table, "accepted")
    usual = _percent_pair(table, "usual") if "usual" in table.data else None
    if usual is not None and not (accepted.low <= usual.low and usual.high <= accepted.high):
        raise table.error("usual", "is not inside the accepted range")
    return CertificateRange(accepted, usual, table.text("source"))


def _percent_pair(table: Table, key: str) -> PercentRange:
    expected = 'two percentages, lowest first, e.g. ["98%", "102%"]'
    value = table.data.get(key)
    if not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, str) for v in value):
        raise table.error(key, f"{value!r} is not accepted", expected)
    try:
        low, high = (parse_percent(v, key, allow_zero=True, maximum=Decimal(200)) for v in value)
    except InputError:
        raise table.error(key, f"{value!r} is not accepted", expected) from None
    if low > high:
        raise table.error(key, f"{value!r} is not accepted", expected)
    return PercentRange(low, high)
