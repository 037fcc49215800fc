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
NOT_SCREENED = "STOP: not identified (not in the screening list or the drug dictionary)"
ACKNOWLEDGED = "not identified: acknowledged by the pharmacist"
NONE_TAKEN = "Other medicines: none (the pharmacist asked; the patient takes none)."
NONE_ENTERED = "Other medicines: not screened (none were entered)."


def signed(who: dict[str, Any], key: str = "pharmacist") -> str:
    """A person a logged entry names, as a record prints them: the staff register's
    name with the initials ("Julia Diaz (JD)"); an entry from before the register, its
    initials alone."""
    name = who.get(f"{key}_name") or ""
    return f"{name} ({who[key]})" if name else str(who[key])


def _unknown(acknowledged: bool, pharmacist: str) -> str:
    return f"{ACKNOWLEDGED} ({pharmacist})" if acknowledged else NOT_SCREENED


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
        for hit in hits:
            rows.append(
                [
                    medicine,
                    hit.class_name,
                    hit.named,
                    _action(hit.action, screening.overridden, hit.local_form),
                ]
            )
        if medicine in screening.not_screened:
            unknown = _unknown(screening.acknowledged, screening.pharmacist)
            rows.append([medicine, "-", "-", unknown])
        elif not hits:
            read = [what for m, what in screening.identified if m == medicine]
            rows.append([medicine, "-", "; ".join(read), "no class: proceed"])
    return rows


def screening_report(screening: Screening) -> str:
    """The ``screen`` command's table and decision."""
    lines = []
    if screening.medicines:
        lines.append(
            render_table(["Medicine", "Class", "Matched", "Action"], screening_rows(screening))
        )
    elif screening.no_other_medications:
        lines.append(NONE_TAKEN)
    else:
        lines.append("No other medicines were given: nothing was screened.")
    lines += ["", *screening_notes(screening, listed=False)]
    decision = {
        "proceed": "Decision: proceed.",
        "override": "Decision: proceed (a stop overridden by the pharmacist).",
        "acknowledged": "Decision: proceed (a medicine not identified, acknowledged by the "
        "pharmacist).",
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
    if screening.acknowledged:
        notes.append(
            f"medicines not identified, acknowledged by {screening.pharmacist}: "
            + "; ".join(screening.not_screened)
        )
    if screening.acknowledge_unscreened and not screening.not_screened:
        notes.append(
            "--acknowledge-unscreened was given but every medicine was identified: it is "
            "not recorded"
        )
    for hit in screening.cautions if listed else []:
        form = " in a local dosage form" if hit.local_form else ""
        why = f": {hit.why}" if hit.why else ""
        notes.append(f"caution: {hit.medicine}: {hit.named}, a {hit.class_name}{form}{why}")
    if screening.no_other_medications:
        notes.append(NONE_TAKEN)
    if screening.liver_kidney_history:
        notes.append(LIVER_KIDNEY)
    return notes


def screening_summary(screening: Screening) -> dict[str, Any]:
    """One order's screening in a batch's summary: counts, and its text (None when no
    other medicines were entered)."""
    counts = {
        "stops": len(screening.stops),
        "cautions": len(screening.cautions),
        "acknowledged": len(screening.not_screened) if screening.acknowledged else 0,
        "overrides": 1 if screening.overridden else 0,
    }
    parts = []
    for medicine in screening.medicines:
        hits = [h for h in screening.hits if h.medicine == medicine]
        said = [
            f"{h.class_name} {_action(h.action, screening.overridden, h.local_form)}" for h in hits
        ]
        if medicine in screening.not_screened:
            said.append(_unknown(screening.acknowledged, screening.pharmacist))
        parts.append(f"{medicine}: {', '.join(said) or 'no class'}")
    if screening.no_other_medications:
        parts.append("none taken (the pharmacist asked)")
    if screening.overridden:
        parts.append(f"override by {screening.pharmacist}: {screening.override_reason}")
    return {"decision": screening.decision, **counts, "text": "; ".join(parts) or None}


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
        out.append(("body", NONE_ENTERED))
    elif screening.get("no_other_medications"):
        out.append(("body", NONE_TAKEN))
    else:
        medicines = screening["medicines"]
        out.append(
            ("entered", "Other medicines screened: " + ("; ".join(medicines) or "none entered"))
        )
        for hit in screening["hits"]:
            action = _action(hit["action"], screening["override"] is not None, hit["local_form"])
            read = f", read from {hit['read_as']!r}" if hit.get("read_as") else ""
            out.append(
                (
                    "entered",
                    f"{hit['medicine']}: {hit['class_name']} ({hit['matched']}{read}) - {action}",
                )
            )
        acknowledged = screening.get("acknowledged")
        for medicine in screening["not_screened"]:
            who = signed(acknowledged) if acknowledged else ""
            out.append(("entered", f"{medicine}: {_unknown(bool(acknowledged), who)}"))
        if screening["override"] is not None:
            out.append(
                (
                    "entered",
                    f"Override by {signed(screening['override'])}: "
                    f"{screening['override']['reason']}",
                )
            )
        if screening["liver_kidney_history"]:
            out.append(("body", LIVER_KIDNEY))
    if safety.get("off_protocol_reason"):
        out.append(("entered", f"Off-protocol dose. Reason: {safety['off_protocol_reason']}"))
    return out
