"""The summary bench/load.py prints: wrk's numbers per run, the CPU each used, the ratio to
/healthz, the server's own time per kind, and (with --profile) where the workers spent it."""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from load_server import Run

HEALTH_GOAL = 0.5  # mix throughput / /healthz throughput (issue 6)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


# --- the report -------------------------------------------------------------------------------


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def ms(us: float) -> str:
    return f"{us / 1000:.1f}"


def run_rows(runs: list[Run]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for r in runs:
        server_ms = [float(x["duration_ms"]) for x in r.access]
        rows.append(
            (
                r.name,
                f"{r.wrk['requests']:,}",
                f"{r.rps:.1f}",
                ms(r.wrk["p50_us"]),
                ms(r.wrk["p95_us"]),
                ms(r.wrk["p99_us"]),
                ms(r.wrk["max_us"]),
                f"{pct(server_ms, 0.5):.1f}",
                str(r.socket_errors),
                str(max(int(r.wrk["status"]), r.not_200)),
            )
        )
    return rows


def kind_rows(run: Run, kind_of: Any) -> list[tuple[str, ...]]:
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in run.access:
        by_kind[kind_of(line["method"], line["path"])].append(line)
    total = len(run.access) or 1
    rows: list[tuple[str, ...]] = []
    for kind, lines in sorted(
        by_kind.items(), key=lambda kv: -sum(x["duration_ms"] for x in kv[1])
    ):
        times = [float(x["duration_ms"]) for x in lines]
        rows.append(
            (
                kind,
                f"{len(lines):,}",
                f"{100 * len(lines) / total:.1f}%",
                f"{pct(times, 0.5):.1f}",
                f"{pct(times, 0.95):.1f}",
                f"{pct(times, 0.99):.1f}",
                f"{sum(times) / len(times):.1f}",
                f"{100 * sum(times) / sum(x['duration_ms'] for x in run.access):.0f}%",
                str(sum(1 for x in lines if x["status"] != 200)),
            )
        )
    return rows


def cpu_rows(runs: list[Run]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for r in runs:
        c, n = r.cpu, r.wrk["requests"]
        per = [
            f"{1000 * c.get(k, 0.0) / n:.2f}" if n else "—"
            for k in ("gunicorn", "postgres", "wrk", "rest", "machine busy")
        ]
        busy = 100 * c.get("machine busy", 0.0) / max(1e-9, c.get("machine total", 0.0))
        rows.append((r.name, f"{busy:.0f}%", *per))
    return rows


def slowest_statements(cost: Any, limit: int = 12) -> list[str]:
    """The statements of the slowest request of a load_single.KindCost, slowest first."""
    if cost.slowest is None:
        return []
    lines = []
    for seconds, sql in cost.slowest.statements:
        text = " ".join(sql.split())
        lines.append(f"{seconds * 1000:8.2f} ms  {text[:160]}")
    ranked = sorted(zip(cost.slowest.statements, lines, strict=True), key=lambda x: -x[0][0])
    return [line for _stmt, line in ranked[:limit]]


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({model or platform.machine()})"


# Where a worker's time goes: a sample counts for the innermost frame that names a bucket; the
# first frame of the project or of Django without one ends the search ("other").
PROFILE_BUCKETS: list[tuple[str, tuple[str, ...]]] = [
    ("waiting for PostgreSQL (psycopg)", ("psycopg/",)),
    ("template rendering", ("django/template/", "django/templatetags/")),
    ("form and widget rendering", ("django/forms/",)),
    ("model instances", ("django/db/models/base.py", "django/db/models/fields/")),
    ("ORM: building SQL, reading rows", ("django/db/",)),
    ("API schemas (ninja, pydantic)", ("ninja/", "pydantic")),
    (
        "sessions, auth, axes, csrf",
        ("contrib/sessions", "contrib/auth", "axes/", "middleware/csrf"),
    ),
    ("logging", ("logging/__init__.py", "safecampus/lib/logs.py", "json/encoder.py")),
    ("gunicorn (parse, write)", ("gunicorn/",)),
]


def _bucket(frames: list[str]) -> str:
    for frame in reversed(frames):  # innermost first
        for name, needles in PROFILE_BUCKETS:
            if any(needle in frame for needle in needles):
                return name
        if "safecampus/" in frame or "django/" in frame:
            return "other (project code, Django core)"
    return "other (project code, Django core)"


def profile_summary(path: str, top: int = 15) -> list[str]:
    """py-spy's raw (collapsed) stacks: the share of worker samples per bucket, then the
    project's functions with the largest inclusive share."""
    buckets: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _sp, count = line.rpartition(" ")
        frames = stack.split(";")
        start = next((i for i, f in enumerate(frames) if "handle_request" in f), None)
        if start is None:
            continue  # the master, or a worker between requests
        n = int(count)
        total += n
        inner = frames[start:]
        buckets[_bucket(inner)] += n
        for key in {
            re.sub(r":\d+\)$", ")", f)
            for f in inner
            if "safecampus/" in f and "Middleware." not in f
        }:
            ours[key] += n
    if not total:
        return ["(no samples inside requests)"]
    out = [f"{total} samples inside requests:"]
    out += [f"  {100 * v / total:5.1f}%  {k}" for k, v in buckets.most_common()]
    out.append("project functions (inclusive):")
    out += [f"  {100 * v / total:5.1f}%  {k}" for k, v in ours.most_common(top)]
    return out


def report(
    args: argparse.Namespace,
    runs: list[Run],
    warmup: Run | None,
    mix: dict[str, int],
    changed: dict[str, int],
    load: list[str],
    rss: list[float],
    single: list[Any],
    lp: Any,
) -> None:
    print()
    print(
        f"gunicorn {args.workers} sync workers; wrk {args.threads} threads, "
        f"{args.connections} connections; load average (1/5/15 min) before the mix {load[0]}, "
        f"after /healthz {load[1]}; worker RSS at the end "
        + ", ".join(f"{x:.0f}" for x in rss)
        + " MB"
    )
    print("mix: " + ", ".join(f"{k} {w}" for k, w in mix.items() if w))
    print()
    table(
        (
            "run",
            "requests",
            "req/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "server p50 ms",
            "socket errors",
            "non-200",
        ),
        run_rows(runs),
    )
    mixed = next((r for r in runs if r.name == "mix"), None)
    health = next((r for r in runs if r.name == "healthz"), None)
    if mixed and health:
        ratio = mixed.rps / health.rps
        verdict = "met" if ratio >= HEALTH_GOAL else "MISSED"
        print(
            f"\nmix / healthz throughput: {mixed.rps:.1f} / {health.rps:.1f} = {ratio:.3f} "
            f"(goal >= {HEALTH_GOAL:.2f}: {verdict})"
        )
    print("\nCPU time per request (ms; from /proc; rest = every other process on the machine):\n")
    table(("run", "machine busy", "gunicorn", "postgres", "wrk", "rest", "total"), cpu_rows(runs))
    if mixed:
        print("\nserver time per kind during the mix (access log, ms; without queueing):\n")
        table(
            ("kind", "requests", "share", "p50", "p95", "p99", "mean", "of server time", "non-200"),
            kind_rows(mixed, lp.kind_of),
        )
    if single:
        print("\none request at a time, in-process (ms; SQL = until each statement answered):\n")
        table(
            ("kind", "requests", "p50", "mean", "max", "queries", "SQL", "Python", "SQL share"),
            [c.row() for c in single],
        )
        slowest = max(single, key=lambda c: sum(c.wall_ms) / len(c.wall_ms))
        print(f"\nslowest statements of the slowest {slowest.kind} request:")
        for line in slowest_statements(slowest):
            print("  " + line)
    if args.profile:
        print(f"\npy-spy during the {args.profile_run} run ({args.profile}):")
        for line in profile_summary(args.profile):
            print("  " + line)
    restarts = sum(r.restarts for r in runs)
    print(f"\nworker restarts (max_requests) during the measured runs: {restarts}")
    print(
        "written to the database: "
        + ", ".join(f"{k} {v}" for k, v in changed.items())
        + "; 4 API tokens issued and revoked, 4 sessions created and deleted"
    )
    failed = sum(r.errors for r in runs) + (warmup.errors if warmup else 0)
    print(f"errors: {failed}" + ("" if not failed else "  <-- FAILED"))
