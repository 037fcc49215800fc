"""Medication screening: the patient's other medicines against ``templates/screening.toml``.

The matcher turns each medicine as typed into words (lower case without accents; letters
and digits; every other character, and a change between letters and digits, separates
words) and finds every listed name whose words appear in it, in order and next to each
other. So salts, strengths and forms never hide a name ("oxycodone HCl 5mg"), and a name
is never found inside a longer word ("apomorphine"). A medicine is read part by part
("+", ",", ";", "/", brackets, "and", "with"...): the words of a part that no listed
name covers are looked up in the known list, the drug dictionary (``core.drug_names``:
brands and other names to ingredients, whose generic names are then matched against
the classes), then read as a listed name one letter off ("oxycodon"). A drug-like word
(not a number, an ignored word or a form word) that none of these identifies makes the
medicine "not identified": a stop unless a pharmacist acknowledges it, never passed.

A stop class becomes its local-form action only when the part naming it names a local
dosage form ("cream", "eye drops", "rectal foam"), no systemic one, and no other listed
medicine: a form is never lent to another medicine of the entry. Words about the
condition or body site ("for eye inflammation") are not forms.

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
from typing import TYPE_CHECKING, Any

from compounder.core.datafiles import Table, display_name, load_toml, template_path
from compounder.core.drug_names import fold
from compounder.core.identity import check_typed_text, has_invisible, mixes_scripts
from compounder.errors import DataFileError, InputError, SafetyError

if TYPE_CHECKING:
    from compounder.core.staff import StaffRegister

ACTIONS = ("stop", "caution")
#: the list format this code reads (the ``version`` key; a list without it is this one)
FORMAT_VERSION = 1
_RULE = "; a pharmacy's list may add classes and names but not drop a stop"
_LISTS = ("generics", "salts", "brands", "combinations", "other_names")
#: what a stop says when its class gives no reason of its own
STOP_REASON = "naltrexone must not be taken with it"
_PARTS = re.compile(r"[+,&/;()\[\]]")
#: a misspelling is looked for among listed names at least this long
SPELLING_MIN = 6
_WORD = re.compile(r"[^\W\d_]+|\d+")
_INITIALS = re.compile(r"^[A-Za-z]{2,5}$")
#: the longest reason or medicine text kept (a log entry and a record line, not an essay)
MAX_TEXT = 200


def words(text: str) -> tuple[str, ...]:
    """The words of a medicine as typed: lower-case runs of letters (accents dropped),
    or of digits."""
    return tuple(_WORD.findall(fold(text)))


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
    local_forms: tuple[tuple[str, ...], ...] = ()  # local dosage forms, as word runs
    systemic: tuple[tuple[str, ...], ...] = ()  # forms taken by mouth or injected
    reason: str = ""  # why, after the class name (empty: STOP_REASON for a stop)


@dataclass(frozen=True)
class ScreeningTable:
    classes: tuple[ScreeningClass, ...]
    path: str
    known: tuple[tuple[str, ...], ...] = ()  # medicines with no class (vitamins...)
    ignore: frozenset[str] = frozenset()  # words that are not a medicine of their own
    separators: frozenset[str] = frozenset()  # words joining a combination's parts

    def entries(self) -> list[tuple[ScreeningClass, str]]:
        return [(cls, name) for cls in self.classes for name in cls.names]

    def spellings(self) -> dict[str, list[tuple[ScreeningClass, str]]]:
        """Listed one-word names of SPELLING_MIN letters or more, by their length."""
        return _spellings(self)


@cache
def _listed_words(table: ScreeningTable) -> tuple[tuple[str, ...], ...]:
    return tuple(dict.fromkeys(words(name) for _, name in table.entries()))


@cache
def _not_drugs(table: ScreeningTable) -> frozenset[str]:
    """Words that are never a medicine of their own: ``[reading] ignore``, the
    separators, and the words of every class's local and systemic forms."""
    forms = {w for cls in table.classes for f in (*cls.local_forms, *cls.systemic) for w in f}
    return table.ignore | table.separators | frozenset(forms)


