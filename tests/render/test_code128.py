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
