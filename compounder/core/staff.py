"""The staff register: who may sign what, by registered initials.

Read from the settings' ``[staff.XX]`` tables (``XX``: the person's initials; ``name``,
``role`` = "pharmacist" or "technician", ``active`` = true or false). Every field that
names a person (``--prepared-by``, ``--checked-by``, ``--pharmacist``, a correction's
``--by``, a verifier) goes through ``StaffRegister.person`` (or ``.pharmacist``), so a
person is accepted or refused the same way at every entrance, and the name printed on
a record is the register's, never what was typed. ``check_independent`` compares
register entries, so "Jane Doe" and "Doe, Jane" can no longer pass as two people.

Without a register (no ``[staff]`` table, or no settings file at all) nobody can be
named: the tool cannot know who people are, so a person field is refused (exit 2) with
the way to add one (``compounder init --staff``, or ``[staff.XX]`` in the settings).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from compounder.errors import InputError, SafetyError

#: How the register is configured, said in every refusal.
WHERE = "[staff.XX] tables of the settings"
#: A register key: 2 to 6 letters or digits (a middle initial or a digit tells apart
#: two people with the same initials: JD, JQD, JD2), written upper case.
_KEY = re.compile(r"^[A-Z0-9]{2,6}\Z")
MAX_STAFF_NAME = 80


class Role(StrEnum):
    """What a person of the register may sign."""

    PHARMACIST = "pharmacist"
    TECHNICIAN = "technician"


@dataclass(frozen=True)
class StaffMember:
    """One person of the register: ``initials`` (the key), full ``name``, ``role``."""

    initials: str
    name: str
    role: Role
    active: bool = True

    @property
    def is_pharmacist(self) -> bool:
        return self.role is Role.PHARMACIST


def normalise_initials(text: str) -> str:
    """Typed initials as the register keys them: dots and spaces dropped, upper case
    ("j.d." and "J D" are "JD")."""
    return "".join(ch for ch in text if ch not in ". ").upper()


@dataclass(eq=False)
class StaffError(InputError):
    """A person field names no one the register can sign with (exit 2): not registered,
    inactive, or without the role the act needs. Says which register (``source``: the
    settings file, empty when there is none) and where it is configured."""

    source: str = ""
    problem_text: str = ""

    def __str__(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{self.field}: {self.problem()}"

    def problem(self, columns: Mapping[str, str] | None = None) -> str:
        register = f"the staff register ({WHERE}"
        register += f" in {self.source})" if self.source else ")"
        return f"{self.problem_text.replace('{register}', register)}; expected {self.expected}"


@dataclass(frozen=True)
class StaffRegister:
    """The people of ``[staff]``, by initials; ``source``: the settings file read
    (empty: none was found)."""

    members: tuple[StaffMember, ...] = ()
    source: str = ""

    def find(self, initials: str) -> StaffMember | None:
        key = normalise_initials(initials)
        return next((m for m in self.members if m.initials == key), None)

    def active(self) -> tuple[StaffMember, ...]:
        return tuple(m for m in self.members if m.active)

    def _refuse(self, field: str, value: str, problem: str, expected: str) -> StaffError:
        return StaffError(field, value[:20], expected, source=self.source, problem_text=problem)

    def _expected(self, role: Role | None = None) -> str:
        people = [m for m in self.active() if role is None or m.role is role]
        what = "pharmacist" if role is Role.PHARMACIST else "person"
        if not people:
            return f"the initials of an active {what} of the register; none is registered"
        listed = ", ".join(m.initials for m in people)
        return f"the initials of an active {what} of the register: {listed}"

    def person(self, initials: str, field: str, role: Role | None = None) -> StaffMember:
        """The active person ``initials`` names; StaffError (exit 2) naming the register
        if there is none, or the person is not registered or not active (listing the
        active people, or only those of ``role`` when the field needs one)."""
        typed = " ".join(str(initials).split())
        if not self.members:
            where = f"in {self.source}" if self.source else "(no settings file found)"
            raise StaffError(
                field, typed[:20] or "missing",
                "initials of a person of the staff register; add [staff.XX] tables "
                f"(name, role, active) to the settings {where}, or write settings "
                "with a register: compounder init --staff \"XX=Full Name:pharmacist\"",
                source=self.source, problem_text="{register} is empty: nobody can sign",
            )  # fmt: skip
        if not typed:
            raise self._refuse(field, "", "missing (a person of {register})", self._expected(role))
        found = self.find(typed)
        if found is None:
            problem = f"{typed[:20]!r} is not in {{register}}"
            raise self._refuse(field, typed, problem, self._expected(role))
        if not found.active:
            problem = f"{found.initials} is not active in {{register}}"
            raise self._refuse(field, typed, problem, self._expected(role))
        return found

    def pharmacist(self, initials: str, field: str, act: str) -> StaffMember:
        """The active pharmacist ``initials`` names: ``act`` (an override, a release...)
        needs the pharmacist role; StaffError otherwise."""
        found = self.person(initials, field, Role.PHARMACIST)
        if not found.is_pharmacist:
            problem = f"{found.initials} is a {found.role} in {{register}}"
            problem += f"; {act} needs a pharmacist"
            raise self._refuse(field, initials, problem, self._expected(Role.PHARMACIST))
        return found


def check_independent(
    prepared_by: StaffMember, checked_by: StaffMember, single_pharmacist: bool
) -> bool:
    """The check is independent: the checker is another entry of the register than the
    preparer. SafetyError (exit 3) unless the site is a single-pharmacist one (the
    settings' ``[compounding] single_pharmacist``) and the person is a pharmacist;
    returns True when the same person prepared and checked (the record says so)."""
    if prepared_by.initials != checked_by.initials:
        return False
    if not single_pharmacist:
        raise SafetyError(
            f"the check must be independent: checked-by ({checked_by.initials}) is the "
            f"same person of the staff register as prepared-by",
            "a second person of the register checks; a single-pharmacist site sets "
            "[compounding] single_pharmacist = true in the settings",
        )
    return True


def parse_register(data: Mapping[str, Any], path: str) -> StaffRegister:
    """``[staff]`` of the settings file ``path``: one ``[staff.XX]`` table per person.
    A key or value not accepted is a DataFileError naming the file and key (exit 4)."""
    from compounder.core.datafiles import Table

    table = Table(data, path, "staff.")
    members: list[StaffMember] = []
    for key in table.data:
        initials = normalise_initials(key)
        if not _KEY.match(initials):
            raise table.error(
                key, "is not accepted as initials", "2 to 6 letters or digits, e.g. [staff.JD]"
            )
        if any(m.initials == initials for m in members):
            raise table.error(key, f"{initials} is registered twice", "each initials once")
        entry = table.table(key)
        entry.check_keys({"name", "role", "active"})
        name = " ".join(entry.text("name").split())
        if len(name) > MAX_STAFF_NAME or not any(ch.isalpha() for ch in name):
            raise entry.error("name", "is not accepted", f"a name of at most {MAX_STAFF_NAME}")
        role = entry.text("role")
        if role not in tuple(Role):
            raise entry.error("role", f"{role!r} is not accepted", "pharmacist or technician")
        active = entry.boolean("active", default=True)
        members.append(StaffMember(initials, name, Role(role), active))
    return StaffRegister(tuple(members), path)