@cache
def _spellings(table: ScreeningTable) -> dict[str, list[tuple[ScreeningClass, str]]]:
    out: dict[str, list[tuple[ScreeningClass, str]]] = {}
    for cls, name in table.entries():
        found = words(name)
        if len(found) == 1 and found[0].isalpha() and len(found[0]) >= SPELLING_MIN:
            out.setdefault(found[0], []).append((cls, name))
    return out


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
    found_by: str = "list"  # "list", "dictionary" (a brand or other name) or "spelling"
    read_as: str = ""  # the name found in the medicine when found_by is not "list"
    reason: str = ""  # the class's reason (empty: STOP_REASON for a stop)

    @property
    def why(self) -> str:
        return self.reason or (STOP_REASON if self.action == "stop" else "")

    @property
    def named(self) -> str:
        """The listed name, and how it was read: "adalimumab (Humira)"."""
        return f"{self.matched} (read from {self.read_as!r})" if self.read_as else self.matched

    def to_dict(self) -> dict[str, Any]:
        return {
            "medicine": self.medicine,
            "class": self.class_id,
            "class_name": self.class_name,
            "matched": self.matched,
            "action": self.action,
            "local_form": self.local_form,
            "found_by": self.found_by,
            "read_as": self.read_as,
        }


def _segments(medicine: str, table: ScreeningTable) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The words of a medicine as typed, and for each word the part (one medicine of a
    list or of a combination) it belongs to: punctuation ("+", ",", "/", ";", brackets)
    and separator words ("and", "with") end a part; a separator word belongs to none
    (-1)."""
    tokens: list[str] = []
    place: list[int] = []
    part = 0
    for piece in _PARTS.split(medicine):
        part += 1
        for word in words(piece):
            tokens.append(word)
            if word in table.separators:
                part += 1
                place.append(-1)
            else:
                place.append(part)
    return tuple(tokens), tuple(place)


def _occurrences(
    tokens: Sequence[str], table: ScreeningTable
) -> list[tuple[int, int, ScreeningClass, str]]:
    """Every listed name in the words (start, end, class, name): per class the longest
    name at a place, a shorter one inside it dropped."""
    found = []
    for cls in table.classes:
        spans: list[tuple[int, int, str]] = []
        for name in cls.names:
            named = words(name)
            size = len(named)
            spans += [
                (i, i + size, name) for i in range(len(tokens) - size + 1)
                if tuple(tokens[i : i + size]) == named
            ]  # fmt: skip
        spans.sort(key=lambda s: (s[0] - s[1], -len(s[2])))
        kept: list[tuple[int, int, str]] = []
        for start, end, name in spans:
            if not any(k[0] <= start and end <= k[1] for k in kept):
                kept.append((start, end, name))
        found += [(start, end, cls, name) for start, end, name in sorted(kept)]
    return found


def _local(cls: ScreeningClass, typed: Sequence[str]) -> bool:
    return (
        bool(cls.local_action)
        and any(_contains(typed, form) for form in cls.local_forms)
        and not any(_contains(typed, form) for form in cls.systemic)
    )


def _hit(
    medicine: str, typed: Sequence[str], cls: ScreeningClass, name: str, by: str, read: str
) -> Hit:
    """A hit; ``typed`` is the words of the one part the name was found in (empty when
    its form cannot be told: the class's own action)."""
    local = _local(cls, typed)
    return Hit(
        medicine=medicine,
        class_id=cls.id,
        class_name=cls.name,
        matched=name,
        action=cls.local_action if local else cls.action,
        local_form=local,
        found_by=by,
        read_as=read,
        reason=cls.reason,
    )


def match_medicine(medicine: str, table: ScreeningTable) -> list[Hit]:
    """The hits the listed names give (every medicine named; a shorter name of the same
    class inside a longer one is not a second medicine)."""
    return list(read_medicine(medicine, table).hits)


def _one_off(a: str, b: str) -> bool:
    """Whether ``a`` is one letter away from ``b`` (one added, dropped, changed, or two
    next to each other swapped)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )  # fmt: skip
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@dataclass(frozen=True)
class Reading:
    """What the screening made of one medicine: its class hits, the ingredients the
    dictionary or the known list found in it (with no class), and whether some part of
    it was not identified at all."""

    medicine: str
    hits: tuple[Hit, ...]
    identified: tuple[str, ...]
    unidentified: bool


def _runs(indices: Sequence[int]) -> list[list[int]]:
    """Consecutive word places, as runs."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _find_run(tokens: Sequence[str], run: Sequence[int], read: str) -> list[int]:
    """The places of the words ``read`` inside a run of places."""
    found = tuple(read.split())
    size = len(found)
    for k in range(len(run) - size + 1):
        if tuple(tokens[j] for j in run[k : k + size]) == found:
            return list(run[k : k + size])
    return []


def read_medicine(medicine: str, table: ScreeningTable) -> Reading:
    """Read one medicine, part by part (``_segments``): the listed names; then, for the
    words no listed name covers, the known list, the drug dictionary (its ingredients
    matched against the classes) and one-letter-off spellings. Every drug-like word (one
    not in ``[reading] ignore``, not a number) must be covered by one of these, or the
    medicine is not identified. A local form downgrades a hit only when it is in the
    same part as that one medicine, and no other medicine with a class is there."""
    from compounder.core.drug_names import ingredients

    tokens, place = _segments(medicine, table)
    covered: set[int] = set()
    # (places, class, listed name, how found, read as)
    found: list[tuple[list[int], ScreeningClass, str, str, str]] = []
    for start, end, cls, name in _occurrences(tokens, table):
        found.append((list(range(start, end)), cls, name, "list", ""))
        covered.update(range(start, end))
    identified: list[str] = []
    unknown = False
    spellings = table.spellings()
    for part in sorted({p for p in place if p >= 0}):
        open_places = [i for i, p in enumerate(place) if p == part and i not in covered]
        for run in _runs(open_places):
            for known in sorted(table.known, key=len, reverse=True):
                at = _find_run(tokens, run, " ".join(known))
                if at and not covered.intersection(at):
                    covered.update(at)
                    identified.append(" ".join(known))
        open_places = [i for i in open_places if i not in covered]
        for run in _runs(open_places):
            for read, ingredient in ingredients(tuple(tokens[i] for i in run)):
                at = _find_run(tokens, run, read)
                covered.update(at)
                classed = False
                for cls in table.classes:
                    names = [n for n in cls.names if _contains(words(ingredient), words(n))]
                    if names:
                        best = max(names, key=lambda n: (len(words(n)), len(n)))
                        found.append((at, cls, best, "dictionary", read))
                        classed = True
                if not classed and not all(w in _not_drugs(table) for w in read.split()):
                    identified.append(f"{read}: {ingredient}")
            for i in run:
                word = tokens[i]
                if i in covered or len(word) < SPELLING_MIN - 1 or not word.isalpha():
                    continue
                for listed, entries in spellings.items():
                    if _one_off(word, listed):
                        cls, name = entries[0]
                        found.append(([i], cls, name, "spelling", word))
                        covered.add(i)
                        break
        drug_like = [
            i for i, p in enumerate(place)
            if p == part and not tokens[i].isdigit() and tokens[i] not in _not_drugs(table)
        ]  # fmt: skip
        if any(i not in covered for i in drug_like):
            unknown = True
    hits: list[Hit] = []
    for at, cls, name, by, read in found:
        parts = {place[i] for i in at if place[i] >= 0}
        others = {
            tuple(o_at) for o_at, o_cls, _, _, _ in found
            if {place[i] for i in o_at} & parts and not set(o_at) & set(at)
        }  # fmt: skip
        typed = [] if others else [tokens[i] for i, p in enumerate(place) if p in parts]
        hit = _hit(medicine, typed, cls, name, by, read)
        if not any(
            (h.class_id, h.matched, h.action) == (hit.class_id, hit.matched, hit.action)
            for h in hits
        ):  # the same medicine named twice ("tacrolimus (Prograf)") is one hit
            hits.append(hit)
    if not hits and not identified:
        unknown = True
    return Reading(medicine, tuple(hits), tuple(dict.fromkeys(identified)), unknown)


@dataclass(frozen=True)
class Screening:
    """The screening decision for one order."""

    medicines: tuple[str, ...]
    hits: tuple[Hit, ...]
    not_screened: tuple[str, ...]  # medicines (some part of which) nothing identified
    liver_kidney_history: bool = False
    override_reason: str = ""
    pharmacist: str = ""  # registered initials
    data_file: str = ""
    classes: tuple[str, ...] = field(default=())  # the class ids screened against
    identified: tuple[tuple[str, str], ...] = ()  # (medicine, what it was read as), no class
    acknowledge_unscreened: bool = False  # the pharmacist acknowledged the unidentified
    no_other_medications: bool = False  # the pharmacist asked: the patient takes none
    pharmacist_name: str = ""  # the staff register's name for ``pharmacist``

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
    def acknowledged(self) -> bool:
        return bool(self.not_screened) and self.acknowledge_unscreened

    @property
    def decision(self) -> str:
        """ "refuse", "override" (a stop the pharmacist overrode), "acknowledged" (an
        unidentified medicine the pharmacist acknowledged) or "proceed"."""
        if (self.stops and not self.override_reason) or (
            self.not_screened and not self.acknowledge_unscreened
        ):
            return "refuse"
        if self.stops:
            return "override"
        return "acknowledged" if self.not_screened else "proceed"

    def require_safe(self) -> Screening:
        """The screening itself, or SafetyError naming every stop that was not
        overridden, and every medicine not identified (by its place in the list: what a
        patient takes is not repeated in a message)."""
        if self.decision != "refuse":
            return self
        problems = []
        if self.stops and not self.override_reason:
            problems += [f"{h.named} ({h.class_name}): {h.why}" for h in self.stops]
        unknown = [] if self.acknowledge_unscreened else self.not_screened
        if unknown:
            places = ", ".join(str(i + 1) for i, m in enumerate(self.medicines) if m in unknown)
            problems.append(
                f"medicine {places} of {len(self.medicines)} as entered is not identified "
                "(not in the screening list or the drug dictionary)"
            )
        remedies = []
        if self.stops and not self.override_reason:
            remedies.append("refer to the prescriber, or proceed with {override} and {pharmacist}")
        if unknown:
            remedies.append(
                "check it and proceed with {acknowledge-unscreened} and {pharmacist}, or "
                "correct its spelling"
            )
        raise SafetyError("other medication: " + "; ".join(problems), "; ".join(remedies))

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "medicines": list(self.medicines),
            "hits": [h.to_dict() for h in self.hits],
            "not_screened": list(self.not_screened),
            "identified": [list(pair) for pair in self.identified],
            "override": (
                {
                    "reason": self.override_reason,
                    "pharmacist": self.pharmacist,
                    "pharmacist_name": self.pharmacist_name,
                }
                if self.overridden
                else None
            ),
            "acknowledged": (
                {
                    "pharmacist": self.pharmacist,
                    "pharmacist_name": self.pharmacist_name,
                    "medicines": list(self.not_screened),
                }
                if self.acknowledged
                else None
            ),
            "no_other_medications": self.no_other_medications,
            "liver_kidney_history": self.liver_kidney_history,
            "classes": list(self.classes),
        }


