"""Benchmark: working-time deadline computations per second.

Mixed units, random aware starts over 2024–2026, the default calendar (with one override,
so the cache key is realistic) and the 24/7 calendar. Goal: >= 100,000 computations/s.

    .venv/bin/python bench/bench_deadlines.py [--quick] [--n N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from urbangrid.calendars.worktime import (
    AROUND_THE_CLOCK_SPEC,
    SHANGHAI,
    UNITS,
    CalendarSpec,
    add_working_time,
    working_seconds_between,
)


def main(n: int = 300_000) -> None:
    rng = random.Random(2024)
    default = CalendarSpec(overrides={dt.date(2027, 1, 1): False})
    specs = [default] * 9 + [AROUND_THE_CLOCK_SPEC]
    first = dt.datetime(2024, 1, 1, tzinfo=SHANGHAI)
    span = int((dt.datetime(2027, 1, 1, tzinfo=SHANGHAI) - first).total_seconds())
    amounts = {
        "working_minutes": (1, 600),
        "working_hours": (1, 48),
        "working_days": (1, 20),
        "calendar_hours": (1, 72),
        "calendar_days": (1, 30),
    }
    cases = []
    for _ in range(n):
        unit = rng.choice(UNITS)
        low, high = amounts[unit]
        start = first + dt.timedelta(seconds=rng.randrange(span))
        cases.append((rng.choice(specs), start, rng.randint(low, high), unit))

    add_working_time(default, first, 1, "working_minutes")  # build the timelines once
    add_working_time(AROUND_THE_CLOCK_SPEC, first, 1, "working_minutes")

    began = time.perf_counter()
    for spec, start, amount, unit in cases:
        add_working_time(spec, start, amount, unit)
    elapsed = time.perf_counter() - began
    print(f"add_working_time: {n / elapsed:,.0f} computations/s ({n:,} in {elapsed:.3f} s)")

    pairs = [(s, st, add_working_time(s, st, a, u)) for s, st, a, u in cases[: n // 3]]
    began = time.perf_counter()
    for spec, start, end in pairs:
        working_seconds_between(spec, start, end)
    elapsed = time.perf_counter() - began
    print(f"working_seconds_between: {len(pairs) / elapsed:,.0f} computations/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30,000 computations")
    parser.add_argument("--n", type=int, default=300_000, help="number of computations")
    args = parser.parse_args()
    main(30_000 if args.quick else args.n)
