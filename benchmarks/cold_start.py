"""Cold start of `compounder plan` against the floor `python -c "import pint, typer"`.

Both are measured in the same run, interleaved, as fresh processes; the script prints
the median wall time of each and their ratio. Goal (issue 2): ratio at most 1.3.

    python benchmarks/cold_start.py [--runs 21]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

GOAL = 1.3


def _time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    script = shutil.which("compounder", path=os.path.dirname(sys.executable)) or shutil.which(
        "compounder"
    )
    plan = [script, "plan"] if script else [sys.executable, "-P", "-m", "compounder", "plan"]
    floor = [sys.executable, "-c", "import pint, typer"]
    for command in (plan, floor):  # warm the OS file cache and .pyc files
        _time(command)
    plan_times, floor_times = [], []
    for _ in range(args.runs):
        plan_times.append(_time(plan))
        floor_times.append(_time(floor))
    plan_median = statistics.median(plan_times)
    floor_median = statistics.median(floor_times)
    ratio = plan_median / floor_median
    print(f"runs: {args.runs} each, interleaved")
    print(f"floor  python -c 'import pint, typer': median {floor_median * 1000:.1f} ms")
    print(f"compounder plan                      : median {plan_median * 1000:.1f} ms")
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(f"ratio: {ratio:.2f}x the floor (goal <= {GOAL}x): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
