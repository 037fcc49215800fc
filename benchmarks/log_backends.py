"""The shared log's cost: a batch logging to PostgreSQL against the same batch logging to
SQLite, timed in the same run. Goal: at most 1.3x.

    python benchmarks/log_backends.py [--orders 10000] [--runs 3] [--url postgresql://...]

Without ``--url`` a PostgreSQL server is started for the run as the tests start one
(``tests/pg_server.py``: Debian's ``postgresql`` package, a unix socket) but flushing
to disk on commit as a production server does (the tests' server runs ``fsync=off``),
so both sides pay for durability and the figure is the cost of the client, the
protocol and the server's work, not of a network. With ``--url`` (a database you may
fill) the pharmacy's own server and network are measured, one database a run being
created next to it. Each run logs a new 10,000-order batch (``compounder batch --db``,
one core) into a new, empty log; both sides alternate and the median of each is compared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from compounder.batch.synthetic import write_orders

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "examples" / "compounder.toml"
GOAL = 1.3


def run_batch(orders: Path, out: Path, db: str) -> float:
    command = [sys.executable, "-P", "-m", "compounder", "batch", str(orders), "-o", str(out)]
    command += ["--config", str(CONFIG), "--jobs", "1", "--db", db]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--url", help="an existing PostgreSQL server's database URL")
    args = parser.parse_args()
    server = None
    if args.url is None:
        sys.path.insert(0, str(ROOT / "tests"))
        from pg_server import Server  # type: ignore[import-not-found]

        server = Server(durable=True)
    try:
        with tempfile.TemporaryDirectory(prefix="compounder-bench-") as folder:
            work = Path(folder)
            # the runs' heads are witnessed in an anchor of their own (not beside examples/)
            os.environ["COMPOUNDER_ANCHOR"] = str(work / "anchors.log")
            orders = write_orders(work / "orders.csv", args.orders, titrations=False)
            times: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
            for run in range(args.runs):
                url = server.new_database() if server else new_database(args.url, run)
                for side, db in (("sqlite", str(work / f"log{run}.db")), ("postgresql", url)):
                    times[side].append(run_batch(orders, work / f"{side}{run}", db))
                    print(f"run {run + 1} {side:<10} {times[side][-1]:.2f} s", flush=True)
    finally:
        if server is not None:
            server.close()
    sqlite, postgres = (statistics.median(times[s]) for s in ("sqlite", "postgresql"))
    ratio = postgres / sqlite
    print(
        f"{args.orders} orders, median of {args.runs}: SQLite {sqlite:.2f} s, "
        f"PostgreSQL {postgres:.2f} s: {ratio:.2f}x (goal at most {GOAL}x)"
    )
    return 0 if ratio <= GOAL else 1


def new_database(url: str, run: int) -> str:
    """A new database beside the one ``url`` names (the benchmark fills it)."""
    import psycopg
    from psycopg import sql

    name = f"compounder_bench_{int(time.time())}_{run}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base, _, query = url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


if __name__ == "__main__":
    sys.exit(main())
