"""All the benchmarks, one table: ``./scripts/bench`` (``--quick`` for a short run).

    .venv/bin/python bench/run_all.py [--quick] [--scale N] [--seed S] [--only NAME ...]

1. Builds or reuses the PostgreSQL history database (``bench_history.py``: ``--scale``
   cases, default 10,000,000; ``--quick`` 100,000; bulk-loaded with COPY, fixed seed).
2. Runs each benchmark as its own process, bounded in time, on loopback only:
   ``bench_intake`` (full intake endpoint beside the trivial insert, under gunicorn; the
   RSS of its gunicorn processes is sampled meanwhile), ``bench_queues`` and
   ``bench_evaluation`` on the history database, ``bench_locate``, ``bench_deadlines``
   and ``bench_actions`` on their own small databases.
3. Prints one table: figure, result, goal. A benchmark that is missing, fails or times
   out shows ``n/a (reason)``; the table is always printed. Full logs: ``var/bench/``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LOGS = ROOT / "var" / "bench"
PYTHON = sys.executable


@dataclass
class Row:
    figure: str
    value: str
    goal: str = ""


@dataclass
class Run:
    name: str
    output: str = ""
    error: str = ""
    seconds: float = 0.0
    rss_mb: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def rss_of(pids: list[int], name: str) -> float:
    """Total resident memory (MB) of the processes among ``pids`` running ``name``."""
    total = 0
    for pid in pids:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            if name.encode() not in cmdline:
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def run(name: str, args: list[str], *, timeout: float, env: dict[str, str] | None = None,
        watch: str = "") -> Run:  # fmt: skip
    """Run ``bench/<name>.py args``; its output, or why it has none."""
    result = Run(name)
    script = BENCH / f"{name}.py"
    if not script.exists():
        result.error = f"bench/{name}.py missing"
        return result
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{name}.log"
    began = time.perf_counter()
    print(f"==> {name} {' '.join(args)}", flush=True)
    with log.open("w") as handle:
        proc = subprocess.Popen(
            [PYTHON, str(script), *args],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        peak = 0.0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not stop.wait(0.5):
                peak = max(peak, rss_of(descendants(proc.pid), watch))

        sampler = threading.Thread(target=sample, daemon=True)
        if watch:
            sampler.start()
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            code = None
        stop.set()
    result.seconds = time.perf_counter() - began
    result.rss_mb = peak
    result.output = log.read_text("utf-8", "replace")
    if code is None:
        result.error = f"timed out after {timeout:.0f} s"
    elif code != 0:
        last = [x for x in result.output.strip().splitlines() if x.strip()][-1:] or ["?"]
        result.error = f"exit {code}: {last[0][:80]}"
    return result


def grab(run: Run, pattern: str, fmt: Callable[[re.Match[str]], str]) -> str:
    if run.error:
        return f"n/a ({run.error})"
    match = re.search(pattern, run.output, re.MULTILINE)
    if match is None:
        return f"n/a (no figure in bench/{run.name}.py output; see var/bench/{run.name}.log)"
    return fmt(match)


def num(text: str) -> float:
    return float(text.replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description="every benchmark, one table")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--scale", type=int, default=None, help="history cases")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--only", nargs="*", default=None, help="history intake queues ...")
    args = parser.parse_args()
    quick = args.quick
    scale = args.scale or (100_000 if quick else 10_000_000)
    wanted = set(args.only or ["history", "intake", "queues", "evaluation", "locate",
                               "deadlines", "actions"])  # fmt: skip
    long = 3600.0 * 6
    rows: list[Row] = []
    began = time.perf_counter()
    load = os.getloadavg()
    # One database per scale (bench_history.default_url): --quick never replaces the
    # 10,000,000-case history.
    history_url = os.environ.get("BENCH_HISTORY_URL") or (
        "postgres://postgres@127.0.0.1:5432/urbangrid_bench_history"
        + ("" if scale == 10_000_000 else f"_{scale}")
    )
    history_env = {"BENCH_HISTORY_URL": history_url}

    history = Run("bench_history", error="not run")
    if wanted & {"history", "queues", "evaluation"}:
        history = run(
            "bench_history",
            ["--scale", str(scale), "--seed", str(args.seed)],
            timeout=600 if quick else long,
            env=history_env,
        )
        rows.append(Row("history (cases, events)", grab(
            history, r"history cases\s+([\d,]+).*\n.*history events\s+([\d,]+)",
            lambda m: f"{m[1]} cases, {m[2]} events"), f"{scale:,} cases"))  # fmt: skip
        rows.append(Row("history build", grab(
            history, r"history database\s+\S+ (.*)$", lambda m: m[1]), "COPY"))  # fmt: skip

    if "intake" in wanted:
        seconds = "4" if quick else "15"
        intake = run(
            "bench_intake",
            ["--seconds", seconds, "--warmup", "1" if quick else "3"],
            timeout=300 if quick else 900,
            watch="gunicorn",
        )
        rows.append(Row("intake: reports/s, p50, p99", grab(
            intake, r"intake report:\s+([\d.]+) req/s\s+p50 ([\d.]+) ms.*?p99 ([\d.]+) ms",
            lambda m: f"{num(m[1]):,.0f}/s, p50 {m[2]} ms, p99 {m[3]} ms"),
            ">= 1,000/s, p99 <= 50 ms"))  # fmt: skip
        rows.append(Row("trivial insert: req/s, p50, p99", grab(
            intake, r"trivial insert:\s+([\d.]+) req/s\s+p50 ([\d.]+) ms.*?p99 ([\d.]+) ms",
            lambda m: f"{num(m[1]):,.0f}/s, p50 {m[2]} ms, p99 {m[3]} ms")))  # fmt: skip
        rows.append(Row("intake / trivial", grab(
            intake, r"ratio intake/trivial: ([\d.]+)", lambda m: f"{float(m[1]):.0%}"),
            ">= 60 %"))  # fmt: skip
        rows.append(Row("server RSS (gunicorn, all processes)",
                        f"{intake.rss_mb:,.0f} MB peak" if intake.rss_mb and not intake.error
                        else f"n/a ({intake.error or 'not sampled'})"))  # fmt: skip

    if "queues" in wanted:
        queues = Run("bench_queues", error=f"history unavailable: {history.error}")
        if not history.error:
            queues = run(
                "bench_queues",
                ["--cases", str(scale), "--repeat", "5" if quick else "20"],
                timeout=600 if quick else long,
                env={"DATABASE_URL": history_url},
            )
        queue_p95: list[tuple[float, str, str]] = []
        map_p95: list[tuple[float, str, str]] = []
        search_p95: list[tuple[float, str, str]] = []
        for line in queues.output.splitlines():
            m = re.match(r"(\w+)\s+(\S+)\s+([\d.]+)\s+([\d.]+)\s+([\d,]+)\s*$", line)
            if m:
                # Text search is a list page, not a queue: its own row, no goal in #5.
                kind = map_p95 if "/map/" in m[2] else search_p95 if "q=" in m[2] else queue_p95
                kind.append((float(m[4]), m[2], m[5]))
        for label, found, goal in (
            ("queue pages p95 (worst page)", queue_p95, "<= 150 ms"),
            ("map viewport p95 (worst zoom)", map_p95, "<= 200 ms, <= 1 MB"),
            ("text search p95 (full-text over all cases)", search_p95, "-"),
        ):
            if queues.error:
                value = f"n/a ({queues.error})"
            elif not found:
                value = "n/a (no figure; see var/bench/bench_queues.log)"
            else:
                worst = max(found)
                value = f"{worst[0]:.0f} ms ({worst[1][:40]}, {worst[2]} B)"
            rows.append(Row(label, value, goal))

    if "evaluation" in wanted:
        evaluation = Run("bench_evaluation", error=f"history unavailable: {history.error}")
        if not history.error:
            evaluation = run(
                "bench_evaluation",
                ["--cases", str(scale)],
                timeout=900 if quick else long,
                env={"BENCH_EVAL_DATABASE_URL": history_url},
            )
        rows.append(Row("evaluation: a month, every object", grab(
            evaluation, r"month evaluation.*?: ([\d.]+) s", lambda m: f"{m[1]} s"),
            "<= 1 s (10 M cases)"))  # fmt: skip
        rows.append(Row("evaluation: full recompute", grab(
            evaluation, r"recompute .*? in ([\d.]+) s", lambda m: f"{m[1]} s"),
            "<= 60 s (a year, 10 M)"))  # fmt: skip

    if "locate" in wanted:
        locate = run(
            "bench_locate",
            ["--scale", "1" if quick else "10", "--points", "200000" if quick else "1000000"],
            timeout=300 if quick else 1800,
        )
        rows.append(Row("locate: points/s (bulk)", grab(
            locate, r"locate_many: .*?= ([\d,]+) points/s", lambda m: f"{m[1]}/s"),
            ">= 1,000,000/s"))  # fmt: skip
        rows.append(Row("locate: one point", grab(
            locate, r"locate \(one point\): ([\d.]+) µs", lambda m: f"{m[1]} µs"),
            "<= 50 µs"))  # fmt: skip

    if "deadlines" in wanted:
        deadlines = run("bench_deadlines", ["--quick"] if quick else [], timeout=300)
        rows.append(Row("deadline computations/s", grab(
            deadlines, r"add_working_time: ([\d,]+) computations/s", lambda m: f"{m[1]}/s"),
            ">= 100,000/s"))  # fmt: skip

    if "actions" in wanted:
        actions = run("bench_actions", ["--cases", "40" if quick else "300"], timeout=600)
        rows.append(Row("actions/s (service, PostgreSQL)", grab(
            actions, r"= ([\d,]+) actions/s", lambda m: f"{m[1]}/s"), ">= 500/s"))  # fmt: skip

    total = time.perf_counter() - began
    width = max(len(r.figure) for r in rows) if rows else 10
    vwidth = max(len(r.value) for r in rows) if rows else 10
    print()
    print(f"urbangrid benchmarks ({'quick' if quick else 'full'}, history {scale:,} cases)")
    print(f"machine: {os.cpu_count()} CPUs, load average before {load[0]:.2f} "
          f"{load[1]:.2f} {load[2]:.2f}, {total:.0f} s in all")  # fmt: skip
    print(f"{'figure':<{width}}  {'result':<{vwidth}}  goal")
    print(f"{'-' * width}  {'-' * vwidth}  {'-' * 24}")
    for row in rows:
        print(f"{row.figure:<{width}}  {row.value:<{vwidth}}  {row.goal}")


if __name__ == "__main__":
    main()
