"""Labels in the format asked for: PDF (default), ZPL for a thermal printer, or PNG
previews. Each format lays the labels out with the same rules (``label_flow.place_labels``)."""

from __future__ import annotations

from pathlib import Path

from compounder.content.labels import LabelContent
from compounder.core.stocks import LabelStock
from compounder.render.textfit import Layout

FORMATS = ("pdf", "zpl", "png")


def render_label_files(
    fmt: str,
    contents: list[LabelContent],
    stock: LabelStock,
    dpi: int,
    target: Path | None = None,
    layout: Layout | None = None,
) -> list[bytes]:
    """The labels' file(s) in ``fmt``: one PDF or ZPL file, or one PNG a label."""
    if fmt == "pdf":
        from compounder.render.label_pdf import render_labels

        return [render_labels(contents, stock, target, layout)]
    if fmt == "zpl":
        from compounder.render.label_zpl import render_labels_zpl

        return [render_labels_zpl(contents, stock, dpi, target, layout)]
    if fmt == "png":
        from compounder.render.label_png import render_labels_png

        return render_labels_png(contents, stock, dpi, target, layout)
    raise ValueError(f"unknown label format {fmt!r}")


def output_paths(fmt: str, output: Path | None, count: int) -> list[Path]:
    """Where the ``count`` files of ``fmt`` go for the output path (none without one).
    PNG previews: OutputError if earlier previews of the same name that these would not
    replace are there (``label_png.stale_previews``), before anything is written."""
    if output is None:
        return []
    if fmt == "png":
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

