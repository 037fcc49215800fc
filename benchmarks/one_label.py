"""One label, cold: `compounder label` for one dose against a bare reportlab script.

The floor is the smallest script a programmer would write to draw a comparable label:
reportlab's canvas, the same two Atkinson Hyperlegible faces, the same label lines at
fixed positions on the same 4 x 3 in stock, and reportlab's own Code 128 barcode of the
Rx number; no settings, no calculation, no log. Both are timed as whole processes,
interleaved, in the same run; the script prints the median of each and their ratio.
Goal (issue 18): ratio at most 1.5.

    python benchmarks/one_label.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 1.5
ROOT = Path(__file__).resolve().parents[1]

FLOOR = r'''
import sys
from reportlab.graphics.barcode.code128 import Code128
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

fonts, out = sys.argv[1], sys.argv[2]
for name, file in [("Atkinson", "AtkinsonHyperlegible-Regular.ttf"),
                   ("Atkinson-Bold", "AtkinsonHyperlegible-Bold.ttf")]:
    pdfmetrics.registerFont(TTFont(name, f"{fonts}/{file}"))
canvas = Canvas(out, pagesize=(288, 216), invariant=1, initialFontName="Atkinson")
lines = [
    ("Atkinson-Bold", 14, "Jane Doe"),
    ("Atkinson-Bold", 12, "Naltrexone HCl 1 mg/mL oral liquid \u2022 Compounded preparation"),
    ("Atkinson-Bold", 13, "Take 1.5 mL (1.5 mg) by mouth at bedtime"),
    ("Atkinson", 9, "Qty: 25 mL \u2022 Rx: 1234567 \u2022 Lot: 20261201-1234567"),
    ("Atkinson", 9, "Filled: Dec 1, 2026 \u2022 Discard after: Dec 14, 2026"),
    ("Atkinson", 9, "Store in a refrigerator, 2 \u00b0C to 8 \u00b0C. Do not freeze."),
    ("Atkinson", 9, "Prescriber: Dr A. Smith"),
    ("Atkinson", 9, "Measure with the 3 mL oral syringe (0.1 mL marks) supplied"),
    ("Atkinson-Bold", 9, "Shake well \u2022 Refrigerate, do not freeze \u2022 Protect from light"),
    ("Atkinson-Bold", 9, "Do not take with opioid pain medicines"),
]
y = 216 - 7.2
for font, size, text in lines:
    y -= size * 1.25
    canvas.setFont(font, size)
    canvas.drawString(7.2, y, text)
canvas.setFont("Atkinson", 8)
for offset, text in enumerate(["Riverside Compounding Pharmacy",
                               "120 Harbor Street, Springfield, IL 62701", "(555) 010-0199"]):
    canvas.drawString(7.2, 36 - offset * 10, text)
barcode = Code128("1234567", barWidth=0.72, barHeight=18, humanReadable=False, quiet=True)
barcode.drawOn(canvas, 288 - 7.2 - barcode.width, 16)
canvas.setFont("Atkinson", 7)
canvas.drawCentredString(288 - 7.2 - barcode.width / 2, 9, "1234567")
canvas.showPage()
canvas.save()
'''


def _time(command: list[str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=cwd, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    script = shutil.which("compounder", path=os.path.dirname(sys.executable))
    base = [script] if script else [sys.executable, "-P", "-m", "compounder"]
    with tempfile.TemporaryDirectory(prefix="one-label-") as work:
        # the label's head is witnessed in an anchor of its own (not beside examples/)
        os.environ["COMPOUNDER_ANCHOR"] = str(Path(work) / "anchors.log")
        label = [
            *base,
            "label",
            "--rx", "1234567",
            "--patient", "Jane Doe",
            "--prescriber", "Dr A. Smith",
            "--dose", "1.5 mg",
            "--concentration", "1 mg/mL",
            "--quantity", "21 mL",
            "--fill-date", "2026-12-01",
            "--config", str(ROOT / "examples" / "compounder.toml"),
            "--db", str(Path(work) / "log.db"),
            "-o", str(Path(work) / "label.pdf"),
        ]  # fmt: skip
        floor_script = Path(work) / "floor.py"
        floor_script.write_text(FLOOR, encoding="utf-8")
        floor = [sys.executable, str(floor_script), str(ROOT / "fonts"), "floor.pdf"]
        for command in (label, floor):  # warm the OS file cache and .pyc files
            _time(command, work)
        label_times, floor_times = [], []
        for _ in range(args.runs):
            label_times.append(_time(label, work))
            floor_times.append(_time(floor, work))
    label_median = statistics.median(label_times)
    floor_median = statistics.median(floor_times)
    ratio = label_median / floor_median
    print(f"runs: {args.runs} each, interleaved")
    print(f"floor  bare reportlab script, one label: median {floor_median * 1000:.1f} ms")
    print(f"compounder label, one dose             : median {label_median * 1000:.1f} ms")
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(f"ratio: {ratio:.2f}x the floor (goal <= {GOAL}x): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
