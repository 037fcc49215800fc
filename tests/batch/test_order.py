"""Orders worked out once per prescription (``order_plan``) give exactly what working
each one out afresh gives: nothing of one patient's order reaches another's."""

from __future__ import annotations

from conftest import EXAMPLE_CONFIG
from hypothesis import given, settings
from hypothesis import strategies as st

from compounder.batch.order import RowProblem, order_plan, prepare_order
from compounder.batch.order_file import COLUMNS, RawRow
from compounder.core.settings import find_config

CONFIG = str(find_config(EXAMPLE_CONFIG))

DOSES = st.one_of(
    st.just({"dose": "titrate"}),
    st.fixed_dictionaries(
        {"dose": st.sampled_from(["1.5 mg", "3 mg", "4.5 mg", "6 mg"])},
        optional={"quantity": st.sampled_from(["30 mL", "150 mL"])},
    ),
    st.fixed_dictionaries(
        {
            "dose": st.sampled_from(["1.5 mg", "3 mg", "4.5 mg"]),
            "days_supply": st.sampled_from(["14", "30"]),
        }
    ),
)
PRESCRIPTIONS = st.fixed_dictionaries(
    {
        "fill_date": st.sampled_from(["2026-12-01", "2026-12-24"]),
        "concentration": st.sampled_from(["1 mg/mL", "0.5 mg/mL", ""]),
        "dose_time": st.sampled_from(["", "morning"]),
        "vehicle": st.sampled_from(["", "fawcett-preserved"]),
        "language": st.sampled_from(["", "es"]),
        "strength_changed": st.sampled_from(["", "yes"]),
        "refills": st.sampled_from(["", "2"]),
    }
)
PEOPLE = st.fixed_dictionaries(
    {
        "rx_number": st.from_regex(r"[0-9]{6,8}", fullmatch=True),
        "patient_name": st.sampled_from(["Ann Lee", "Zoë Ñúñez", "Иван Петров", "Bo"]),
        "prescriber": st.sampled_from(["Dr Q. Adams", "Dr R. Baker-Smythe"]),
    }
)


def _row(line: int, cells: dict[str, str]) -> RawRow:
    values = dict.fromkeys(COLUMNS, "") | cells
    return RawRow(line, values, tuple(values.values()))


def _outcome(row: RawRow) -> object:
    try:
        order = prepare_order(row, CONFIG, {})
    except RowProblem as problem:
        return ("refused", problem.column, problem.message)
    return (
        [placed.content for placed, _ in order.labels],
        [
            [(ln.text, ln.font, ln.size, ln.baseline) for ln in placed.main]
            for placed, _ in order.labels
        ],
        order.chart,
        order.manifest,
        order.worksheet_key,
        order.worksheet_ml,
        order.notes,
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(PRESCRIPTIONS, DOSES, PEOPLE), min_size=2, max_size=6))
def test_worked_out_once_is_the_same_as_afresh(orders):
    rows = [
        _row(n, {**prescription, **dose, **person})
        for n, (prescription, dose, person) in enumerate(orders, 2)
    ]
    remembered = [_outcome(row) for row in rows]  # plans shared between alike orders
    for row, expected in zip(rows, remembered, strict=True):
        order_plan.cache_clear()
        assert _outcome(row) == expected
