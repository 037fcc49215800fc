"""Every command against a corpus of bad values and files.

Each case starts from a valid command line, spoils one option (a value out of range, a
huge number, an id of 300 characters, a FIFO or a folder given as a data file, a broken
log...), and checks what docs/usage.md promises: the documented exit code (2, 3, 4 or 5,
never 70), one line on stderr naming the problem, no traceback, no patient data echoed,
within a time limit, and no output file left behind.
"""

from __future__ import annotations

import os
import signal
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXAMPLE_CONFIG

PATIENT = "Zelda Quinterra"  # must never appear in an error message
CONFIG = str(EXAMPLE_CONFIG)

# A valid command line for each command; {out} is the output path, {db} the log.
BASE: dict[str, list[str]] = {
    "plan": ["plan", "-c", "1 mg/mL"],
    "strengths": ["strengths"],
    "prepare": ["prepare", "-c", "1 mg/mL", "--volume", "30 mL"],
    "fills": ["fills", "--start-date", "2026-12-01", "-c", "1 mg/mL"],
    "label": [
        "label", "--rx", "1234567", "--patient", PATIENT, "--prescriber", "Dr A. Smith",
        "--dose", "1.5 mg", "-c", "1 mg/mL", "--quantity", "25 mL", "--fill-date",
        "2026-12-01", "--config", CONFIG, "-o", "{out}", "--db", "{db}",
    ],
    "chart": [
        "chart", "--start-date", "2026-12-01", "-c", "1 mg/mL", "--patient", PATIENT,
        "--config", CONFIG, "-o", "{out}",
    ],
    "batch": ["batch", "{orders}", "-o", "{outdir}", "--config", CONFIG, "--db", "{db}"],
    "record": [
        "record", "-c", "1 mg/mL", "--volume", "30 mL", "--prepared-by", "JD",
        "--checked-by", "MK", "--date", "2026-12-01", "-o", "{out}", "--db", "{db}",
    ],
    "reprint": ["reprint", "--rx", "1234567", "-o", "{out}", "--db", "{db}"],
    "trace": ["trace", "--ingredient-lot", "AB1234", "--db", "{db}"],
    "history": ["history", "--rx", "1234567", "--db", "{db}"],
    "correct": ["correct", "--entry", "1", "--reason", "typo", "--by", "JD", "--db", "{db}"],
}  # fmt: skip

HUGE = "9" * 40
NUMBERS = {
    "a 40-digit number": HUGE + " {unit}",
    "a 5000-digit number": "9" * 5000 + " {unit}",
    "an exponent": "1e400 {unit}",
    "not a number": "nan {unit}",
    "infinity": "inf {unit}",
    "zero": "0 {unit}",
    "negative": "-1 {unit}",
    "a comma decimal": "1,5 {unit}",
    "empty": "",
    "a NUL": "1\x00 {unit}",
    "a unit of another kind": "1 day",
}
QUANTITY_OPTIONS = {
    ("plan", "-c"): "mg/mL",
    ("plan", "--dose"): "mg",
    ("prepare", "-c"): "mg/mL",
    ("prepare", "--volume"): "mL",
    ("fills", "-c"): "mg/mL",
    ("label", "--dose"): "mg",
    ("label", "--quantity"): "mL",
    ("label", "-c"): "mg/mL",
    ("chart", "-c"): "mg/mL",
    ("record", "-c"): "mg/mL",
    ("record", "--volume"): "mL",
}
PERCENT_OPTIONS = [("prepare", "--assay"), ("prepare", "--water"), ("fills", "--overage")]
DATES = {
    "year 9999": "9999-12-31",
    "year 1": "0001-01-01",
    "year 1899": "1899-12-31",
    "30 February": "2026-02-30",
    "month 13": "2026-13-01",
    "no dashes": "20261201",
    "empty": "",
}
DATE_OPTIONS = [
    ("plan", "--start-date"),
    ("prepare", "--date"),
    ("prepare", "--bud"),
    ("fills", "--start-date"),
    ("label", "--fill-date"),
    ("chart", "--start-date"),
    ("record", "--date"),
]
IDS = {
    "300 characters": "x" * 300,
    "a NUL": "ldn\x00standard",
    "empty": "",
    "unknown": "no-such-thing",
    "a newline": "ldn\nstandard",
}
ID_OPTIONS = [
    ("plan", "--protocol"),
    ("strengths", "--protocol"),
    ("fills", "--protocol"),
    ("fills", "--vehicle"),
    ("prepare", "--from"),
    ("prepare", "--vehicle"),
    ("label", "--protocol"),
    ("label", "--stock"),
    ("label", "--language"),
    ("label", "--vehicle"),
    ("label", "--from"),
    ("chart", "--protocol"),
    ("chart", "--language"),
    ("chart", "--paper"),
    ("record", "--from"),
    ("record", "--vehicle"),
]
FILE_OPTIONS = [
    ("plan", "--protocol"),
    ("plan", "--syringes"),
    ("strengths", "--candidates"),
    ("strengths", "--syringes"),
    ("prepare", "--lots-file"),
    ("fills", "--syringes"),
    ("label", "--stock"),
    ("label", "--config"),
    ("chart", "--config"),
    ("batch", "--config"),
]
NAMES = {
    "invisible only": "\u200b\u200b",
    "control characters": "Jo\x1b[31mhn",
    "300 characters": "A" * 300,
    "empty": "",
    "spaces only": "   ",
    "a right-to-left override": "Jane\u202eeoD",
}
NAME_OPTIONS = [
    ("label", "--patient"),
    ("label", "--prescriber"),
    ("chart", "--patient"),
    ("record", "--prepared-by"),
    ("record", "--checked-by"),
]


