"""The oral-syringe catalogue and the choice of syringe for a dose volume.

The catalogue is data (``templates/syringes.toml``, or a user's file): capacity,
graduation interval, numbered marks and printed scale length. A volume is measurable
on a syringe only if it is an exact whole number of graduations and fits the capacity.
Among those, the smallest syringe filled between ``min_fill`` and ``max_fill`` of its
capacity is chosen (finest graduation first for the same capacity, so one syringe
serves as many steps as it can); if none is in that band, the measurable syringe whose
fill is closest to the band is chosen, with a warning saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path

from compounder.core.datafiles import Table, display_name, load_toml, template_path
from compounder.core.units import format_number, format_quantity
from compounder.errors import DataFileError

_SYRINGE_KEYS = {"id", "capacity", "graduation", "numbered_every", "scale_length", "name"}


@dataclass(frozen=True)
class Syringe:
    """One oral syringe model; volumes in mL, lengths in mm, all exact."""

    id: str
    capacity_ml: Decimal
    graduation_ml: Decimal
    numbered_every_ml: Decimal
    scale_length_mm: Decimal

    def __post_init__(self) -> None:
        if not (0 < self.graduation_ml <= self.capacity_ml):
            raise ValueError("graduation must be above zero and at most the capacity")
        if not self.is_on_scale(self.capacity_ml):
            raise ValueError("capacity must be a whole number of graduations")
        if not self.is_on_scale(self.numbered_every_ml):
            raise ValueError("numbered_every must be a whole number of graduations")
        if self.scale_length_mm <= 0:
            raise ValueError("scale_length must be above zero")

    @property
    def label(self) -> str:
        """How the syringe is named to a person: "3 mL oral syringe (0.1 mL marks)"."""
        return (
            f"{format_quantity(self.capacity_ml, 'mL')} oral syringe "
            f"({format_quantity(self.graduation_ml, 'mL')} marks)"
        )

    def is_on_scale(self, volume_ml: Decimal | Fraction) -> bool:
        """True if the volume is an exact whole number of graduations."""
        marks = Fraction(volume_ml) / Fraction(self.graduation_ml)
        return marks.denominator == 1

    def fill(self, volume_ml: Decimal | Fraction) -> Fraction:
        """The fraction of the capacity a volume fills."""
        return Fraction(volume_ml) / Fraction(self.capacity_ml)

    def mark_position_mm(self, volume_ml: Decimal) -> Decimal:
        """Distance of a volume's mark from the zero mark, along the printed scale."""
        return self.scale_length_mm * volume_ml / self.capacity_ml


@dataclass(frozen=True)
class Catalogue:
    """The syringes on hand and the rules for choosing among them."""

    syringes: tuple[Syringe, ...]
    min_fill: Decimal = Decimal("0.2")
    max_fill: Decimal = Decimal("0.8")
    min_volume_ml: Decimal = Decimal("0.1")
    source: str = "templates/syringes.toml"

    def by_id(self, syringe_id: str) -> Syringe:
        for syringe in self.syringes:
            if syringe.id == syringe_id:
                return syringe
        raise KeyError(syringe_id)

    @property
    def largest_ml(self) -> Decimal:
        return max(s.capacity_ml for s in self.syringes)


@dataclass(frozen=True)
class SyringeChoice:
    """The syringe chosen for one volume, or None with the reason it cannot be measured."""

    volume: Fraction
    syringe: Syringe | None
    warnings: tuple[str, ...] = field(default=())
    problem: str = ""

    @property
    def measurable(self) -> bool:
        return self.syringe is not None


def choose_syringe(volume_ml: Fraction | Decimal, catalogue: Catalogue) -> SyringeChoice:
    """Pick the syringe for a dose volume by the rules in the module docstring."""
    volume = Fraction(volume_ml)
    if volume <= Fraction(catalogue.min_volume_ml):
        return SyringeChoice(
            volume,
            None,
            problem=(
                f"a dose of {describe_volume(volume)} is too small to measure accurately "
                f"(must be more than {format_quantity(catalogue.min_volume_ml, 'mL')})"
            ),
        )
    fitting = [s for s in catalogue.syringes if volume <= s.capacity_ml and s.is_on_scale(volume)]
    if not fitting:
        if volume > catalogue.largest_ml:
            problem = (
                f"{describe_volume(volume)} is more than the largest syringe "
                f"({format_quantity(catalogue.largest_ml, 'mL')})"
            )
        else:
            problem = f"{describe_volume(volume)} is not on the marks of any syringe"
        return SyringeChoice(volume, None, problem=problem)
    order = sorted(fitting, key=lambda s: (s.capacity_ml, s.graduation_ml))
    low, high = Fraction(catalogue.min_fill), Fraction(catalogue.max_fill)
    for syringe in order:
        if low <= syringe.fill(volume) <= high:
            return SyringeChoice(volume, syringe)

    def distance(s: Syringe) -> Fraction:
        fill = s.fill(volume)
        return low - fill if fill < low else fill - high

    best = min(order, key=distance)
    percent = format_number(Decimal(round(best.fill(volume) * 100)))
    warning = (
        f"{describe_volume(volume)} fills the {format_quantity(best.capacity_ml, 'mL')} syringe "
        f"to about {percent}%, outside the {format_number(catalogue.min_fill * 100)}-"
        f"{format_number(catalogue.max_fill * 100)}% band (no syringe in the catalogue fits better)"
    )
    return SyringeChoice(volume, best, warnings=(warning,))


def describe_volume(volume: Fraction) -> str:
    """A volume for a message: exact if it has a decimal form, else 'about' with 3 places."""
    try:
        return format_quantity(volume, "mL")
    except ValueError:
        return f"{float(volume):.3f}... mL"


@cache
def load_catalogue(path: str | None = None) -> Catalogue:
    """The shipped syringe catalogue, or a user's file of the same form."""
    file = Path(path) if path else template_path("syringes.toml")
    name = display_name(file)
    table = Table(load_toml(file), name)
    table.check_keys({"selection", "syringe"})
    selection = table.table("selection", required=False)
    selection.check_keys({"min_fill", "max_fill", "min_volume"})
    min_fill = selection.decimal("min_fill", required=False, default="0.2")
    max_fill = selection.decimal("max_fill", required=False, default="0.8")
    if not (0 <= min_fill < max_fill <= 1):
        raise selection.error("max_fill", "fill band is not valid", "0 <= min_fill < max_fill <= 1")
    min_volume = selection.magnitude("min_volume", "volume", "mL", required=False)
    syringes = []
    seen: set[str] = set()
    for entry in table.tables("syringe"):
        entry.check_keys(_SYRINGE_KEYS)
        syringe_id = entry.text("id")
        if syringe_id in seen:
            raise entry.error("id", f"{syringe_id!r} appears twice", "a unique id")
        seen.add(syringe_id)
        try:
            syringes.append(
                Syringe(
                    id=syringe_id,
                    capacity_ml=entry.magnitude("capacity", "volume", "mL"),
                    graduation_ml=entry.magnitude("graduation", "volume", "mL"),
                    numbered_every_ml=entry.magnitude("numbered_every", "volume", "mL"),
                    scale_length_mm=entry.magnitude("scale_length", "length", "mm"),
                )
            )
        except ValueError as exc:
            raise DataFileError(name, f"{entry.prefix}".rstrip("."), str(exc)) from None
    return Catalogue(
        syringes=tuple(syringes),
        min_fill=min_fill,
        max_fill=max_fill,
        min_volume_ml=min_volume if min_volume is not None else Decimal("0.1"),
        source=name,
    )
