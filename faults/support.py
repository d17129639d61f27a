"""Throwaway PostgreSQL, Redis, gunicorn and Celery processes for the fault tests.

Nothing here touches the shared PostgreSQL (5432) or Redis (6379): every server is started on
a free port of its own, in a temporary folder, and stopped by the fixtures in conftest.py.
Every process runs in its own process group so that a stop takes its children with it.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import psycopg

from faults.smtp_sink import SmtpSink

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("SAFECAMPUS_FAULTS_PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
PG_OS_USER = "postgres"  # initdb refuses to run as root

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, check: Callable[[], T | None], timeout: float, every: float = 0.2) -> T:
    """``check()``'s first truthy answer, or AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def _as_postgres(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    command = args if os.geteuid() != 0 else ["runuser", "-u", PG_OS_USER, "--", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=True, cwd="/"
    )


# --- processes -------------------------------------------------------------------------------


@dataclass
class Service:
    """A child process in its own process group, its output in a log file."""

    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def children(self) -> list[int]:
        """Direct children (a Celery worker's pool processes, gunicorn's workers)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...; comm may hold spaces and parentheses
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.pid:
                found.append(int(entry.name))
        return sorted(found)

    def kill(self) -> None:
        """SIGKILL to the whole group: the process and its children die at once."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
        self.proc.wait(timeout=15)

    def stop(self, timeout: float = 20) -> None:
        if self.alive():
            try:
                os.killpg(self.pid, signal.SIGTERM)
                self.proc.wait(timeout=timeout)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                self.kill()
        # Whatever the group left behind (an orphaned pool process) goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)


@dataclass
class Processes:
    """Every Service a test started, stopped in reverse order by the fixture's finalizer."""

    folder: Path
    started: list[Service] = field(default_factory=list)

    def start(self, name: str, args: list[str], env: dict[str, str]) -> Service:
        log = self.folder / f"{name}-{len(self.started)}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                args,
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        service = Service(name, proc, log)
        self.started.append(service)
        return service

    def stop_all(self) -> None:
        for service in reversed(self.started):
            service.stop()


# --- PostgreSQL ------------------------------------------------------------------------------