def screen(
    medicines: Iterable[str], table: ScreeningTable
) -> tuple[list[Hit], list[str], list[tuple[str, str]]]:
    """Reading only: (every hit, every medicine not identified, what the others with
    no class were read as)."""
    hits: list[Hit] = []
    unknown: list[str] = []
    identified: list[tuple[str, str]] = []
    for medicine in medicines:
        reading = read_medicine(medicine, table)
        hits += reading.hits
        identified += [(medicine, what) for what in reading.identified]
        if reading.unidentified:
            unknown.append(medicine)
    return hits, unknown, identified


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
    acknowledge_unscreened: bool = False,
    no_other_medications: bool = False,
    signers: StaffRegister | None = None,
) -> Screening:
    """Screen an order's other medicines and decide: SafetyError on a ``stop`` hit
    without an override, or on a medicine not identified without the pharmacist's
    acknowledgement (``refuse=False``: the decision is returned, for a report that
    shows it before refusing); InputError for an override or an acknowledgement without
    initials, or for "no other medications" with medicines given. ``pharmacist``: the
    initials of an active pharmacist of the staff register ``signers`` (StaffError
    otherwise, and always without a register), kept with the register's name."""
    table = table or load_screening()
    typed = _clean(medicines, "other-medication")
    reason = check_reason(override, "override") if override is not None else ""
    signer = None
    if pharmacist is not None:
        act = "an acknowledgement" if acknowledge_unscreened and not reason else "an override"
        from compounder.core.staff import StaffRegister

        signer = (signers or StaffRegister()).pharmacist(pharmacist, "pharmacist", act)
    initials = signer.initials if signer else ""
    if reason and not initials:
        raise InputError("pharmacist", "missing", "{pharmacist} with {override}")
    if acknowledge_unscreened and not initials:
        raise InputError("pharmacist", "missing", "{pharmacist} with {acknowledge-unscreened}")
    if no_other_medications and typed:
        raise InputError(
            "no-other-medications", "given with medicines",
            "either the patient's other medicines or that there are none, not both",
        )  # fmt: skip
    hits, unknown, identified = screen(typed, table)
    result = Screening(
        medicines=typed,
        hits=tuple(hits),
        not_screened=tuple(unknown),
        liver_kidney_history=liver_kidney_history,
        override_reason=reason,
        pharmacist=initials,
        pharmacist_name=signer.name if signer else "",
        data_file=table.path,
        classes=tuple(c.id for c in table.classes),
        identified=tuple(identified),
        acknowledge_unscreened=acknowledge_unscreened,
        no_other_medications=no_other_medications,
    )
    return result.require_safe() if refuse else result


