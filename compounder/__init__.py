"""Compounder: exact, unit-checked liquid low-dose naltrexone (LDN) compounding.

The public API is imported from here; the ``compounder`` command is a thin layer over
it (``compounder.cli.app``).
"""

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
from compounder.errors import (
    CompounderError,
    DataFileError,
    InputError,
    NotMeasurableError,
    OutputError,
    SafetyError,
)
from compounder.log.entries import correct_entry, rx_history, trace_lot

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