@dataclass
class PostgresCluster:
    root: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def logfile(self) -> Path:
        return self.root / "postgres.log"

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, PG_OS_USER)
        _as_postgres(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "--auth=trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )

    def _ctl(self, *args: str, timeout: float = 60) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"  # a throwaway cluster: speed over safety
        )
        _as_postgres(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.logfile),
                "-t",
                "60",
                *args,
            ],
            timeout=timeout,
        )

    def start(self) -> None:
        self._ctl("-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-w", "-m", mode, "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection[Any]:
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=5)

    def execute(self, database: str, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        with self.connect(database) as conn, conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def create_database(self, name: str, template: str | None = None) -> None:
        clause = f" TEMPLATE {template}" if template else ""
        self.execute("postgres", f"CREATE DATABASE {name}{clause}")

    def destroy(self) -> None:
        if self.running():
            with contextlib.suppress(subprocess.SubprocessError):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


# --- HTTP ------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)

    def cookies(self) -> dict[str, str]:
        found = {}
        for name, value in self.headers.items():
            if name.lower() == "set-cookie":
                for part in value.split("\n"):
                    key, _sep, rest = part.partition("=")
                    found[key.strip()] = rest.split(";", 1)[0]
        return found


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> Response:
    """One request on a fresh connection (as nginx talks to gunicorn's sync workers)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path, body=body, headers=headers or {})
        answer = conn.getresponse()
        merged: dict[str, str] = {}
        for name, value in answer.getheaders():
            merged[name] = f"{merged[name]}\n{value}" if name in merged else value
        return Response(answer.status, merged, answer.read())
    finally:
        conn.close()


def form_post(url: str, fields: dict[str, str], cookies: dict[str, str]) -> Response:
    return request(
        "POST",
        url,
        body=urlencode(fields).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
    )


CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- the SafeCampus installation under test -------------------------------------------------


@dataclass
class City:
    """What the session's template database holds (manage.py demo_city)."""

    password: str
    logins: list[dict[str, str]]

    def username(self, role: str, org_code: str | None = None) -> str:
        for login in self.logins:
            if login["role"] == role and (org_code is None or login["org_code"] == org_code):
                return login["username"]
        raise LookupError(f"no demo login with role {role} at {org_code}")

    @property
    def school(self) -> str:
        """A school with the full staff (principal, safety officer, teacher, guard)."""
        return next(x["org_code"] for x in self.logins if x["role"] == "teacher")


def base_env(var_dir: Path, secret_key: str) -> dict[str, str]:
    """Production mode over plain http on 127.0.0.1, as scripts/serve-prod.sh runs it."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update(
        SAFECAMPUS_MODE="production",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        BEHIND_TLS_PROXY="false",
        PROXY_COUNT="0",
        SAFECAMPUS_VAR_DIR=str(var_dir),
        LOG_LEVEL="INFO",
        LOG_FORMAT="text",  # read by the tests (task ids in the worker's log)
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


def new_secret_key() -> str:
    return secrets.token_urlsafe(64)


def new_workdir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


@dataclass
class Stack:
    """One test's installation: its own database (a copy of the session's template), its own
    Redis, an SMTP sink, and the gunicorn and Celery processes it starts."""

    pg: PostgresCluster
    database: str
    city: City
    env_base: dict[str, str]
    procs: Processes
    smtp: SmtpSink
    redis_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    redis: Service | None = None
    web: Service | None = None

    # --- environment and commands ---

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(self.env_base)
        env.update(
            DATABASE_URL=self.pg.url(self.database),
            REDIS_URL=self.redis_url,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(self.smtp.port),
            GUNICORN_BIND=f"127.0.0.1:{self.web_port}",
        )
        env.update(extra)
        return env

    def manage(self, *args: str, timeout: float = 300) -> str:
        return manage(self.env(), *args, timeout=timeout)

    def sql(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        return self.pg.execute(self.database, query, params)

    # --- Redis ---

    def start_redis(self) -> Service:
        self.redis = self.procs.start(
            "redis",
            [
                REDIS_SERVER,
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            self.env(),
        )
        wait_for("Redis to answer", self._redis_pings, timeout=20)
        return self.redis

    def _redis_pings(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop_redis(self) -> None:
        assert self.redis is not None
        self.redis.kill()

    # --- gunicorn ---

    def start_web(self, workers: int = 2, threads: int = 1) -> Service:
        web = self.web = self.procs.start(
            "gunicorn",
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"],
            self.env(
                WEB_CONCURRENCY=str(workers),
                GUNICORN_THREADS=str(threads),
                # No recycling: the tests check that no worker was replaced by an outage.
                GUNICORN_MAX_REQUESTS="0",
                GUNICORN_TIMEOUT="60",
            ),
        )
        wait_for(f"gunicorn on {self.base_url} (log {web.log})", self._web_answers, timeout=60)
        wait_for(f"{workers} gunicorn workers", lambda: len(web.children()) == workers, 30)
        return web

    def _web_answers(self) -> bool:
        assert self.web is not None
        if not self.web.alive():
            raise AssertionError(f"gunicorn exited:\n{self.web.output()[-3000:]}")
        try:
            return self.get("/healthz").status == 200
        except OSError:
            return False

    def get(
        self, path: str, headers: dict[str, str] | None = None, timeout: float = 10
    ) -> Response:
        return request("GET", self.base_url + path, headers=headers, timeout=timeout)

    def api(self, method: str, path: str, token: str, payload: Any = None) -> Response:
        body = json.dumps(payload).encode() if payload is not None else None
        headers = {"Authorization": f"Bearer {token}", "Cookie": "safecampus_language=en"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return request(method, self.base_url + "/api/v1" + path, body=body, headers=headers)

    # --- Celery ---

    def start_worker(self, name: str, **extra_env: str) -> Service:
        worker = self.procs.start(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "safecampus",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "1",
                "--pool",
                "prefork",
                "--hostname",
                f"{name}@faults",
                "--without-gossip",
                "--without-mingle",
            ],
            self.env(**extra_env),
        )
        wait_for(f"{name} to be ready (log {worker.log})", lambda: _ready(worker), timeout=60)
        return worker

    def send_task(self, name: str) -> str:
        """Queue a task as beat would (beat is not run: the tests decide when)."""
        from celery import Celery

        client = Celery("faults-client", broker=self.redis_url)
        client.conf.broker_connection_timeout = 5
        client.conf.broker_connection_retry = False
        try:
            return str(client.send_task(name).id)
        finally:
            client.close()

    # --- data ---

    def public_report(self, title: str) -> int:
        """Report a hazard through the public form (/report/), as a parent would: the school's
        handlers get an inbox message and an email each. Returns the hazard's id."""
        school = self.city.school
        page = self.get(f"/report/?school={school}")
        assert page.status == 200, page.text()[:500]
        token = CSRF_FIELD.search(page.text())
        assert token is not None, "no CSRF token on the public report form"
        category = self.sql("SELECT id FROM hazards_hazardcategory WHERE active ORDER BY id")[0][0]
        answer = form_post(
            self.base_url + "/report/",
            {
                "csrfmiddlewaretoken": token.group(1),
                "school": school,
                "category": str(category),
                "title": title,
                "description": "fault test",
                "location": "gate",
                "contact": "",
                "website": "",
            },
            page.cookies(),
        )
        assert answer.status == 302, (answer.status, answer.text()[:2000])
        thanks = self.get(
            answer.headers["Location"],
            headers={"Cookie": "; ".join(f"{k}={v}" for k, v in answer.cookies().items())},
        )
        assert thanks.status == 200, thanks.status
        return int(self.sql("SELECT id FROM hazards_hazard WHERE title = %s", [title])[0][0])

    def login(self, username: str) -> dict[str, str]:
        """Log in through the login page; the session cookie (and the CSRF cookie)."""
        page = self.get("/accounts/login/")
        assert page.status == 200, page.status
        token = CSRF_FIELD.search(page.text())
        assert token is not None, "no CSRF token on the login page"
        cookies = page.cookies()
        answer = form_post(
            self.base_url + "/accounts/login/",
            {
                "csrfmiddlewaretoken": token.group(1),
                "username": username,
                "password": self.city.password,
            },
            cookies,
        )
        assert answer.status == 302, (answer.status, answer.text()[:1000])
        return {**cookies, **answer.cookies()}

    def page(self, path: str, cookies: dict[str, str]) -> Response:
        jar = {**cookies, "safecampus_language": "en"}
        return self.get(path, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})

    def outbox(self) -> list[tuple[int, str, str, str, int]]:
        """(id, channel, target, state, attempts) of every outbox row."""
        return [
            (int(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]))
            for r in self.sql(
                "SELECT id, channel, target, state, attempts FROM notify_outboxmessage ORDER BY id"
            )
        ]

    def issue_tokens(self, usernames: list[str]) -> list[str]:
        """One API token per entry (audited like any other), in one manage.py run."""
        code = (
            "import json, sys\n"
            "from safecampus.accounts.actions import do_issue_token\n"
            "from safecampus.accounts.models import User\n"
            f"names = {usernames!r}\n"
            "print(json.dumps([do_issue_token(User.objects.get(username=n), 'faults')[1]"
            " for n in names]))\n"
        )
        return list(json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1]))

    def user_id(self, username: str) -> int:
        return int(self.sql("SELECT id FROM accounts_user WHERE username = %s", [username])[0][0])


def _ready(worker: Service) -> bool:
    if not worker.alive():
        raise AssertionError(f"{worker.name} exited:\n{worker.output()[-3000:]}")
    return " ready." in worker.output()


def task_lines(worker: Service, task_id: str, what: str) -> int:
    """How often ``worker``'s log says the task was ``received`` / ``succeeded``."""
    return worker.output().count(f"[{task_id}] {what}")
