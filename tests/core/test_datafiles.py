"""Reading data files: ids against file paths, the shipped ids, and errors that name the
file, the key path and what is accepted."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from compounder.core.datafiles import (
    Table,
    display_name,
    id_or_file,
    is_file_path,
    load_toml,
    shipped_ids,
    template_path,
)
from compounder.errors import DataFileError, InputError


@pytest.mark.parametrize(
    ("text", "is_path"),
    [
        ("ldn-standard", False),
        ("thermal-4x3", False),
        ("mine.toml", True),
        ("./mine", True),
        ("protocols/mine", True),
        ("C:\\pharmacy\\mine", True),
        ("/etc/compounder/stock.toml", True),
    ],
)
def test_is_file_path(text, is_path):
    assert is_file_path(text) is is_path


def test_shipped_ids_are_the_toml_files_of_a_folder_sorted():
    assert shipped_ids("protocols") == ["ldn-slow-start", "ldn-standard", "ldn-weekly"]
    assert shipped_ids("stocks") == ["a4-99x67", "avery-5163", "roll-4x6", "thermal-4x3"]
    assert shipped_ids("wording") == ["en", "es"]
    assert shipped_ids("no-such-folder") == []


def test_id_or_file_finds_a_shipped_id_and_takes_a_path_as_given(tmp_path):
    found = id_or_file("ldn-weekly", "protocols", "protocol")
    assert found == template_path("protocols", "ldn-weekly.toml") and found.is_file()
    # a path is the user's: returned as written, even before it exists (reading says more)
    assert id_or_file("mine.toml", "protocols", "protocol") == Path("mine.toml")
    assert id_or_file(f"{tmp_path}/x", "stocks", "stock") == tmp_path / "x"


def test_an_unknown_id_lists_the_shipped_ones():
    with pytest.raises(InputError) as caught:
        id_or_file("ldn-fast", "protocols", "protocol")
    assert str(caught.value) == (
        "protocol: 'ldn-fast' is not accepted; expected a protocol file path or one of "
        "ldn-slow-start, ldn-standard, ldn-weekly"
    )


def test_display_name_shortens_shipped_files_only(tmp_path):
    assert (
        display_name(template_path("stocks", "roll-4x6.toml")) == "templates/stocks/roll-4x6.toml"
    )
    assert display_name(tmp_path / "mine.toml") == str(tmp_path / "mine.toml")


def test_load_toml_errors_name_the_file(tmp_path):
    with pytest.raises(DataFileError) as caught:
        load_toml(tmp_path / "missing.toml")
    assert str(caught.value) == f"{tmp_path / 'missing.toml'}: file not found"
    with pytest.raises(DataFileError, match="is a folder, not a file"):
        load_toml(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "x"\nname = \n')
    with pytest.raises(DataFileError) as caught:
        load_toml(bad)
    assert str(caught.value).startswith(f"{bad}: not valid TOML (")
    assert "line 2" in str(caught.value)
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name = "Zoë"\n'.encode("latin-1"))
    with pytest.raises(DataFileError) as caught:
        load_toml(latin)
    assert str(caught.value) == f"{latin}: line 1: is not UTF-8 text"


DATA = {
    "name": "Riverside",
    "blank": "  ",
    "days": 14,
    "zero": 0,
    "flag": True,
    "overage": "0.1",
    "float": 0.1,
    "word": "abc",
    "nan": "nan",
    "volume": "30 mL",
    "mass": "30 kg",
    "expiry": date(2027, 6, 30),
    "ids": ["a", "b"],
    "defaults": {"stock": "roll-4x6", "days": -1},
    "category": [{"id": "a"}, {"name": "no id"}],
}


@pytest.fixture
def table() -> Table:
    return Table(DATA, "templates/test.toml")


def test_table_reads_good_values(table):
    assert table.text("name") == "Riverside"
    assert table.text("missing", required=False, default="x") == "x"
    assert table.integer("days") == 14
    assert table.integer("zero", minimum=0) == 0
    assert table.boolean("flag") is True and table.boolean("missing", default=True) is True
    assert table.decimal("overage") == Decimal("0.1")
    assert table.decimal("days") == Decimal(14)
    assert table.decimal("missing", required=False, default="2.5") == Decimal("2.5")
    assert str(table.quantity("volume", "volume")) == "30 milliliter"
    assert table.date("expiry") == date(2027, 6, 30)
    assert table.text_list("ids") == ["a", "b"]
    assert table.table("defaults").text("stock") == "roll-4x6"
    assert [t.prefix for t in table.tables("category")] == ["category[0].", "category[1]."]


def message(call) -> str:
    with pytest.raises(DataFileError) as caught:
        call()
    return str(caught.value)


def test_table_errors_name_file_key_and_what_is_accepted(table):
    file = "templates/test.toml"
    assert message(lambda: table.text("missing")) == f"{file}: missing: missing"
    assert message(lambda: table.text("blank")) == (
        f"{file}: blank: '  ' is not a non-empty string; expected text in quotes"
    )
    assert message(lambda: table.integer("zero")) == (
        f"{file}: zero: 0 is not accepted; expected a whole number >= 1"
    )
    assert message(lambda: table.integer("flag")) == (
        f"{file}: flag: True is not accepted; expected a whole number >= 1"
    )
    assert message(lambda: table.boolean("name")) == (
        f"{file}: name: 'Riverside' is not accepted; expected true or false"
    )
    assert message(lambda: table.decimal("float")) == (
        f'{file}: float: 0.1 is not accepted; expected a number in quotes, e.g. "0.8"'
    )
    assert message(lambda: table.decimal("word")) == (
        f"{file}: word: 'abc' is not a number; expected a number, e.g. \"0.8\""
    )
    assert message(lambda: table.decimal("nan")) == (
        f"{file}: nan: 'nan' is not a number; expected a number, e.g. \"0.8\""
    )
    assert message(lambda: table.quantity("mass", "volume")) == (
        f"{file}: mass: '30 kg' is not accepted; expected a volume such as '30 mL'"
    )
    assert message(lambda: table.quantity("days", "volume")) == (
        f"{file}: days: 14 is not accepted; expected a volume such as '30 mL' in quotes"
    )
    assert message(lambda: table.date("name")) == (
        f"{file}: name: 'Riverside' is not a date; expected a date such as 2027-06-30"
    )
    assert message(lambda: table.text_list("name")) == (
        f'{file}: name: \'Riverside\' is not accepted; expected a list of texts, e.g. ["a", "b"]'
    )
    assert message(lambda: table.table("name")) == (
        f"{file}: name: is not a table; expected a [name] section"
    )
    assert message(lambda: table.tables("defaults")) == (
        f"{file}: defaults: is not a non-empty list of tables; expected one or more [[defaults]]"
    )


def test_nested_errors_carry_the_key_path(table):
    file = "templates/test.toml"
    defaults = table.table("defaults")
    assert message(lambda: defaults.integer("days")) == (
        f"{file}: defaults.days: -1 is not accepted; expected a whole number >= 1"
    )
    assert message(lambda: defaults.check_keys({"days"})) == (
        f"{file}: defaults.stock: unknown key; expected one of days"
    )
    second = table.tables("category")[1]
    assert message(lambda: second.text("id")) == f"{file}: category[1].id: missing"
    assert message(lambda: second.table("sub")) == f"{file}: category[1].sub: missing"
    optional = second.table("sub", required=False)  # an absent optional section is empty
    assert message(lambda: optional.text("x")) == f"{file}: category[1].sub.x: missing"


def test_unknown_keys_list_the_allowed_ones_sorted(table):
    assert message(lambda: Table({"nmae": "x"}, "p.toml").check_keys({"name", "id"})) == (
        "p.toml: nmae: unknown key; expected one of id, name"
    )


def test_a_date_time_is_not_a_date():
    # datetime is a subclass of date: a TOML date-time must not pass where a date is required
    assert message(
        lambda: Table({"expiry": datetime(2027, 6, 30, 10, 0)}, "lots.toml").date("expiry")
    ) == (
        "lots.toml: expiry: 2027-06-30T10:00:00 is a date-time, not a date; "
        "expected a date such as 2027-06-30"
    )
    assert Table({"expiry": date(2027, 6, 30)}, "lots.toml").date("expiry") == date(2027, 6, 30)


@pytest.mark.parametrize("nonblocking", [True, False], ids=["O_NONBLOCK", "no O_NONBLOCK"])
def test_a_pipe_or_folder_is_refused_at_once_with_or_without_o_nonblocking(
    tmp_path, monkeypatch, nonblocking
):
    """Windows has no O_NONBLOCK: the file is then looked at before it is opened (an
    open of a FIFO with no writer would wait forever: the test would hang)."""
    import os

    from compounder.core.datafiles import read_text_file

    if not nonblocking:
        monkeypatch.delattr(os, "O_NONBLOCK")
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    good = tmp_path / "good.toml"
    good.write_text("a = 1\n")
    with pytest.raises(DataFileError, match="is a pipe or device, not a file"):
        read_text_file(fifo)
    with pytest.raises(DataFileError, match="is a folder, not a file"):
        read_text_file(folder)
    with pytest.raises(DataFileError, match="file not found"):
        read_text_file(tmp_path / "missing.toml")
    assert read_text_file(good) == "a = 1\n"
