"""Labels in the format asked for: PDF (default), ZPL for a thermal printer, or PNG
previews. Each format lays the labels out with the same rules (``label_flow.place_labels``)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from compounder.content.labels import LabelContent
from compounder.core.label_formats import FORMATS as FORMAT_REGISTRY
from compounder.core.label_formats import LabelFormat, label_format
from compounder.core.stocks import LabelStock
from compounder.render.textfit import Layout

FORMATS = tuple(FORMAT_REGISTRY)


def renderer(fmt: str | LabelFormat) -> Any:
    """The render module drawing ``fmt`` (``label_formats``' registry), imported when
    first needed: a PDF label never loads the raster code."""
    return importlib.import_module(f"compounder.render.{label_format(fmt).renderer}")


def render_label_files(
    fmt: str | LabelFormat,
    contents: list[LabelContent],
    stock: LabelStock,
    dpi: int,
    target: Path | None = None,
    layout: Layout | None = None,
) -> list[bytes]:
    """The labels' file(s) in ``fmt``: one PDF or ZPL file, or one PNG a label."""
    files: list[bytes] = renderer(fmt).render_files(contents, stock, dpi, target, layout)
    return files


def open_writer(
    fmt: str | LabelFormat, path: Path, layout: Layout, dpi: int, files: Any, name: str
) -> Any:
    """What draws placed labels one after another in ``fmt`` (a batch's): into one file
    at ``path`` (opened on ``files``, an ExitStack), or one file a label named ``name``
    in the folder ``path``."""
    return renderer(fmt).open_writer(path, layout, dpi, files, name)


def output_paths(fmt: str | LabelFormat, output: Path | None, count: int) -> list[Path]:
    """Where the ``count`` files of ``fmt`` go for the output path (none without one).
    PNG previews: OutputError if earlier previews of the same name that these would not
    replace are there (``label_png.stale_previews``), before anything is written."""
    if output is None:
        return []
    if label_format(fmt).file_per_label:
        from compounder.render.label_png import png_targets, stale_previews

        stale = stale_previews(Path(output), count)
        if stale:
            from compounder.content.reports import files_text
            from compounder.errors import OutputError

            names = [p.name for p in png_targets(Path(output), count)]
            more = f" and {len(stale) - 1} more" if len(stale) > 1 else ""
            raise OutputError(
                str(output),
                f"{stale[0].name}{more} beside it would be left with this label's previews "
                f"({files_text(names)}); move the earlier "
                "previews away or choose another name",
            )
        return png_targets(Path(output), count)
    return [Path(output)]

