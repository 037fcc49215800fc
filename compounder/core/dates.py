"""Dates as people type them, and the ranges of days a plan covers."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from compounder.core.limits import EARLIEST_DATE, LATEST_DATE
from compounder.errors import InputError

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(text: str | date, field: str, where: str = "") -> date:
    """An ISO date (YYYY-MM-DD) between 1900 and 2199; InputError naming the field
    otherwise."""
    if isinstance(text, date):
        day = text
    else:
        raw = str(text).strip()
        try:
            if not _ISO_DATE.match(raw):
                raise ValueError(raw)
            day = date.fromisoformat(raw)
        except ValueError:
            expected = "a date written YYYY-MM-DD, e.g. 2026-12-01"
            raise InputError(field, str(text)[:40], expected, where) from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        expected = f"a date from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}"
        raise InputError(field, day.isoformat(), expected, where)
    return day


def format_date(day: date | None) -> str:
    """How a date is printed in tables and on labels: ISO, unambiguous in every locale."""
    return day.isoformat() if day else ""


def logged_time(stamp: str) -> str:
    """When a log entry was written, as people read it: a UTC time (``...Z``, every
    entry since times are UTC) in this computer's local time with its offset
    (``2026-12-07 17:41:29 +01:00``); an older entry's time, written in the local
    time of its day without an offset, as it is, marked ``(local)``."""
    if not stamp.endswith("Z"):
        return f"{stamp.replace('T', ' ')} (local)"
    try:
        moment = datetime.fromisoformat(stamp).astimezone()
    except ValueError:
        return stamp
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"


def check_not_after_now(
    moment: date,
    field: str,
    *,
    allow_future: bool,
    skew_minutes: int,
    now: datetime | None = None,
    where: str = "",
) -> date:
    """A record's or label's date (a ``date``: its first minute; a ``datetime``: that
    moment, local time) not after ``now`` by more than ``skew_minutes`` of clock skew;
    InputError naming the field otherwise, unless the settings allow pre-dating
    (``[records] allow_future_dates``)."""
    if allow_future:
        return moment
    current = now or datetime.now()
    start = moment if isinstance(moment, datetime) else datetime.combine(moment, time())
    if start.tzinfo is not None:
        start = start.astimezone().replace(tzinfo=None)
    if start <= current + timedelta(minutes=skew_minutes):
        return moment
    shown = start.isoformat(" ", "minutes") if isinstance(moment, datetime) else moment.isoformat()
    expected = (
        f"a date not after now ({current:%Y-%m-%d %H:%M}, {skew_minutes} min of clock skew "
        "allowed); a site that pre-dates sets [records] allow_future_dates = true in the settings"
    )
    raise InputError(field, shown, expected, where)
