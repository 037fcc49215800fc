"""Labels under each print-size profile against the reviewed reference images."""

from __future__ import annotations

import pytest
from reference_images import LABEL_CASES, label_pdf, label_reference_path, render_pages


@pytest.mark.parametrize("name", list(LABEL_CASES))
def test_labels_match_the_reviewed_reference_images(name):
    from PIL import Image, ImageChops

    pages = render_pages(label_pdf(name), dpi=100)
    assert not label_reference_path(name, len(pages)).exists()  # no page went missing
    for index, image in enumerate(pages):
        reference = Image.open(label_reference_path(name, index)).convert("L")
        assert image.size == reference.size
        histogram = ImageChops.difference(image, reference).histogram()
        changed = sum(histogram[64:])  # pixels that differ by more than a quarter
        assert changed / (image.size[0] * image.size[1]) < 0.002, f"{name} page {index + 1}"
