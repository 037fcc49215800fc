"""``core.dates``: a log entry's time as people read it."""

from __future__ import annotations

import time

import pytest

from compounder.core.dates import logged_time


@pytest.fixture
def paris(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_utc_time_is_shown_in_local_time_with_its_offset(paris):
    assert logged_time("2026-12-07T16:41:29Z") == "2026-12-07 17:41:29 +01:00"
    assert logged_time("2026-07-07T16:41:29Z") == "2026-07-07 18:41:29 +02:00"  # summer time


def test_an_older_local_time_is_kept_as_written_and_marked(paris):
    assert logged_time("2026-12-07T16:41:29") == "2026-12-07 16:41:29 (local)"


def test_a_date_after_now_beyond_the_clock_skew_is_refused() -> None:
    from datetime import date, datetime

    from compounder.core.dates import check_not_after_now
    from compounder.errors import InputError

    now = datetime(2026, 12, 7, 23, 57)
    rule = {"allow_future": False, "skew_minutes": 5, "now": now}
    assert check_not_after_now(date(2026, 12, 8), "date", **rule) == date(2026, 12, 8)
    assert check_not_after_now(datetime(2026, 12, 8, 0, 2), "date", **rule)
    with pytest.raises(InputError) as caught:
        check_not_after_now(datetime(2026, 12, 8, 0, 3), "date", **rule)
    assert str(caught.value) == (
        "date: '2026-12-08 00:03' is not accepted; expected a date not after now "
        "(2026-12-07 23:57, 5 min of clock skew allowed); a site that pre-dates sets "
        "[records] allow_future_dates = true in the settings"
    )
    with pytest.raises(InputError, match="'2030-12-01'"):
        check_not_after_now(date(2030, 12, 1), "date", **rule)
    allowed = {**rule, "allow_future": True}
    assert check_not_after_now(date(2030, 12, 1), "date", **allowed) == date(2030, 12, 1)
