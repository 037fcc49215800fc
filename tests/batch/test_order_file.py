"""Reading order files into raw rows: CSV as spreadsheets save it (BOM, CRLF, quoted
cells, blank lines), JSON Lines, and the file-wide errors with their line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compounder.batch.order_file import (
    COLUMNS,
    REQUIRED,
    RawRow,
    file_format,
    header_of,
    read_orders,
)
from compounder.errors import DataFileError

HEADER = "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity"
ROW = "1000101,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,30 mL"
VALUES = {
    "rx_number": "1000101",
    "patient_name": "Jane Doe",
    "prescriber": "Dr A. Smith",
    "fill_date": "2026-12-01",
    "concentration": "1 mg/mL",
    "dose": "1.5 mg",
    "quantity": "30 mL",
}


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def rows(path: Path) -> list[RawRow]:
    return list(read_orders(path))


def error(path: Path) -> str:
    with pytest.raises(DataFileError) as caught:
        rows(path)
    return str(caught.value)


def test_plain_csv(tmp_path):
    path = write(tmp_path, "orders.csv", f"{HEADER}\n{ROW}\n")
    assert rows(path) == [RawRow(2, VALUES, tuple(ROW.split(",")))]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
@pytest.mark.parametrize("end", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_csv_with_or_without_bom_and_either_line_end(tmp_path, bom, end):
    data = bom + end.join([HEADER.encode(), ROW.encode(), ROW.replace("1000101", "7").encode()])
    path = write(tmp_path, "orders.csv", data + end)
    read = rows(path)
    assert [r.line for r in read] == [2, 3]
    assert read[0].values == VALUES  # "rx_number", not "\ufeffrx_number"
    assert read[1].values["rx_number"] == "7"
    assert header_of(path) == HEADER.split(",")  # as written, without the BOM


def test_cells_are_stripped_but_the_raw_row_is_kept_as_written(tmp_path):
    # a quoted cell may hold a comma; the header's case and spaces do not matter
    header = " RX_Number ,Patient_Name,prescriber,fill_date,concentration,dose,days_supply"
    row = '1000101 ,"Doe, Jane",Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg, 14 '
    path = write(tmp_path, "orders.csv", f"{header}\r\n{row}\r\n")
    (read,) = rows(path)
    assert read.values["rx_number"] == "1000101"
    assert read.values["patient_name"] == "Doe, Jane"
    assert read.values["days_supply"] == "14"
    assert read.raw[0] == "1000101 " and read.raw[-1] == " 14 "


def test_blank_lines_are_skipped_and_lines_keep_their_numbers(tmp_path):
    text = f"{HEADER}\n\n{ROW}\n,,,,,,\n   ,  ,,,,,\n{ROW}\n\n"
    assert [r.line for r in rows(write(tmp_path, "orders.csv", text))] == [3, 6]


def test_a_row_with_the_wrong_number_of_cells_is_a_row_problem(tmp_path):
    text = f"{HEADER}\n1000101,Jane Doe,Dr A. Smith\n{ROW},extra\n{ROW}\n"
    short, long, good = rows(write(tmp_path, "orders.csv", text))
    assert (short.line, short.values, short.problem) == (2, {}, "has 3 cells; the header has 7")
    assert short.raw == ("1000101", "Jane Doe", "Dr A. Smith")
    assert (long.line, long.problem) == (3, "has 8 cells; the header has 7")
    assert (good.line, good.problem) == (4, "")


def test_unknown_column(tmp_path):
    path = write(tmp_path, "orders.csv", f"{HEADER},colour\n{ROW},red\n")
    assert error(path) == (
        f"{path}: line 1: unknown column 'colour'; expected only the columns " + ", ".join(COLUMNS)
    )


def test_missing_columns_are_all_named(tmp_path):
    path = write(tmp_path, "orders.csv", "rx_number,patient_name,prescriber,concentration\n")
    assert error(path) == (
        f"{path}: line 1: missing column(s) fill_date, dose; expected the columns "
        + ", ".join(REQUIRED)
    )


def test_a_column_twice_and_no_quantity(tmp_path):
    twice = write(tmp_path, "twice.csv", f"{HEADER},Dose\n")
    assert error(twice) == f"{twice}: line 1: column 'dose' appears twice"
    header = HEADER.removesuffix(",quantity")
    none = write(tmp_path, "none.csv", f"{header}\n")
    assert error(none) == (
        f"{none}: line 1: no quantity or days_supply column; expected one of them (or both)"
    )


def test_empty_missing_folder_and_not_utf8(tmp_path):
    empty = write(tmp_path, "empty.csv", b"")
    assert error(empty) == f"{empty}: is empty; expected a header line and one order a line"
    assert error(tmp_path / "nope.csv") == f"{tmp_path / 'nope.csv'}: file not found"
    folder = tmp_path / "folder"
    folder.mkdir()
    assert error(folder) == f"{folder}: is a folder, not a file"
    latin = write(
        tmp_path, "latin.csv", f"{HEADER}\n{ROW}\n".replace("Jane", "Zoë").encode("cp1252")
    )
    assert error(latin) == (
        f"{latin}: not UTF-8 text; expected a file saved as 'CSV UTF-8' or JSON Lines in UTF-8"
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("o.csv", "csv"),
        ("o.CSV", "csv"),
        ("o.txt", "csv"),
        ("orders", "csv"),
        ("o.jsonl", "jsonl"),
        ("o.NDJSON", "jsonl"),
    ],
)
def test_file_format_by_suffix(name, kind):
    assert file_format(Path(name)) == kind


def test_an_unknown_file_type_is_refused(tmp_path):
    with pytest.raises(DataFileError) as caught:
        file_format(tmp_path / "orders.xlsx")
    assert str(caught.value) == (
        f"{tmp_path / 'orders.xlsx'}: unknown order file type '.xlsx'; "
        "expected .csv, .jsonl (JSON Lines) or FHIR JSON (.json, .ndjson)"
    )


def test_json_lines(tmp_path):
    first = json.dumps({**VALUES, "refills": 2, "strength_changed": True, "vehicle": None})
    second = json.dumps({" RX_NUMBER ": " 7 ", "dose": "titrate", "patient_dob": ["x"]})
    path = write(tmp_path, "orders.jsonl", f"{first}\r\n\n{second}\n")
    one, two = rows(path)
    assert one.line == 1 and one.problem == ""
    assert one.values == {**VALUES, "refills": "2", "strength_changed": "yes", "vehicle": ""}
    assert one.raw == first  # the line as written, without its line end
    assert two.line == 3  # the blank line counts
    assert two.values == {"rx_number": "7", "dose": "titrate", "patient_dob": '["x"]'}
    assert header_of(path) == ["raw"]


def test_json_lines_bad_lines_are_row_problems(tmp_path):
    lines = ["{not json", "[1, 2]", json.dumps({**VALUES, "colour": "red"}), json.dumps(VALUES)]
    bad_json, array, unknown, good = rows(write(tmp_path, "o.jsonl", "\n".join(lines) + "\n"))
    assert (bad_json.line, bad_json.problem) == (
        1,
        "not valid JSON (Expecting property name enclosed in double quotes)",
    )
    assert bad_json.raw == "{not json"
    assert (array.line, array.problem) == (2, "is not a JSON object")
    assert (unknown.line, unknown.problem) == (
        3,
        "unknown field 'colour'; accepted: " + ", ".join(COLUMNS),
    )
    assert (good.line, good.problem, good.values) == (4, "", VALUES)
