"""`compounder label --format/--print`, `reprint --print` and `batch --format zpl`:
files, printers (a loopback listener, a private CUPS queue), exit codes and the log."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from label_images import barcodes, dark, pdf_image, png_image, share_near, zpl_images
from printer_servers import closed_port

BASE = ["label", "--rx", "1234567", "--patient", "Jane Doe", "--prescriber", "Dr A. Smith"]
DOSE = ["--dose", "1.5mg", "--concentration", "1mg/mL", "--quantity", "21mL"]
DOSE += ["--fill-date", "2026-12-01"]


def history(cli, db) -> list[dict]:
    result = cli("history", "--rx", "1234567", "--db", str(db), "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["entries"]


def fill_code(row: dict) -> str:
    """What a manifest row's label barcode holds: its Rx then its fill date YYMMDD."""
    return row["rx_number"] + row["fill_date"][2:].replace("-", "")


def settings_with_printer(tmp_path, example_config, uri: str, dpi: int = 300):
    path = tmp_path / "compounder.toml"
    text = example_config.read_text(encoding="utf-8")
    text = text[: text.index("[printers.")]  # the example's own printer is not reachable
    path.write_text(
        text + f'[printers.front]\nuri = "{uri}"\nformat = "zpl"\ndpi = {dpi}\n', encoding="utf-8"
    )
    return path


def test_zpl_and_png_files_from_the_suffix_or_format(cli, tmp_path, example_config):
    db = tmp_path / "log.db"
    common = [*BASE, *DOSE, "--config", str(example_config), "--db", str(db)]
    zpl = tmp_path / "label.zpl"
    assert cli(*common, "-o", str(zpl)).exit_code == 0
    assert zpl.read_bytes().startswith(b"^XA\n^CI28\n^PW812\n^LL609\n")
    (printed,) = zpl_images(zpl.read_bytes(), 203)
    assert barcodes(printed) == ["1234567261201"]  # the Rx and the fill date
    preview = tmp_path / "preview.img"
    result = cli(*common, "--format", "png", "--dpi", "300", "-o", str(preview))
    assert result.exit_code == 0, result.stderr
    assert png_image(preview.read_bytes()).size == (1200, 900)
    entries = history(cli, db)
    assert [(e["payload"].get("format"), e["payload"].get("dpi")) for e in entries] == [
        ("zpl", 203),
        ("png", 300),
    ]
    assert all("printed" not in e["payload"] for e in entries)


