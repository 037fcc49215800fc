"""The syringe drawing's geometry, computed from the catalogue."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compounder.render.syringe_pdf import syringe_geometry


def test_marks_of_the_3_ml_syringe(catalogue):
    geometry = syringe_geometry(catalogue.by_id("oral-3ml"), Decimal("1.5"))
    assert len(geometry.marks) == 31  # 0 to 3 mL every 0.1 mL
    numbered = [str(m.volume_ml) for m in geometry.marks if m.kind == "numbered"]
    assert numbered == ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0"]
    assert [m for m in geometry.marks if m.kind == "half"] == []  # 0.25 is not on the scale
    assert geometry.marks[-1].position_mm == Decimal("46")
    assert geometry.fill_mm == Decimal("23")  # half of the 46 mm scale


def test_half_marks_of_the_5_ml_syringe(catalogue):
    geometry = syringe_geometry(catalogue.by_id("oral-5ml-0.1"), Decimal("2.5"))
    halves = [str(m.volume_ml) for m in geometry.marks if m.kind == "half"]
    assert halves == ["0.5", "1.5", "2.5", "3.5", "4.5"]


def test_fill_position_is_proportional_to_scale_length(catalogue):
    syringe = catalogue.by_id("oral-10ml-0.5")
    assert syringe_geometry(syringe, Decimal("4.5")).fill_mm == Decimal("27")  # 60 x 0.45


def test_volume_off_the_marks_is_refused(catalogue):
    with pytest.raises(ValueError):
        syringe_geometry(catalogue.by_id("oral-10ml-0.5"), Decimal("4.2"))
    with pytest.raises(ValueError):
        syringe_geometry(catalogue.by_id("oral-3ml"), Decimal("3.5"))
