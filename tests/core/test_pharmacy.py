"""The pharmacy context: settings and catalogues opened once, defaults checked."""

from __future__ import annotations

import pytest
from conftest import EXAMPLE_CONFIG

from compounder.core.pharmacy import open_pharmacy
from compounder.errors import DataFileError


def _settings(tmp_path, old: str, new: str):
    text = EXAMPLE_CONFIG.read_text()
    assert old in text
    path = tmp_path / "settings.toml"
    path.write_text(text.replace(old, new))
    return path


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('vehicle = "water"', 'vehicle = "syrup-x"', "defaults.vehicle"),
        ('stock = "thermal-4x3"', 'stock = "no-such-stock"', "defaults.stock"),
        ('concentration = "1 mg/mL"', 'concentration = "1 mg"', "defaults.concentration"),
    ],
)
def test_an_unknown_default_is_blamed_on_the_settings_file(tmp_path, old, new, key):
    path = _settings(tmp_path, old, new)
    with pytest.raises(DataFileError) as caught:
        open_pharmacy(path)
    assert caught.value.exit_code == 4
    assert str(caught.value).startswith(f"{path}: {key}: ")


def test_the_same_settings_are_opened_once(tmp_path):
    assert open_pharmacy(EXAMPLE_CONFIG) is open_pharmacy(EXAMPLE_CONFIG)


def test_without_settings_the_shipped_defaults_apply_where_allowed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    pharmacy = open_pharmacy(None, required=False)
    assert (pharmacy.vehicle().id, pharmacy.source().id) == ("water", "tablet-50mg")
    assert pharmacy.rules.day_counting == "day-1"
    with pytest.raises(DataFileError, match="no pharmacy settings found"):
        open_pharmacy(None)
