"""Hazard ledger, statistics and export on a province-sized PostgreSQL database, each against
the equivalent hand-written SQL (or raw openpyxl) measured in the same run. Run by hand, not a
test; it only reads.

    createdb -h 127.0.0.1 -U postgres safecampus_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/safecampus_bench
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py demo_province
    .venv/bin/python bench/hazards.py                  # 20 runs of pages/stats, 3 exports
    .venv/bin/python bench/hazards.py --runs 50 --exports 5 --no-plans

The application side goes through the code the pages use: HazardFilter over queries.ledger,
listing.keyset_page, analytics.hazards.hazard_stats, views_excel's export rows and lib.xlsx; the
SQL side is one hand-written query (or the same handful of queries) on a cursor. The two are
run alternately so that a busy machine slows both alike. Exports run in fresh subprocesses so
that the peak RSS (VmHWM) of each is its own.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safecampus.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.http import HttpRequest, QueryDict  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from safecampus.accounts.models import User  # noqa: E402
from safecampus.analytics.hazards import hazard_stats  # noqa: E402
from safecampus.hazards.choices import OPEN_STATES, OVERDUE_STATES  # noqa: E402
from safecampus.hazards.filters import HazardFilter  # noqa: E402
from safecampus.hazards.listing import (  # noqa: E402
    DEFAULT_SORT,
    hazard_filter,
    keyset_page,
    precounted_area,
)
from safecampus.hazards.models import Hazard, HazardCategory  # noqa: E402
from safecampus.hazards.queries import ledger  # noqa: E402
from safecampus.hazards.views import LEDGER_COLUMNS  # noqa: E402
from safecampus.lib.scoping import Grant, Scope, forget_scope  # noqa: E402
from safecampus.orgs.choices import Level  # noqa: E402
from safecampus.orgs.models import Organization  # noqa: E402
from safecampus.orgs.queries import visible_orgs  # noqa: E402
from safecampus.orgs.roles import Role  # noqa: E402

PAGE = 50
STATES = {"open": list(OPEN_STATES), "overdue": list(OVERDUE_STATES)}
TARGETS = {"page": 1.5, "stats": 1.3, "export": 2.0}
STATS_P95_MS = 200
EXPORT_RSS_MB = 200
factory = RequestFactory()

# --- timing -----------------------------------------------------------------------------------


def pct(times: Sequence[float], p: float) -> float:
    ordered = sorted(times)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def measure(fn: Callable[[], Any], runs: int) -> list[float]:
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def alternate(a: Callable[[], Any], b: Callable[[], Any], runs: int) -> tuple[list, list]:
    """Time ``a`` and ``b`` in turns (after two warm-up calls each)."""
    for _ in range(2):
        a(), b()
    ta, tb = [], []
    for _ in range(runs):
        for fn, out in ((a, ta), (b, tb)):
            started = time.perf_counter()
            fn()
            out.append(time.perf_counter() - started)
    return ta, tb


ROWS: list[tuple[str, ...]] = []


def report(name: str, kind: str, app: list[float], raw: list[float], extra: str = "") -> None:
    ratio = pct(app, 0.5) / pct(raw, 0.5)
    ok = ratio <= TARGETS[kind]
    if kind == "stats":
        ok = ok and pct(app, 0.95) * 1000 < STATS_P95_MS
    ROWS.append(
        (
            name,
            f"{pct(app, 0.5) * 1000:.1f}",
            f"{pct(app, 0.95) * 1000:.1f}",
            f"{pct(raw, 0.5) * 1000:.1f}",
            f"{pct(raw, 0.95) * 1000:.1f}",
            f"{ratio:.2f}",
            f"≤{TARGETS[kind]}" + (f", p95<{STATS_P95_MS}" if kind == "stats" else ""),
            "ok" if ok else "MISSED",
            extra,
        )
    )


def print_table() -> None:
    header = ("case", "app p50", "app p95", "sql p50", "sql p95", "ratio", "target", "", "note")
    rows = [header, *ROWS]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    print()
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            print("  ".join("-" * w for w in widths))
    print("(times in ms; ratio = app p50 / sql p50)")


# --- who is looking ----------------------------------------------------------------------------


def province_user() -> User:
    """A province bureau: the tree has no province level, so it holds a role at every city
    (root). Built in memory, with its scope set, so that the bench writes nothing."""
    user = User(username="province_bench", display_name="省教育厅")
    roots = Organization.objects.filter(depth=1).values_list("pk", "path", "level")
    user._safecampus_scope = Scope(  # type: ignore[attr-defined]
        [Grant(pk, path, level, Role.CITY_ADMIN) for pk, path, level in roots]
    )
    return user


def request_for(user: User, data: dict[str, Any]) -> HttpRequest:
    request = factory.get("/hazards/", data)
    request.user = user
    request.session = {}  # type: ignore[assignment]
    return request


def fresh(user: User) -> User:
    """Every request computes the scope again (one query), as a page does."""
    if user.pk is not None:
        forget_scope(user)
    return user


def sql(query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


# --- (a) ledger pages ---------------------------------------------------------------------------

PAGE_SQL = """
SELECT h.*, o.*, c.*, u.*, s.*
FROM hazards_hazard h
JOIN orgs_organization o ON o.id = h.org_id
JOIN hazards_hazardcategory c ON c.id = h.category_id
LEFT JOIN accounts_user u ON u.id = h.responsible_id
LEFT JOIN orgs_organization s ON s.id = h.supervising_org_id
WHERE {where}
ORDER BY h.found_on DESC, h.id DESC
LIMIT {limit}
"""


def app_page(user: User, data: dict[str, Any]) -> list[Hazard]:
    filterset = hazard_filter(request_for(fresh(user), data))
    rows, _next = keyset_page(filterset.qs.only(*LEDGER_COLUMNS), DEFAULT_SORT, None)
    return rows


SCOPE_SQL = """
SELECT m.org_id, o.path, o.level, m.role FROM orgs_membership m
JOIN orgs_organization o ON o.id = m.org_id
WHERE m.user_id = %s AND NOT (o.status = 'closed' AND o.level = 'school')
"""


def hand_request(user: User, data: dict[str, Any], page: str, params: list[Any]) -> Any:
    """What a hand-written page must look up as well: who may see what (the user's roles), the
    chosen area's path and the chosen category (both from ids in the query string)."""
    sql(SCOPE_SQL, [user.pk])
    if "org" in data:
        sql("SELECT path FROM orgs_organization WHERE id = %s", [data["org"]])
    if "category" in data:
        sql("SELECT id, code FROM hazards_hazardcategory WHERE id = %s", [data["category"]])
    return sql(page, params)


def bench_pages(runs: int, city: Organization, county: Organization, plans: bool) -> None:
    admin = User.objects.get(username=f"{city.code}_admin")
    fire = HazardCategory.objects.get(code="fire")
    today = timezone.localdate()
    cases = [
        (
            f"ledger page 1, city admin ({city.name})",
            {},
            "h.org_path LIKE %s",
            [city.path + "%"],
        ),
        (
            f"ledger page 1, {county.name} open+overdue+fire",
            {"org": county.pk, "open": "true", "overdue": "true", "category": fire.pk},
            "h.org_path LIKE %s AND h.state = ANY(%s) AND h.state = ANY(%s) AND h.deadline < %s "
            "AND h.category_id = %s",
            [county.path + "%", list(OPEN_STATES), list(OVERDUE_STATES), today, fire.pk],
        ),
    ]
    for name, data, where, params in cases:
        query = PAGE_SQL.format(where=where, limit=PAGE + 1)
        app, raw = alternate(
            lambda d=data: app_page(admin, d), lambda q=query, p=params: sql(q, p), runs
        )
        rows = app_page(admin, data)
        assert [h.pk for h in rows] == [r[0] for r in sql(query, params)][:PAGE], name
        report(name, "page", app, raw, f"{len(rows)} rows")
        app, raw = alternate(
            lambda d=data: app_page(admin, d),
            lambda q=query, p=params, d=data: hand_request(admin, d, q, p),
            runs,
        )
        report(
            "  same, hand SQL doing the request's lookups too",
            "page",
            app,
            raw,
            "scope, chosen org, category, page",
        )
        if plans:
            with CaptureQueriesContext(connection) as captured:
                app_page(admin, data)
            explain(f"{name}: the application's page query", captured[-1]["sql"])
            explain(f"{name}: hand-written SQL", query, params)


# --- (b) statistics -----------------------------------------------------------------------------

AGGREGATES = """
    COUNT(*) AS found,
    COUNT(*) FILTER (WHERE state = 'closed') AS closed,
    COUNT(*) FILTER (WHERE state = ANY(%(open)s)) AS in_rectification,
    COUNT(*) FILTER (WHERE state = 'awaiting_verification') AS awaiting_verification,
    COUNT(*) FILTER (WHERE state = ANY(%(overdue)s) AND deadline < %(today)s) AS overdue,
    COUNT(*) FILTER (WHERE rectification_type = 'immediate') AS immediate,
    COUNT(*) FILTER (WHERE state = 'dismissed') AS dismissed,
    COUNT(*) FILTER (WHERE reopened_count > 0) AS reopened,
    COUNT(*) FILTER (WHERE severity = 'major') AS major,
    COUNT(*) FILTER (WHERE state = ANY(%(open)s) AND supervising_org_id IS NOT NULL)
        AS supervised,
    COUNT(*) FILTER (WHERE state = 'closed'
        AND (rectification_type = 'immediate' OR closed_on <= deadline)) AS closed_on_time
"""


def sql_stats(where: str, params: dict[str, Any], root: Organization | None) -> list[Any]:
    """The same queries hazard_stats runs, written by hand: headline, four breakdowns, the
    category list, and (with a root) the children of the root and the by-org breakdown."""
    p = {**STATES, "today": timezone.localdate(), **params}
    out: list[Any] = [sql(f"SELECT {AGGREGATES} FROM hazards_hazard WHERE {where}", p)]
    for key in ("category_id", "severity", "source", "state"):
        out.append(
            sql(f"SELECT {key}, {AGGREGATES} FROM hazards_hazard WHERE {where} GROUP BY {key}", p)
        )
    out.append(sql("SELECT * FROM hazards_hazardcategory ORDER BY sort, code"))
    if root is not None:
        width = (root.depth + 1) * Organization.steplen
        p["root"] = root.path + "%"
        out.append(
            sql(
                f"SELECT substr(org_path, 1, {width}) AS k, {AGGREGATES} FROM hazards_hazard "
                f"WHERE {where} AND org_path LIKE %(root)s GROUP BY k",
                p,
            )
        )
        out.append(
            sql(
                "SELECT id, path, depth, code, name, level FROM orgs_organization "
                "WHERE path LIKE %(root)s AND depth = %(depth)s ORDER BY path",
                {"root": root.path + "%", "depth": root.depth + 1},
            )
        )
    return out


ONE_SCAN = f"""
SELECT category_id, severity, source, state, {AGGREGATES}
FROM hazards_hazard WHERE {{where}}
GROUP BY GROUPING SETS ((), (category_id), (severity), (source), (state))
"""


def app_stats(user: User, data: dict[str, Any] | None) -> dict[str, Any]:
    """As the statistics page: the ledger's filters, the chosen org as the breakdown root."""
    today = timezone.localdate()
    if data is None:  # the whole province: no "within", every city
        filterset = HazardFilter(QueryDict(), queryset=ledger(fresh(user)))
        area = precounted_area(filterset, user, None)
        return hazard_stats(filterset.qs, today=today, root=None, precounted=area)
    filterset = hazard_filter(request_for(fresh(user), data))
    filterset.is_valid()
    chosen = filterset.form.cleaned_data.get("org")
    root = visible_orgs(user).filter(pk=int(chosen)).first() if chosen else None
    area = precounted_area(filterset, user, root)
    return hazard_stats(filterset.qs, today=today, root=root, precounted=area)


def bench_stats(runs: int, city: Organization, county: Organization, plans: bool) -> None:
    province = province_user()
    admin = User.objects.get(username=f"{city.code}_admin")
    roots = list(Organization.objects.filter(depth=1).values_list("path", flat=True))
    everywhere = " OR ".join(["org_path LIKE %(r" + str(i) + ")s" for i in range(len(roots))])
    province_params = {f"r{i}": path + "%" for i, path in enumerate(roots)}
    cases = [
        (
            f"stats, whole province ({len(roots)} cities)",
            province,
            None,
            f"({everywhere})",
            province_params,
            None,
        ),
        (
            f"stats, one city ({city.name}, by county)",
            admin,
            {"org": city.pk},
            "org_path LIKE %(p)s",
            {"p": city.path + "%"},
            city,
        ),
        (
            f"stats, one county ({county.name}, by school)",
            admin,
            {"org": county.pk},
            "org_path LIKE %(p)s",
            {"p": county.path + "%"},
            county,
        ),
    ]
    for name, user, data, where, params, root in cases:
        app, raw = alternate(
            lambda u=user, d=data: app_stats(u, d),
            lambda w=where, p=params, r=root: sql_stats(w, p, r),
            runs,
        )
        stats = app_stats(user, data)
        check = sql_stats(where, params, root)[0][0]
        assert stats["found"] == check[0] and stats["overdue"] == check[4], name
        report(name, "stats", app, raw, f"{stats['found']:,} hazards")
        one_scan = ONE_SCAN.format(where=where)
        p = {**STATES, "today": timezone.localdate(), **params}
        single = measure(lambda q=one_scan, pp=p: sql(q, pp), max(3, runs // 4))
        ROWS.append(
            (
                "  same without by-org, hand SQL in ONE scan (GROUPING SETS)",
                "",
                "",
                f"{pct(single, 0.5) * 1000:.1f}",
                f"{pct(single, 0.95) * 1000:.1f}",
                "",
                "",
                "",
                "for comparison: not what the app runs",
            )
        )
        if plans:
            with CaptureQueriesContext(connection) as captured:
                app_stats(user, data)
            headline = next(q["sql"] for q in captured if "COUNT(" in q["sql"])
            explain(f"{name}: headline aggregate", headline)
            grouped = [q["sql"] for q in captured if "GROUP BY" in q["sql"]]
            explain(f"{name}: a breakdown (GROUP BY)", grouped[-1])


# --- (c) export ----------------------------------------------------------------------------------


def export_filter(rows: int) -> dict[str, str]:
    """found_from such that the whole province's ledger has about ``rows`` rows from then."""
    found = sql(
        "SELECT found_on FROM hazards_hazard ORDER BY found_on DESC OFFSET %s LIMIT 1", [rows]
    )
    return {"found_from": found[0][0].isoformat()}


def export_worker(kind: str, data: dict[str, str]) -> None:
    """One export in this (fresh) process; prints JSON: rows, seconds, bytes, peak RSS."""
    baseline = _status("VmRSS")
    started = time.perf_counter()
    rows, size = (_export_app if kind == "app" else _export_raw)(data)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "bytes": size,
                "hwm_mb": _status("VmHWM") / 1024,
                "baseline_mb": baseline / 1024,
            }
        )
    )


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _export_app(data: dict[str, str]) -> tuple[int, int]:
    """The export view's path minus the HTTP response and its audit row: hazards.export's
    queryset (the ledger's filters, order and scope) and row function, lib.xlsx's writer."""
    from safecampus.hazards.export import EXPORT_HEADER, export_queryset, export_rows
    from safecampus.lib.scoping import scope_for
    from safecampus.lib.xlsx import Sheet, write_xlsx
    from safecampus.orgs import active

    user = province_user()
    request = request_for(user, data)
    # A province bureau has no one organisation to work in: its ledger is every city's.
    setattr(request, active._ATTR, None)
    scope = scope_for(user)
    _filterset, queryset = export_queryset(request, scope)
    counter = [0]
    out = write_xlsx(
        [
            Sheet(
                title="隐患台账 Hazards",
                header=[f"{zh} / {en}" for zh, en, _w in EXPORT_HEADER],
                rows=export_rows(queryset, scope, counter),
                widths=[w for _zh, _en, w in EXPORT_HEADER],
            )
        ]
    )
    size = os.fstat(out.fileno()).st_size
    out.close()
    return counter[0], size


