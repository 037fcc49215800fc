"""What a label format is: PDF, ZPL or PNG, in one registry.

Each format says its file suffix, its resolution rule (a vector PDF has none; ZPL and
PNG are drawn at 203 or 300 dpi), whether a printer can be sent it, whether it makes one
file a label (PNG previews) and which ``render`` module draws it. Every place that
lists the formats, checks a resolution or picks a renderer reads it from here
(``render.label_output`` picks the renderer; the API, the batch and the settings check
names against it).
"""

from __future__ import annotations

from dataclasses import dataclass

from compounder.errors import InputError

DPI_CHOICES = (203, 300)
DEFAULT_DPI = 203


@dataclass(frozen=True)
class LabelFormat:
    id: str
    description: str
    at_dpi: bool  # drawn at a printer's resolution (DPI_CHOICES); False: vector
    printable: bool  # a printer can be sent it (a socket printer: zpl; a CUPS queue: pdf)
    file_per_label: bool  # one file a label (previews), not one file for all
    renderer: str  # the render module that draws it (``render_files``, ``open_writer``)

    @property
    def suffix(self) -> str:
        return f".{self.id}"

    def __str__(self) -> str:
        return self.id


PDF = LabelFormat("pdf", "PDF at the stock's size", False, True, False, "label_pdf")
ZPL = LabelFormat("zpl", "ZPL for a thermal printer", True, True, False, "label_zpl")
PNG = LabelFormat("png", "a PNG preview of each label", True, False, True, "label_png")
FORMATS: dict[str, LabelFormat] = {f.id: f for f in (PDF, ZPL, PNG)}
PRINTER_FORMATS = tuple(f.id for f in FORMATS.values() if f.printable)


def label_format(name: str | LabelFormat, field: str = "format") -> LabelFormat:
    """The format named; InputError listing the formats otherwise."""
    if isinstance(name, LabelFormat):
        return name
    found = FORMATS.get(name)
    if found is None:
        raise InputError(field, name, " or ".join(FORMATS))
    return found


def format_named_by(suffix: str) -> LabelFormat | None:
    """The format a file's suffix names (".zpl"), or None."""
    return FORMATS.get(suffix.lower().lstrip("."))


def check_dpi(dpi: int, field: str = "dpi") -> int:
    if dpi not in DPI_CHOICES:
        raise InputError(field, str(dpi), " or ".join(str(d) for d in DPI_CHOICES))
    return dpi
