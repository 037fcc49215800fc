"""The [printers.NAME] settings: where a printer is and what it takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from compounder.core.settings import PrinterSettings, load_settings
from compounder.errors import DataFileError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "compounder.toml"


def settings_with(tmp_path, printers: str):
    path = tmp_path / "compounder.toml"
    path.write_text(EXAMPLE.read_text() + "\n" + printers, encoding="utf-8")
    return load_settings(path)


def test_example_settings_name_a_counter_printer():
    counter = load_settings(EXAMPLE).printer("counter")
    assert counter == PrinterSettings("counter", "socket://192.0.2.10:9100", "zpl", 203, "")


def test_defaults_and_every_field(tmp_path):
    settings = settings_with(
        tmp_path,
        '[printers.back]\nuri = "cups:zebra-back"\n'
        '[printers.big]\nuri = "socket://10.0.0.5:9100"\nformat = "pdf"\ndpi = 300\n'
        'stock = "roll-4x6"\n',
    )
    assert settings.printer("back") == PrinterSettings("back", "cups:zebra-back")
    assert settings.printer("big") == PrinterSettings(
        "big", "socket://10.0.0.5:9100", "pdf", 300, "roll-4x6"
    )
    assert settings.printer("nowhere") is None


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('uri = "http://x"', "socket://HOST:PORT.*or cups:QUEUE"),
        ('uri = "cups:q"\nformat = "png"', "zpl or pdf"),
        ('uri = "cups:q"\ndpi = 600', "203 or 300"),
        ('uri = "cups:q"\nspeed = 3', "speed"),
        ('format = "zpl"', "uri: missing"),
    ],
)
def test_bad_printer_settings_name_the_key(tmp_path, table, message):
    with pytest.raises(DataFileError, match=message) as error:
        settings_with(tmp_path, f"[printers.p]\n{table}\n")
    assert "printers.p" in str(error.value)


@pytest.mark.parametrize(
    ("table", "key", "accepted"),
    [
        ('uri = "socket://127.0.0.1: 19100"', "uri", "socket://HOST:PORT"),
        ('uri = "socket://user@10.0.0.5:9100"', "uri", "socket://HOST:PORT"),
        ('uri = "socket://10.0.0.5:9100/x"', "uri", "socket://HOST:PORT"),
        ('uri = "cups:my queue"', "uri", "cups:QUEUE"),
        ('uri = "cups:"', "uri", "cups:QUEUE"),
        ('uri = "cups:q"\nstock = "no-such-stock"', "stock", "thermal-4x3"),
        ('uri = "cups:q"\nstock = "stocks/missing.toml"', "stock", "a stock file path"),
    ],
)
def test_a_printer_s_uri_and_stock_are_checked_when_the_settings_are_read(
    tmp_path, table, key, accepted
):
    """A uri that can never be printed to, or a stock that is not there, is a settings
    error (exit 4) naming the file and the key, not a usage error when printing."""
    with pytest.raises(DataFileError) as error:
        settings_with(tmp_path, f"[printers.p]\n{table}\n")
    message = str(error.value)
    assert error.value.exit_code == 4
    assert message.startswith(f"{tmp_path / 'compounder.toml'}: printers.p.{key}: ")
    assert accepted in message


def test_a_bracketed_ipv6_printer_and_a_stock_file_are_accepted(tmp_path):
    stock = tmp_path / "mine.toml"
    shipped = Path(__file__).resolve().parents[2] / "templates" / "stocks" / "roll-4x6.toml"
    stock.write_text(shipped.read_text(encoding="utf-8"), encoding="utf-8")
    settings = settings_with(
        tmp_path, f'[printers.v6]\nuri = "socket://[::1]:9100"\nstock = "{stock}"\n'
    )
    assert settings.printer("v6") == PrinterSettings("v6", "socket://[::1]:9100", stock=str(stock))


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("root:x:0:0:root:/root:/bin/bash\n", "not valid TOML"),
        ('id = "x"\n', "kind: missing"),
    ],
)
def test_a_printer_stock_file_that_is_not_a_stock_names_the_settings_key(tmp_path, text, fault):
    """A stock path naming a file that is not a stock (a password file, a half-written
    stock) is blamed on the settings file and printers.NAME.stock, never reported as a
    file of its own."""
    other = tmp_path / "etc" / "passwd"
    other.parent.mkdir()
    other.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as error:
        settings_with(tmp_path, f'[printers.x]\nuri = "cups:q"\nstock = "{other}"\n')
    message = str(error.value)
    assert error.value.exit_code == 4 and "\n" not in message
    assert message.startswith(
        f"{tmp_path / 'compounder.toml'}: printers.x.stock: '{other}' is not a usable stock ("
    )
    assert fault in message and "root:x" not in message
