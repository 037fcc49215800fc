"""Labels in ZPL II for thermal label printers (Zebra and compatibles).

One ``^XA`` ... ``^XZ`` format per label, all of a run in one file. Each label is laid
out by ``label_flow.place_labels`` (the same never-truncate rules as the PDF, so the two
say the same thing, line for line, in the same order) and sized by the stock at the
printer's resolution (``^PW`` width, ``^LL`` length, in dots at 203 or 300 dpi).

Text is sent as bitmaps (``^GF``, one per laid-out line, run-length compressed), not
in the printer's own fonts: the printer's scalable font has other letter widths than
Atkinson Hyperlegible, so a line that the layout proved fits could run past the label's
edge or into the barcode; its character set also lacks what the DejaVu fallback draws.
Each bitmap is preceded by an ``^FX`` comment with the line's text, so the file says
what it prints. The fill's Code 128 (the Rx number and the fill date,
``core.scan_codes``) is a native ``^BC`` field with the module
width in whole dots and the code sets spelled out (``code128.zpl_data``), so the
printer draws the symbol the PDF shows; ``^CI28`` declares UTF-8.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from compounder.atomic import write_bytes_atomic
from compounder.content.labels import LabelContent
from compounder.core.label_formats import DPI_CHOICES
from compounder.core.stocks import LabelStock
from compounder.render import code128
from compounder.render.label_flow import place_labels
from compounder.render.label_geometry import PlacedLabel, barcode_number_size
from compounder.render.label_raster import dots, geometry, label_image
from compounder.render.textfit import Layout, Line, font_metrics, load_layout, string_width

_HEX = "0123456789ABCDEF"


def _count(n: int) -> str:
    """A repeat count in ZPL's compressed ^GF data (G..Y for 1..19, g..z for 20..400)."""
    text = "z" * (n // 400)
    n %= 400
    if n >= 20:
        text += chr(ord("g") + n // 20 - 1)
        n %= 20
    if n:
        text += chr(ord("G") + n - 1)
    return text


def compress_row(row: str) -> str:
    """One row of hex digits in ZPL's run-length form; trailing zeros as ','."""
    body = row.rstrip("0")
    out = []
    i = 0
    while i < len(body):
        j = i
        while j < len(body) and body[j] == body[i]:
            j += 1
        run = j - i
        out.append((_count(run) if run > 1 else "") + body[i])
        i = j
    if len(body) < len(row):
        out.append(",")
    return "".join(out)


def graphic_field(image: Any) -> str:
    """``^GFA`` data for a greyscale image (dark below half grey prints as a dot)."""
    width, height = image.size
    row_bytes = (width + 7) // 8
    bitmap = image.point(lambda v: 255 if v < 128 else 0).convert("1")
    raw = bitmap.tobytes()  # rows padded to whole bytes, 1 = a dot
    rows = []
    previous = None
    for y in range(height):
        row = raw[y * row_bytes : (y + 1) * row_bytes].hex().upper()
        rows.append(":" if row == previous else compress_row(row))
        previous = row
    total = row_bytes * height
    return f"^GFA,{total},{total},{row_bytes},{''.join(rows)}"


def _comment(text: str) -> str:
    return "^FX " + text.replace("^", " ").replace("~", " ")


def _line_band(line: Line, top: float, dpi: int) -> tuple[int, int]:
    ascent, descent = font_metrics(line.font)
    upper = dots(top + line.baseline - ascent * line.size, dpi)
    lower = dots(top + line.baseline + descent * line.size, dpi) + 1
    return max(upper, 0), lower


def label_format(placed: PlacedLabel, stock: LabelStock, number_size: float, dpi: int) -> str:
    """One label as a ZPL format (``^XA`` ... ``^XZ``)."""
    if dpi not in DPI_CHOICES:
        raise ValueError(f"dpi must be one of {DPI_CHOICES}")
    where = geometry(placed, stock, number_size)
    image = label_image(placed, stock, number_size, dpi, barcode=False)
    width, height = image.size
    parts = ["^XA", "^CI28", f"^PW{width}", f"^LL{height}", "^LH0,0"]
    boxes = [(line, where.main_top) for line in placed.main]
    boxes += [(line, where.footer_top) for line in placed.footer]
    left = dots(where.left, dpi)
    for line, top in boxes:
        upper, lower = _line_band(line, top, dpi)
        right = min(width, left + dots(_line_width(line), dpi) + 4)  # + overhanging ink
        crop = image.crop((left, upper, right, min(lower, height)))
        parts += [_comment(line.text), f"^FO{left},{upper}{graphic_field(crop)}^FS"]
    bars = placed.bars
    module = max(1, dots(bars.unit, dpi))
    bar_x = dots(where.bar_left + bars.quiet, dpi)
    bar_y = dots(where.bar_top, dpi)
    bar_height = dots(bars.height, dpi)
    code = placed.content.barcode
    parts += [
        _comment(_barcode_comment(placed.content)),
        f"^FO{bar_x},{bar_y}^BY{module}^BCN,{bar_height},N,N,N^FD{code128.zpl_data(code)}^FS",
    ]
    number_top = dots(where.number_baseline - number_size, dpi)
    number_bottom = min(height, dots(where.number_baseline + number_size * 0.3, dpi))
    crop = image.crop((bar_x - dots(bars.quiet, dpi), number_top, width, number_bottom))
    parts += [f"^FO{bar_x - dots(bars.quiet, dpi)},{number_top}{graphic_field(crop)}^FS"]
    parts.append("^XZ")
    return "\n".join(parts) + "\n"


def _barcode_comment(content: LabelContent) -> str:
    """What the barcode holds: "Rx 1234567, barcode 1234567261207" (the Rx and the
    fill date); a label logged before barcodes held the fill: "Rx 1234567", as then."""
    if not content.code:
        return f"Rx {content.rx}"
    return f"Rx {content.rx}, barcode {content.code}"


def _line_width(line: Line) -> float:
    return string_width(line.text, line.font, line.size)


class ZplWriter:
    """Writes labels' ZPL formats one after another into an open binary file (a batch's
    labels file); ``add`` returns the label's number in the file."""

    def __init__(self, output: Any, layout: Layout, dpi: int) -> None:
        self.output = output
        self.dpi = dpi
        self.number_size = barcode_number_size(layout)
        self.count = 0

    def add(self, placed: PlacedLabel, stock: LabelStock) -> int:
        self.output.write(label_format(placed, stock, self.number_size, self.dpi).encode())
        self.count += 1
        return self.count

    def close(self) -> None:
        pass


def render_labels_zpl(
    contents: list[LabelContent],
    stock: LabelStock,
    dpi: int,
    target: Path | None = None,
    layout: Layout | None = None,
) -> bytes:
    """The labels as one ZPL file (UTF-8); written atomically to ``target`` when given."""
    layout = layout or load_layout()
    number_size = barcode_number_size(layout)
    placed = [p for content in contents for p in place_labels(content, stock, layout)]
    data = "".join(label_format(p, stock, number_size, dpi) for p in placed).encode("utf-8")
    if target is not None:
        write_bytes_atomic(Path(target), data)
    return data


# The format's entry points (``core.label_formats``' registry; ``render.label_output``).
def render_files(
    contents: list[LabelContent],
    stock: LabelStock,
    dpi: int,
    target: Path | None = None,
    layout: Layout | None = None,
) -> list[bytes]:
    """The labels as one ZPL file."""
    return [render_labels_zpl(contents, stock, dpi, target, layout)]


def open_writer(path: Path, layout: Layout, dpi: int, files: Any, name: str) -> ZplWriter:
    """A writer putting placed labels' formats into one ZPL file at ``path``."""
    return ZplWriter(files.enter_context(path.open("wb")), layout, dpi)
