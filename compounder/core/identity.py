"""Who and what an order names: the Rx number and people's names, checked where they enter.

Used by every entrance (label, chart, record, reprint, history, batch), so an Rx or a
name is accepted or refused the same way everywhere. A patient's name is never echoed
in an error.
"""

from __future__ import annotations

import re

from compounder.errors import InputError

_RX = re.compile(r"^[A-Za-z0-9-]{1,20}$")


def check_rx(rx: str) -> str:
    """An Rx number: 1 to 20 letters, digits or dashes."""
    if not _RX.match(rx):
        raise InputError("rx", rx, "1 to 20 letters, digits or dashes")
    return rx


def check_name(value: str, field: str, limit: int = 80) -> str:
    """A person's name, spaces tidied; the patient's is never echoed in an error."""
    text = " ".join(value.split())
    private = field == "patient"
    if not text:
        raise InputError(field, value, "a name (not empty)", private=private)
    if len(text) > limit:
        raise InputError(field, text, f"at most {limit} characters", private=private)
    if any(ord(ch) < 32 for ch in text):
        raise InputError(field, text, "a name without control characters", private=private)
    return text
