"""Master formulation records: one per source x vehicle x strength, with id and version."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compounder.core.formulations import find_formulation, load_formulations
from compounder.core.sources import load_sources
from compounder.core.vehicles import load_vehicles
from compounder.errors import DataFileError, SafetyError


def test_every_shipped_formulation_names_a_known_source_and_vehicle():
    sources = {s.id for s in load_sources().sources}
    vehicles = set(load_vehicles())
    formulations = load_formulations()
    assert len({f.id for f in formulations}) == len(formulations)
    for formulation in formulations:
        assert formulation.source in sources and formulation.vehicle in vehicles
        assert formulation.version >= 1 and formulation.quality_checks


def test_find():
    found = find_formulation("tablet-50mg", "fawcett-preserved", Decimal("1.0"))
    assert (found.id, found.version, found.dosage_form) == ("LDN-T50-FP-1", 1, "oral suspension")


def test_a_preparation_without_a_master_formulation_is_refused():
    with pytest.raises(SafetyError, match=r"no master formulation record for 0.75 mg/mL"):
        find_formulation("tablet-50mg", "water", Decimal("0.75"))


def test_the_same_preparation_twice_is_an_error(tmp_path):
    entry = (
        '[[formulation]]\nid = "{id}"\nversion = 1\neffective = 2026-11-01\n'
        'source = "tablet-50mg"\nvehicle = "water"\nstrength = "1 mg/mL"\n'
        'dosage_form = "oral suspension"\n'
    )
    path = tmp_path / "f.toml"
    path.write_text('quality_checks = ["x"]\n' + entry.format(id="A") + entry.format(id="B"))
    with pytest.raises(DataFileError, match=r"formulation\[1\]\.strength"):
        load_formulations(str(path))
    path.write_text('quality_checks = ["x"]\n' + entry.format(id="A") * 2)
    with pytest.raises(DataFileError, match="'A' appears twice"):
        load_formulations(str(path))