def _bad_files(tmp: Path) -> dict[str, Path]:
    """Files no data file may be: created fresh in ``tmp`` for each case."""
    fifo = tmp / "fifo.toml"
    os.mkfifo(fifo)
    folder = tmp / "folder.toml"
    folder.mkdir()
    binary = tmp / "binary.toml"
    binary.write_bytes(bytes(range(256)) * 4)
    nested = tmp / "nested.toml"
    nested.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    empty = tmp / "empty.toml"
    empty.write_text("")
    return {
        "a FIFO": fifo,
        "a folder": folder,
        "binary bytes": binary,
        "deeply nested": nested,
        "empty": empty,
        "missing": tmp / "missing.toml",
    }


class Case:
    def __init__(
        self,
        command: str,
        option: str | None,
        value: str | None,
        setup: Callable[[Path], dict[str, str]] | None = None,
        extra: tuple[str, ...] = (),
        codes: tuple[int, ...] = (2, 3, 4, 5),
    ) -> None:
        self.command, self.option, self.value = command, option, value
        self.setup, self.extra, self.codes = setup, extra, codes

    def argv(self, tmp: Path) -> list[str]:
        fields = {
            "out": str(tmp / "out.pdf"),
            "outdir": str(tmp / "out"),
            "db": str(tmp / "log.db"),
            "orders": str(_orders(tmp)),
        }
        if self.setup is not None:
            fields.update(self.setup(tmp))
        args = [a.format(**fields) if "{" in a else a for a in BASE[self.command]]
        if self.option is not None:
            value = self.value.format(**fields) if self.value and "{" in self.value else self.value
            if self.option in args:
                args[args.index(self.option) + 1] = value or ""
            else:
                args += [self.option, value or ""]
        return args + list(self.extra)


ORDERS_HEADER = (
    "rx_number,patient_name,prescriber,fill_date,concentration,dose,quantity,days_supply\n"
)


def _orders(tmp: Path, rows: str = "") -> Path:
    path = tmp / "orders.csv"
    if not path.exists():
        path.write_text(
            ORDERS_HEADER
            + (rows or f"5550001,{PATIENT},Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,30 mL,\n")
        )
    return path


def _order_rows(row: str) -> Callable[[Path], dict[str, str]]:
    def setup(tmp: Path) -> dict[str, str]:
        path = tmp / "bad-orders.csv"
        path.write_text(ORDERS_HEADER + row + "\n")
        return {"orders": str(path)}

    return setup


def _orders_file(make: Callable[[Path], Path]) -> Callable[[Path], dict[str, str]]:
    return lambda tmp: {"orders": str(make(tmp))}


def _db(make: Callable[[Path], None]) -> Callable[[Path], dict[str, str]]:
    def setup(tmp: Path) -> dict[str, str]:
        path = tmp / "bad.db"
        make(path)
        return {"db": str(path)}

    return setup


