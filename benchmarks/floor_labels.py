"""The floor for the batch benchmark: a bare reportlab script drawing the same labels.

It reads the same order file and draws, for each order, the same label content that
``compounder batch`` prints (the same lines, fonts, sizes and Code 128 barcode, on the
same 4 x 3 in stock, 5,000 labels a file), with no calculation, validation or layout:
every string is filled into a fixed template and drawn at a fixed position.

    python benchmarks/floor_labels.py ORDERS.csv OUT_DIR
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from reportlab.graphics.barcode.code128 import Code128
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONTS = Path(__file__).resolve().parents[1] / "fonts"
WIDTH, HEIGHT = 288.0, 216.0
CHUNK = 5000
# dose -> volume at 1 mg/mL and the syringe, looked up, not calculated
VOLUME = {"1.5": "1.5", "2": "2", "2.5": "2.5", "3": "3", "3.5": "3.5", "4": "4", "4.5": "4.5"}
SYRINGE = {"1.5": "3", "2": "3", "2.5": "5", "3": "5", "3.5": "5", "4": "5", "4.5": "10"}
MARKS = {"3": "0.1", "5": "0.1", "10": "0.5"}
QUANTITY = {"1.5": "24", "2": "31", "2.5": "39", "3": "47", "3.5": "54", "4": "62", "4.5": "70"}


def draw(canvas: Canvas, row: dict[str, str]) -> None:
    dose = row["dose"].split()[0]
    volume, syringe = VOLUME[dose], SYRINGE[dose]
    time = "in the morning" if row["dose_time"] == "morning" else "at bedtime"
    rx = row["rx_number"]
    lines = [
        ("Atkinson-Bold", 14, row["patient_name"]),
        ("Atkinson-Bold", 12, "Naltrexone HCl 1 mg/mL oral liquid •"),
        ("Atkinson-Bold", 12, "Compounded preparation"),
        ("Atkinson-Bold", 13, f"Take {volume} mL ({dose} mg) by mouth {time}"),
        ("Atkinson", 9, f"Qty: {QUANTITY[dose]} mL • Rx: {rx} • Lot: 20261201-{rx}"),
        ("Atkinson", 9, "Filled: Dec 1, 2026 • Discard after: Dec 14, 2026"),
        ("Atkinson", 9, "Store in a refrigerator, 2 °C to 8 °C. Do not freeze."),
        ("Atkinson", 9, f"Prescriber: {row['prescriber']}"),
        (
            "Atkinson",
            9,
            f"Measure with the {syringe} mL oral syringe ({MARKS[syringe]} mL marks) supplied",
        ),
        ("Atkinson-Bold", 9, "Shake well • Refrigerate, do not freeze • Protect from light •"),
        ("Atkinson-Bold", 9, "Do not take with opioid pain medicines"),
    ]
    y = HEIGHT - 7.2
    for font, size, text in lines:
        y -= size * 1.25
        canvas.setFont(font, size)
        canvas.drawString(7.2, y, text)
    canvas.setFont("Atkinson", 8)
    for offset, text in enumerate(
        [
            "Riverside Compounding Pharmacy",
            "120 Harbor Street, Springfield, IL 62701",
            "(555) 010-0199",
        ]
    ):
        canvas.drawString(7.2, 36 - offset * 10, text)
    barcode = Code128(rx, barWidth=0.72, barHeight=18, humanReadable=False, quiet=True)
    barcode.drawOn(canvas, WIDTH - 7.2 - barcode.width, 16)
    canvas.setFont("Atkinson", 7)
    canvas.drawCentredString(WIDTH - 7.2 - barcode.width / 2, 9, rx)
    canvas.showPage()


def main(orders: str, out: str) -> None:
    for name, file in [
        ("Atkinson", "AtkinsonHyperlegible-Regular.ttf"),
        ("Atkinson-Bold", "AtkinsonHyperlegible-Bold.ttf"),
    ]:
        pdfmetrics.registerFont(TTFont(name, str(FONTS / file)))
    Path(out).mkdir(parents=True, exist_ok=True)
    canvas = None
    chunk = 0
    with open(orders, encoding="utf-8", newline="") as handle:
        for index, row in enumerate(csv.DictReader(handle)):
            if index % CHUNK == 0:
                if canvas is not None:
                    canvas.save()
                chunk += 1
                canvas = Canvas(
                    str(Path(out) / f"floor-{chunk:04d}.pdf"),
                    pagesize=(WIDTH, HEIGHT),
                    invariant=1,
                    initialFontName="Atkinson",
                )
            draw(canvas, row)
    if canvas is not None:
        canvas.save()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
