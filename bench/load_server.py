"""The server side of bench/load.py: gunicorn started and stopped, HTTP calls and the login
form, wrk runs with the access log and CPU time of each, and py-spy on the workers."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "load.lua"


def fail(message: str) -> NoReturn:
    raise SystemExit(f"bench/load.py: {message}")


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        fail("set DATABASE_URL to the PostgreSQL database to load (SQLite is not a server).")
    return url


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(var_dir: str, port: int, workers: int, args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DEBUG", None)
    env.update(
        SAFECAMPUS_MODE="production",
        SAFECAMPUS_VAR_DIR=var_dir,
        SECRET_KEY=os.environ["SECRET_KEY"],
        ALLOWED_HOSTS="127.0.0.1",
        # Plain http on 127.0.0.1: what only works behind nginx with TLS is off (as
        # scripts/serve-prod.sh does); everything else is production mode.
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        BEHIND_TLS_PROXY="false",
        PROXY_COUNT="0",
        REDIS_URL=args.redis_url,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY=str(workers),
        LOG_LEVEL="INFO",  # the access log is the per-kind breakdown
        LOG_FORMAT="json",
    )
    if args.max_requests >= 0:
        # Recycling a worker re-imports Django (about a second of CPU): at /healthz's rate with
        # the conf's 1,000 that is every few seconds, which would measure restarts, not requests.
        env["GUNICORN_MAX_REQUESTS"] = str(args.max_requests)
    return env


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def log_size(self) -> int:
        return self.log.stat().st_size

    def settled_log_size(self) -> int:
        """The log's size once the requests still in flight when wrk stopped are logged."""
        size, quiet_since = self.log_size(), time.monotonic()
        while time.monotonic() - quiet_since < 0.5:
            time.sleep(0.1)
            if self.log_size() != size:
                size, quiet_since = self.log_size(), time.monotonic()
        return size

    def log_between(self, start: int, end: int) -> list[str]:
        with self.log.open("rb") as f:
            f.seek(start)
            return f.read(end - start).decode(errors="replace").splitlines()

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group of the master we started
            self.process.wait()

    def worker_rss_mb(self) -> list[float]:
        out = subprocess.run(  # noqa: S603
            ["ps", "-o", "rss=", "--ppid", str(self.process.pid)],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        return [int(x) / 1024 for x in out.split()]


def start_server(env: dict[str, str], port: int, log: Path) -> Server:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    server = Server(process, port, log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"gunicorn stopped with status {process.returncode}; see {log}")
        try:
            status, _h, _b = call(port, "GET", "/healthz", {})
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.5)
    server.stop()
    fail(f"/healthz did not answer 200 within 90 s; see {log}")


def call(
    port: int, method: str, path: str, headers: dict[str, str], body: str = ""
) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body.encode() or None, headers=headers)
        response = conn.getresponse()
        return response.status, response.msg, response.read()
    finally:
        conn.close()