def _foreign_db(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")


def _junk_meta(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("INSERT INTO meta VALUES ('schema_version', 'banana')")


def _newer_db(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 9999")


def _truncated_db(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE filler (x BLOB)")
        db.executemany("INSERT INTO filler VALUES (?)", [(b"x" * 4000,)] * 20)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3 + 17])


BAD_DBS = {
    "garbage bytes": _db(lambda p: p.write_bytes(b"not a database at all" * 100)),
    "a foreign database": _db(_foreign_db),
    "junk metadata": _db(_junk_meta),
    "a newer schema": _db(_newer_db),
    "a truncated file": _db(_truncated_db),
    "a folder": _db(lambda p: p.mkdir()),
    "a FIFO": _db(lambda p: os.mkfifo(p)),
}
DB_COMMANDS = ["label", "batch", "record", "reprint", "trace", "history", "correct"]

BAD_ROWS = {
    "a 5000-digit refills": f"1,{PATIENT},Dr S,2026-12-01,1 mg/mL,1.5 mg,30 mL,,",
    "a huge quantity": f"2,{PATIENT},Dr S,2026-12-01,1 mg/mL,1.5 mg,1000000000000 mL,",
    "100000 mL": f"3,{PATIENT},Dr S,2026-12-01,1 mg/mL,1.5 mg,100000 mL,",
    "fill date year 1": f"4,{PATIENT},Dr S,0001-01-01,1 mg/mL,1.5 mg,30 mL,",
    "fill date year 9999": f"5,{PATIENT},Dr S,9999-12-31,1 mg/mL,1.5 mg,30 mL,",
    "a 40-digit days supply": f"6,{PATIENT},Dr S,2026-12-01,1 mg/mL,1.5 mg,,{HUGE}",
    "a 40-digit dose": f"7,{PATIENT},Dr S,2026-12-01,1 mg/mL,{HUGE} mg,30 mL,",
    "an invisible patient": "8,\u200b,Dr S,2026-12-01,1 mg/mL,1.5 mg,30 mL,",
    "a 300-character Rx": "9" * 300 + f",{PATIENT},Dr S,2026-12-01,1 mg/mL,1.5 mg,30 mL,",
}


def _latin1(tmp: Path) -> Path:
    path = tmp / "latin1.csv"
    path.write_bytes(
        (ORDERS_HEADER + "1,Jos\xe9,Dr S,2026-12-01,1 mg/mL,1.5 mg,30 mL,\n").encode("latin-1")
    )
    return path


def _wide_header(tmp: Path) -> Path:
    path = tmp / "wide.csv"
    path.write_text("rx_number," + "x" * 200_000 + "\n1,2\n")
    return path


def _jsonl(text: str, name: str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / f"{name}.jsonl"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        return path

    return make


BAD_ORDER_FILES = {
    "latin-1 bytes": _latin1,
    "a 200 KB header cell": _wide_header,
    "nested JSON": _jsonl('{"rx_number": ' + "[" * 3000 + "]" * 3000 + "}\n", "nested"),
    "a lone surrogate": _jsonl('{"rx_number": "\\ud800"}\n', "surrogate"),
    "a 5000-digit integer": _jsonl('{"rx_number": ' + "1" * 5000 + "}\n", "bigint"),
    "a JSON array": _jsonl("[1, 2, 3]\n", "array"),
    "a FIFO": lambda tmp: (os.mkfifo(tmp / "fifo.csv"), tmp / "fifo.csv")[1],
    "a folder": lambda tmp: ((tmp / "dir.csv").mkdir(), tmp / "dir.csv")[1],
    "missing": lambda tmp: tmp / "missing.csv",
    "an unknown suffix": lambda tmp: (tmp / "o.xlsx").write_text("x") and tmp / "o.xlsx",
}


def _protocol(text: str) -> Callable[[Path], dict[str, str]]:
    def setup(tmp: Path) -> dict[str, str]:
        path = tmp / "p.toml"
        path.write_text(text)
        return {"protocol": str(path)}

    return setup


STALLING_PROTOCOLS = {
    "a tiny increment": 'id = "x"\nname = "x"\nstart_dose = "1.5 mg"\nincrement = '
    '"0.000000000001 mg"\nmax_dose = "4.5 mg"\ndays_per_step = 14\n',
    "a huge maximum": 'id = "x"\nname = "x"\nstart_dose = "0.5 mg"\nincrement = "0.5 mg"\n'
    'max_dose = "100000000 mg"\ndays_per_step = 14\n',
    "a huge step length": 'id = "x"\nname = "x"\nstart_dose = "1.5 mg"\nincrement = "0.5 mg"\n'
    'max_dose = "4.5 mg"\ndays_per_step = 999999999999\n',
}


def _cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for (command, option), unit in QUANTITY_OPTIONS.items():
        for name, template in NUMBERS.items():
            cases[f"{command} {option} {name}"] = Case(command, option, template.format(unit=unit))
    for command, option in PERCENT_OPTIONS:
        extra = ("--from", "powder", "--assay", "99%", "--water", "1%")
        for name, value in {
            "a 40-digit percent": HUGE + "%",
            "negative": "-5%",
            "over 100": "250%",
            "not a number": "abc",
            "an exponent": "1e9%",
        }.items():
            more: tuple[str, ...] = ()
            if command == "prepare":
                more = tuple(
                    a for a in extra if a not in (option, "1%" if option == "--water" else "99%")
                )
            cases[f"{command} {option} {name}"] = Case(command, option, value, extra=more)
    for command, option in DATE_OPTIONS:
        for name, value in DATES.items():
            cases[f"{command} {option} {name}"] = Case(command, option, value)
    for command, option in ID_OPTIONS:
        for name, value in IDS.items():
            cases[f"{command} {option} id {name}"] = Case(command, option, value)
    for command, option in FILE_OPTIONS:
        for name in ("a FIFO", "a folder", "binary bytes", "deeply nested", "empty", "missing"):

            def setup(tmp: Path, name: str = name) -> dict[str, str]:
                return {"file": str(_bad_files(tmp)[name])}

            cases[f"{command} {option} file {name}"] = Case(command, option, "{file}", setup)
    for command, option in NAME_OPTIONS:
        for name, value in NAMES.items():
            cases[f"{command} {option} name {name}"] = Case(command, option, value)
    for command in DB_COMMANDS:
        for name, setup in BAD_DBS.items():
            cases[f"{command} --db {name}"] = Case(command, None, None, setup)
        cases[f"{command} --db :memory:"] = Case(command, "--db", ":memory:")
    for name, row in BAD_ROWS.items():
        if name == "a 5000-digit refills":
            header_row = ORDERS_HEADER.strip() + ",refills\n"

            def setup(tmp: Path, row: str = row, header: str = header_row) -> dict[str, str]:
                path = tmp / "bad-orders.csv"
                path.write_text(header + row + "9" * 5000 + "\n")
                return {"orders": str(path)}

            cases[f"batch row {name}"] = Case("batch", None, None, setup)
            cases[f"batch --check row {name}"] = Case("batch", None, None, setup, ("--check",))
            continue
        cases[f"batch row {name}"] = Case("batch", None, None, _order_rows(row))
        cases[f"batch --check row {name}"] = Case(
            "batch", None, None, _order_rows(row), ("--check",)
        )
    for name, make in BAD_ORDER_FILES.items():
        cases[f"batch file {name}"] = Case("batch", None, None, _orders_file(make))
    for name, text in STALLING_PROTOCOLS.items():
        for command in ("plan", "strengths", "fills", "chart"):
            cases[f"{command} protocol {name}"] = Case(
                command, "--protocol", "{protocol}", _protocol(text)
            )
    for command in ("label", "chart", "record", "reprint"):
        cases[f"{command} -o an existing folder"] = Case(
            command, "-o", "{folder}", lambda tmp: {"folder": str(_mkdir(tmp / "outdir"))}
        )
        cases[f"{command} -o empty"] = Case(command, "-o", "")
        cases[f"{command} -o in a missing folder"] = Case(command, "-o", "{missing}/x.pdf",
            lambda tmp: {"missing": str(tmp / "nowhere")})  # fmt: skip
    for option, value in {
        "--jobs": "40",
        "--jobs ": "0",
        "--chunk-size": "0",
        "--chunk-size ": HUGE,
    }.items():
        cases[f"batch {option.strip()} {value[:8]}"] = Case("batch", option.strip(), value)
    cases["prepare -c 1000000 mg/mL"] = Case("prepare", "-c", "1000000 mg/mL")
    cases["prepare --volume 1000000 mL"] = Case("prepare", "--volume", "1000000 mL")
    cases["label --quantity 100000 mL"] = Case("label", "--quantity", "100000 mL")
    cases["correct --entry 20 digits"] = Case("correct", "--entry", "99999999999999999999999")
    cases["correct --entry negative"] = Case("correct", "--entry", "-1")
    cases["correct --reason blank"] = Case("correct", "--reason", "  ")
    cases["history --rx 300"] = Case("history", "--rx", "9" * 300)
    cases["trace --ingredient-lot escape"] = Case("trace", "--ingredient-lot", "\x1b[2J" * 50)
    cases["label --rx control"] = Case("label", "--rx", "12\x1b34")
    cases["label --lot-expiry year 1"] = Case("label", "--lot-expiry", "0001-01-01")
    cases["prepare --lot-expiry nonsense"] = Case("prepare", "--lot-expiry", "a:b:c:d")
    cases["record --ingredient-lot huge"] = Case("record", "--ingredient-lot", "x:" * 5000)
    return cases


def _mkdir(path: Path) -> Path:
    path.mkdir(exist_ok=True)
    return path


CASES = _cases()


def _timeout(signum: int, frame: object) -> None:
    raise TimeoutError("the command did not finish within its time limit")


@pytest.fixture
def time_limit():
    previous = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gets_its_exit_code_and_one_line(name, cli, tmp_path, monkeypatch, time_limit):
    case = CASES[name]
    monkeypatch.chdir(tmp_path)
    argv = case.argv(tmp_path)
    before = _files(tmp_path)
    result = cli(*argv)
    assert result.exit_code in case.codes, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("compounder: error: "), lines[0]
    assert "Traceback" not in result.stderr
    assert PATIENT not in result.stderr and PATIENT not in result.stdout
    assert "\x1b" not in result.stderr and "\x1b" not in result.stdout
    after = _files(tmp_path) - before
    made = {f for f in after if not f.startswith(("log.db", "bad.db"))}
    made = {f for f in made if not (tmp_path / f).is_dir() or any((tmp_path / f).iterdir())}
    assert made == set(), made


def test_the_corpus_is_broad():
    """At least 300 cases, over every command that takes input."""
    assert len(CASES) >= 300
    commands = Counter(case.command for case in CASES.values())
    assert set(commands) == set(BASE) - {"stocks"}


def test_csv_outputs_are_neutralised_against_formulas(cli, tmp_path):
    """An Rx of letters, digits and dashes may start with '-': manifest.csv quotes it;
    rejected.csv quotes a formula even after leading spaces."""
    orders = tmp_path / "orders.csv"
    orders.write_text(
        ORDERS_HEADER
        + f"-A1-B,{PATIENT},Dr A. Smith,2026-12-01,1 mg/mL,1.5 mg,30 mL,\n"
        + f'5550002,{PATIENT}," =1+1",2026-12-01,1 mg/mL,99 mg,30 mL,\n'
    )
    out = tmp_path / "out"
    result = cli(
        "batch", str(orders), "-o", str(out), "--config", CONFIG, "--db", str(tmp_path / "l.db"),
        "--skip-invalid",
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr
    manifest = (out / "manifest.csv").read_text()
    assert "\n2,'-A1-B," in manifest
    rejected = (out / "rejected.csv").read_text()
    assert "' =1+1" in rejected


def test_an_unsupported_script_in_a_patient_name_is_not_echoed(cli, tmp_path):
    name = "李小龍"
    result = cli(
        "label", "--rx", "1", "--patient", name, "--prescriber", "Dr A. Smith", "--dose", "1.5 mg",
        "-c", "1 mg/mL", "--quantity", "25 mL", "--config", CONFIG, "-o", str(tmp_path / "l.pdf"),
        "--db", str(tmp_path / "l.db"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "characters the bundled fonts can draw (Latin, Greek or Cyrillic)" in result.stderr
    assert not set(name) & set(result.stderr)
    assert "U+" not in result.stderr  # code points would spell the name too


@pytest.mark.parametrize("step", ["write_worksheet", "render_records"])
def test_a_full_disk_in_a_batch_is_exit_5_and_publishes_nothing(cli, tmp_path, monkeypatch, step):
    import errno

    import compounder.batch.outputs as outputs
    import compounder.batch.run as run

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    for module in (outputs, run):
        if hasattr(module, step):
            monkeypatch.setattr(module, step, full)
    out = tmp_path / "out"
    orders = Path(__file__).resolve().parents[2] / "examples" / "orders.csv"
    result = cli("batch", str(orders), "-o", str(out), "--config", CONFIG,
                 "--db", str(tmp_path / "log.db"))  # fmt: skip
    assert result.exit_code == 5, result.stderr
    assert result.stderr == f"compounder: error: cannot write {out}: No space left on device\n"
    assert not out.exists()  # nothing published: the folder the run made is gone too


def test_a_log_that_cannot_grow_is_exit_5_and_leaves_no_label(tmp_path):
    """The file-size limit stands in for a full disk: SQLite cannot write the log."""
    import resource
    import subprocess
    import sys

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    target = tmp_path / "l.pdf"
    result = subprocess.run(
        [sys.executable, "-m", "compounder", "label", "--rx", "1", "--patient", PATIENT,
              "--prescriber", "Dr A. Smith", "--dose", "1.5 mg", "-c", "1 mg/mL",
              "--quantity", "20 mL", "--config", CONFIG, "-o", str(target),
              "--db", str(tmp_path / "log.db")],
        preexec_fn=limit, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 5, result.stderr
    assert "the log could not be written" in result.stderr
    assert PATIENT not in result.stderr
    assert not target.exists()