RAW_EXPORT = """
SELECT h.id, h.found_on, o.name, county.name, c.name_zh, h.severity, h.source, h.title,
       h.description, h.location, h.finder_name, h.state,
       COALESCE(NULLIF(r.display_name, ''), r.username, ''), h.deadline,
       h.state = ANY(%(overdue)s) AND h.deadline < %(today)s, h.rectification_type,
       h.interim_measures, h.rectification_note,
       COALESCE(NULLIF(v.display_name, ''), v.username, ''), h.verification_opinion,
       h.closed_on, COALESCE(s.name, '')
FROM hazards_hazard h
JOIN orgs_organization o ON o.id = h.org_id
JOIN hazards_hazardcategory c ON c.id = h.category_id
LEFT JOIN orgs_organization county
       ON county.path = substr(h.org_path, 1, 8) AND county.level = 'county'
LEFT JOIN accounts_user r ON r.id = h.responsible_id
LEFT JOIN accounts_user v ON v.id = h.verifier_id
LEFT JOIN orgs_organization s ON s.id = h.supervising_org_id
WHERE h.found_on >= %(found_from)s
ORDER BY h.found_on DESC, h.id DESC
"""


def _export_raw(data: dict[str, str]) -> tuple[int, int]:
    """Raw openpyxl write-only, rows from a server-side cursor: the floor to compare with."""
    from openpyxl import Workbook

    from safecampus.hazards.export import EXPORT_HEADER

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("hazards")
    sheet.append([zh for zh, _en, _w in EXPORT_HEADER])
    connection.ensure_connection()
    raw = connection.connection
    params = {**STATES, "today": timezone.localdate(), **data}
    count = 0
    with raw.transaction(), raw.cursor(name="bench_export") as cursor:
        cursor.itersize = 2000
        cursor.execute(RAW_EXPORT, params)
        for row in cursor:
            number = f"YH{row[1]:%Y}-{row[0]:06d}"
            sheet.append([number, *row[2:14], "是" if row[14] else "否", *row[15:]])
            count += 1
    with tempfile.TemporaryFile(suffix=".xlsx") as out:
        workbook.save(out)
        size = out.tell()
    return count, size