def cookies_of(message: http.client.HTTPMessage) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in message.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def login(port: int, username: str, password: str) -> tuple[str, str]:
    """A real login through the form (CSRF token and all): the Cookie header and session key."""
    host = {"Host": f"127.0.0.1:{port}"}
    status, message, body = call(port, "GET", "/accounts/login/", host)
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    jar = cookies_of(message)
    if status != 200 or found is None or "csrftoken" not in jar:
        fail(f"the login page answered {status} without a CSRF token")
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": found.group(1)}
    )
    status, message, _body = call(
        port,
        "POST",
        "/accounts/login/",
        {
            **host,
            "Cookie": f"csrftoken={jar['csrftoken']}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        form,
    )
    jar.update(cookies_of(message))
    if status != 302 or "sessionid" not in jar:
        fail(f"logging in as {username} answered {status} (wrong --password?)")
    return f"sessionid={jar['sessionid']}; csrftoken={jar['csrftoken']}", jar["sessionid"]


# --- where the CPU went -----------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _postgres_title(pid: str) -> list[str]:
    """A PostgreSQL process's title, in words: "postgres: [CLUSTER:] USER DATABASE HOST(PORT)
    STATE" for a backend, "postgres: [CLUSTER:] checkpointer" and the like for the server's own
    processes."""
    try:
        raw = Path("/proc", pid, "cmdline").read_bytes()
    except OSError:
        return []
    return raw.replace(b"\0", b" ").decode(errors="replace").split()


def cpu_snapshot(master: int, database: str) -> dict[str, float]:
    """CPU seconds so far: the machine's busy time; gunicorn (the master with the workers it
    has reaped, and the live workers); PostgreSQL's backends of ``database`` and its own
    processes (checkpointer, WAL writer, autovacuum); this script's waited-for children (wrk).
    Other databases' backends are left to "rest"."""
    with open("/proc/stat") as f:
        values = [int(x) for x in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    out: dict[str, float] = defaultdict(float)
    out["machine busy"] = (sum(values[:8]) - idle) / TICK
    out["machine total"] = sum(values[:8]) / TICK
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        pid, ppid = int(entry.name), int(fields[1])
        used = (int(fields[11]) + int(fields[12])) / TICK
        if pid == master:
            # Plus the workers it has reaped: recycled ones (max_requests) keep counting.
            used += (int(fields[13]) + int(fields[14])) / TICK
        if pid == master or ppid == master:
            out[f"gunicorn:{pid}"] = used
        elif comm == "postgres":
            title = _postgres_title(entry.name)
            host = next((i for i, word in enumerate(title) if word.endswith(")")), None)
            if host is None or title[host - 1] == database:  # the server's own, or ours
                out[f"postgres:{pid}"] = used
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["wrk"] = usage.ru_utime + usage.ru_stime
    return out


def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds per group between two snapshots. A worker that ended in between is in its
    master's reaped-children time, so gunicorn's sum is taken over both snapshots' processes; a
    PostgreSQL backend that ended in between is lost to "rest" (the workers keep theirs open)."""
    used: dict[str, float] = defaultdict(float)
    for key, value in after.items():
        used[key.split(":")[0]] += value - before.get(key, 0.0)
    for key, value in before.items():
        if key.startswith("gunicorn:") and key not in after:
            used["gunicorn"] -= value
    used["rest"] = used["machine busy"] - used["gunicorn"] - used["postgres"] - used["wrk"]
    return dict(used)


def start_profiler(
    server: Server, seconds: int, args: argparse.Namespace, name: str
) -> subprocess.Popen[bytes] | None:
    """py-spy on every gunicorn worker during the run named by --profile-run."""
    if not args.profile or name != args.profile_run:
        return None
    py_spy = shutil.which("py-spy")
    if py_spy is None:
        fail("--profile needs py-spy on PATH (pip install py-spy, outside the project).")
    return subprocess.Popen(  # noqa: S603
        [
            py_spy,
            "record",
            "--pid",
            str(server.process.pid),
            "--subprocesses",
            "--nonblocking",
            "--format",
            "raw",
            "--output",
            args.profile,
            "--duration",
            str(seconds),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# --- wrk --------------------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    seconds: float
    wrk: dict[str, Any]
    access: list[dict[str, Any]] = field(default_factory=list)
    restarts: int = 0
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.wrk["requests"] / (self.wrk["duration_us"] / 1e6)

    @property
    def socket_errors(self) -> int:
        w = self.wrk
        return int(w["connect"] + w["read"] + w["write"] + w["timeout"])

    @property
    def not_200(self) -> int:
        return sum(1 for line in self.access if line["status"] != 200)

    @property
    def errors(self) -> int:
        return self.socket_errors + max(int(self.wrk["status"]), self.not_200)


def run_wrk(
    server: Server, name: str, seconds: int, args: argparse.Namespace, plan_file: str | None
) -> Run:
    url = f"http://127.0.0.1:{server.port}" + ("/" if plan_file else "/healthz")
    env = {**os.environ, "LOAD_PLAN": plan_file or ""}
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        f"{args.timeout}s",
        "--latency",
        "-s",
        str(LUA),
        url,
    ]
    start = server.log_size()
    database = urllib.parse.urlparse(os.environ["DATABASE_URL"]).path.lstrip("/")
    cpu_before = cpu_snapshot(server.process.pid, database)
    profiler = start_profiler(server, seconds, args, name)
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    cpu = cpu_used(cpu_before, cpu_snapshot(server.process.pid, database))
    if profiler is not None:
        profiler.wait()
    end = server.settled_log_size()
    lines = server.log_between(start, end)
    summary = next((x for x in result.stdout.splitlines() if x.startswith("LOADJSON ")), None)
    if result.returncode != 0 or summary is None:
        fail(f"wrk failed ({result.returncode}): {result.stderr or result.stdout}")
    run = Run(name, seconds, json.loads(summary.removeprefix("LOADJSON ")), cpu=cpu)
    for line in lines:
        if "Booting worker" in line:
            run.restarts += 1
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("logger") == "safecampus.access":
            run.access.append(record)
    print(
        f"  {name:<12} {run.rps:8.1f} req/s  p50 {run.wrk['p50_us'] / 1000:7.1f} ms  "
        f"p99 {run.wrk['p99_us'] / 1000:7.1f} ms  errors {run.errors}",
        flush=True,
    )
    return run
