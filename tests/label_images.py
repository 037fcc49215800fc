"""Comparing label bitmaps: the PDF rendered by pdfium against the ZPL rendered by
zplkit or the PNG preview, dark pixel for dark pixel within one dot (two independent
rasterisers never agree on every edge pixel, but a missing, moved or different line
leaves thousands of dark pixels with no counterpart)."""

from __future__ import annotations

import io

from PIL import Image, ImageChops, ImageFilter


def dark(image: Image.Image) -> Image.Image:
    return image.convert("L").point(lambda v: 255 if v < 128 else 0).convert("1")


def count(image: Image.Image) -> int:
    return image.convert("L").histogram()[255]


def share_near(a: Image.Image, b: Image.Image) -> float:
    """The share of ``a``'s dark pixels that lie within one dot of a dark pixel of ``b``."""
    grown = b.convert("L").filter(ImageFilter.MaxFilter(3)).point(lambda v: 255 if v else 0)
    return count(ImageChops.logical_and(a, grown.convert("1"))) / count(a)


def pdf_image(pdf: bytes, dpi: int, page: int = 0) -> Image.Image:
    import pypdfium2

    return dark(pypdfium2.PdfDocument(pdf)[page].render(scale=dpi / 72).to_pil())


def zpl_images(zpl: bytes, dpi: int) -> list[Image.Image]:
    """Each label of a ZPL file as the zplkit renderer prints it (greyscale)."""
    import zplkit

    document = zplkit.render(zpl, zplkit.Options(dpi=dpi))
    assert not document.warnings, document.warnings
    images = []
    for scene in document.labels:
        raster = scene.rasterize()
        images.append(Image.frombytes("L", (raster.width, raster.height), raster.pixels))
    return images


def png_image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def barcodes(image: Image.Image) -> list[str]:
    import zxingcpp

    return [result.text for result in zxingcpp.read_barcodes(image)]
