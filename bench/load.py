"""Load test: gunicorn in production mode on 127.0.0.1, driven by wrk with a weighted mix of
ledger pages, hazard details, dashboards and transitions, against /healthz on the same server.
Run by hand, not a test (bench/README.md, "Load test").

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/safecampus_load   # demo_province
    .venv/bin/python bench/load.py                       # 4 workers, 32 connections, 30 s
    .venv/bin/python bench/load.py --workers 5 --duration 60 --per-kind 0 --single 0
    .venv/bin/python bench/load.py --mix ledger_html=1,detail_html=1 --per-kind 0

It starts gunicorn itself (gunicorn.conf.py in production mode, a free port, its own
SECRET_KEY, static files and var folder in a temporary directory, Redis db 5 unless
--redis-url), logs in the people of one area through the login form, issues them API tokens,
sends one request of every kind, then runs wrk: a warm-up, the mix, /healthz, each kind alone
and an authenticated trivial API call (--per-kind seconds each), and finally each kind one
request at a time in this process (--single). The summary shows wrk's numbers, the CPU time
each run used per request (gunicorn, PostgreSQL, wrk, everything else), the server's own time
per kind from its access log, and the SQL of the in-process requests.

It writes: re-assignments of `assigned` hazards to the same person and deadline (time-line,
audit and notification rows; the hazards' fields and states do not change, so the runs repeat),
login audit rows, four API tokens (revoked at the end) and four sessions (deleted at the end).
Exit status 1 if any request failed (socket error, timeout, or any answer but 200).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_report import loadavg, machine, report  # noqa: E402
from load_server import (  # noqa: E402
    Run,
    Server,
    call,
    database_url,
    fail,
    free_port,
    login,
    run_wrk,
    server_env,
    start_server,
)

# --- main -------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    p.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    p.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    p.add_argument("--duration", type=int, default=30, help="seconds of the mix and of /healthz")
    p.add_argument("--warmup", type=int, default=5, help="seconds of mix before measuring (5)")
    p.add_argument("--per-kind", type=int, default=10, help="seconds of each kind alone; 0: skip")
    p.add_argument("--mix", help="kind=weight,... (kinds left out: 0); default in load_plan.KINDS")
    p.add_argument("--timeout", type=int, default=60, help="wrk's request timeout, seconds (60)")
    p.add_argument("--seed", type=int, default=2012)
    p.add_argument("--city", help="city code (default: the one with the most hazards)")
    p.add_argument("--county", help="county code in the city (default: the busiest)")
    p.add_argument("--school", help="school code in the county (default: the busiest)")
    p.add_argument("--hazards", type=int, default=300, help="hazards sampled per person (300)")
    p.add_argument("--transitions", type=int, default=400, help="hazards to re-assign (400)")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    p.add_argument(
        "--max-requests",
        type=int,
        default=0,
        help="GUNICORN_MAX_REQUESTS (0: workers are not recycled; -1: the conf's default)",
    )
    p.add_argument("--password", help="the demo password (default: demo_city's DEMO_PASSWORD)")
    p.add_argument("--json", help="also write the results to this file")
    p.add_argument("--profile", help="py-spy raw (collapsed) stacks of the workers to this file")
    p.add_argument("--profile-run", default="mix", help="which run --profile records (mix)")
    p.add_argument(
        "--single", type=int, default=20, help="in-process requests of each kind (20); 0: skip"
    )
    return p.parse_args()


def preflight(server: Server, plan: Any, header_sets: dict[str, dict[str, str]], lp: Any) -> int:
    """One request of every kind for every person (one re-assignment per actor) before the
    load: a wrong setup fails here with the answer, not as thousands of errors."""
    rng = random.Random(0)
    checks: list[tuple[str, str, str, str]] = []
    for kind in lp.KINDS:
        if kind == "transition":
            for actor in sorted({t.actor for t in plan.transitions}):
                t = next(t for t in plan.transitions if t.actor == actor)
                checks.append(
                    ("POST", f"/api/v1/hazards/{t.hazard}/assign", f"post:{actor}", t.body)
                )
            continue
        checks += [lp.request_for(kind, rng, plan, person) for person in plan.people]
    for method, path, hs, body in checks:
        status, _m, answer = call(server.port, method, path, header_sets[hs], body)
        if status != 200:
            fail(f"{method} {path} as {hs} answered {status}: {answer[:300]!r}")
    return len(checks)


def django_setup(var_dir: str) -> Any:
    """Django in this process (laptop mode on DATABASE_URL) to choose the people and hazards;
    the server gets the same SECRET_KEY, so the sessions also work in-process (--single)."""
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
    os.environ["SAFECAMPUS_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safecampus.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if connection.vendor != "postgresql":
        fail("DATABASE_URL is not PostgreSQL.")
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        fail(
            "the database lacks migrations of this tree: run manage.py migrate on it (or on a "
            "copy: createdb -T safecampus_bench safecampus_load)."
        )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM hazards_hazard")
        total = cursor.fetchone()[0]
    version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)  # noqa: S607
    print(
        f"load test · {machine()} shared by gunicorn, wrk and PostgreSQL {pg.split()[0]} · "
        f"{(version.stdout or version.stderr).split(' [')[0].strip()} · "
        f"Python {platform.python_version()} · {total:,} hazards",
        flush=True,
    )
    return connection


def main() -> int:
    args = parse_args()
    database_url()
    if shutil.which("wrk") is None:
        fail("wrk is missing (Debian: apt-get install wrk).")
    var_dir = tempfile.mkdtemp(prefix="safecampus-load-")
    try:
        return load(args, var_dir)
    except SystemExit as exc:
        if var_dir in str(exc.code):
            raise  # the message points into the folder (gunicorn's log): keep it
        shutil.rmtree(var_dir, ignore_errors=True)
        raise


def load(args: argparse.Namespace, var_dir: str) -> int:
    connection = django_setup(var_dir)
    import load_plan as lp
    import load_single
    from django.contrib.sessions.models import Session

    from safecampus.demo.management.commands.demo_city import DEMO_PASSWORD

    mix = lp.parse_mix(args.mix)
    plan = lp.choose_people(args.city, args.county, args.school)
    lp.sample_hazards(plan, args.hazards, args.seed)
    lp.choose_transitions(plan, args.transitions)
    print(
        f"area: city {plan.city.code} {plan.city.name}, county {plan.county.code}, school "
        f"{plan.school.code}; people: "
        + ", ".join(f"{p.user.username} ({p.role})" for p in plan.people)
        + f"; {len(plan.transitions)} assigned hazards to re-assign",
        flush=True,
    )
    started_at = lp.now()
    port = free_port()
    env = server_env(var_dir, port, args.workers, args)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    lp.issue_tokens(plan)
    connection.close()  # this process stays off the database while the load runs
    server = start_server(env, port, Path(var_dir) / "gunicorn.log")
    session_keys: list[str] = []
    runs: list[Run] = []
    warmup: Run | None = None
    single: list[Any] = []
    load = ["", ""]
    rss: list[float] = []
    try:
        password = args.password or DEMO_PASSWORD
        for person in plan.people:
            person.session, key = login(port, person.user.username, password)
            session_keys.append(key)
        header_sets = lp.headers(plan, f"127.0.0.1:{port}")
        checked = preflight(server, plan, header_sets, lp)
        print(
            f"gunicorn: {args.workers} workers (sync) on 127.0.0.1:{port}; logged in "
            f"{len(plan.people)} people through the form; {checked} preflight requests ok",
            flush=True,
        )

        def write_plan(name: str, weights: dict[str, int]) -> str:
            seqs = lp.sequences(plan, weights, args.threads, 2000, args.seed)
            path = Path(var_dir) / f"plan-{name}.lua"
            path.write_text(lp.lua_plan(seqs, header_sets))
            return str(path)

        mix_plan = write_plan("mix", mix)
        if args.warmup > 0:
            warmup = run_wrk(server, "warm-up", args.warmup, args, mix_plan)
        load[0] = loadavg()
        runs.append(run_wrk(server, "mix", args.duration, args, mix_plan))
        runs.append(run_wrk(server, "healthz", args.duration, args, None))
        load[1] = loadavg()
        if args.per_kind > 0:
            for kind in [k for k, w in mix.items() if w] + [lp.BASELINE_API]:
                only = write_plan(kind, {kind: 1})
                runs.append(run_wrk(server, kind, args.per_kind, args, only))
        rss = server.worker_rss_mb()
        if args.single > 0:
            kinds = [k for k, w in mix.items() if w]
            single = load_single.measure(plan, kinds, args.single, header_sets, lp)
    finally:
        server.stop()
        lp.revoke_tokens(plan)
        Session.objects.filter(session_key__in=session_keys).delete()
    changed = lp.changes_since(plan, started_at)
    report(args, runs, warmup, mix, changed, load, rss, single, lp)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "workers": args.workers,
                    "connections": args.connections,
                    "load_average": load,
                    "runs": [
                        {"name": r.name, "rps": r.rps, **r.wrk, "errors": r.errors, "cpu": r.cpu}
                        for r in runs
                    ],
                    "changed": changed,
                },
                indent=2,
            )
        )
    shutil.rmtree(var_dir, ignore_errors=True)
    failed = sum(r.errors for r in runs) + (warmup.errors if warmup else 0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
