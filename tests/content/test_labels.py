"""Label content, before any drawing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from compounder.api.dispensing import make_labels
from compounder.content.labels import build_label
from compounder.core.settings import load_settings
from compounder.core.wording import load_wording
from compounder.errors import SafetyError


def test_spanning_fill_has_dated_directions(example_config):
    run = make_labels(
        "1",
        "Jane Doe",
        "Dr A",
        titration=True,
        fill="all",
        start_date="2026-12-01",
        vehicle="fawcett-preserved",
        config=example_config,
    )
    lines = run.contents[0].to_dict()["lines"]
    assert lines["directions"].splitlines() == [
        "Take by mouth at bedtime:",
        "Dec 1 to Dec 14, 2026: 1.5 mL (1.5 mg)",
        "Dec 15 to Dec 28, 2026: 2 mL (2 mg)",
        "Dec 29, 2026 to Jan 4, 2027: 2.5 mL (2.5 mg)",
    ]
    assert "Fill 1 of 3" in lines["details"]
    assert (
        "Measure with the 3 mL oral syringe (0.1 mL marks) and the 5 mL oral syringe "
        "(0.1 mL marks) supplied"
    ) in lines["details"]


def test_tall_man_is_an_option(example_config):
    run = make_labels(
        "1",
        "Jane Doe",
        "Dr A",
        dose="3mg",
        quantity="42mL",
        fill_date="2026-12-01",
        config=example_config,
    )
    settings = replace(load_settings(example_config), tall_man=True)
    content = build_label(run.orders[0], settings, load_wording("en"))
    assert content.to_dict()["lines"]["drug"].startswith("NalTREXone HCl 1 mg/mL oral suspension")
    assert run.contents[0].to_dict()["lines"]["drug"].startswith("Naltrexone HCl")


def test_note_strength_comes_first(example_config):
    run = make_labels(
        "1",
        "Jane Doe",
        "Dr A",
        dose="3mg",
        quantity="42mL",
        fill_date="2026-12-01",
        strength_changed=True,
        config=example_config,
    )
    assert run.contents[0].to_dict()["lines"]["warnings"].startswith("NOTE STRENGTH")


def test_lot_expiry_shortens_the_label_bud(example_config):
    run = make_labels(
        "1",
        "Jane Doe",
        "Dr A",
        dose="3mg",
        quantity="30mL",
        fill_date="2026-12-01",
        lot_expiry=["tab:AB1:2026-12-09"],
        config=example_config,
    )
    assert "Discard after: Dec 9, 2026" in run.contents[0].to_dict()["lines"]["quantity and dates"]
    with pytest.raises(SafetyError) as refused:  # more than 9 days of use: names the lot
        make_labels("1", "Jane Doe", "Dr A", dose="3mg", quantity="42mL", fill_date="2026-12-01",
                    lot_expiry=["tab:AB1:2026-12-09"], config=example_config)  # fmt: skip
    assert "before the BUD (2026-12-09, set by the expiry of ingredient lot AB1" in str(
        refused.value
    )
