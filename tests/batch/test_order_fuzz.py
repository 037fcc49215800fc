"""Fuzzing the order-row validator: any cells give a prepared order or a RowProblem
naming a column, never another exception (no exit 70 from a batch row)."""

from __future__ import annotations

import contextlib

from conftest import EXAMPLE_CONFIG
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compounder.batch.order import RowProblem, prepare_order
from compounder.batch.order_file import COLUMNS, RawRow
from compounder.core.settings import find_config

CONFIG = str(find_config(EXAMPLE_CONFIG))

VALID = {
    "rx_number": "5550001",
    "patient_name": "Jane Doe",
    "prescriber": "Dr A. Smith",
    "fill_date": "2026-12-01",
    "concentration": "1 mg/mL",
    "dose": "1.5 mg",
    "quantity": "30 mL",
}
# Cells of the kinds that broke rows before: huge numbers, odd dates, invisible text.
TRICKY = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"-?[0-9]{1,60}(\.[0-9]{0,30})? ?(mg|mL|mg/mL|mcg|L|g|%|days?)?", fullmatch=True),
    st.from_regex(r"[0-9]{1,5}-[0-9]{1,3}-[0-9]{1,3}", fullmatch=True),
    st.sampled_from(["titrate", "yes", "no", "\u200b", "\x00", "=1+1", "9" * 5000, "1e999 mg"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(column=st.sampled_from(COLUMNS), value=TRICKY)
def test_any_cell_is_a_good_order_or_a_row_problem(column, value):
    values = {**VALID, column: value}
    try:
        prepare_order(RawRow(2, values, tuple(values.values())), CONFIG)
    except RowProblem as problem:
        assert problem.column in (*COLUMNS, ""), problem.column


@settings(max_examples=150, deadline=None)
@given(cells=st.fixed_dictionaries({c: TRICKY for c in ("dose", "quantity", "fill_date")}))
def test_several_bad_cells_at_once(cells):
    values = {**VALID, **cells}
    with contextlib.suppress(RowProblem):
        prepare_order(RawRow(2, values, tuple(values.values())), CONFIG)