def load_screening(path: str | Path | None = None) -> ScreeningTable:
    """The screening table: a pharmacy's own file, or the shipped one."""
    return _load(str(path) if path else "")


@cache
def _load(path: str) -> ScreeningTable:
    file = Path(path) if path else template_path("screening.toml")
    table = Table(load_toml(file), display_name(file))
    table.check_keys({"version", "class", "known", "reading"})
    version = table.integer("version", required=False, default=FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise table.error(
            "version", f"{version} is not a list format this Compounder reads", str(FORMAT_VERSION)
        )
    classes = []
    seen: set[str] = set()
    for entry in table.tables("class"):
        entry.check_keys({"id", "name", "action", "source", "reason", "local", *_LISTS})
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
                local_forms=tuple(words(t) for t in local.text_list("words", False) if words(t)),
                systemic=tuple(words(t) for t in local.text_list("systemic", False) if words(t)),
                reason=" ".join(entry.text("reason", required=False).split()),
            )
        )
    known = table.table("known", required=False)
    known.check_keys({"source", "names"})
    reading = table.table("reading", required=False)
    reading.check_keys({"ignore", "separators"})
    result = ScreeningTable(
        tuple(classes),
        table.path,
        known=tuple(words(t) for t in known.text_list("names", False) if words(t)),
        ignore=frozenset(w for t in reading.text_list("ignore", False) for w in words(t)),
        separators=frozenset(w for t in reading.text_list("separators", False) for w in words(t)),
    )
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
            forms = set(stop.local_forms) if stop.local_action == "caution" else set()
            wider = sorted(" ".join(f) for f in cls.local_forms if f not in forms)
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
