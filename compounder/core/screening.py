"""Medication screening: the patient's other medicines against ``templates/screening.toml``.

The matcher is pure: it turns each medicine as typed into words (lower case; letters and
digits; every other character, and a change between letters and digits, separates
words) and finds every listed name whose words appear in it, in order and next to each
other. So salts, strengths and forms never hide a name ("oxycodone HCl 5mg"), a name is
never found inside a longer word ("apomorphine"), and a medicine that matches nothing is
"not screened", never passed.

``screening_decision`` is the one place that decides: every entrance (label, chart,
record, batch, screen, the API) calls it. A hit on a class whose action is ``stop``
refuses the order (SafetyError) unless the pharmacist overrides it with a reason and
their initials. Results carry ids and the names from the data file; the wording a
patient or pharmacist reads is made in ``content``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from compounder.core.datafiles import Table, display_name, load_toml, template_path
from compounder.core.identity import check_typed_text, has_invisible, mixes_scripts
from compounder.errors import DataFileError, InputError, SafetyError

ACTIONS = ("stop", "caution")
#: the list format this code reads (the ``version`` key; a list without it is this one)
FORMAT_VERSION = 1
_RULE = "; a pharmacy's list may add classes and names but not drop a stop"
_LISTS = ("generics", "salts", "brands", "combinations")
_WORD = re.compile(r"[^\W\d_]+|\d+")
_INITIALS = re.compile(r"^[A-Za-z]{2,5}$")
#: the longest reason or medicine text kept (a log entry and a record line, not an essay)
MAX_TEXT = 200


def words(text: str) -> tuple[str, ...]:
    """The words of a medicine as typed: lower-case runs of letters, or of digits."""
    return tuple(_WORD.findall(text.casefold()))


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    size = len(needle)
    return any(
        tuple(haystack[i : i + size]) == tuple(needle) for i in range(len(haystack) - size + 1)
    )


@dataclass(frozen=True)
class ScreeningClass:
    id: str
    name: str
    action: str
    source: str
    names: tuple[str, ...]  # every listed name, as written in the file
    local_action: str = ""
    local_words: frozenset[str] = frozenset()
    systemic: tuple[tuple[str, ...], ...] = ()  # forms taken by mouth or injected


@dataclass(frozen=True)
class ScreeningTable:
    classes: tuple[ScreeningClass, ...]
    path: str

    def entries(self) -> list[tuple[ScreeningClass, str]]:
        return [(cls, name) for cls in self.classes for name in cls.names]


@dataclass(frozen=True)
class Hit:
    """One medicine matched to a class: the text as typed, the listed name it matched,
    and the action that applies (the class's, or its local-form action)."""

    medicine: str
    class_id: str
    class_name: str
    matched: str
    action: str
    local_form: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "medicine": self.medicine,
            "class": self.class_id,
            "class_name": self.class_name,
            "matched": self.matched,
            "action": self.action,
            "local_form": self.local_form,
        }


def match_medicine(medicine: str, table: ScreeningTable) -> list[Hit]:
    """Every class a medicine falls in (one hit per class: the longest name matched)."""
    typed = words(medicine)
    hits = []
    for cls in table.classes:
        found = [name for name in cls.names if _contains(typed, words(name))]
        if not found:
            continue
        best = max(found, key=lambda n: (len(words(n)), len(n)))
        local = (
            bool(cls.local_action)
            and any(w in cls.local_words for w in typed)
            and not any(_contains(typed, form) for form in cls.systemic)
        )
        hits.append(
            Hit(
                medicine=medicine,
                class_id=cls.id,
                class_name=cls.name,
                matched=best,
                action=cls.local_action if local else cls.action,
                local_form=local,
            )
        )
    return hits


