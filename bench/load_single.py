"""Each kind of request one at a time in this process (Django's test client over the same code
and database, nothing else competing): wall time, SQL statements and the time spent in them per
request. Under load the box's 2 CPUs are shared by the workers and PostgreSQL, so these are the
costs that decide the throughput; the share in SQL says whether the database or Python is the
part to make cheaper. Uses the sessions and tokens of the load run (same SECRET_KEY)."""

from __future__ import annotations

import logging
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.test import Client


@dataclass
class SqlTimer:
    """connection.execute_wrapper: counts statements and the time until each one answered."""

    statements: list[tuple[float, str]] = field(default_factory=list)

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((time.perf_counter() - started, sql))


@dataclass
class KindCost:
    kind: str
    wall_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    slowest: SqlTimer | None = None  # the statements of the slowest request

    def row(self) -> tuple[str, ...]:
        ordered = sorted(self.wall_ms)
        p50 = ordered[max(0, math.ceil(0.5 * len(ordered)) - 1)]
        mean = statistics.fmean(self.wall_ms)
        sql = statistics.fmean(self.sql_ms)
        return (
            self.kind,
            str(len(self.wall_ms)),
            f"{p50:.1f}",
            f"{mean:.1f}",
            f"{max(self.wall_ms):.1f}",
            f"{statistics.fmean(self.queries):.1f}",
            f"{sql:.1f}",
            f"{mean - sql:.1f}",
            f"{100 * sql / mean:.0f}%",
        )


def _send(client: Client, request: tuple[str, str, str, str], headers: dict[str, str]) -> int:
    method, path, _set, body = request
    extra = {k: v for k, v in headers.items() if k != "Host"}
    if method == "POST":
        response = client.post(path, data=body, content_type="application/json", headers=extra)
    else:
        response = client.get(path, headers=extra)
    return int(response.status_code)


def measure(
    plan: Any, kinds: list[str], per_kind: int, header_sets: dict[str, dict[str, str]], lp: Any
) -> list[KindCost]:
    """``per_kind`` requests of each kind (after one untimed request of each): the requests
    the load sent for that kind, in the same order."""
    access = logging.getLogger("safecampus.access")
    level = access.level
    access.setLevel(logging.WARNING)  # the access log line of every request is noise here
    client = Client(HTTP_HOST="127.0.0.1")
    costs = []
    try:
        for kind in kinds:
            requests = lp.sequences(plan, {kind: 1}, 1, per_kind + 1, 7)[0]
            cost = KindCost(kind)
            for index, request in enumerate(requests):
                timer = SqlTimer()
                started = time.perf_counter()
                with connection.execute_wrapper(timer):
                    status = _send(client, request, header_sets[request[2]])
                wall = (time.perf_counter() - started) * 1000
                if status != 200:
                    raise SystemExit(f"{request[0]} {request[1]} answered {status} in-process")
                if index == 0:
                    continue
                cost.wall_ms.append(wall)
                cost.sql_ms.append(sum(t for t, _sql in timer.statements) * 1000)
                cost.queries.append(len(timer.statements))
                if cost.slowest is None or wall >= max(cost.wall_ms):
                    cost.slowest = timer
            costs.append(cost)
    finally:
        access.setLevel(level)
    return costs
