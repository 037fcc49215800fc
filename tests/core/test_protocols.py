"""Protocols as data: the shipped ones, a user's own file, and malformed files."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compounder.core.protocols import load_protocol, shipped_protocols
from compounder.core.titration import prescribed_dose
from compounder.core.units import format_number
from compounder.errors import DataFileError, InputError, SafetyError


def doses(protocol_id):
    return [format_number(d) for d in load_protocol(protocol_id).doses_mg]


def test_shipped_protocols():
    assert shipped_protocols() == ["ldn-slow-start", "ldn-standard", "ldn-weekly"]


def test_standard_protocol_steps():
    protocol = load_protocol()
    assert protocol.id == "ldn-standard"
    assert doses("ldn-standard") == ["1.5", "2", "2.5", "3", "3.5", "4", "4.5"]
    assert protocol.days_per_step == 14


def test_slow_start_and_weekly():
    assert doses("ldn-slow-start") == ["0.5", "1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5"]
    assert doses("ldn-weekly") == ["1", "2", "3", "4", "4.5"]
    assert load_protocol("ldn-weekly").days_per_step == 7


def test_user_protocol_file(data_dir):
    protocol = load_protocol(data_dir / "protocols" / "good-custom.toml")
    assert [format_number(d) for d in protocol.doses_mg] == ["0.5", "0.75", "1", "1.25", "1.5"]


def test_unknown_protocol_lists_the_shipped_ones():
    with pytest.raises(InputError) as caught:
        load_protocol("ldn-fast")
    assert str(caught.value) == (
        "protocol: 'ldn-fast' is not accepted; expected a protocol file path or one of "
        "ldn-slow-start, ldn-standard, ldn-weekly"
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad-missing-key", "bad-missing-key.toml: max_dose: missing"),
        ("bad-unit", "bad-unit.toml: increment: '0.5 mL' is not accepted; expected a mass such as"),
        ("bad-days", "bad-days.toml: days_per_step: 0 is not accepted; expected a whole number"),
        ("bad-steps", "bad-steps.toml: increment: does not reach max_dose in whole steps"),
        ("bad-typo", "bad-typo.toml: incremnt: unknown key; expected one of"),
        ("bad-toml", "bad-toml.toml: not valid TOML"),
        ("bad-float", "bad-float.toml: start_dose: 1.5 is not accepted; expected a mass"),
    ],
)
def test_malformed_protocol_names_file_key_and_need(data_dir, name, message):
    with pytest.raises(DataFileError) as caught:
        load_protocol(data_dir / "protocols" / f"{name}.toml")
    assert message in str(caught.value)


def test_missing_protocol_file(tmp_path):
    with pytest.raises(DataFileError) as caught:
        load_protocol(tmp_path / "nope.toml")
    assert str(caught.value).endswith("nope.toml: file not found")


def test_prescribed_dose_hard_stops():
    protocol = load_protocol()
    assert prescribed_dose(protocol, Decimal("3")) is False
    with pytest.raises(SafetyError, match=r"dose 5 mg is above the ceiling of 4.5 mg a day"):
        prescribed_dose(protocol, Decimal("5"))
    with pytest.raises(InputError, match=r"pharmacist: missing"):
        prescribed_dose(protocol, Decimal("5"), "prescriber wrote it")  # a reason needs initials
    with pytest.raises(SafetyError, match=r"dose 1.75 mg is not a step of protocol ldn-standard"):
        prescribed_dose(protocol, Decimal("1.75"))
    assert prescribed_dose(protocol, Decimal("1.75"), "prescriber wrote it") is True
