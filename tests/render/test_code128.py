"""The label's own Code 128 encoder against reportlab's: the same symbols for every
pattern of digits and other characters an Rx number can hold."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st
from reportlab.graphics.barcode.code128 import Code128

from compounder.render import code128


def reportlab_values(value: str) -> list[int]:
    symbol = Code128(value)
    symbol.validate()
    return list(symbol.encode())


def test_every_digit_pattern_up_to_twelve_characters():
    # Code set choices depend only on where the digits are: "1" stands for any digit.
    for length in range(1, 13):
        for pattern in itertools.product("1A", repeat=length):
            value = "".join(pattern)
            assert code128.symbol_values(value) == reportlab_values(value), value


@given(st.text(alphabet="0123456789ABCZabz-", min_size=1, max_size=20))
def test_random_rx_numbers(value):
    assert code128.symbol_values(value) == reportlab_values(value)


def test_bars_match_reportlabs_drawing():
    symbol = Code128("RX-0042", barWidth=1, quiet=False)
    symbol.validate()
    symbol.encode()
    symbol.decompose()
    widths = [ord(ch.lower()) - ord("a") + 1 for ch in symbol.decomposed]
    drawn = code128.bars("RX-0042")
    assert drawn[-1] == (sum(widths), 0)
    assert [w for _, w in drawn[:-1]] == widths[0::2]


def test_zpl_data_spells_out_the_code_sets():
    assert code128.zpl_data("12345678") == ">;12345678"
    assert code128.zpl_data("AB-1") == ">:AB-1"
    assert code128.zpl_data("A123456B") == ">:A>5123456>6B"


def plain_bars(value: str) -> tuple[tuple[int, int], ...]:
    """The symbol's bars worked out the plain way (the encoder's first form): every
    symbol value from ``tokens``, all widths in a row, bars at the even places."""
    values = []
    for token in code128.tokens(value):
        if token.kind == "B":
            values.append(ord(token.text) - 32)
        elif token.kind == "C":
            values.append(int(token.text))
        else:
            values.append(
                {"startB": 104, "startC": 105, "toC": 99, "toB": 100}[token.kind]
            )
    check = (values[0] + sum(i * v for i, v in enumerate(values) if i)) % 103
    widths = [int(w) for v in [*values, check, 106] for w in code128._WIDTHS[v]]
    starts = list(itertools.accumulate(widths, initial=0))
    return (*zip(starts[0::2], widths[0::2], strict=False), (starts[-1], 0))


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=24))
def test_bars_and_values_as_worked_out_plainly(value):
    # the encoder works from tables and per-pattern plans: the same bars, every value
    if not value:
        return
    assert code128.bars(value) == plain_bars(value)
    assert code128.symbol_values(value) == reportlab_values(value)


@given(st.text(alphabet="0123456789", min_size=1, max_size=16))
def test_digit_rx_numbers_as_worked_out_plainly(value):
    assert code128.bars(value) == plain_bars(value)
