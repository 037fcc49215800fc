"""Drawing an oral syringe to scale, filled to a volume: one reusable function.

``syringe_geometry`` works out, from the catalogue alone, where every graduation mark,
numbered mark and the fill line fall (in mm from the zero mark, exactly); the
``draw_syringe`` function draws it on a reportlab canvas at true size, so a patient can
hold the real syringe against the paper. Marks are computed, never drawn from an image.

The syringe lies horizontally: nozzle on the left, the zero mark where the barrel meets
the nozzle, volumes increasing to the right, the plunger coming in from the right with
the front of its stopper at the fill line (drawn red).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from compounder.core.syringes import Syringe
from compounder.core.units import PT_PER_MM, format_number
from compounder.render.canvas import saved_state
from compounder.render.fonts import BOLD, REGULAR

FILL_LINE_RGB = (0.85, 0.0, 0.0)
BARREL_HEIGHT_MM = 9
NOZZLE_MM = 5
BARREL_PAST_CAPACITY_MM = 4
STOPPER_MM = 3
FLANGE_MM = 6


@dataclass(frozen=True)
class Mark:
    volume_ml: Decimal
    position_mm: Decimal
    kind: str  # "minor", "half" or "numbered"


@dataclass(frozen=True)
class SyringeGeometry:
    syringe: Syringe
    volume_ml: Decimal
    marks: tuple[Mark, ...]
    fill_mm: Decimal


def syringe_geometry(syringe: Syringe, volume_ml: Decimal) -> SyringeGeometry:
    """Every mark of ``syringe`` and the fill line for ``volume_ml``, in mm from zero."""
    if not (0 < volume_ml <= syringe.capacity_ml) or not syringe.is_on_scale(volume_ml):
        raise ValueError("the volume must lie on the syringe's marks")
    count = int(syringe.capacity_ml / syringe.graduation_ml)
    half = syringe.numbered_every_ml / 2
    half_on_scale = syringe.is_on_scale(half) and half > syringe.graduation_ml
    marks = []
    for index in range(count + 1):
        volume = syringe.graduation_ml * index
        if volume % syringe.numbered_every_ml == 0:
            kind = "numbered"
        elif half_on_scale and volume % half == 0:
            kind = "half"
        else:
            kind = "minor"
        marks.append(Mark(volume, syringe.mark_position_mm(volume), kind))
    return SyringeGeometry(syringe, volume_ml, tuple(marks), syringe.mark_position_mm(volume_ml))


def draw_syringe(
    canvas: Any,
    geometry: SyringeGeometry,
    zero_x: float,
    axis_y: float,
    fill_label: str,
    number_size: float = 7,
) -> None:
    """Draw the syringe with its zero mark at ``zero_x`` and barrel centre at ``axis_y``
    (points); ``fill_label`` is written under the fill line ("Fill to 1.5 mL")."""

    def x_at(mm: Decimal | float) -> float:
        return zero_x + float(mm) * PT_PER_MM

    syringe = geometry.syringe
    half_height = BARREL_HEIGHT_MM / 2 * PT_PER_MM
    top, bottom = axis_y + half_height, axis_y - half_height
    barrel_end = x_at(syringe.scale_length_mm + BARREL_PAST_CAPACITY_MM)
    fill_x = x_at(geometry.fill_mm)
    with saved_state(canvas):  # the liquid, from the zero mark to the stopper
        canvas.setFillColorRGB(0.80, 0.90, 1.0)
        canvas.rect(zero_x, bottom, fill_x - zero_x, top - bottom, stroke=0, fill=1)
    with saved_state(canvas):  # nozzle and barrel
        canvas.setLineWidth(0.8)
        nozzle = NOZZLE_MM * PT_PER_MM
        canvas.rect(zero_x - nozzle, axis_y - half_height / 3, nozzle, half_height * 2 / 3)
        canvas.rect(zero_x, bottom, barrel_end - zero_x, top - bottom)
    with saved_state(canvas):  # plunger: stopper, rod and flange
        canvas.setFillColorRGB(0.35, 0.35, 0.35)
        stopper = STOPPER_MM * PT_PER_MM
        canvas.rect(fill_x, bottom + 0.8, stopper, top - bottom - 1.6, stroke=0, fill=1)
        canvas.setFillColorRGB(0.75, 0.75, 0.75)
        rod_end = barrel_end + float(syringe.scale_length_mm) * 0.35 * PT_PER_MM
        canvas.rect(
            fill_x + stopper,
            axis_y - half_height / 4,
            rod_end - fill_x - stopper,
            half_height / 2,
            stroke=0,
            fill=1,
        )
        canvas.setFillColorRGB(0.35, 0.35, 0.35)
        canvas.rect(
            rod_end, bottom - 2, FLANGE_MM * PT_PER_MM / 3, top - bottom + 4, stroke=0, fill=1
        )
    with saved_state(canvas):  # graduation marks, hanging from the top of the barrel
        canvas.setStrokeColorRGB(0, 0, 0)
        canvas.setLineWidth(0.35)
        lengths = {"minor": 0.25, "half": 0.4, "numbered": 0.6}
        for mark in geometry.marks:
            x = x_at(mark.position_mm)
            canvas.line(x, top, x, top - (top - bottom) * lengths[mark.kind])
        canvas.setFont(REGULAR, number_size)
        canvas.setFillColorRGB(0, 0, 0)
        for mark in geometry.marks:
            if mark.kind == "numbered":
                canvas.drawCentredString(
                    x_at(mark.position_mm), top + 2, format_number(mark.volume_ml)
                )
    with saved_state(canvas):  # the fill line, red, across the barrel, and its label
        canvas.setFillColorRGB(*FILL_LINE_RGB)
        canvas.rect(fill_x - 0.6, bottom - 3, 1.2, top - bottom + 6, stroke=0, fill=1)
        canvas.setFont(BOLD, number_size + 2)
        canvas.drawCentredString(fill_x, bottom - 5 - (number_size + 2), fill_label)
