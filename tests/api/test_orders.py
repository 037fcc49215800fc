"""The typed order: one set of checks for the command line's options and a file's row,
each naming the field as its entrance does."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from compounder.api.orders import (
    COLUMNS,
    FIELDS,
    Order,
    OrderFieldError,
    ScreeningAnswers,
    order_from_options,
    order_from_row,
)
from compounder.errors import InputError

OPTIONS = {
    "rx": "1234567",
    "patient": "Jane Doe",
    "prescriber": "Dr A. Smith",
    "dose": "1.5 mg",
    "quantity": "30 mL",
    "concentration": "1 mg/mL",
    "fill_date": "2026-12-01",
    "language": "en+es",
    "refills": 2,
    "strength_changed": True,
    "other_medications": ("ibuprofen",),
    "liver_kidney_history": True,
}
ROW = {
    "rx_number": "1234567",
    "patient_name": "Jane Doe",
    "prescriber": "Dr A. Smith",
    "dose": "1.5 mg",
    "quantity": "30 mL",
    "concentration": "1 mg/mL",
    "fill_date": "2026-12-01",
    "language": "en+es",
    "refills": "2",
    "strength_changed": "yes",
    "other_medications": "ibuprofen",
    "liver_kidney_history": "yes",
}


def test_the_same_order_from_options_and_from_a_row():
    from_options = order_from_options(**OPTIONS)
    from_row = order_from_row(ROW)
    assert from_options == from_row
    assert from_options.dose == Decimal("1.5") and from_options.quantity_ml == Decimal(30)
    assert from_options.languages == ("en", "es") and from_options.refills == 2
    assert from_options.screening == ScreeningAnswers(("ibuprofen",), None, None, True)
    assert from_options.fill_date == date(2026, 12, 1)


def test_a_titration_from_options_and_from_a_row():
    options = {k: v for k, v in OPTIONS.items() if k not in ("dose", "quantity")}
    row = {**ROW, "dose": "titrate", "quantity": "", "start_date": "2026-12-01"}
    from_options = order_from_options(titration=True, start_date="2026-12-01", **options)
    assert from_options == order_from_row(row)
    assert from_options.titrating and from_options.start_date == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("change", "option", "column"),
    [
        ({"fill_date": "2026-13-01"}, "fill-date", "fill_date"),
        ({"refills": "lots"}, "refills", "refills"),
        ({"dose_time": "noon"}, "dose-time", "dose_time"),
        ({"language": "fr"}, "language", "language"),
        ({"concentration": "1 mg"}, "concentration", "concentration"),
        ({"start_dose": "2 mg"}, "start-dose", "start_dose"),
    ],
)
def test_an_error_names_the_option_or_the_column(change, option, column):
    (name, value), = change.items()
    with pytest.raises(InputError) as caught:
        order_from_options(**{**OPTIONS, name: value})
    assert caught.value.field == option
    field = next(f for f in FIELDS if f.name == name)
    with pytest.raises(OrderFieldError) as refused:
        order_from_row({**ROW, field.column: value})
    assert refused.value.column == column


def test_patient_data_is_not_repeated_in_an_error():
    with pytest.raises(InputError) as caught:
        order_from_options(**{**OPTIONS, "patient": "Jane\u200bDoe"})
    assert "Jane" not in str(caught.value)


def test_every_column_and_option_is_in_the_one_table():
    assert len({f.name for f in FIELDS}) == len(FIELDS)
    assert len(set(COLUMNS)) == len(COLUMNS)
    assert {f.name for f in FIELDS} >= {
        f for f in Order.__dataclass_fields__ if f not in ("languages", "quantity_ml", "days")
    } - {"screening", "titration", "delivery"}


def test_alike_prescriptions_for_two_patients_are_one_prescription():
    one = order_from_row(ROW)
    other = order_from_row({**ROW, "rx_number": "7654321", "patient_name": "John Roe"})
    assert one != other and one.prescription() == other.prescription()
    assert hash(one.prescription()) == hash(other.prescription())
