"""Benchmark: what the round trips a report no longer makes are worth, measured in one
process by switching them back on, block by block.

    .venv/bin/python bench/bench_intake_round_trips.py [--blocks 12] [--block 400]
        [--prefill 5000]

A round trip costs the Python process mostly kernel time (sending, polling, receiving),
which callgrind's instruction count (``bench_intake_cpu.py``) does not see, and timing two
checkouts one after the other on a shared machine mixes the change with the machine's
drift. So this bench builds the district city with ``--prefill`` reports (as
``bench_intake_cpu.py``, in ``DATABASE_URL``, default ``…/urbangrid_bench_intake_rt``),
then sends reports in-process (Django's test client) in ``--blocks`` rounds of ``--block``
reports per variant, the variants alternating in order, and prints the CPU time per
report of the Python process and of its PostgreSQL backend, and the wall time:

* ``now``: the code as it is;
* ``with BEGIN/COMMIT``: the report's statement inside an explicit transaction
  (``common.writes`` as before its one-statement rule: two round trips more);
* ``separate duplicate read``: the similar open cases read by a query of their own
  before the transaction, not with the id query (one round trip more).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/urbangrid_bench_intake_rt"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("URBANGRID_ENV", "test")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["URBANGRID_BENCH_ENDPOINTS"] = "1"
os.environ["DEBUG"] = "0"


def variants() -> dict[str, Callable[[], Callable[[], None]]]:
    """name → a function that switches the variant on and returns its undo."""
    from urbangrid.common import writes
    from urbangrid.intake import services

    def now() -> Callable[[], None]:
        return lambda: None

    def with_begin() -> Callable[[], None]:
        original = writes._nothing_sent
        writes._nothing_sent = lambda conn: False

        def undo() -> None:
            writes._nothing_sent = original

        return undo

    def separate_read() -> Callable[[], None]:
        original = services._advice

        def advice(report: Any, *, with_duplicates: bool) -> dict[str, Any] | None:
            found = original(report, with_duplicates=with_duplicates)
            if found is not None and found["duplicates"] is None:
                lng, lat = found["point"]
                found["duplicates"] = services._duplicates(found["matter_id"], lng, lat, None)
            return found

        services._advice = advice

        def undo() -> None:
            services._advice = original

        return undo

    return {"now": now, "with BEGIN/COMMIT": with_begin, "separate duplicate read": separate_read}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=12)
    parser.add_argument("--block", type=int, default=400)
    parser.add_argument("--prefill", type=int, default=5000)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("this bench measures PostgreSQL: set DATABASE_URL=postgres://...")
    from bench_intake_cpu import Sender, backend_clock, build_template

    with tempfile.TemporaryDirectory() as workdir:
        meta = os.path.join(workdir, "meta.json")
        build_template(url, "district", args.prefill, meta)
        os.environ["BENCH_CPU_META"] = meta
        sender = Sender("report", seed=11)
    sender.send(100)
    pg = backend_clock()

    switches = variants()
    names = list(switches)
    totals = {name: [0.0, 0.0, 0.0] for name in names}
    order = random.Random(3)
    for _ in range(args.blocks):
        order.shuffle(names)
        for name in names:
            undo = switches[name]()
            try:
                pg0, cpu0, wall0 = pg(), time.process_time(), time.perf_counter()
                sender.send(args.block)
                used = (time.process_time() - cpu0, pg() - pg0, time.perf_counter() - wall0)
            finally:
                undo()
            for i, value in enumerate(used):
                totals[name][i] += value
    reports = args.blocks * args.block
    print(
        f"{args.blocks} blocks of {args.block} reports per variant, after {args.prefill:,} "
        f"(load {os.getloadavg()[0]:.2f})"
    )
    base = totals["now"]
    for name, (python, postgres, wall) in totals.items():
        delta = "" if name == "now" else f"  (wall {100 * (wall / base[2] - 1):+.1f} %)"
        print(
            f"{name:>24}: Python {python * 1000 / reports:.3f} ms, PostgreSQL "
            f"{postgres * 1000 / reports:.3f} ms, wall {wall * 1000 / reports:.3f} ms "
            f"per report{delta}"
        )
    print(json.dumps({"reports_per_variant": reports}))


if __name__ == "__main__":
    main()
