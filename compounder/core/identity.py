"""Who and what an order names: the Rx number and people's names, checked where they enter.

Used by every entrance (label, chart, record, reprint, history, batch), so an Rx or a
name is accepted or refused the same way everywhere. A patient's name is never echoed
in an error.
"""

from __future__ import annotations

import re
import unicodedata

from compounder.core.limits import MAX_NAME_LENGTH
from compounder.errors import InputError, SafetyError

#: Fields that hold patient data: never echoed in a message.
PRIVATE_FIELDS = frozenset({"patient", "patient_name", "patient_dob"})
# Control, format (zero-width, bidi overrides), surrogate, private-use and unassigned.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})

_RX = re.compile(r"^[A-Za-z0-9-]{1,20}\Z")


def check_rx(rx: str) -> str:
    """An Rx number: 1 to 20 letters, digits or dashes."""
    if not _RX.match(rx):
        raise InputError("rx", rx, "1 to 20 letters, digits or dashes")
    return rx


def has_invisible(text: str) -> bool:
    """Whether ``text`` holds a control, format (zero-width, bidi override), surrogate,
    private-use or unassigned character."""
    return not (text.isascii() and text.isprintable()) and any(
        unicodedata.category(ch) in _INVISIBLE for ch in text
    )


def escaped(text: str) -> str:
    """Typed or logged text made safe to show (a terminal, a CSV cell): every control,
    format (bidi override, zero-width), surrogate, private-use, unassigned or separator
    character other than a space written as its escape (``\\x1b``, ``\\u202e``), so
    nothing shown can move the cursor, recolour the screen or reorder what follows.
    The one function the terminal and every CSV Compounder writes use."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)


def check_typed_text(text: str, field: str, expected: str) -> str:
    """Free text a person typed (a reason, a setting): refused (InputError) if it holds
    a control or invisible character (a bidi override, a terminal escape, a NUL)."""
    if has_invisible(text):
        raise InputError(field, text[:40], expected)
    return text


def mixes_scripts(word: str) -> bool:
    """Whether a word mixes Latin letters with Cyrillic or Greek ones (a look-alike:
    "оxycodone" with a Cyrillic о). The micro sign's mu (µg) is not counted."""
    if word.isascii():
        return False
    scripts = {
        unicodedata.name(ch, "").split(" ", 1)[0]
        for ch in word
        if ch.isalpha() and ch not in "\u00b5\u03bc"
    }
    return "LATIN" in scripts and bool(scripts & {"CYRILLIC", "GREEK"})


def check_name(value: str, field: str, limit: int = MAX_NAME_LENGTH) -> str:
    """A person's name, spaces tidied: visible letters, no control or invisible
    characters. The patient's name is never echoed in an error."""
    text = " ".join(value.split())
    private = field in PRIVATE_FIELDS
    if not text:
        raise InputError(field, value, "a name (not empty)", private=private)
    if len(text) > limit:
        raise InputError(field, text, f"at most {limit} characters", private=private)
    if text.isascii() and text.isprintable():  # the common case, without a look at each char
        if not any(ch.isalpha() for ch in text):
            raise InputError(field, text, "a name with visible letters", private=private)
        return text
    if any(unicodedata.category(ch) in _INVISIBLE for ch in text):
        raise InputError(
            field, text, "a name without control or invisible characters", private=private
        )
    if not any(unicodedata.category(ch).startswith("L") for ch in text):
        raise InputError(field, text, "a name with visible letters", private=private)
    return text


def initials(name: str) -> str:
    """A person's initials, normalised: "J.D.", "jd", "J D" and "Jane Doe" are all "JD"."""
    words = [w for w in re.split(r"[\s.\-_,']+", name) if w]
    if len(words) > 1 and any(len(w) > 1 for w in words):
        return "".join(w[0] for w in words).upper()
    return "".join(ch for ch in name if ch.isalnum()).upper()


def check_independent(prepared_by: str, checked_by: str, single_pharmacist: bool) -> bool:
    """The check is independent: the checker is not the preparer (by initials).

    Refused with SafetyError unless the site is a single-pharmacist one; returns True
    when the same person prepared and checked (the record must then say so).
    """
    same = initials(prepared_by) == initials(checked_by)
    if same and not single_pharmacist:
        raise SafetyError(
            f"the check must be independent: checked-by ({checked_by}) has the same "
            f"initials as prepared-by ({prepared_by})",
            "a second person checks; different people with the same initials add a middle "
            "initial; a single-pharmacist site sets single_pharmacist = true in the settings",
        )
    return same
