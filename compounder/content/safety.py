"""Safety checks as text: the screening decision and the off-protocol reason, for the
terminal (``screen``), the notes of a label or chart run, and the compounding record.

The decision itself is made in ``core.screening``; this module only words it (for the
pharmacist, in English, like the record). Patient handout wording is in
``templates/wording/``.
"""

from __future__ import annotations

from typing import Any

from compounder.content.tables import render_table
from compounder.core.screening import Screening

LIVER_KIDNEY = (
    "Caution: the patient reports previous liver or kidney problems; the pharmacist was "
    "told before starting (LDN fact sheet)."
)
NOT_SCREENED = "not screened (not in the screening list: check it yourself)"


def _action(action: str, overridden: bool, local: bool) -> str:
    if action == "stop":
        return "STOP (overridden)" if overridden else "STOP"
    return "caution (local form)" if local else "caution"


def screening_rows(screening: Screening) -> list[list[str]]:
    """One row per medicine as typed: the class it falls in and the action, or "not
    screened"."""
    rows = []
    for medicine in screening.medicines:
        hits = [h for h in screening.hits if h.medicine == medicine]
        if not hits:
            rows.append([medicine, "-", "-", NOT_SCREENED])
        for hit in hits:
            rows.append(
                [
                    medicine,
                    hit.class_name,
                    hit.matched,
                    _action(hit.action, screening.overridden, hit.local_form),
                ]
            )
    return rows


def screening_report(screening: Screening) -> str:
    """The ``screen`` command's table and decision."""
    lines = []
    if screening.medicines:
        lines.append(
            render_table(["Medicine", "Class", "Matched", "Action"], screening_rows(screening))
        )
    else:
        lines.append("No other medicines were given: nothing was screened.")
    lines += ["", *screening_notes(screening, listed=False)]
    decision = {
        "proceed": "Decision: proceed.",
        "override": "Decision: proceed (a stop overridden by the pharmacist).",
        "refuse": "Decision: REFUSE.",
    }[screening.decision]
    lines.append(decision)
    return "\n".join(line for line in lines).strip()


def screening_notes(screening: Screening, listed: bool = True) -> list[str]:
    """Notes for a label, chart or record run: every hit that did not refuse, every
    medicine not screened (``listed=False``: not these, a table shows them), the
    override and the liver/kidney caution."""
    notes = []
    if screening.overridden:
        names = "; ".join(f"{h.matched} ({h.class_name})" for h in screening.stops)
        notes.append(
            f"screening stop overridden by {screening.pharmacist}: {names}. "
            f"Reason: {screening.override_reason}"
        )
    if screening.override_reason and not screening.stops:
        notes.append("--override was given but nothing was stopped: it is not recorded")
    for hit in screening.cautions if listed else []:
        form = " in a local form (eye, ear, skin, nose or inhaled)" if hit.local_form else ""
        notes.append(f"caution: {hit.medicine}: {hit.matched}, a {hit.class_name}{form}")
    for medicine in screening.not_screened if listed else ():
        notes.append(f"{NOT_SCREENED}: {medicine}")
    if screening.liver_kidney_history:
        notes.append(LIVER_KIDNEY)
    return notes


def safety_record(screening: Screening | None, off_protocol_reason: str = "") -> dict[str, Any]:
    """What the compounding record (and its log entry) keeps of the safety checks."""
    return {
        "screening": screening.to_dict() if screening is not None else None,
        "off_protocol_reason": off_protocol_reason or None,
    }


def safety_lines(safety: dict[str, Any] | None, rx: str = "") -> list[tuple[str, str]]:
    """The record's "Safety checks" section (of the order ``rx``, on a record for
    several); "entered" lines hold the pharmacist's own text (medicine names and
    reasons as typed)."""
    if not safety:
        return []
    heading = f"Safety checks: Rx {rx}" if rx else "Safety checks"
    out: list[tuple[str, str]] = [("heading", heading)]
    screening = safety.get("screening")
    if screening is None:
        out.append(("body", "Other medicines: not screened (none were entered)."))
    else:
        medicines = screening["medicines"]
        out.append(
            ("entered", "Other medicines screened: " + ("; ".join(medicines) or "none entered"))
        )
        for hit in screening["hits"]:
            action = _action(hit["action"], screening["override"] is not None, hit["local_form"])
            out.append(
                ("entered", f"{hit['medicine']}: {hit['class_name']} ({hit['matched']}) - {action}")
            )
        for medicine in screening["not_screened"]:
            out.append(("entered", f"{medicine}: {NOT_SCREENED}"))
        if screening["override"] is not None:
            out.append(
                (
                    "entered",
                    f"Override by {screening['override']['pharmacist']}: "
                    f"{screening['override']['reason']}",
                )
            )
        if screening["liver_kidney_history"]:
            out.append(("body", LIVER_KIDNEY))
    if safety.get("off_protocol_reason"):
        out.append(("entered", f"Off-protocol dose. Reason: {safety['off_protocol_reason']}"))
    return out
