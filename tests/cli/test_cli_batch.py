"""`compounder batch`: exit codes, messages and the summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DATA

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_batch_example(cli, tmp_path, example_config):
    result = cli(
        "batch", str(EXAMPLES / "orders.csv"), "-o", str(tmp_path), "--config", str(example_config)
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Orders read: 8; valid: 8; rejected: 0"
    assert lines[1] == "Printed 8 orders: 12 labels, 3 charts"
    assert "Compounding worksheet" in result.stdout
    assert result.stderr == ""


def test_batch_bad_rows_exit_2_and_name_line_and_column(cli, tmp_path, example_config):
    orders = DATA / "orders" / "bad-rows.csv"
    result = cli("batch", str(orders), "-o", str(tmp_path / "out"), "--config", str(example_config))
    assert result.exit_code == 2
    errors = result.stderr.splitlines()
    assert len(errors) == 18
    assert errors[0] == (
        f"compounder: error: {orders} line 3, column dose: refused: dose 5 mg "
        "is above the ceiling of 4.5 mg a day; check the prescription; if the prescriber "
        "wrote it, give a reason in the off_protocol_reason column and the pharmacist's "
        "initials in the pharmacist column"
    )
    assert "Nothing printed" in result.stdout
    assert "Traceback" not in result.output


def test_batch_skip_invalid_exit_1(cli, tmp_path, example_config):
    result = cli(
        "batch",
        str(DATA / "orders" / "bad-rows.csv"),
        "-o",
        str(tmp_path),
        "--config",
        str(example_config),
        "--skip-invalid",
    )
    assert result.exit_code == 1
    assert (tmp_path / "rejected.csv").exists()
    assert "Printed 2 orders" in result.stdout


def test_batch_check_json(cli, tmp_path, example_config):
    result = cli(
        "batch",
        str(EXAMPLES / "orders.csv"),
        "-o",
        str(tmp_path / "out"),
        "--config",
        str(example_config),
        "--check",
        "--json",
    )
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["valid"], data["printed"], data["checked_only"]) == (8, 0, True)
    assert not (tmp_path / "out").exists()


def test_batch_unknown_column(cli, tmp_path, example_config):
    result = cli(
        "batch",
        str(DATA / "orders" / "unknown-column.csv"),
        "-o",
        str(tmp_path),
        "--config",
        str(example_config),
    )
    assert result.exit_code == 4
    assert "line 1: unknown column 'dosage'; expected only the columns rx_number" in (result.stderr)


@pytest.mark.parametrize(
    "name, given",
    [
        ("none.csv", ()),
        ("none.json", ()),
        ("none.ndjson", ()),
        ("none.ndjson", ("--from", "fhir")),
        ("none.txt", ("--from", "jsonl")),
        ("none.ndjson", ("--check",)),
    ],
)
def test_batch_missing_file(cli, tmp_path, example_config, name, given):
    """A missing order file is named, whatever its format (FHIR JSON too)."""
    result = cli(
        "batch", str(tmp_path / name), "-o", str(tmp_path / "out"), *given,
        "--config", str(example_config),
    )  # fmt: skip
    assert result.exit_code == 4
    assert f"{name}: file not found" in result.stderr


def _run_on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run the installed command with a pseudo-terminal as its stdout and stderr."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "compounder", *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    output = b""
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the terminal closed: the process is done
            break
        if not data:
            break
        output += data
    os.close(leader)
    return process.wait(timeout=120), output.decode("utf-8", "replace")


def test_batch_shows_a_progress_bar_on_a_terminal(tmp_path, example_config):
    import os

    from compounder.batch.synthetic import write_orders

    orders = write_orders(tmp_path / "orders.csv", 600, titrations=False)
    env = dict(os.environ, COLUMNS="100")
    code, shown = _run_on_a_terminal(
        [
            "batch",
            str(orders),
            "-o",
            str(tmp_path / "out"),
            "--config",
            str(example_config),
            "--chunk-size",
            "250",
            "--jobs",
            "2",
        ],
        env,
    )
    assert code == 0, shown
    assert "Orders" in shown and "100%" in shown
    assert "Printed 600 orders" in shown
    assert (tmp_path / "out" / "labels-0003.pdf").exists()


def test_batch_shows_no_bar_when_not_on_a_terminal(cli, tmp_path, example_config):
    from compounder.batch.synthetic import write_orders

    orders = write_orders(tmp_path / "orders.csv", 300, titrations=False)
    result = cli("batch", str(orders), "-o", str(tmp_path / "out"), "--config", str(example_config))
    assert result.exit_code == 0
    assert "Orders" not in result.stderr and "%" not in result.stdout


def test_batch_print_lays_the_labels_out_on_the_printers_stock(cli, tmp_path, listener):
    """A printer whose settings name the stock loaded in it: a batch sent to it is laid
    out on that stock (as a single label is), except rows that name their own."""
    import json

    from conftest import EXAMPLE_CONFIG

    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    config = tmp_path / "compounder.toml"
    config.write_text(
        text[: text.index("[printers.")]
        + f'[printers.tall]\nuri = "{listener.uri}"\nformat = "zpl"\ndpi = 300\n'
        + 'stock = "roll-4x6"\n',
        encoding="utf-8",
    )
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity,stock\n"
        "7001,Jane Doe,Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,21 mL,\n"
        "7002,Tom Baker,Dr B. Jones,2026-12-01,1 mg/mL,2 mg,28 mL,thermal-4x3\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = cli(
        "batch", str(orders), "-o", str(out), "--config", str(config),
        "--db", str(tmp_path / "log.db"), "--print", "tall",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["orders"]
    assert [row["stock"] for row in manifest] == ["roll-4x6", "thermal-4x3"]
    (sent,) = listener.wait()
    assert sent.count(b"^LL1800") == 1 and sent.count(b"^LL900") == 1  # 6 in, 3 in at 300 dpi


def test_an_output_that_is_not_a_folder_is_named_so(cli, tmp_path):
    from conftest import EXAMPLE_CONFIG

    plain = tmp_path / "plain"
    plain.write_text("mine\n")
    orders = EXAMPLE_CONFIG.parent / "orders.csv"
    result = cli("batch", str(orders), "-o", str(plain), "--config", str(EXAMPLE_CONFIG),
                 "--db", str(tmp_path / "log.db"))  # fmt: skip
    assert result.exit_code == 5
    assert "it is not a folder" in result.stderr and plain.read_text() == "mine\n"


def test_every_row_refused_with_skip_invalid_does_not_suggest_it(cli, tmp_path):
    from conftest import EXAMPLE_CONFIG

    orders = tmp_path / "bad.csv"
    orders.write_text(
        "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity\n"
        "1,A B,Dr A,2026-12-01,1 mg/mL,9 mg,30 mL\n"
    )
    result = cli("batch", str(orders), "-o", str(tmp_path / "out"), "--skip-invalid",
                 "--config", str(EXAMPLE_CONFIG), "--db", str(tmp_path / "log.db"))  # fmt: skip
    assert result.exit_code == 1
    assert "every row was refused" in result.stdout and "use --skip-invalid" not in result.stdout


def test_a_check_needs_no_output_folder_and_a_run_does(cli, tmp_path, monkeypatch):
    from conftest import EXAMPLE_CONFIG

    monkeypatch.chdir(tmp_path)
    orders = EXAMPLE_CONFIG.parent / "orders.csv"
    checked = cli("batch", str(orders), "--check", "--config", str(EXAMPLE_CONFIG))
    assert checked.exit_code == 0, checked.stderr
    assert "Checked only: nothing printed." in checked.stdout
    assert list(tmp_path.iterdir()) == []
    run = cli("batch", str(orders), "--config", str(EXAMPLE_CONFIG))
    assert run.exit_code == 2 and "output: missing; expected -o FOLDER" in run.stderr
