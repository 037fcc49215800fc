"""Paginating a document in sections: kept together, never a lone line on a page."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from compounder.render.pagination import Item, paginate_sections


def _noop(canvas, left, top):  # pragma: no cover - never drawn here
    pass


def sections_of(sizes: list[int], pitch: float = 10.0, space: float = 6.0) -> list[list[Item]]:
    return [
        [Item(pitch, _noop, space_before=space if i == 0 else 0.0) for i in range(size)]
        for size in sizes
    ]


@given(st.lists(st.integers(1, 40), min_size=1, max_size=12), st.integers(8, 30))
def test_sections_kept_together_and_no_lone_lines(sizes, lines_per_page):
    height = lines_per_page * 10.0 + 6.0
    sections = sections_of(sizes)
    pages = paginate_sections(sections, height)
    owner = {id(item): n for n, section in enumerate(sections) for item in section}
    placed = [item for page in pages for item, _ in page]
    assert placed == [item for section in sections for item in section]  # all, in order
    for page in pages:
        assert page, "no empty page"
        assert all(offset + item.height <= height + 1e-9 for item, offset in page)
    for n, section in enumerate(sections):
        where = [p for p, page in enumerate(pages) for item, _ in page if owner[id(item)] == n]
        fits = sum(i.height for i in section) + section[0].space_before <= height
        if fits:
            assert len(set(where)) == 1, f"section {n} of {len(section)} lines was split"
        else:
            for page in set(where):  # each part of a split section has 2 lines or more
                assert where.count(page) >= 2


def test_a_section_that_does_not_fit_moves_whole():
    # 10 lines per page: 7 lines, then a 4-line section -> moves to page 2
    pages = paginate_sections(sections_of([7, 4], space=0.0), 100.0)
    assert [len(p) for p in pages] == [7, 4]


def test_a_long_section_never_leaves_one_line_behind():
    # 10 lines per page, one 11-line section: 9 + 2, not 10 + 1
    pages = paginate_sections(sections_of([11], space=0.0), 100.0)
    assert [len(p) for p in pages] == [9, 2]
