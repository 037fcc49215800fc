"""The one error of reading a FHIR MedicationRequest into an order: ``Unmappable``."""

from __future__ import annotations


class Unmappable(Exception):
    """A MedicationRequest the order cannot be read from: the FHIR path at fault and
    why (what was found, what is accepted; never a patient's value)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message
