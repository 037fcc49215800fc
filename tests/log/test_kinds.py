"""Entry kinds, keys and payload fields: written and read back by ``kinds`` alone."""

from __future__ import annotations

import json

import pytest

from compounder.log import kinds
from compounder.log.kinds import Kind, PlannedGroup

DIGEST = "0123456789abcdef"


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        (Kind.PREPARATION, kinds.planned_key(DIGEST, "2026-12-01|1|water|tablet-50mg")),
        (Kind.BATCH_RECORD, kinds.record_key(DIGEST, "20261201-001")),
        (Kind.DISPENSE, kinds.dispense_key(DIGEST, "1234567")),
        (Kind.BATCH_REPRINT, kinds.reprint_key(DIGEST, "run1", "1234567")),
    ],
)
def test_a_key_names_its_order_file_and_falls_in_its_kinds_range(kind, key):
    prefix = kinds.key_prefix(kind, DIGEST)
    assert prefix <= key < prefix + kinds.KEY_END
    assert kinds.parse_key(key) == kinds.ParsedKey(prefix.split(":")[0], DIGEST)
    other = kinds.key_prefix(kind, "f" * 16)
    assert not key.startswith(other)


def test_keys_the_log_does_not_write_are_not_parsed():
    assert kinds.parse_key(kinds.run_key("abc")) == kinds.ParsedKey("batch-run", "")
    for text in (None, "", "label", "other:abc:1", "dispense:abc"):
        assert kinds.parse_key(text) is None


def test_a_planned_group_round_trips():
    group = PlannedGroup("2026-12-01", "1.5", "water", "tablet-50mg")
    assert PlannedGroup.parse(group.text) == group
    second = PlannedGroup("2026-12-01", "1.5", "water", "tablet-50mg", part=2)
    assert second.text == kinds.part_text(group.text, 2) == f"{group.text}|part 2"
    assert PlannedGroup.parse(second.text) == second


def test_file_hashes_and_looked_up_fields():
    payload = {"pdf_sha256": "a" * 64, "files_sha256": ["b" * 64, "a" * 64]}
    assert kinds.file_hashes(payload) == ["a" * 64, "b" * 64]
    assert kinds.file_hashes({"pdf_sha256": None}) == []
    run = {"orders_file": DIGEST, "files": {"labels.pdf": "c" * 64}}
    assert kinds.looked_up(7, Kind.BATCH_RUN, run) == [(7, kinds.ORDERS_FILE, DIGEST)]
    assert kinds.looked_up(7, Kind.LABEL, payload) == [
        (7, kinds.FILE_HASH, "a" * 64),
        (7, kinds.FILE_HASH, "b" * 64),
    ]


@pytest.mark.parametrize(
    "payload",
    [
        {"pdf_sha256": None, "fill_date": "2026-12-01"},  # a batch order
        {"pdf_sha256": "a" * 64},
        {"files_sha256": ["b" * 64]},
        {"ingredients": [{"ingredient": "tab", "lot": "AB1"}]},
        {"orders_file": DIGEST},
        {"reason": 'says "pdf_sha256": null in its text', "pdf_sha256": "c" * 64},
        {},
    ],
)
def test_a_payload_said_to_write_no_rows_writes_none(payload):
    for separators in ((", ", ": "), (",", ":")):
        text = json.dumps(payload, sort_keys=True, separators=separators)
        rows = kinds.looked_up(1, Kind.BATCH_RUN, payload) + kinds.ingredient_uses(1, payload)
        assert kinds.writes_rows(text) or not rows, text


def test_only_the_logs_kinds_are_stored():
    assert kinds.kind_text(Kind.BATCH_RUN) == kinds.kind_text("batch-run") == "batch-run"
    with pytest.raises(ValueError, match="'labels' is not a kind of log entry"):
        kinds.kind_text("labels")