@dataclass(frozen=True)
class Screening:
    """The screening decision for one order."""

    medicines: tuple[str, ...]
    hits: tuple[Hit, ...]
    not_screened: tuple[str, ...]
    liver_kidney_history: bool = False
    override_reason: str = ""
    pharmacist: str = ""
    data_file: str = ""
    classes: tuple[str, ...] = field(default=())  # the class ids screened against

    @property
    def stops(self) -> list[Hit]:
        return [h for h in self.hits if h.action == "stop"]

    @property
    def cautions(self) -> list[Hit]:
        return [h for h in self.hits if h.action != "stop"]

    @property
    def overridden(self) -> bool:
        return bool(self.stops) and bool(self.override_reason)

    @property
    def decision(self) -> str:
        """ "refuse", "override" (a stop the pharmacist overrode) or "proceed"."""
        if self.stops:
            return "override" if self.override_reason else "refuse"
        return "proceed"

    def require_safe(self) -> Screening:
        """The screening itself, or SafetyError naming every stop that was not overridden."""
        if self.decision == "refuse":
            named = "; ".join(f"{h.matched} ({h.class_name})" for h in self.stops)
            raise SafetyError(
                f"other medication: {named}: naltrexone must not be taken with it",
                "refer to the prescriber, or proceed with {override} and {pharmacist}",
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "medicines": list(self.medicines),
            "hits": [h.to_dict() for h in self.hits],
            "not_screened": list(self.not_screened),
            "override": (
                {"reason": self.override_reason, "pharmacist": self.pharmacist}
                if self.overridden
                else None
            ),
            "liver_kidney_history": self.liver_kidney_history,
            "classes": list(self.classes),
        }


def screen(medicines: Iterable[str], table: ScreeningTable) -> tuple[list[Hit], list[str]]:
    """Pure matching: (every hit, every medicine that matched nothing)."""
    hits: list[Hit] = []
    unknown: list[str] = []
    for medicine in medicines:
        found = match_medicine(medicine, table)
        hits += found
        if not found:
            unknown.append(medicine)
    return hits, unknown


def split_medicines(text: str) -> list[str]:
    """A batch cell: medicines separated by semicolons (empty parts are ignored)."""
    return [part.strip() for part in text.split(";") if part.strip()]


def _clean(texts: Iterable[str], field_name: str) -> tuple[str, ...]:
    """Each medicine as typed, spaces tidied and in Unicode NFKC form (full-width and
    other compatibility letters become the plain ones the list is written in); a text
    with invisible characters, or a word mixing Latin with Cyrillic or Greek letters (a
    look-alike), is refused without repeating it."""
    cleaned = []
    for typed in texts:
        if has_invisible(" ".join(typed.split())):
            raise InputError(
                field_name, typed, "a medicine name without invisible or control characters",
                private=True,
            )  # fmt: skip
        text = " ".join(unicodedata.normalize("NFKC", typed).split())
        if not text:
            continue
        if any(mixes_scripts(word) for word in _WORD.findall(text)):
            raise InputError(
                field_name, text, "a medicine name in one alphabet (a word mixes Latin "
                "letters with Cyrillic or Greek ones)", private=True,
            )  # fmt: skip
        if len(text) > MAX_TEXT or not any(ch.isalpha() for ch in text):
            raise InputError(
                field_name, text[:40], f"a medicine name (letters, at most {MAX_TEXT} characters)"
            )
        cleaned.append(text)
    return tuple(cleaned)


def check_initials(text: str, field_name: str = "pharmacist") -> str:
    """A pharmacist's initials: 2 to 5 letters (dots and spaces dropped), upper case."""
    letters = text.replace(".", "").replace(" ", "")
    if not _INITIALS.match(letters):
        raise InputError(field_name, text, "the pharmacist's initials, 2 to 5 letters, e.g. JD")
    return letters.upper()


def check_reason(text: str | None, field_name: str) -> str:
    """A pharmacist's reason (an override, an off-protocol dose): one line, not empty."""
    reason = " ".join((text or "").split())
    expected = f"a reason in words (1 to {MAX_TEXT} characters)"
    if not reason or len(reason) > MAX_TEXT:
        raise InputError(field_name, reason[:40], expected)
    return check_typed_text(reason, field_name, expected + ", without control characters")


def screening_decision(
    medicines: Iterable[str] = (),
    *,
    override: str | None = None,
    pharmacist: str | None = None,
    liver_kidney_history: bool = False,
    table: ScreeningTable | None = None,
    refuse: bool = True,
) -> Screening:
    """Screen an order's other medicines and decide: SafetyError on a ``stop`` hit
    without an override (``refuse=False``: the decision is returned, for a report that
    shows it before refusing); InputError for an override without initials (or the
    reverse)."""
    table = table or load_screening()
    typed = _clean(medicines, "other-medication")
    reason = check_reason(override, "override") if override is not None else ""
    initials = check_initials(pharmacist) if pharmacist is not None else ""
    if reason and not initials:
        raise InputError("pharmacist", "missing", "{pharmacist} with {override}")
    if initials and not reason:
        raise InputError("override", "missing", "{override} with {pharmacist}")
    hits, unknown = screen(typed, table)
    result = Screening(
        medicines=typed,
        hits=tuple(hits),
        not_screened=tuple(unknown),
        liver_kidney_history=liver_kidney_history,
        override_reason=reason,
        pharmacist=initials,
        data_file=table.path,
        classes=tuple(c.id for c in table.classes),
    )
    return result.require_safe() if refuse else result


