"""Print-size profiles for container labels (``templates/label_profiles.toml``).

A profile gives every label role its largest and smallest size, and the rules the
sizes must keep: the patient-centred items (patient, drug, directions) are always the
largest text; the critical items (BUD, storage, quantity, warnings) are never below the
profile's ``critical_min`` nor below the pharmacy's lines; and, where the profile says
so, the patient-centred items are clustered in a share of the label's area. A file that
breaks a rule is refused naming the profile and the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from compounder.core.datafiles import Table, display_name, load_toml, template_path
from compounder.errors import InputError

PROFILES_FILE = "label_profiles.toml"
ROLES = ("patient", "drug", "directions", "key", "warnings", "details", "pharmacy")


@dataclass(frozen=True)
class RoleSize:
    """One role's sizes in a profile (points) and where its minimum comes from."""

    max_size: Decimal
    min_size: Decimal
    bold: bool
    max_lines: int
    min_source: str
    leading: Decimal | None = None  # None: the profile's
    break_at: str = ""  # lines break only at this separator


@dataclass(frozen=True)
class LabelProfile:
    id: str
    name: str
    source: str
    leading: Decimal
    patient_area: Decimal  # share of the label's area for the patient-centred items
    critical_min: Decimal
    roles: tuple[tuple[str, RoleSize], ...]
    patient_centred: tuple[str, ...]
    critical: tuple[str, ...]

    def role(self, name: str) -> RoleSize:
        return dict(self.roles)[name]


@dataclass(frozen=True)
class LabelProfiles:
    default: str
    profiles: tuple[LabelProfile, ...]

    def ids(self) -> list[str]:
        return [p.id for p in self.profiles]

    def find(self, profile_id: str | None) -> LabelProfile:
        """The profile called ``profile_id`` (None: the default); InputError otherwise."""
        wanted = self.default if profile_id is None else profile_id
        for profile in self.profiles:
            if profile.id == wanted:
                return profile
        raise InputError("profile", str(wanted)[:40], "one of " + ", ".join(self.ids()))


def _role(entry: Table) -> RoleSize:
    entry.check_keys({"max", "min", "bold", "max_lines", "min_source", "leading", "break_at"})
    high, low = entry.decimal("max"), entry.decimal("min")
    if not 0 < low <= high or high > 72:
        raise entry.error("min", "must be above zero and at most max (max at most 72)")
    leading = entry.decimal("leading") if "leading" in entry.data else None
    if leading is not None and not 1 <= leading <= 3:
        raise entry.error("leading", "is not accepted", "a line pitch from 1 to 3 times the size")
    return RoleSize(
        high,
        low,
        entry.boolean("bold"),
        entry.integer("max_lines"),
        entry.text("min_source"),
        leading,
        entry.data.get("break_at", "") if isinstance(entry.data.get("break_at", ""), str) else "",
    )


def _profile(
    profile_id: str, table: Table, patient_centred: tuple[str, ...], critical: tuple[str, ...]
) -> LabelProfile:
    table.check_keys(
        {
            "name",
            "source",
            "leading",
            "patient_area",
            "patient_area_source",
            "critical_min",
            "critical_min_source",
            "role",
        }
    )
    leading = table.decimal("leading")
    if not 1 <= leading <= 3:
        raise table.error("leading", "is not accepted", "a line pitch from 1 to 3 times the size")
    area = table.decimal("patient_area")
    if not 0 <= area <= Decimal("0.8"):
        raise table.error("patient_area", "is not accepted", "a share from 0 to 0.8")
    if area and "patient_area_source" not in table.data:
        raise table.error("patient_area_source", "missing", "where the share comes from")
    critical_min = table.decimal("critical_min")
    table.text("critical_min_source")
    role_table = table.table("role")
    role_table.check_keys(set(ROLES))
    roles = {}
    for name in ROLES:
        roles[name] = _role(role_table.table(name))
    smallest_centred = min(roles[r].min_size for r in patient_centred)
    largest_other = max(s.max_size for r, s in roles.items() if r not in patient_centred)
    if smallest_centred < largest_other:
        raise table.error(
            "role",
            f"a patient-centred role may shrink to {smallest_centred} pt, below another "
            f"role's {largest_other} pt",
            "patient, drug and directions always the largest text (USP <17>)",
        )
    for name in critical:
        if roles[name].min_size < critical_min:
            raise role_table.error(f"{name}.min", f"is below critical_min ({critical_min} pt)")
        if roles[name].min_size < roles["pharmacy"].max_size:
            raise role_table.error(
                f"{name}.min",
                f"is below the pharmacy's max ({roles['pharmacy'].max_size} pt)",
                "critical text never smaller than the pharmacy's lines (USP <17>)",
            )
    return LabelProfile(
        profile_id,
        table.text("name"),
        table.text("source"),
        leading,
        area,
        critical_min,
        tuple(roles.items()),
        patient_centred,
        critical,
    )


@cache
def load_label_profiles(path: str | None = None) -> LabelProfiles:
    """The shipped profiles (or a file of the same form, for checking one)."""
    file = Path(path) if path else template_path(PROFILES_FILE)
    table = Table(load_toml(file), display_name(file))
    table.check_keys({"default", "patient_centred", "critical", "profile"})
    patient_centred = tuple(table.text_list("patient_centred"))
    critical = tuple(table.text_list("critical"))
    for key, names in (("patient_centred", patient_centred), ("critical", critical)):
        unknown = [n for n in names if n not in ROLES]
        if unknown or not names:
            raise table.error(key, f"names {unknown or 'no role'}", "roles of " + ", ".join(ROLES))
    profiles_table = table.table("profile")
    profiles = tuple(
        _profile(pid, profiles_table.table(pid), patient_centred, critical)
        for pid in profiles_table.data
    )
    result = LabelProfiles(table.text("default"), profiles)
    if result.default not in result.ids():
        raise table.error("default", f"{result.default!r} is not a profile in this file")
    return result


def find_profile(profile_id: str | None = None) -> LabelProfile:
    """A shipped profile by id (None: the default); InputError listing them otherwise."""
    return load_label_profiles().find(profile_id)
