"""The syringe catalogue and the choice of syringe for a volume."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from compounder.core.syringes import Syringe, choose_syringe, load_catalogue
from compounder.errors import DataFileError


def test_catalogue_has_the_required_syringes(catalogue):
    pairs = {(str(s.capacity_ml), str(s.graduation_ml)) for s in catalogue.syringes}
    for pair in [
        ("1", "0.01"),
        ("3", "0.1"),
        ("5", "0.1"),
        ("5", "0.2"),
        ("10", "0.2"),
        ("10", "0.5"),
    ]:
        assert pair in pairs
    assert catalogue.min_fill == Decimal("0.2")
    assert catalogue.max_fill == Decimal("0.8")


@pytest.mark.parametrize(
    ("volume", "syringe_id"),
    [
        ("1.5", "oral-3ml"),  # 50% of 3 mL
        ("2", "oral-3ml"),  # 67%
        ("2.5", "oral-5ml-0.1"),  # 83% of 3 mL is over the band -> 5 mL, finest marks
        ("3", "oral-5ml-0.1"),
        ("4", "oral-5ml-0.1"),  # exactly 80% is in the band
        ("4.5", "oral-10ml-0.5"),  # 90% of 5 mL over the band; 4.5 is not on 0.2 marks
        ("0.5", "oral-1ml"),
        ("1", "oral-3ml"),  # 100% of 1 mL is over the band
        ("0.25", "oral-1ml"),
        ("6", "oral-10ml-0.2"),
    ],
)
def test_choice_in_band(catalogue, volume, syringe_id):
    choice = choose_syringe(Decimal(volume), catalogue)
    assert choice.syringe is not None
    assert choice.syringe.id == syringe_id
    assert choice.warnings == ()


def test_out_of_band_picks_best_with_a_warning(catalogue):
    choice = choose_syringe(Decimal("9"), catalogue)
    assert choice.syringe.id == "oral-10ml-0.2"
    assert choice.warnings == (
        "9 mL fills the 10 mL syringe to about 90%, outside the 20-80% band "
        "(no syringe in the catalogue fits better)",
    )


@pytest.mark.parametrize(
    ("volume", "problem"),
    [
        (Fraction(2, 3), "0.667... mL is not on the marks of any syringe"),
        (Fraction(5, 4), "1.25 mL is not on the marks of any syringe"),
        (Fraction(12), "12 mL is more than the largest syringe (10 mL)"),
        (Fraction(1, 10), "a dose of 0.1 mL is too small to measure accurately"),
        (Fraction(1, 20), "a dose of 0.05 mL is too small to measure accurately"),
    ],
)
def test_unmeasurable_volumes(catalogue, volume, problem):
    choice = choose_syringe(volume, catalogue)
    assert choice.syringe is None
    assert problem in choice.problem


def test_mark_position_is_proportional():
    syringe = Syringe("s", Decimal("5"), Decimal("0.1"), Decimal("1"), Decimal("52"))
    assert syringe.mark_position_mm(Decimal("2.5")) == Decimal("26")
    assert syringe.label == "5 mL oral syringe (0.1 mL marks)"


def test_syringe_checks_itself():
    with pytest.raises(ValueError, match="whole number of graduations"):
        Syringe("s", Decimal("5"), Decimal("0.3"), Decimal("0.3"), Decimal("52"))


def test_bad_catalogue_file(tmp_path):
    path = tmp_path / "syringes.toml"
    path.write_text(
        '[[syringe]]\nid = "x"\ncapacity = "3 mg"\ngraduation = "0.1 mL"\n'
        'numbered_every = "1 mL"\nscale_length = "40 mm"\n'
    )
    with pytest.raises(DataFileError) as caught:
        load_catalogue(str(path))
    assert "syringe[0].capacity: '3 mg' is not accepted; expected a volume" in str(caught.value)


def test_duplicate_syringe_id(tmp_path):
    block = (
        '[[syringe]]\nid = "x"\ncapacity = "3 mL"\ngraduation = "0.1 mL"\n'
        'numbered_every = "1 mL"\nscale_length = "40 mm"\n'
    )
    path = tmp_path / "syringes.toml"
    path.write_text(block + block)
    with pytest.raises(DataFileError, match=r"syringe\[1\]\.id: 'x' appears twice"):
        load_catalogue(str(path))
