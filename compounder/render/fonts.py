"""Fonts embedded in every PDF: Atkinson Hyperlegible, with DejaVu Sans as fallback.

Text is drawn in Atkinson Hyperlegible (made for low-vision readers). A text with a
character Atkinson lacks (Cyrillic, Greek...) is drawn whole in DejaVu Sans. A character
no bundled font has, or a right-to-left script (which this renderer cannot lay out), is
refused with an error naming the field: nothing is ever drawn as empty boxes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from compounder.core.datafiles import data_dir
from compounder.errors import InputError

_ASCII_TEXT = "".join(chr(c) for c in range(128))
REGULAR = "Atkinson"
BOLD = "Atkinson-Bold"
FALLBACK = "DejaVuSans"
FALLBACK_BOLD = "DejaVuSans-Bold"

FONT_FILES = {
    REGULAR: "AtkinsonHyperlegible-Regular.ttf",
    BOLD: "AtkinsonHyperlegible-Bold.ttf",
    FALLBACK: "DejaVuSans.ttf",
    FALLBACK_BOLD: "DejaVuSans-Bold.ttf",
}


@dataclass(frozen=True)
class FontChoice:
    name: str
    fallback: bool


@cache
def register_font(name: str) -> frozenset[int]:
    """Register one bundled font with reportlab (once, on first use); its coverage.

    A label in Latin script needs only the two Atkinson faces: the DejaVu fallback is
    read only when a text needs a character Atkinson lacks.
    """
    from reportlab.pdfbase import pdfmetrics

    font = _embedded_font_class()(name, str(data_dir("fonts") / FONT_FILES[name]))
    pdfmetrics.registerFont(font)
    return frozenset(font.face.charToGlyph)


def ensure_registered(font: str) -> None:
    """Register ``font`` if it is one of the bundled fonts (others are reportlab's own)."""
    if font in FONT_FILES:
        register_font(font)


def register_fonts() -> dict[str, frozenset[int]]:
    """Register every bundled font (a batch's workers start with them); their coverage."""
    return {name: register_font(name) for name in FONT_FILES}


_SPLIT_MEMO_SIZE = 4096


@cache
def _embedded_font_class() -> type:
    """reportlab's TrueType font, remembering how each text maps to the subset codes
    of a document: a batch draws the same lines on thousands of labels in one file.

    The mapping of a character, once made in a document, never changes, so a text seen
    before in the same document maps as it did then.
    """
    from reportlab.pdfbase.ttfonts import TTFont

    class EmbeddedFont(TTFont):  # type: ignore[misc]
        def splitString(self, text, doc, encoding="utf-8"):  # type: ignore[no-untyped-def]
            if not isinstance(text, str):
                return super().splitString(text, doc, encoding)
            state = self._assignState(doc)
            memo = state.__dict__.setdefault("compounder_split", {})
            split = memo.get(text)
            if split is None:
                if len(memo) >= _SPLIT_MEMO_SIZE:
                    memo.clear()
                split = memo[text] = super().splitString(text, doc, encoding)
            return split

    return EmbeddedFont


def normalise(text: str) -> str:
    """NFC form, so "e" + combining accent becomes the single "é" the fonts have."""
    return unicodedata.normalize("NFC", text)


def font_for(text: str, bold: bool, field: str, private: bool = False) -> FontChoice:
    """The font that draws every character of ``text``; InputError if none does."""
    choice = drawable_font(text, bold)
    if choice is not None:
        return choice
    return _font_for(text, bold, field, private)


@lru_cache(maxsize=2048)
def drawable_font(text: str, bold: bool) -> FontChoice | None:
    """The font that draws every character of ``text``, or None (remembered)."""
    try:
        return _font_for(text, bold, "", False)
    except InputError:
        return None  # not cached as a choice: the caller raises with the field named


@cache
def _left_to_right(font: str) -> frozenset[str]:
    """The characters ``font`` draws that are not right-to-left, and plain spacing."""
    return frozenset(
        chr(c)
        for c in register_font(font)
        if unicodedata.bidirectional(chr(c)) not in ("R", "AL")
    ) | frozenset(" \n")


def _font_for(text: str, bold: bool, field: str, private: bool) -> FontChoice:
    primary, fallback = (BOLD, FALLBACK_BOLD) if bold else (REGULAR, FALLBACK)
    if set(text) <= _left_to_right(primary):
        return FontChoice(primary, False)  # the common case, without a look at each char
    needed = {ord(ch) for ch in set(text) if not ch.isspace()}
    for ch in set(text) - set(_ASCII_TEXT):
        if unicodedata.bidirectional(ch) in ("R", "AL"):
            raise InputError(
                field,
                text,
                "text in a left-to-right script (right-to-left scripts such as "
                "Hebrew or Arabic cannot be laid out by this renderer yet)",
                private=private,
            )
    if needed <= register_font(primary):
        return FontChoice(primary, False)
    if needed <= register_font(fallback):
        return FontChoice(fallback, True)
    missing = sorted(needed - register_font(fallback))
    if private:  # a patient's characters, even as code points, would spell the name
        expected = "characters the bundled fonts can draw (Latin, Greek or Cyrillic)"
    else:
        shown = ", ".join(f"'{chr(c)}' (U+{c:04X})" for c in missing[:3])
        expected = f"characters the bundled fonts can draw; these cannot be: {shown}"
    raise InputError(field, text, expected, private=private)