def bench_export(runs: int, rows: int) -> None:
    data = export_filter(rows)
    results: dict[str, list[dict[str, Any]]] = {"app": [], "raw": []}
    for _ in range(runs):
        for kind in ("app", "raw"):
            done = subprocess.run(  # noqa: S603 (this script, fixed arguments)
                [sys.executable, __file__, "--export-worker", kind, "--filter", json.dumps(data)],
                check=True,
                capture_output=True,
                text=True,
                env=os.environ.copy(),
            )
            results[kind].append(json.loads(done.stdout.strip().splitlines()[-1]))
    app = [r["seconds"] for r in results["app"]]
    raw = [r["seconds"] for r in results["raw"]]
    peak_app = max(r["hwm_mb"] for r in results["app"])
    peak_raw = max(r["hwm_mb"] for r in results["raw"])
    n = results["app"][0]["rows"]
    assert n == results["raw"][0]["rows"], (n, results["raw"][0]["rows"])
    ROWS.append(
        (
            f"export {n:,} rows (found since {data['found_from']})",
            f"{pct(app, 0.5) * 1000:.0f}",
            f"{pct(app, 0.95) * 1000:.0f}",
            f"{pct(raw, 0.5) * 1000:.0f}",
            f"{pct(raw, 0.95) * 1000:.0f}",
            f"{pct(app, 0.5) / pct(raw, 0.5):.2f}",
            f"≤{TARGETS['export']}, RSS<{EXPORT_RSS_MB} MB",
            "ok"
            if pct(app, 0.5) / pct(raw, 0.5) <= TARGETS["export"] and peak_app < EXPORT_RSS_MB
            else "MISSED",
            f"peak RSS app {peak_app:.0f} MB (start {results['app'][0]['baseline_mb']:.0f}), "
            f"raw {peak_raw:.0f} MB; {results['app'][0]['bytes'] / 2**20:.1f} MB file",
        )
    )


