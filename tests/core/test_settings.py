"""Pharmacy settings: discovery order and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from compounder.core.settings import find_config, load_settings
from compounder.errors import DataFileError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "compounder.toml"


def test_example_settings():
    settings = load_settings(EXAMPLE)
    assert settings.name == "Riverside Compounding Pharmacy"
    assert settings.stock == "thermal-4x3"
    assert settings.day_counting == "day-1"


def test_discovery_order(tmp_path, monkeypatch):
    user = tmp_path / "xdg" / "compounder" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text(EXAMPLE.read_text())
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert find_config() == user
    (work / "compounder.toml").write_text(EXAMPLE.read_text())
    assert find_config() == Path("compounder.toml")
    assert find_config(EXAMPLE) == EXAMPLE


def test_no_settings_anywhere(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataFileError, match="no pharmacy settings found"):
        find_config()


def test_missing_required_setting(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[pharmacy]\nname = "X"\naddress = "1 Road"\n')
    with pytest.raises(DataFileError) as caught:
        load_settings(path)
    assert str(caught.value) == f"{path}: pharmacy.phone: missing"


def test_bad_default(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        '[pharmacy]\nname = "X"\naddress = "1 Road"\nphone = "1"\n[defaults]\ndose_time = "noon"\n'
    )
    with pytest.raises(DataFileError, match=r"defaults\.dose_time: 'noon' is not accepted"):
        load_settings(path)


def test_compounding_settings(tmp_path):
    settings = load_settings(EXAMPLE)
    assert (settings.balance, settings.single_pharmacist) == ("BAL-01", False)
    path = tmp_path / "c.toml"
    path.write_text(EXAMPLE.read_text().replace("single_pharmacist = false", "single = 1"))
    with pytest.raises(DataFileError, match=r"compounding\.single: unknown key"):
        load_settings(path)


def test_optional_settings(tmp_path, monkeypatch):
    from compounder.core.settings import optional_settings

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    monkeypatch.chdir(tmp_path)
    assert optional_settings() is None
    with pytest.raises(DataFileError, match="settings file not found"):
        optional_settings(tmp_path / "missing.toml")
    assert optional_settings(EXAMPLE) is not None


def test_user_folders_are_the_xdg_folders_on_linux(tmp_path, monkeypatch):
    """platformdirs gives the folders earlier versions built by hand (Linux: XDG)."""
    import sys

    from compounder.core.settings import user_config_path, user_data_folder
    from compounder.log.location import default_db_path

    if not sys.platform.startswith("linux"):
        pytest.skip("the XDG folders are Linux's")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert user_config_path() == tmp_path / ".config" / "compounder" / "config.toml"
    assert default_db_path() == tmp_path / ".local" / "share" / "compounder" / "compounder.db"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "d"))
    assert user_config_path() == tmp_path / "c" / "compounder" / "config.toml"
    assert user_data_folder() == tmp_path / "d" / "compounder"
