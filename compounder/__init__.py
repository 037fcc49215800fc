"""Compounder: exact, unit-checked liquid low-dose naltrexone (LDN) compounding.

The public API is imported from here; the ``compounder`` command is a thin layer over
it (``compounder.cli.app``). Names are imported when first used, so a command loads
only the modules it needs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from compounder.errors import (
    CompounderError,
    DataFileError,
    InputError,
    NotMeasurableError,
    OutputError,
    SafetyError,
)

if TYPE_CHECKING:
    from compounder.api.checks import screen_medications
    from compounder.api.dispensing import make_chart, make_labels, plan_fill_schedule
    from compounder.api.orders import Order, order_from_options
    from compounder.api.planning import (
        parse_concentration,
        parse_dose,
        parse_volume,
        plan_titration,
        prepare_batch,
        solve_strengths,
    )
    from compounder.api.recording import record_preparation, reprint_label
    from compounder.core.protocols import Protocol, load_protocol, shipped_protocols
    from compounder.core.syringes import Catalogue, Syringe, choose_syringe, load_catalogue
    from compounder.core.titration import Plan, Step, make_plan
    from compounder.log.entries import correct_entry, rx_history, trace_lot

#: Each public name and the module it is imported from on first use.
_LAZY = {
    "Catalogue": "compounder.core.syringes",
    "Order": "compounder.api.orders",
    "Plan": "compounder.core.titration",
    "Protocol": "compounder.core.protocols",
    "Step": "compounder.core.titration",
    "Syringe": "compounder.core.syringes",
    "choose_syringe": "compounder.core.syringes",
    "correct_entry": "compounder.log.entries",
    "load_catalogue": "compounder.core.syringes",
    "load_protocol": "compounder.core.protocols",
    "make_chart": "compounder.api.dispensing",
    "make_labels": "compounder.api.dispensing",
    "make_plan": "compounder.core.titration",
    "order_from_options": "compounder.api.orders",
    "parse_concentration": "compounder.api.planning",
    "parse_dose": "compounder.api.planning",
    "parse_volume": "compounder.api.planning",
    "plan_fill_schedule": "compounder.api.dispensing",
    "plan_titration": "compounder.api.planning",
    "prepare_batch": "compounder.api.planning",
    "record_preparation": "compounder.api.recording",
    "reprint_label": "compounder.api.recording",
    "rx_history": "compounder.log.entries",
    "screen_medications": "compounder.api.checks",
    "shipped_protocols": "compounder.core.protocols",
    "solve_strengths": "compounder.api.planning",
    "trace_lot": "compounder.log.entries",
}

__version__ = "0.1.0"

__all__ = [
    "Catalogue",
    "CompounderError",
    "DataFileError",
    "InputError",
    "NotMeasurableError",
    "Order",
    "OutputError",
    "Plan",
    "Protocol",
    "SafetyError",
    "Step",
    "Syringe",
    "choose_syringe",
    "correct_entry",
    "load_catalogue",
    "load_protocol",
    "make_chart",
    "make_labels",
    "make_plan",
    "order_from_options",
    "parse_concentration",
    "parse_dose",
    "parse_volume",
    "plan_fill_schedule",
    "plan_titration",
    "prepare_batch",
    "record_preparation",
    "reprint_label",
    "rx_history",
    "screen_medications",
    "shipped_protocols",
    "solve_strengths",
    "trace_lot",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'compounder' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
