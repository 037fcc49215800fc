"""Batch speed and memory, against baselines measured in the same run.

1. Floor: ``floor_labels.py``, a bare reportlab script drawing the same labels with no
   calculation. Goal: ``compounder batch`` (one core) at most 1.3x the floor's time.
2. Two cores: ``--jobs 2`` against ``--jobs 1``. Goal: at least 1.7x the throughput, and
   the same output bytes.
3. Memory: peak RSS for 100,000 orders against 10,000 (one process). Goal: within 1.2x.

    python benchmarks/batch_throughput.py [--orders 10000] [--big 100000]

Orders are synthetic (``compounder.batch.synthetic``), fixed doses only, so that both sides
draw exactly one label an order. Run it on a regular install (``pip install .``).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from compounder.batch.synthetic import write_orders

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "examples" / "compounder.toml"


def measure(command: list[str]) -> tuple[float, int]:
    """Wall time (s) and peak resident memory (MiB) of one fresh process (its output
    kept off the terminal, so no progress bar is drawn: the floor draws none)."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        if status != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace")
            raise SystemExit(f"failed ({status}): {' '.join(command)}\n{message}")
    return elapsed, usage.ru_maxrss // 1024


def batch(orders: Path, out: Path, jobs: int) -> list[str]:
    """The run, with a log of its own next to its outputs (never the shared default);
    ``-P``: the installed package, not a source tree in the current folder."""
    return [
        sys.executable,
        "-P",
        "-m",
        "compounder",
        "batch",
        str(orders),
        "-o",
        str(out),
        "--config",
        str(CONFIG),
        "--jobs",
        str(jobs),
        "--db",
        str(out.parent / f"{out.name}.db"),
    ]


#: The documents that print the run's place in its log (another in each run's log):
#: their text is compared without it.
WITNESSED = ("worksheet.txt", "records.pdf")
WITNESS = re.compile(r"(Compounding\s+log\s+)?Logged\s+as\s+entry\s+\d+,.*?\)", re.S)


def _text(path: Path) -> str:
    if path.suffix == ".pdf":
        from pypdf import PdfReader  # the test extra

        return "\f".join(page.extract_text() for page in PdfReader(path).pages)
    return path.read_text(encoding="utf-8")


def same_outputs(first: Path, second: Path) -> bool:
    """The same files, byte for byte; the worksheet and records by their text apart
    from their log witness."""
    names = sorted(p.name for p in first.iterdir())
    if names != sorted(p.name for p in second.iterdir()):
        return False
    for name in names:
        if name in WITNESSED:
            if WITNESS.sub("", _text(first / name)) != WITNESS.sub("", _text(second / name)):
                return False
        elif not filecmp.cmp(first / name, second / name, shallow=False):
            return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100_000, help="0 skips the memory test")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="compounder-bench-"))
    # the runs' heads are witnessed in an anchor of their own (not beside examples/)
    os.environ["COMPOUNDER_ANCHOR"] = str(work / "anchors.log")
    orders = write_orders(work / "orders.csv", args.orders, titrations=False)
    floor_s, _ = measure(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "floor_labels.py"),
            str(orders),
            str(work / "floor"),
        ]
    )
    one_s, one_mib = measure(batch(orders, work / "one", 1))
    two_s, _ = measure(batch(orders, work / "two", 2))
    print(f"orders: {args.orders} (cores here: {os.cpu_count()})")
    print(f"floor (bare reportlab, same labels): {floor_s:7.2f} s")
    print(
        f"compounder batch, 1 job            : {one_s:7.2f} s  "
        f"ratio {one_s / floor_s:.2f}x the floor (goal <= 1.3x)"
    )
    print(
        f"compounder batch, 2 jobs           : {two_s:7.2f} s  "
        f"speed-up {one_s / two_s:.2f}x (goal >= 1.7x); same outputs: "
        f"{same_outputs(work / 'one', work / 'two')}"
    )
    if args.big:
        big = write_orders(work / "big.csv", args.big, titrations=False)
        big_s, big_mib = measure(batch(big, work / "big", 1))
        print(f"peak memory, {args.orders} orders : {one_mib} MiB")
        print(
            f"peak memory, {args.big} orders: {big_mib} MiB in {big_s:.1f} s  "
            f"ratio {big_mib / one_mib:.2f}x (goal <= 1.2x)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
