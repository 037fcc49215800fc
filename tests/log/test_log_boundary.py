"""Only ``log/`` knows the log's formats, and its modules stay small enough to read.

Read off the package's source with ``ast``: no module outside ``log/`` writes or takes
apart an entry key (``dispense:<file>:<rx>``...) or names one of the log's tables in
SQL; no query searches a payload's JSON text; no module of ``log/`` is over 500 lines,
and no function over 80. Each rule is shown to fail on a deliberately wrong module.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from compounder.log import schema

PACKAGE = Path(__file__).resolve().parents[2] / "compounder"
TABLES = "|".join(t.name for t in schema.TABLES)
KEY_TEXT = re.compile(r"(?<![\w\s-])(batch|batch-record|batch-reprint|batch-run|dispense):(?!\s)")
TABLE_SQL = re.compile(rf"\b(FROM|INTO|JOIN|UPDATE|TABLE|ON)\s+({TABLES})\b", re.IGNORECASE)
PAYLOAD_SEARCH = re.compile(r"\bpayload\s+(NOT\s+)?(LIKE|GLOB|ILIKE|~)", re.IGNORECASE)
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def texts(tree: ast.AST) -> list[tuple[int, str]]:
    """Every piece of literal text in a module (f-strings' literal parts too)."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def format_leaks(name: str, source: str) -> list[str]:
    """How a module outside ``log/`` shows it knows the log's formats."""
    problems = []
    for line, text in texts(ast.parse(source)):
        if KEY_TEXT.search(text):
            problems.append(f"{name}:{line} writes or reads an entry key ({text[:40]!r})")
        if TABLE_SQL.search(text):
            problems.append(f"{name}:{line} names a table of the log ({text[:40]!r})")
        if "_" in text and text in {t.name for t in schema.TABLES}:
            problems.append(f"{name}:{line} names the table {text}")
    return problems


def size_problems(name: str, source: str) -> list[str]:
    problems = []
    lines = source.count("\n") + 1
    if lines > MAX_MODULE_LINES:
        problems.append(f"{name} has {lines} lines (at most {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                problems.append(f"{name}:{node.lineno} {node.name} has {length} lines")
    return problems


def modules(inside_log: bool) -> dict[str, str]:
    log = PACKAGE / "log"
    return {
        str(path.relative_to(PACKAGE)): path.read_text(encoding="utf-8")
        for path in sorted(PACKAGE.rglob("*.py"))
        if (log in path.parents) == inside_log
    }


def test_nothing_outside_log_writes_or_reads_a_key_or_names_a_table():
    found = [p for name, source in modules(False).items() for p in format_leaks(name, source)]
    assert found == []


def test_no_query_searches_a_payloads_json():
    found = [
        f"{name}:{line}"
        for name, source in {**modules(True), **modules(False)}.items()
        for line, text in texts(ast.parse(source))
        if PAYLOAD_SEARCH.search(text)
    ]
    assert found == []


def test_the_log_modules_are_small_enough_to_read():
    assert [p for name, source in modules(True).items() for p in size_problems(name, source)] == []


WRONG = {
    "a key written": ('key = f"dispense:{digest}:{rx}"\n', "writes or reads an entry key"),
    "a key's prefix": ('prefix = "batch-record:" + digest\n', "writes or reads an entry key"),
    "a table in SQL": ('db.execute("SELECT lot FROM entries")\n', "names a table"),
    "a table by name": ('counts["ingredient_uses"]\n', "names the table ingredient_uses"),
}


@pytest.mark.parametrize("case", sorted(WRONG))
def test_a_module_that_knows_the_logs_formats_is_caught(case):
    source, problem = WRONG[case]
    (found,) = format_leaks("batch/bad.py", source)
    assert problem in found


def test_a_payload_search_and_a_long_function_are_caught():
    assert PAYLOAD_SEARCH.search("SELECT 1 FROM entries WHERE payload LIKE ?")
    long = "def f():\n" + "    x = 1\n" * 90
    assert size_problems("log/bad.py", long) == ["log/bad.py:1 f has 91 lines"]
    assert (
        size_problems("log/bad.py", "x = 1\n" * 600)[0] == "log/bad.py has 601 lines (at most 500)"
    )
