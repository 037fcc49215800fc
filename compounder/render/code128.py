"""Code 128 of an Rx number, without reportlab's barcode package.

reportlab's encoder lives in a package that loads every barcode widget and platypus
(about 90 ms); a label needs one symbology. This module makes the same symbol as
reportlab's ``Code128`` for the values an Rx number can hold (letters, digits, dashes:
code set B, with runs of digits packed two to a symbol in code set C where that is
shorter), so a label's PDF is byte for byte what it was; the tests check it against
reportlab's own encoder on every digit/letter pattern up to 12 characters and on
random values. ``zpl_data`` writes the same symbol for a Zebra printer's ``^BC`` field,
with its code set changes spelled out so the printer cannot choose others.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

# Bar and space widths (in narrowest bars) of symbol values 0..106 (ISO/IEC 15417).
_WIDTHS = [
    "212222",
    "222122",
    "222221",
    "121223",
    "121322",
    "131222",
    "122213",
    "122312",
    "132212",
    "221213",
    "221312",
    "231212",
    "112232",
    "122132",
    "122231",
    "113222",
    "123122",
    "123221",
    "223211",
    "221132",
    "221231",
    "213212",
    "223112",
    "312131",
    "311222",
    "321122",
    "321221",
    "312212",
    "322112",
    "322211",
    "212123",
    "212321",
    "232121",
    "111323",
    "131123",
    "131321",
    "112313",
    "132113",
    "132311",
    "211313",
    "231113",
    "231311",
    "112133",
    "112331",
    "132131",
    "113123",
    "113321",
    "133121",
    "313121",
    "211331",
    "231131",
    "213113",
    "213311",
    "213131",
    "311123",
    "311321",
    "331121",
    "312113",
    "312311",
    "332111",
    "314111",
    "221411",
    "431111",
    "111224",
    "111422",
    "121124",
    "121421",
    "141122",
    "141221",
    "112214",
    "112412",
    "122114",
    "122411",
    "142112",
    "142211",
    "241211",
    "221114",
    "413111",
    "241112",
    "134111",
    "111242",
    "121142",
    "121241",
    "114212",
    "124112",
    "124211",
    "411212",
    "421112",
    "421211",
    "212141",
    "214121",
    "412121",
    "111143",
    "111341",
    "131141",
    "114113",
    "114311",
    "411113",
    "411311",
    "113141",
    "114131",
    "311141",
    "411131",
    "211412",
    "211214",
    "211232",
    "2331112",
]

START_B, START_C, STOP = 104, 105, 106
TO_C, TO_B = 99, 100  # code set C from B, code set B from C (same values in both)
_DIGITS = frozenset("0123456789")


class Token(NamedTuple):
    """One step of the symbol: a start, a code set change, a character or a digit pair."""

    kind: str  # "startB", "startC", "toC", "toB", "B" (one character), "C" (two digits)
    text: str = ""


def _check(value: str) -> None:
    if not value or any(not (32 <= ord(ch) < 127) for ch in value):
        raise ValueError("a Code 128 Rx value is printable ASCII (code set B)")


def _run_tokens(value: str, start: int, pos: int, at_start: bool) -> tuple[list[Token], int, bool]:
    """Tokens for the stretch from ``start``: its digit pairs and what ends it; where the
    next stretch starts; whether the symbol now starts in code set C."""
    end = len(value)
    pairs = []
    while pos + 1 < end and value[pos] in _DIGITS and value[pos + 1] in _DIGITS:
        pairs.append(Token("C", value[pos : pos + 2]))
        pos += 2
    raw = [Token("B", ch) for ch in value[start : pos + 1]]
    packs_at_start = at_start and bool(pairs)
    if pos == end - 1 and value[pos] in _DIGITS and not packs_at_start:
        # an odd run of digits at the very end: its first digit stays in set B and the
        # rest go in pairs (when that saves a symbol)
        if len(pairs) >= 2:
            tail = [Token("C", value[i : i + 2]) for i in range(start + 1, end, 2)]
            return [Token("B", value[start]), Token("toC"), *tail], end, False
        return raw, end, False
    ends_in_b = pos < end  # a character (set B) follows the pairs
    if len(pairs) - 1 + int(packs_at_start) > int(ends_in_b):
        tokens = [] if packs_at_start else [Token("toC")]
        tokens += pairs
        if ends_in_b:
            tokens += [Token("toB"), Token("B", value[pos])]
        return tokens, pos + 1, packs_at_start
    return raw, pos + 1, False


@lru_cache(maxsize=256)
def tokens(value: str) -> tuple[Token, ...]:
    """The symbol's steps, start first (stop and check digit not included)."""
    _check(value)
    out = [Token("startB")]
    pos = 0
    while pos < len(value):
        run, pos, starts_c = _run_tokens(value, pos, pos, len(out) == 1)
        if starts_c:
            out[0] = Token("startC")
        out += run
    return tuple(out)