def test_print_to_a_socket_sends_the_file_and_logs_it_printed(
    cli, tmp_path, example_config, listener
):
    db = tmp_path / "log.db"
    target = tmp_path / "label.zpl"
    result = cli(
        *BASE, *DOSE, "--config", str(example_config), "--db", str(db),
        "--print", listener.uri, "-o", str(target),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert f"Printed 1 label on {listener.uri}" in result.stdout
    assert listener.wait() == [target.read_bytes()]
    label, printed = history(cli, db)  # the label committed first, then what the printer did
    assert (label["kind"], printed["kind"]) == ("label", "print")
    assert "printed" not in label["payload"]
    assert printed["payload"]["prints"] == label["id"]
    assert printed["payload"]["printed"] is True
    assert printed["payload"]["printer"] == listener.uri


def test_print_without_a_file_still_logs(cli, tmp_path, example_config, listener):
    db = tmp_path / "log.db"
    result = cli(
        *BASE, *DOSE, "--config", str(example_config), "--db", str(db), "--print", listener.uri
    )
    assert result.exit_code == 0, result.stderr
    (data,) = listener.wait()
    assert data.count(b"^XA") == 1
    assert [e["payload"].get("printed") for e in history(cli, db)] == [None, True]


def test_a_refusing_printer_exits_5_and_the_log_says_not_printed(cli, tmp_path, example_config):
    db = tmp_path / "log.db"
    printer = f"socket://127.0.0.1:{closed_port()}"
    result = cli(*BASE, *DOSE, "--config", str(example_config), "--db", str(db), "--print", printer)
    assert result.exit_code == 5
    assert result.stderr.startswith(f"compounder: error: not printed: printer {printer}")
    assert "Traceback" not in result.stderr and "Jane" not in result.stderr
    label, entry = history(cli, db)  # the label is logged whether or not it printed
    assert (label["kind"], entry["kind"], entry["payload"]["prints"]) == (
        "label", "print", label["id"],
    )  # fmt: skip
    assert entry["payload"]["printed"] is False
    assert entry["payload"]["print_error"] == "refused the connection"


def test_a_printer_named_in_the_settings(cli, tmp_path, example_config, listener):
    config = settings_with_printer(tmp_path, example_config, listener.uri, dpi=300)
    db = tmp_path / "log.db"
    result = cli(*BASE, *DOSE, "--config", str(config), "--db", str(db), "--print", "front")
    assert result.exit_code == 0, result.stderr
    (data,) = listener.wait()
    assert b"^PW1200\n^LL900\n" in data  # the printer's 300 dpi
    (printed,) = zpl_images(data, 300)
    assert barcodes(printed) == ["1234567261201"]


def test_a_cups_queue_through_lp(cli, tmp_path, example_config, listener, cups, monkeypatch):
    cups.add_raw_queue("counter-zebra", listener.uri)
    monkeypatch.setenv("CUPS_SERVER", cups.server)
    db = tmp_path / "log.db"
    result = cli(
        *BASE, *DOSE, "--config", str(example_config), "--db", str(db),
        "--print", "cups:counter-zebra", "--format", "zpl", "-o", str(tmp_path / "l.zpl"),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert listener.wait(timeout=60) == [(tmp_path / "l.zpl").read_bytes()], cups.log()
    payload = history(cli, db)[1]["payload"]
    assert payload["printed"] is True
    assert re.fullmatch(r"counter-zebra-[0-9]+", payload["print_job"])  # the id alone


def test_png_cannot_be_printed(cli, tmp_path, example_config, listener):
    result = cli(
        *BASE, *DOSE, "--config", str(example_config), "--print", listener.uri, "--format", "png"
    )
    assert result.exit_code == 2
    assert "png is a screen preview" in result.stderr


def test_label_needs_a_file_or_a_printer(cli, example_config):
    result = cli(*BASE, *DOSE, "--config", str(example_config))
    assert result.exit_code == 2
    assert "--output FILE, --print PRINTER, or both" in result.stderr


def test_reprint_prints_the_original_zpl_byte_for_byte(cli, tmp_path, example_config, listener):
    db = tmp_path / "log.db"
    original = tmp_path / "label.zpl"
    common = ["--config", str(example_config), "--db", str(db)]
    assert cli(*BASE, *DOSE, *common, "-o", str(original)).exit_code == 0
    result = cli("reprint", "--rx", "1234567", "--db", str(db), "--print", listener.uri)
    assert result.exit_code == 0, result.stderr
    assert listener.wait() == [original.read_bytes()]
    refused = f"socket://127.0.0.1:{closed_port()}"
    result = cli("reprint", "--rx", "1234567", "--db", str(db), "--print", refused)
    assert result.exit_code == 5
    assert "not printed" in result.stderr
    entries = history(cli, db)
    kinds = [(e["kind"], e["payload"].get("printed")) for e in entries]
    assert kinds == [
        ("label", None), ("reprint", None), ("print", True), ("reprint", None), ("print", False),
    ]  # fmt: skip
    assert entries[2]["payload"]["prints"] == entries[1]["id"]
    assert entries[4]["payload"]["prints"] == entries[3]["id"]


def test_reprint_of_a_pdf_label_to_a_file_is_unchanged(cli, tmp_path, example_config):
    db = tmp_path / "log.db"
    original = tmp_path / "label.pdf"
    common = ["--config", str(example_config), "--db", str(db)]
    assert cli(*BASE, *DOSE, *common, "-o", str(original)).exit_code == 0
    again = tmp_path / "again.pdf"
    result = cli("reprint", "--rx", "1234567", "--db", str(db), "-o", str(again))
    assert result.exit_code == 0, result.stderr
    assert again.read_bytes() == original.read_bytes()


def _count(span) -> int:
    low, _, high = str(span).partition("-")
    return int(high or low) - int(low) + 1


def test_batch_writes_one_zpl_file(cli, tmp_path, example_config):
    orders = example_config.parent / "orders.csv"
    out = tmp_path / "out"
    result = cli(
        "batch", str(orders), "-o", str(out), "--config", str(example_config),
        "--db", str(tmp_path / "log.db"), "--format", "zpl", "--dpi", "300",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert not list(out.glob("labels*.pdf"))
    data = (out / "labels.zpl").read_bytes()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["orders"]
    assert {row["labels_file"] for row in manifest} == {"labels.zpl"}
    labels = zpl_images(data, 300)
    assert len(labels) == data.count(b"^XA") == sum(_count(r["label_pages"]) for r in manifest)
    assert barcodes(labels[0]) == [fill_code(manifest[0])]


def test_batch_png_previews_are_numbered_through_the_run_and_match_the_pdf(
    cli, tmp_path, example_config
):
    """Issue 18: `batch --format png`, a preview of each label at the stock's size, the
    same label as the batch's PDF page; several chunks numbered through the run."""
    from compounder.batch.synthetic import write_orders

    orders = write_orders(tmp_path / "orders.csv", 5, titrations=False)
    common = ["batch", str(orders), "--config", str(example_config), "--chunk-size", "2"]
    pdf_out, png_out = tmp_path / "pdf", tmp_path / "png"
    result = cli(*common, "-o", str(png_out), "--db", str(tmp_path / "a.db"), "--format", "png")
    assert result.exit_code == 0, result.stderr
    assert "labels-000001.png ... labels-000005.png (5 files)" in result.stdout
    previews = sorted(p.name for p in png_out.glob("*.png"))
    assert previews == [f"labels-{n:06d}.png" for n in range(1, 6)]
    assert not [p for p in png_out.iterdir() if p.is_dir()]  # the chunks' folders are gone
    pdf_run = ["batch", str(orders), "--config", str(example_config), "-o", str(pdf_out)]
    assert cli(*pdf_run, "--db", str(tmp_path / "b.db")).exit_code == 0  # one labels.pdf
    pdf = (pdf_out / "labels.pdf").read_bytes()
    manifest = json.loads((png_out / "manifest.json").read_text(encoding="utf-8"))["orders"]
    for row in manifest:
        number = int(row["label_pages"])
        assert row["labels_file"] == f"labels-{number:06d}.png"
        preview = png_image((png_out / row["labels_file"]).read_bytes())
        assert preview.size == (812, 609)  # 4 x 3 in at 203 dpi
        assert barcodes(preview) == [fill_code(row)]
        page = pdf_image(pdf, 203, number - 1)
        assert share_near(dark(preview), page) > 0.98
        assert share_near(page, dark(preview)) > 0.98


def test_batch_print_sends_the_labels_file_and_logs_it(cli, tmp_path, example_config, listener):
    from compounder.log.entries import open_store

    orders = example_config.parent / "orders.csv"
    out = tmp_path / "out"
    db = tmp_path / "log.db"
    common = ["batch", str(orders), "--config", str(example_config), "--db", str(db)]
    result = cli(*common, "-o", str(out), "--print", listener.uri)
    assert result.exit_code == 0, result.stderr
    assert f"Printed labels.zpl on {listener.uri}" in result.stdout
    assert listener.wait() == [(out / "labels.zpl").read_bytes()]  # socket: zpl by default
    refused = f"socket://127.0.0.1:{closed_port()}"
    result = cli(*common, "-o", str(tmp_path / "again"), "--print", refused)
    assert result.exit_code == 5
    assert "not printed" in result.stderr
    with open_store(db) as store:
        assert store.count("batch-print") == 2
        printed, refused_entry = store.entries_of_kind("batch-print")
        (run, _) = store.entries_of_kind("batch-run")
    assert printed.payload["printed"] and not refused_entry.payload["printed"]
    assert printed.payload["files_sha256"] == [run.payload["files"]["labels.zpl"]]
    # an order's history says its batch label went to the printer
    rx = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["orders"][0]["rx_number"]
    entries = cli("history", "--rx", rx, "--db", str(db), "--json")
    found = json.loads(entries.stdout)["entries"]
    kinds = [(e["kind"], e["payload"].get("printed")) for e in found]
    assert kinds[:2] == [("dispense", None), ("batch-print", True)]
    table = cli("history", "--rx", rx, "--db", str(db)).stdout
    assert "batch-print (printed)" in table


def test_one_label_loads_only_what_it_draws(tmp_path, example_config):
    """The single-label path (benchmarks/one_label.py times it): no pint registry, no
    platypus, no barcode widgets, no fallback font for a Latin-script label."""
    import subprocess
    import sys

    script = f"""
import sys
from compounder.cli.app import app
try:
    app({[*BASE[0:], *DOSE, "--config", str(example_config), "--db", str(tmp_path / "l.db"),
          "-o", str(tmp_path / "l.pdf")]!r})
except SystemExit as exit:
    assert exit.code == 0, exit.code
from reportlab.pdfbase import pdfmetrics
heavy = ("pint", "reportlab.platypus", "reportlab.graphics.barcode")
loaded = [m for m in heavy if m in sys.modules]
print(loaded, sorted(pdfmetrics.getRegisteredFontNames()))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip().splitlines()[-1] == "[] ['Atkinson', 'Atkinson-Bold']"


@pytest.mark.skipif(not Path("/etc/passwd").is_file(), reason="needs a system /etc/passwd")
def test_a_printer_stock_that_is_not_a_stock_is_a_settings_error(cli, tmp_path, monkeypatch):
    """`stock = "../../etc/passwd"` (from / that is /etc/passwd): exit 4 naming the
    settings file and printers.x.stock, not the password file as a broken data file."""
    from conftest import EXAMPLE_CONFIG, LABEL_ARGS

    settings = tmp_path / "compounder.toml"
    settings.write_text(
        EXAMPLE_CONFIG.read_text()
        + '\n[printers.x]\nuri = "socket://127.0.0.1:9100"\nstock = "../../etc/passwd"\n'
    )
    monkeypatch.chdir("/")
    target = tmp_path / "l.zpl"
    result = cli(
        *LABEL_ARGS, "--config", str(settings), "--db", str(tmp_path / "log.db"),
        "-o", str(target), "--print", "x",
    )  # fmt: skip
    assert result.exit_code == 4, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        f"compounder: error: {settings}: printers.x.stock: '../../etc/passwd' is not a usable "
        "stock (not valid TOML"
    )
    assert "root:x" not in line and not target.exists()
