"""A block of finished text: what it says, its role (how prominent) and the field it shows.

Content modules build blocks; the renderers lay them out by role and never change
their text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    """Text to lay out: its role (style), the field it shows (for errors), the text."""

    role: str
    field: str
    text: str
    private: bool = False  # patient data: never repeated in an error message
