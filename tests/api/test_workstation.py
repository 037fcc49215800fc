"""The API under init and settings check: printers asked for real (a socket printer, a
queue of a private CUPS daemon), settings read back before they are written."""

from __future__ import annotations

import pytest
from printer_servers import closed_port

from compounder.api.workstation import printer_answers, settings_toml, write_settings
from compounder.core.settings import load_settings
from compounder.errors import InputError


def test_a_cups_queue_accepting_jobs_answers_and_an_unknown_one_does_not(
    cups, listener, monkeypatch
):
    cups.add_raw_queue("zebra-check", listener.uri)
    monkeypatch.setenv("CUPS_SERVER", cups.server)
    known = printer_answers("front", "cups:zebra-check")
    assert (known.reachable, known.detail) == (True, "the queue accepts jobs")
    unknown = printer_answers("back", "cups:no-such-queue")
    assert unknown.reachable is False and unknown.detail


def test_a_socket_printer_that_refuses_is_not_reachable():
    found = printer_answers("counter", f"socket://127.0.0.1:{closed_port()}")
    assert found.reachable is False and "cannot be reached" in found.detail


def test_settings_text_escapes_what_toml_would_misread(tmp_path):
    name = 'Smith & Sons "Compounding" \\ Pharmacy'
    path = write_settings(tmp_path / "s.toml", name, "1 Main St", "555", "avery-5163")
    settings = load_settings(path)
    assert (settings.name, settings.stock) == (name, "avery-5163")
    plain = settings_toml("Plain", "a", "b", "thermal-4x3").count("\n")
    assert settings_toml(name, "a", "b", "thermal-4x3").count("\n") == plain  # one line a key


def test_nothing_is_written_when_an_answer_is_refused(tmp_path):
    with pytest.raises(InputError, match="stock"):
        write_settings(tmp_path / "s.toml", "A", "B", "C", "nope")
    assert list(tmp_path.iterdir()) == []
