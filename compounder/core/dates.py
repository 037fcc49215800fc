"""Dates as people type them, and the ranges of days a plan covers."""

from __future__ import annotations

from datetime import date

from compounder.errors import InputError


def parse_date(text: str | date, field: str, where: str = "") -> date:
    """An ISO date (YYYY-MM-DD); InputError naming the field otherwise."""
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        expected = "a date written YYYY-MM-DD, e.g. 2026-12-01"
        raise InputError(field, str(text), expected, where) from None


def format_date(day: date | None) -> str:
    """How a date is printed in tables and on labels: ISO, unambiguous in every locale."""
    return day.isoformat() if day else ""