def load_screening(path: str | Path | None = None) -> ScreeningTable:
    """The screening table: a pharmacy's own file, or the shipped one."""
    return _load(str(path) if path else "")


@cache
def _load(path: str) -> ScreeningTable:
    file = Path(path) if path else template_path("screening.toml")
    table = Table(load_toml(file), display_name(file))
    table.check_keys({"version", "class"})
    version = table.integer("version", required=False, default=FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise table.error(
            "version", f"{version} is not a list format this Compounder reads", str(FORMAT_VERSION)
        )
    classes = []
    seen: set[str] = set()
    for entry in table.tables("class"):
        entry.check_keys({"id", "name", "action", "source", "local", *_LISTS})
        class_id = entry.text("id")
        if class_id in seen:
            raise entry.error("id", f"{class_id!r} appears twice", "one [[class]] per id")
        seen.add(class_id)
        action = entry.text("action")
        if action not in ACTIONS:
            raise entry.error("action", f"{action!r} is not accepted", " or ".join(ACTIONS))
        names = [name for key in _LISTS for name in entry.text_list(key, required=False)]
        if not names:
            raise entry.error("generics", "no names listed", "at least one medicine name")
        for name in names:
            if not words(name):
                raise entry.error("generics", f"{name!r} has no letters or digits")
        local = entry.table("local", required=False)
        local.check_keys({"action", "words", "systemic"})
        local_action = local.text("action", required=False)
        if local_action and local_action not in ACTIONS:
            raise local.error("action", f"{local_action!r} is not accepted", " or ".join(ACTIONS))
        classes.append(
            ScreeningClass(
                id=class_id,
                name=entry.text("name"),
                action=action,
                source=" ".join(entry.text("source").split()),
                names=tuple(names),
                local_action=local_action,
                local_words=frozenset(w for t in local.text_list("words", False) for w in words(t)),
                systemic=tuple(words(t) for t in local.text_list("systemic", False) if words(t)),
            )
        )
    result = ScreeningTable(tuple(classes), table.path)
    if path:
        _keeps_every_stop(result, _load(""))
    return result


def _keeps_every_stop(own: ScreeningTable, shipped: ScreeningTable) -> None:
    """A pharmacy's list may add classes and names and tighten an action, never drop or
    weaken a class the shipped list marks ``stop``: the class (by id) must be there, a
    ``stop``, with every shipped name, and its local forms no wider than the shipped ones."""
    by_id = {cls.id: cls for cls in own.classes}
    for stop in (cls for cls in shipped.classes if cls.action == "stop"):
        cls = by_id.get(stop.id)
        if cls is None:
            raise DataFileError(
                own.path, "", f"leaves out the shipped stop class {stop.id!r}{_RULE}"
            )
        if cls.action != "stop":
            raise DataFileError(
                own.path, "", f"marks the shipped stop class {stop.id!r} {cls.action!r}{_RULE}"
            )
        listed = {words(name) for name in cls.names}
        missing = [name for name in stop.names if words(name) not in listed]
        if missing:
            raise DataFileError(
                own.path,
                "",
                f"leaves out {missing[0]!r} of the shipped stop class {stop.id!r}{_RULE}",
            )
        if cls.local_action == "caution":
            wider = sorted(
                cls.local_words - stop.local_words
                if stop.local_action == "caution"
                else cls.local_words
            )
            if wider:
                raise DataFileError(
                    own.path,
                    "",
                    f"makes {wider[0]!r} forms of the shipped stop class {stop.id!r} a "
                    f"caution{_RULE}",
                )
            dropped = [form for form in stop.systemic if form not in cls.systemic]
            if dropped:
                raise DataFileError(
                    own.path,
                    "",
                    f"leaves out the systemic form {' '.join(dropped[0])!r} of the shipped "
                    f"stop class {stop.id!r}{_RULE}",
                )
