"""`compounder label --profile`, continuation labels, `--language en+es`, in every format."""

from __future__ import annotations

import json

import pytest
from conftest import decode_barcodes, pdf_pages

BASE = ["label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith"]
DOSE = ["--dose", "1.5mg", "--quantity", "21mL", "--fill-date", "2026-12-01"]
TITRATION = ["--titration", "--start-date", "2026-12-01", "--fill", "all"]


def run(cli, example_config, *args):
    return cli(*BASE, *args, "--config", str(example_config))


def test_titration_on_avery_5163_continues_instead_of_refusing(cli, tmp_path, example_config):
    target = tmp_path / "labels.pdf"
    result = run(cli, example_config, *TITRATION, "--stock", "avery-5163", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert f"Wrote 14 labels for 7 containers to {target}" in result.stdout
    assert "label 1 continues on 2 labels" in result.stdout
    pages = pdf_pages(target.read_bytes())
    text = " ".join(pages[0].extract_text().split())
    assert text.count("Label 1 of 2") == 5 and text.count("Label 2 of 2") == 5
    assert text.count("Jane Doe") == 10  # the patient on every label
    # and the barcode: each fill's, the same on its continuation label
    codes = decode_barcodes(target.read_bytes())
    assert len(codes) == 10 and len(set(codes)) == 5
    assert all(codes.count(code) == 2 and code.startswith("1234567") for code in codes)
    assert "1234567261201" in codes  # the first fill, 2026-12-01


def test_the_count_written_includes_continuation_labels(cli, tmp_path, example_config):
    target = tmp_path / "label.pdf"
    result = run(
        cli, example_config, *DOSE, "--profile", "large-print", "--stock", "thermal-4x3",
        "-o", str(target), "--db", str(tmp_path / "log.db"), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    text = " ".join(page.extract_text() for page in pdf_pages(target.read_bytes()))
    written = sum(f"Label {n} of 2" in text for n in (1, 2))
    assert written == 2 and "Label 3" not in text
    assert json.loads(result.stdout)["label_count"] == 2
    result = run(
        cli, example_config, *DOSE, "--profile", "large-print", "--stock", "thermal-4x3",
        "-o", str(target), "--db", str(tmp_path / "log.db"),
    )  # fmt: skip
    assert result.stdout.splitlines()[0] == f"Wrote 2 labels for 1 container to {target}"
    result = run(cli, example_config, *DOSE, "-o", str(target), "--db", str(tmp_path / "log.db"))
    assert result.stdout.splitlines()[0] == f"Wrote 1 label to {target}"


@pytest.mark.parametrize("profile", ["usp17", "california", "large-print"])
def test_profile_option(cli, tmp_path, example_config, profile):
    target = tmp_path / "label.pdf"
    result = run(cli, example_config, *DOSE, "--profile", profile, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    page = pdf_pages(target.read_bytes())[0]
    name = [c["size"] for c in page.chars if c["text"] in "Jane"][:4]
    assert min(name) >= {"usp17": 10, "california": 12, "large-print": 18}[profile]


def test_unknown_profile_is_one_line_exit_2(cli, tmp_path, example_config):
    result = run(cli, example_config, *DOSE, "--profile", "tiny", "-o", str(tmp_path / "x.pdf"))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "usp17, california, large-print" in lines[0]
    assert not (tmp_path / "x.pdf").exists()


def test_en_plus_es_json(cli, tmp_path, example_config):
    result = run(
        cli, example_config, *DOSE, "--language", "en+es", "-o", str(tmp_path / "l.pdf"), "--json"
    )
    assert result.exit_code == 0, result.stderr
    lines = json.loads(result.stdout)["labels"][0]["lines"]
    assert lines["directions"] == "Take 1.5 mL (1.5 mg) by mouth at bedtime"
    assert lines["directions (es)"] == "Tome 1.5 mL (1.5 mg) por vía oral al acostarse"


def test_zpl_and_png_follow_the_continuation(cli, tmp_path, example_config):
    zpl = tmp_path / "labels.zpl"
    result = run(cli, example_config, *DOSE, "--stock", "avery-5163", "-o", str(zpl))
    assert result.exit_code == 0, result.stderr
    data = zpl.read_text(encoding="utf-8")
    assert data.count("^XA") == 2  # one container, two labels
    assert "^FX Label 1 of 2" in data and "^FX Label 2 of 2" in data
    assert data.count("^FX Jane Doe") == 2
    png = tmp_path / "label.png"
    result = run(cli, example_config, *DOSE, "--stock", "avery-5163", "-o", str(png))
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "label-1.png").exists() and (tmp_path / "label-2.png").exists()


def test_reprint_of_a_continued_label_is_byte_identical(cli, tmp_path, example_config):
    first, again, db = tmp_path / "a.pdf", tmp_path / "b.pdf", tmp_path / "log.db"
    args = ("--stock", "avery-5163", "--profile", "california", "--db", str(db))
    result = run(cli, example_config, *DOSE, *args, "-o", str(first))
    assert result.exit_code == 0, result.stderr
    result = cli("reprint", "--rx", "1234567", "-o", str(again), "--db", str(db))
    assert result.exit_code == 0, result.stderr
    assert again.read_bytes() == first.read_bytes()
    assert "Label 2 of 3" in pdf_pages(again.read_bytes())[0].extract_text()


def test_batch_reprint_of_a_continued_label(cli, tmp_path, example_config):
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity,stock\n"
        "2000002,Tom Baker,Dr B. Jones,2026-12-01,1 mg/mL,2 mg,28 mL,avery-5163\n"
    )
    db = tmp_path / "log.db"
    result = cli(
        "batch", str(orders), "-o", str(tmp_path / "out"), "--config", str(example_config),
        "--db", str(db), "--profile", "california",
    )
    assert result.exit_code == 0, result.stderr
    again = tmp_path / "again.pdf"
    result = cli("reprint", "--rx", "2000002", "-o", str(again), "--db", str(db))
    assert result.exit_code == 0, result.stderr
    text = " ".join(pdf_pages(again.read_bytes())[0].extract_text().split())
    assert text.count("Tom Baker") == 3 and "Label 3 of 3" in text  # three labels, not six
    sizes = [c["size"] for c in pdf_pages(again.read_bytes())[0].chars if c["top"] < 60]
    assert max(sizes) >= 12  # the California sizes kept with the run
