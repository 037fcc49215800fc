"""The one gate all printed text passes through: ISMP error-prone forms are refused.

``check_text`` raises InputError naming the field if the text contains a form that must
never appear on a label or chart: a trailing zero ("1.0 mg"), a naked decimal (".5 mL"),
"µg", "cc", "ml" or "ML" for mL, a number run into its unit ("10mg"), a period after a
unit ("mg."), or the abbreviations qd, qod, hs, qhs, U, IU. Names (patient, prescriber)
are checked for number forms only: a person's name is not an abbreviation.
"""

from __future__ import annotations

import re
from functools import lru_cache

from compounder.errors import InputError

_NUMBER_RULES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"(?<![\d.])\d+\.\d*0(?![\d])(?!\.\d)"),
        "a trailing zero (write 1 mg, not 1.0 mg)",
    ),
    (re.compile(r"(?<![\w.])\.\d"), "a number without its leading zero (write 0.5, not .5)"),
    (re.compile(r"\d(?:mg|mcg|mL|g|L|ml)\b"), "a number run into its unit (write 10 mg)"),
]
_WORD_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"[µμ]g"), "µg (write mcg)"),
    (re.compile(r"\bcc\b", re.IGNORECASE), "cc (write mL)"),
    (re.compile(r"\b(?:ml|ML|Ml)\b"), "ml (write mL)"),
    (re.compile(r"\b(?:mg|mcg|mL)\.(?=\s|$)"), "a period after a unit (write mg, not mg.)"),
    (
        re.compile(r"\b(?:q\.?d|q\.?o\.?d|h\.?s|q\.?h\.?s)\b\.?", re.IGNORECASE),
        "an error-prone abbreviation (write 'daily', 'at bedtime')",
    ),
    (re.compile(r"\b(?:U|IU)\b"), "U or IU (write the unit in full)"),
]


def problems(text: str, *, name: bool = False) -> list[str]:
    """Every ISMP error-prone form found in ``text`` (empty if clean)."""
    return list(_problems(text, name))


@lru_cache(maxsize=2048)
def _problems(text: str, name: bool) -> tuple[str, ...]:
    rules = _NUMBER_RULES if name else _NUMBER_RULES + _WORD_RULES
    return tuple(why for pattern, why in rules if pattern.search(text))


def check_text(text: str, field: str, *, name: bool = False) -> str:
    """``text`` unchanged if ISMP-clean; InputError naming the field otherwise."""
    found = problems(text, name=name)
    if found:
        raise InputError(
            field, text, "text without " + "; ".join(found), private=field == "patient"
        )
    return text
