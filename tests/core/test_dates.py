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
