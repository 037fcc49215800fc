"""Drug sources: the certificate-of-analysis ranges (assay, water) and their edges."""

from __future__ import annotations

from decimal import Decimal

import pytest

from compounder.core.sources import load_sources
from compounder.errors import DataFileError, SafetyError


@pytest.fixture(scope="module")
def powder():
    return load_sources().find("powder")


@pytest.mark.parametrize("assay", ["0.98", "0.99", "1", "1.015", "1.02"])
def test_assay_inside_the_monograph_range_is_accepted(powder, assay):
    # 101.5% is a valid certificate value (USP: 98%-102%, anhydrous basis)
    assert powder.check_certificate(Decimal(assay), Decimal("0.005")) == ()


@pytest.mark.parametrize("assay", ["0.979", "0.9", "1.021", "1.1"])
def test_assay_outside_is_refused_with_the_range_and_its_source(powder, assay):
    with pytest.raises(SafetyError, match=r"outside 98%-102% .*\(USP monograph"):
        powder.check_certificate(Decimal(assay), Decimal("0.005"))


def test_water_edges(powder):
    assert powder.check_certificate(Decimal("0.99"), Decimal("0.1")) == ()  # the usual limit
    (note,) = powder.check_certificate(Decimal("0.99"), Decimal("0.101"))
    assert (note.field, note.value, note.usual.text) == ("water", Decimal("0.101"), "0%-10%")
    (note,) = powder.check_certificate(Decimal("0.99"), Decimal("0.15"))  # accepted, noted
    with pytest.raises(SafetyError, match=r"water 15\.1% is outside 0%-15%"):
        powder.check_certificate(Decimal("0.99"), Decimal("0.151"))


def test_90_percent_assay_with_12_percent_water(powder):
    with pytest.raises(SafetyError, match="assay 90% is outside"):
        powder.check_certificate(Decimal("0.9"), Decimal("0.12"))
    (note,) = powder.check_certificate(Decimal("0.99"), Decimal("0.12"))
    assert note.field == "water"


def test_every_shipped_powder_has_ranges_with_a_source():
    for source in load_sources().sources:
        if source.form == "powder":
            assert source.assay_range and source.assay_range.source
            assert source.water_range and source.water_range.source
        else:
            assert source.assay_range is None


@pytest.mark.parametrize(
    ("ranges", "problem"),
    [
        ("", r"source\[0\]\.assay: is not a table|source\[0\]\.assay: missing"),
        (
            '[source.assay]\naccepted = ["102%", "98%"]\nsource = "x"\n',
            r"source\[0\]\.assay\.accepted: .* is not accepted",
        ),
        (
            '[source.assay]\naccepted = ["98%"]\nsource = "x"\n',
            r"source\[0\]\.assay\.accepted",
        ),
        (
            '[source.assay]\naccepted = ["98%", "102%"]\nusual = ["97%", "101%"]\nsource = "x"\n',
            r"source\[0\]\.assay\.usual: is not inside the accepted range",
        ),
        (
            '[source.assay]\naccepted = ["98%", "102%"]\n',
            r"source\[0\]\.assay\.source: missing",
        ),
    ],
)
def test_range_data_errors(tmp_path, ranges, problem):
    path = tmp_path / "sources.toml"
    path.write_text(
        'dose_salt = "hydrochloride"\n[salts]\nhydrochloride = "377.86"\n'
        '[weighing]\nreadability = "0.1 mg"\nminimum_weight = "10 mg"\n'
        '[[source]]\nid = "p"\nname = "P"\nform = "powder"\nsalt = "hydrochloride"\n'
        'method = ["Weigh."]\n' + ranges
    )
    with pytest.raises(DataFileError, match=problem):
        load_sources(str(path))
