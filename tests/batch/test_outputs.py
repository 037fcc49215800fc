"""What a batch run writes besides labels and charts: the manifest from its parts,
rejected.csv with formula cells made inert, the worksheet, and publishing."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import pytest
from conftest import EXAMPLE_CONFIG

from compounder.batch.order_file import RawRow
from compounder.batch.outputs import (
    MANIFEST_COLUMNS,
    RejectedSpool,
    compounding_worksheet,
    foreign_outputs,
    join_manifest,
    neutralise,
    outputs_in,
    publish,
    read_log_part,
    write_log_part,
    write_manifest_part,
    write_worksheet,
)
from compounder.batch.run import BatchReport
from compounder.core.settings import find_config

CONFIG = str(find_config(EXAMPLE_CONFIG))


def row(line: int, rx: str, **extra) -> dict:
    return {"line": line, "rx_number": rx, "lot": "20261201-001", **extra}


def test_the_manifest_is_joined_in_chunk_order(tmp_path):
    write_manifest_part(tmp_path, 2, [])  # a chunk whose orders were all refused
    write_manifest_part(tmp_path, 3, [row(9, "9", notes="Zoë")])
    write_manifest_part(tmp_path, 0, [row(2, "2"), row(3, "3", unknown="not a column")])
    # chunk 1 drew nothing: it has no part at all
    join_manifest(tmp_path, 4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.csv", "manifest.json"]
    data = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["orders"]
    assert [m["rx_number"] for m in data] == ["2", "3", "9"]
    assert data[1]["unknown"] == "not a column" and data[2]["notes"] == "Zoë"
    with (tmp_path / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == list(MANIFEST_COLUMNS)
    assert [r[:2] for r in table[1:]] == [["2", "2"], ["3", "3"], ["9", "9"]]
    assert all(len(r) == len(MANIFEST_COLUMNS) for r in table)  # extra keys left out
    assert table[3][MANIFEST_COLUMNS.index("notes")] == "Zoë"


def test_an_empty_manifest_is_still_valid(tmp_path):
    join_manifest(tmp_path, 2)
    empty = {"schema_version": 1, "orders": []}
    assert json.loads((tmp_path / "manifest.json").read_text()) == empty
    assert (tmp_path / "manifest.csv").read_text().splitlines() == [",".join(MANIFEST_COLUMNS)]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("-5 mL", "'-5 mL"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "\\t=1"),  # control characters are escaped: inert
        ("\r=1", "\\r=1"),
        ("1=1", "1=1"),
        ("Jane Doe", "Jane Doe"),
        ("", ""),
    ],
)
def test_neutralise(cell, written):
    assert neutralise(cell) == written


def read_csv(path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_rejected_rows_are_written_as_they_were_with_formulas_made_inert(tmp_path):
    header = ["rx_number", "patient_name", "dose"]
    spool = RejectedSpool(tmp_path, header)
    spool.extend([])
    assert not spool.path.exists()  # no bad rows, no file
    spool.extend(
        [
            (RawRow(2, {}, ("1000101", "=cmd|' /C calc'!A0", "1.5 mg")), "line 2, column dose: x"),
            (RawRow(3, {}, ("1000102", "Ann, Lee")), "line 3: has 2 cells; the header has 3"),
        ]
    )
    spool.extend([(RawRow(4, {}, ("+1", "@me", "-2 mg")), "line 4, column dose: y")])
    spool.close()
    spool.close()  # closing twice is harmless
    assert read_csv(spool.path) == [
        ["rx_number", "patient_name", "dose", "reason"],
        ["1000101", "'=cmd|' /C calc'!A0", "1.5 mg", "line 2, column dose: x"],
        ["1000102", "Ann, Lee", "", "line 3: has 2 cells; the header has 3"],  # padded
        ["'+1", "'@me", "'-2 mg", "line 4, column dose: y"],
    ]


def test_rejected_json_lines_keep_the_whole_line_in_one_cell(tmp_path):
    spool = RejectedSpool(tmp_path, ["raw"])
    line = '{"rx_number": "1", "dose": "=1+1"}'
    spool.extend([(RawRow(1, {}, line), "line 1, column dose: z"), (RawRow(2, {}, "=2"), "r")])
    spool.close()
    assert read_csv(spool.path) == [
        ["raw", "reason"],
        [line, "line 1, column dose: z"],  # starts with "{": nothing to neutralise
        ["'=2", "r"],
    ]


def test_the_worksheet_from_the_run_totals(tmp_path):
    # 136 mL at 1 mg/mL = 136 mg: 3 x 50 mg tablets (2 give only 100 mg) made up to
    # 150 mL, 14 mL more; powder: 1 mg/mL x 100 mL = 100 mg to weigh for the certificate
    totals = {
        ("2026-12-01", "1", "water", "tablet-50mg", 1): Decimal(136),
        ("2026-12-01", "1", "fawcett-preserved", "powder-hcl", 1): Decimal(100),
    }
    sheet = compounding_worksheet(totals, CONFIG)
    assert sheet == [
        {
            "fill_date": "2026-12-01",
            "concentration": "1 mg/mL",
            "vehicle": "fawcett-preserved",
            "source": "powder-hcl",
            "volume_needed_ml": "100",
            "drug_needed_mg": "100",
            "note": "weigh with 'compounder prepare --from powder' and the certificate's "
            "assay and water",
        },
        {
            "fill_date": "2026-12-01",
            "concentration": "1 mg/mL",
            "vehicle": "water",
            "source": "tablet-50mg",
            "volume_needed_ml": "136",
            "tablets": 3,
            "tablet_strength_mg": "50",
            "make_up_to_ml": "150",
            "excess_ml": "14",
            "bud": "2026-12-14",
        },
    ]
    write_worksheet(tmp_path, BatchReport(worksheet=sheet))
    text = (tmp_path / "worksheet.txt").read_text(encoding="utf-8")
    assert text.startswith("Compounding worksheet\n\n")
    assert "136 mL  3 x 50 mg tablets, make up to 150 mL (excess 14 mL)" in text
    assert "100 mL  100 mg naltrexone HCl; weigh with" in text
    write_worksheet(tmp_path, BatchReport())
    assert (tmp_path / "worksheet.txt").read_text() == (
        "Compounding worksheet\n\nNothing to prepare.\n"
    )


def test_publish_moves_the_runs_files_and_nothing_else(tmp_path):
    temp, out = tmp_path / "temp", tmp_path / "out"
    temp.mkdir()
    out.mkdir()
    for name in ["labels.pdf", "manifest.json", "manifest.csv", "scratch.part"]:
        (temp / name).write_text(f"new {name}")
    for name in ["labels.pdf", "labels-0001.pdf", "rejected.csv", "notes.txt"]:
        (out / name).write_text(f"old {name}")
    names = outputs_in(temp)
    assert names == ["labels.pdf", "manifest.csv", "manifest.json"]  # not scratch.part
    # an earlier run's outputs this run would not replace: the run must stop first
    assert foreign_outputs(out, names, None) == ["labels-0001.pdf", "rejected.csv"]
    assert foreign_outputs(out, names, out / "rejected.csv") == ["labels-0001.pdf"]  # the input
    published = publish(temp, out, names)
    assert published == [str(out / n) for n in names]
    assert sorted(p.name for p in out.iterdir()) == [
        "labels-0001.pdf",  # never removed: not this run's
        "labels.pdf",
        "manifest.csv",
        "manifest.json",
        "notes.txt",
        "rejected.csv",
    ]
    assert (out / "labels.pdf").read_text() == "new labels.pdf"
    assert [p.name for p in temp.iterdir()] == ["scratch.part"]  # not an output


def test_log_rows_are_kept_in_the_runs_folder_until_it_commits(tmp_path):
    rows = [(2, "1000101", "20261201-001", '{"a": 1}', "dispense:abc:1000101")]
    write_log_part(tmp_path, 3, rows, {"h": "{}"})
    from compounder.log.chain import content_hash

    content = content_hash("dispense", "1000101", "20261201-001", None, rows[0][4], '{"a": 1}')
    assert read_log_part(tmp_path, 3) == ([tuple(str(v) for v in rows[0])], [content], {"h": "{}"})
    assert read_log_part(tmp_path, 4) == ([], [], {})  # a chunk with nothing printed


def test_labels_moved_renumbers_single_pages_and_spans():
    from compounder.batch.outputs import LabelsMoved

    moved = LabelsMoved("labels.zpl", 40)
    row = {"labels_file": "labels-0002.zpl", "label_pages": "3-5", "lot": "X"}
    assert moved.renumber(row) == {"labels_file": "labels.zpl", "label_pages": "43-45", "lot": "X"}
    assert (
        moved.renumber({"labels_file": "labels-0002.zpl", "label_pages": "1"})["label_pages"]
        == "41"
    )
    assert row["label_pages"] == "3-5"  # the row itself is left as it was
    assert moved.renumber({"labels_file": "", "label_pages": ""}) == {
        "labels_file": "",
        "label_pages": "",
    }


def test_join_labels_keeps_chunk_order_and_skips_chunks_with_none(tmp_path):
    from compounder.batch.outputs import join_labels

    (tmp_path / "labels-0001.zpl").write_bytes(b"^XA1^XZ\n^XA2^XZ\n")
    (tmp_path / "labels-0003.zpl").write_bytes(b"^XA3^XZ\n")
    moved = join_labels(
        tmp_path,
        [(0, "labels-0001.zpl", 2), (1, "", 0), (2, "labels-0003.zpl", 1)],
        "labels.zpl",
    )
    assert (tmp_path / "labels.zpl").read_bytes() == b"^XA1^XZ\n^XA2^XZ\n^XA3^XZ\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.zpl"]
    assert [moved[i].before for i in range(3)] == [0, 2, 2]
