"""The one error family of Compounder.

Every error a user can cause is a ``CompounderError``. Each carries structured fields
(the offending value, what would be accepted, and where it came from) and builds its
one-line message in ``__str__``. The CLI turns these into a message and an exit code in
one place (``compounder.cli.app``); nothing else prints them.

Messages never contain patient data: they name fields, files and rows, and quote only
the value that was wrong in a field that is not patient-identifying.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Exit codes the CLI uses, one per kind of failure.
EXIT_INPUT = 2
EXIT_SAFETY = 3
EXIT_DATA_FILE = 4
EXIT_OUTPUT = 5

#: What each exit code means, as the ``kind`` of an error object (``--json``).
KINDS = {EXIT_INPUT: "input", EXIT_SAFETY: "safety", EXIT_DATA_FILE: "data_file",
         EXIT_OUTPUT: "output"}  # fmt: skip


def shown_value(value: str, limit: int = 100) -> str:
    """A value quoted in a message: repr (control characters escaped), cut to ``limit``."""
    text = str(value)
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


class CompounderError(Exception):
    """Base of every error Compounder raises on purpose."""

    exit_code = EXIT_INPUT

    def __str__(self) -> str:  # pragma: no cover - every subclass overrides
        return self.__class__.__name__

    def to_dict(self) -> dict[str, Any]:
        """The error as ``--json`` prints it (the ``error`` contract): its exit code,
        kind and one-line message, the field it is about (or null) and, when known,
        where, the file and what is accepted. Never the value given: the message
        already quotes it only when it is not patient data."""
        found: dict[str, Any] = {
            "code": self.exit_code,
            "kind": KINDS.get(self.exit_code, "error"),
            "message": str(self),
            "field": self.about_field(),
        }
        for key, value in (("where", self.about_where()), ("file", self.about_file())):
            if value:
                found[key] = str(value)
        expected = getattr(self, "expected", "")
        if expected:
            found["expected"] = name_inputs(str(expected))
        return found

    def about_field(self) -> str | None:
        """The field (an option or an order file's column) the error is about, if one."""
        return str(getattr(self, "field", "") or "") or None

    def about_file(self) -> str | None:
        """The file (or printer) the error is about, if one."""
        return str(getattr(self, "path", "") or "") or None

    def about_where(self) -> str | None:
        """Where in its file the value came from (a row), if known."""
        return str(getattr(self, "where", "") or "") or None


@dataclass(eq=False)
class InputError(CompounderError, ValueError):
    """A value typed by the user (or read from an order) is not acceptable."""

    field: str
    value: str
    expected: str
    where: str = ""
    private: bool = False  # patient data: the value is never repeated in the message

    def __str__(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{self.field}: {self.problem()}"

    def problem(self, columns: Mapping[str, str] | None = None) -> str:
        """What was wrong and what is accepted; the inputs it names as command-line
        options, or, given ``columns`` (option -> an order file's column), as those."""
        expected = name_inputs(self.expected, columns)
        if self.value == "missing" and not self.private:
            return f"missing; expected {expected}"
        shown = "the value given" if self.private else shown_value(self.value)
        return f"{shown} is not accepted; expected {expected}"


#: The inputs a refusal's remedy may name, by their command-line option: the value as the
#: command line shows it, and what it is. A remedy writes one as ``{option}``: the command
#: line reads ``--option VALUE``, a batch "WHAT in the COLUMN column" (``SafetyError.message``).
REMEDY_INPUTS = {
    "off-protocol-reason": ('"..."', "a reason"),
    "beyond-bud-reason": ('"..."', "a reason"),
    "acknowledge-unscreened": ("", "yes"),
    "override": ('"reason"', "a reason"),
    "pharmacist": ("INITIALS", "the pharmacist's initials"),
}
_REMEDY_INPUT = re.compile(r"\{([a-z-]+)\}")


def name_inputs(text: str, columns: Mapping[str, str] | None = None) -> str:
    """``text`` with each ``{option}`` it names (``REMEDY_INPUTS``) written as the
    command line's ``--option VALUE``, or, given ``columns`` (option -> an order file's
    column), as "WHAT in the COLUMN column"."""

    def named(match: re.Match[str]) -> str:
        option = match.group(1)
        if option not in REMEDY_INPUTS:
            return match.group(0)
        value, what = REMEDY_INPUTS[option]
        if columns is not None and option in columns:
            return f"{what} in the {columns[option]} column"
        return f"--{option} {value}".rstrip()

    return _REMEDY_INPUT.sub(named, text) if "{" in text else text


@dataclass(eq=False)
class SafetyError(CompounderError):
    """An order that parses but is outside safe limits: refused, never printed."""

    reason: str
    remedy: str = ""
    where: str = ""

    exit_code = EXIT_SAFETY

    def __str__(self) -> str:
        return self.message()

    def message(self, columns: Mapping[str, str] | None = None) -> str:
        """The one-line message; the inputs its remedy names as command-line options,
        or, given ``columns`` (option -> an order file's column), as those columns."""

        prefix = f"{self.where}: " if self.where else ""
        remedy = name_inputs(self.remedy, columns)
        tail = f"; {remedy}" if remedy else ""
        return f"{prefix}refused: {self.reason}{tail}"


_LINE = re.compile(r"line \d+")


@dataclass(eq=False)
class DataFileError(CompounderError):
    """A data file (protocol, syringe list, stock, config...) is malformed."""

    path: str
    key: str
    problem: str
    expected: str = ""

    exit_code = EXIT_DATA_FILE

    def about_field(self) -> str | None:
        return None if _LINE.match(self.key) else self.key or None

    def about_where(self) -> str | None:
        return self.key if _LINE.match(self.key) else None

    def __str__(self) -> str:
        where = f"{self.path}: {self.key}" if self.key else self.path
        tail = f"; expected {self.expected}" if self.expected else ""
        return f"{where}: {self.problem}{tail}"


@dataclass(eq=False)
class NotMeasurableError(SafetyError):
    """One or more titration steps cannot be measured exactly at a concentration."""

    steps: list[str] = field(default_factory=list)


@dataclass(eq=False)
class OutputError(CompounderError):
    """An output file could not be written; nothing partial is left behind."""

    path: str
    problem: str

    exit_code = EXIT_OUTPUT

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.problem}"