_VALUE_OF = {"startB": START_B, "startC": START_C, "toC": TO_C, "toB": TO_B}


def symbol_values(value: str) -> list[int]:
    """Every symbol value of the barcode: start, data, check digit, stop."""
    _check(value)
    values = []
    for fixed, at in _plan(value.translate(_PATTERN)):
        if at < 0:
            values.append(fixed)
        elif fixed:  # a digit pair (code set C)
            values.append(int(value[at : at + 2]))
        else:  # one character (code set B)
            values.append(ord(value[at]) - 32)
    check = (values[0] + sum(i * v for i, v in enumerate(values) if i)) % 103
    return [*values, check, STOP]


# Code set choices depend only on where the digits are: "1" stands for any digit, "A"
# for any other character (``_plan`` works on that pattern).
_PATTERN = {c: "1" if chr(c) in _DIGITS else "A" for c in range(32, 127)}


@lru_cache(maxsize=1024)
def _plan(pattern: str) -> tuple[tuple[int, int], ...]:
    """The symbol's steps for values of ``pattern``: (symbol value, -1) for a start or
    code set change, (1, position) for the digit pair at ``position``, (0, position)
    for the one character there."""
    plan = []
    at = 0
    for token in tokens(pattern):
        if token.kind == "B":
            plan.append((0, at))
            at += 1
        elif token.kind == "C":
            plan.append((1, at))
            at += 2
        else:
            plan.append((_VALUE_OF[token.kind], -1))
    return tuple(plan)


# Each symbol value's bars, worked out from _WIDTHS once, when first drawn.
_SYMBOL_BARS: dict[int, tuple[tuple[tuple[int, int], ...], int]] = {}


def _symbol_bars(symbol: int) -> tuple[tuple[tuple[int, int], ...], int]:
    """One symbol's bars as (start, width) from the symbol's own left edge, and its
    width: bar, space, bar... (every symbol but the stop has three bars and 11 modules)."""
    numbers = [int(w) for w in _WIDTHS[symbol]]
    starts = list(accumulate(numbers, initial=0))
    found = _SYMBOL_BARS[symbol] = tuple(zip(starts[0::2], numbers[0::2], strict=False)), starts[-1]
    return found


@lru_cache(maxsize=256)
def bars(value: str) -> tuple[tuple[int, int], ...]:
    """The bars of ``value``'s symbol as (start, width) in narrowest bars, and the
    symbol's total width last as (width, 0)."""
    drawn: list[tuple[int, int]] = []
    left = 0
    for symbol in symbol_values(value):
        symbol_bars, width = _SYMBOL_BARS.get(symbol) or _symbol_bars(symbol)
        drawn += [(left + start, bar) for start, bar in symbol_bars]
        left += width
    drawn.append((left, 0))
    return tuple(drawn)


def zpl_data(value: str) -> str:
    """``value`` for a ZPL ``^BC`` field with its code sets spelled out (``>:`` starts
    in B, ``>;`` in C, ``>5`` changes to C, ``>6`` back to B)."""
    spelled = {"startB": ">:", "startC": ">;", "toC": ">5", "toB": ">6"}
    parts = []
    for token in tokens(value):
        if token.kind in spelled:
            parts.append(spelled[token.kind])
        elif token.text == ">":
            parts.append(">0")
        else:
            parts.append(token.text)
    return "".join(parts)
