"""gunicorn settings for SafeCampus: `gunicorn -c gunicorn.conf.py` (docs/deploy.md).

Every knob comes from the environment (docs/configure.md, "Web server (gunicorn)"), so the
systemd unit, `make serve-prod` and the container all run the same file with different env
files. Only the standard library is imported: gunicorn reads this file before it puts the
project folder on sys.path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

# Each sync worker holds one PostgreSQL connection per thread (DB_CONN_MAX_AGE keeps it open),
# so the default stays far below PostgreSQL's default max_connections=100 even on a big
# machine, with room for Celery and maintenance commands (docs/deploy.md, "Scaling").
MAX_DEFAULT_WORKERS = 12


class ConfigError(ValueError):
    """A bad value in the environment: gunicorn prints it and refuses to start."""


def env_str(name: str, default: str, environ: Mapping[str, str] = os.environ) -> str:
    value = environ.get(name, "").strip()
    return value or default


def env_int(
    name: str, default: int, environ: Mapping[str, str] = os.environ, minimum: int = 1
) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    return value


def cpu_count() -> int:
    # The CPUs this process may run on (taskset, cgroup cpusets), not all the machine has.
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_workers(cores: int) -> int:
    """The classic 2 x cores + 1, capped: beyond that, more workers only add connections."""
    return min(2 * max(cores, 1) + 1, MAX_DEFAULT_WORKERS)


def workers_from_env(environ: Mapping[str, str] = os.environ, cores: int | None = None) -> int:
    return env_int(
        "WEB_CONCURRENCY", default_workers(cpu_count() if cores is None else cores), environ
    )


wsgi_app = "safecampus.wsgi:application"
chdir = str(Path(__file__).resolve().parent)
proc_name = "safecampus"

bind = env_str("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = workers_from_env()
# More than 1 switches to the gthread worker: each thread is one more database connection.
threads = env_int("GUNICORN_THREADS", 1)
# Long enough for an Excel export or a 20,000-row import; nginx waits a little longer
# (deploy/nginx/safecampus.conf) so that the worker's own timeout is what ends a stuck request.
timeout = env_int("GUNICORN_TIMEOUT", 120)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows; jitter keeps them from all
# restarting at once. Not too often: a fresh worker imports Django again (about a second of
# CPU), and every 1,000 requests a loaded 2-core server spent a good part of its time on that
# (bench/README.md, "Load test": /healthz 2,183 -> 916 req/s).
max_requests = env_int("GUNICORN_MAX_REQUESTS", 20000, minimum=0)
max_requests_jitter = max_requests // 10

# Off: database connections opened while importing the app would be shared by every forked
# worker; each worker imports Django and connects on its own.
preload_app = False

# SafeCampus logs each request itself; gunicorn's own messages go to standard error (journal).
accesslog = None
errorlog = "-"
loglevel = env_str("LOG_LEVEL", "info").lower()

# Only nginx (on this machine) may say the request came over HTTPS, and only with the one
# header nginx sets; gunicorn's default also trusts X-Forwarded-Ssl/-Protocol, which nginx
# passes through from the client untouched.
forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# gunicorn's runtime control socket would go to the home folder, which the service user
# cannot write under the systemd unit's ProtectSystem=strict.
control_socket_disable = True
