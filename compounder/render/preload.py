"""Loading the drawing code ahead of time, for a batch's worker processes.

Kept apart from the drawing modules it loads (none of them imports it), so the render
package has no import cycle.
"""

from __future__ import annotations


def preload_drawing() -> None:
    """Import all the PDF drawing code and register the fonts, so that worker processes
    forked afterwards start with them loaded."""
    from compounder.render import chart_pdf, code128, label_pdf  # noqa: F401
    from compounder.render.fonts import register_fonts

    register_fonts()