# --- plans ---------------------------------------------------------------------------------------


def explain(title: str, query: str, params: Any = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query, params)
        plan = [row[0] for row in cursor.fetchall()]
    used = sorted(
        set(
            re.findall(
                r"(?:Index(?: Only)? Scan(?: Backward)? using|Bitmap Index Scan on) (\S+)",
                "\n".join(plan),
            )
        )
    )
    PLANS.append((title, plan, used))


PLANS: list[tuple[str, list[str], list[str]]] = []


def print_plans() -> None:
    for title, plan, used in PLANS:
        print()
        print(f"== {title}")
        print(f"   indexes used: {', '.join(used) if used else 'none (sequential scan)'}")
        for line in plan:
            print("   " + line)


# --- main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs of pages and stats (20)")
    parser.add_argument("--exports", type=int, default=3, help="runs of each export (3)")
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--no-plans", action="store_true", help="skip EXPLAIN ANALYZE output")
    parser.add_argument("--only", choices=["pages", "stats", "export"])
    parser.add_argument("--export-worker", choices=["app", "raw"], help=argparse.SUPPRESS)
    parser.add_argument("--filter", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_worker:
        export_worker(args.export_worker, json.loads(args.filter))
        return
    if connection.vendor != "postgresql":
        sys.exit("bench/hazards.py needs PostgreSQL: set DATABASE_URL (see the docstring).")
    total = Hazard.objects.count()
    if total < 1000:
        sys.exit("No province here: run manage.py demo_province first (see the docstring).")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    print(
        f"hazard benchmarks · PostgreSQL {version} (shared_buffers {buffers}) · "
        f"Python {platform.python_version()} · {os.cpu_count()} CPUs · load "
        f"{os.getloadavg()[0]:.1f}"
    )
    schools = Organization.objects.filter(level=Level.SCHOOL).count()
    print(
        f"data: {total:,} hazards, {schools:,} schools, "
        f"{Organization.objects.filter(depth=1).count()} cities, {User.objects.count():,} users"
    )
    city = Organization.objects.filter(depth=1).order_by("-numchild", "path").first()
    county = (
        Organization.objects.filter(path__startswith=city.path, level=Level.COUNTY)
        .order_by("-numchild", "path")
        .first()
    )
    if args.only in (None, "pages"):
        bench_pages(args.runs, city, county, not args.no_plans)
    if args.only in (None, "stats"):
        bench_stats(args.runs, city, county, not args.no_plans)
    if args.only in (None, "export"):
        bench_export(args.exports, args.export_rows)
    print_table()
    if PLANS:
        print_plans()


if __name__ == "__main__":
    main()
