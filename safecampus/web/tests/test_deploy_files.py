"""The production files in deploy/ and gunicorn.conf.py fit the application (docs/deploy.md).

What can be checked without root or a running systemd: the units parse and start programs
that exist in the release layout, nginx lets through every upload the application accepts,
gunicorn's settings and worker sizing, and the example environment file uses only documented
variables. ``systemd-analyze verify`` and ``nginx -t`` run when those programs are installed.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings
from django.core.management import get_commands

from safecampus.hazards import photos
from safecampus.hazards.forms import MAX_PHOTOS, PhotosField, ReportForm

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"
UNITS = DEPLOY / "systemd"
NGINX = DEPLOY / "nginx" / "safecampus.conf"
ENV_EXAMPLE = DEPLOY / "safecampus.env.example"
RELEASE = "/opt/safecampus"  # where docs/deploy.md puts the release; the repo stands in for it
ENV_FILE = "/etc/safecampus/safecampus.env"
DATA = "/var/lib/safecampus"
MIB = 1024 * 1024


def read_unit(path: Path) -> configparser.ConfigParser:
    # systemd allows repeated keys (later ones win for the keys used here): not strict.
    unit = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    unit.read_string(path.read_text(encoding="utf-8"), source=str(path))
    return unit


def services() -> list[Path]:
    return sorted(UNITS.glob("*.service"))


def in_repo(path: str) -> Path:
    assert path.startswith(RELEASE + "/"), f"{path} is outside the release folder {RELEASE}"
    return REPO / path.removeprefix(RELEASE + "/")


# --- systemd --------------------------------------------------------------------------------


def test_it_ships_a_unit_for_each_process_and_job():
    names = {path.name for path in UNITS.iterdir()}
    assert {
        "safecampus-web.service",
        "safecampus-worker.service",
        "safecampus-beat.service",
        "safecampus-backup.service",
        "safecampus-backup.timer",
        "safecampus-tick.service",
        "safecampus-tick.timer",
        "safecampus.target",
    } <= names


@pytest.mark.parametrize(
    "name", ["safecampus-web.service", "safecampus-worker.service", "safecampus-beat.service"]
)
def test_the_long_running_parts_start_and_stop_with_safecampus_target(name):
    unit = read_unit(UNITS / name)

    assert unit["Unit"]["PartOf"] == "safecampus.target"
    assert unit["Install"]["WantedBy"] == "safecampus.target"
    assert unit["Service"]["Restart"] == "on-failure"
    assert read_unit(UNITS / "safecampus.target")["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.parametrize("path", services(), ids=lambda p: p.name)
def test_every_service_runs_hardened_as_safecampus_with_the_environment_file(path):
    service = read_unit(path)["Service"]

    assert service["User"] == service["Group"] == "safecampus"
    assert service["WorkingDirectory"] == RELEASE
    assert service["EnvironmentFile"] == ENV_FILE
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"] == DATA
    assert service["PrivateTmp"] == "yes"
    assert service["CapabilityBoundingSet"] == ""


@pytest.mark.parametrize("path", services(), ids=lambda p: p.name)
def test_every_service_starts_a_program_of_the_release(path):
    argv = read_unit(path)["Service"]["ExecStart"].split()
    program = in_repo(argv[0])
    # The virtualenv's entry points as make/pip install them (.venv/bin/...).
    assert program.is_file() and os.access(program, os.X_OK), f"{path.name}: {argv[0]}"
    for arg in argv[1:]:
        if arg.startswith("/opt/"):
            assert in_repo(arg).is_file(), f"{path.name}: {arg} is not in the repository"
    if "manage.py" in argv[1]:
        assert argv[2] in get_commands(), f"{path.name}: no management command {argv[2]!r}"
    if program.name == "celery":
        assert argv[1:3] == ["-A", "safecampus"]
        assert (REPO / "safecampus" / "celery.py").is_file()


def test_gunicorn_starts_with_the_repositorys_config_and_celery_runs_worker_and_beat():
    web = read_unit(UNITS / "safecampus-web.service")["Service"]["ExecStart"].split()
    worker = read_unit(UNITS / "safecampus-worker.service")["Service"]["ExecStart"].split()
    beat = read_unit(UNITS / "safecampus-beat.service")["Service"]["ExecStart"].split()
    backup = read_unit(UNITS / "safecampus-backup.service")["Service"]["ExecStart"].split()

    assert web == [f"{RELEASE}/.venv/bin/gunicorn", "-c", f"{RELEASE}/gunicorn.conf.py"]
    assert worker[3:] == ["worker", "--loglevel", "INFO"]
    assert beat[3:] == ["beat", "--loglevel", "INFO"]
    # The release folder is read-only (ProtectSystem=strict): beat's schedule file must be in
    # the data folder, SAFECAMPUS_VAR_DIR.
    assert Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent == Path(settings.VAR_DIR)
    assert backup[2:] == ["backup", "--keep", "14"]


@pytest.mark.parametrize(
    ("name", "calendar", "wanted_by"),
    [
        ("safecampus-backup.timer", "*-*-* 01:30:00", "timers.target"),
        # Stopped with the rest of SafeCampus (a restore must not race a tick).
        ("safecampus-tick.timer", "*:0/5", "safecampus.target"),
    ],
)
def test_every_timer_starts_its_service_on_a_calendar(name, calendar, wanted_by):
    timer = read_unit(UNITS / name)

    assert (UNITS / name).with_suffix(".service").is_file()
    assert read_unit((UNITS / name).with_suffix(".service"))["Service"]["Type"] == "oneshot"
    assert timer["Timer"]["OnCalendar"] == calendar
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == wanted_by
    assert sorted(p.name for p in UNITS.glob("*.timer")) == [
        "safecampus-backup.timer",
        "safecampus-tick.timer",
    ]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_systemd_accepts_every_unit(tmp_path):
    # verify also checks that ExecStart's program exists, so the repo stands in for /opt.
    for path in UNITS.iterdir():
        text = path.read_text(encoding="utf-8").replace(RELEASE, str(REPO))
        (tmp_path / path.name).write_text(text, encoding="utf-8")

    result = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # Unknown keys are only warned about (exit 0), so the output must be empty too.
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


# --- nginx ----------------------------------------------------------------------------------


def nginx_text() -> str:
    return NGINX.read_text(encoding="utf-8")


def _size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "k": 1024, "m": MIB, "g": 1024 * MIB}[unit.lower()]


def _location(text: str, prefix: str) -> str:
    match = re.search(rf"\n    location {re.escape(prefix)} \{{\n(.*?)\n    \}}", text, re.S)
    assert match, f"no location {prefix} in {NGINX.name}"
    return match.group(1)


def test_nginx_lets_through_every_upload_the_application_accepts():
    text = nginx_text()
    server_wide = re.findall(r"^    client_max_body_size (\w+);", text, re.M)
    hazards = re.findall(r"client_max_body_size (\w+);", _location(text, "/hazards/"))
    photo_fields = sum(isinstance(f, PhotosField) for f in ReportForm.base_fields.values())

    assert len(server_wide) == 1 and len(hazards) == 1
    assert _size(server_wide[0]) > max(
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE, settings.IMPORT_MAX_BYTES, photos.MAX_BYTES
    )
    assert photo_fields == 2
    assert _size(hazards[0]) > photo_fields * MAX_PHOTOS * photos.MAX_BYTES


def test_nginx_sets_the_proxy_headers_and_outwaits_gunicorn(gunicorn_conf):
    text = nginx_text()

    for header in (
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Request-ID $request_id;",
    ):
        assert header in text
    assert "return 301 https://$host$request_uri;" in text
    assert re.search(r"ssl_protocols TLSv1\.2 TLSv1\.3;", text)
    read_timeout = re.search(r"proxy_read_timeout (\d+)s;", text)
    assert read_timeout and int(read_timeout.group(1)) > gunicorn_conf.timeout


def test_nginx_serves_collected_static_files_but_never_uploads():
    text = nginx_text()
    static = _location(text, "/static/")

    # root + /static/... is STATIC_ROOT for SAFECAMPUS_VAR_DIR=/var/lib/safecampus.
    assert f"root {DATA};" in static
    assert settings.STATIC_URL == "/static/"
    assert Path(settings.VAR_DIR) / "static" == settings.STATIC_ROOT
    assert "max-age=31536000, immutable" in static
    assert "return 404;" in _location(text, "^~ /media/")
    served = re.findall(r"^\s*(?:root|alias)\s+([^;]+);", text, re.M)
    assert served == [DATA]


@pytest.mark.skipif(
    shutil.which("nginx") is None or shutil.which("openssl") is None,
    reason="nginx or openssl is not installed (Debian: apt-get install nginx-light)",
)
def test_nginx_accepts_the_configuration(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=safecampus.example.gov.cn", "-keyout", str(key), "-out", str(cert)),
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    site = (
        nginx_text()
        .replace("/etc/ssl/safecampus/fullchain.pem", str(cert))
        .replace("/etc/ssl/safecampus/privkey.pem", str(key))
        .replace("/var/log/nginx/", f"{tmp_path}/")
    )
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ include {tmp_path}/site.conf; }}\n",
        encoding="utf-8",
    )

    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


# --- gunicorn -------------------------------------------------------------------------------


def load_gunicorn_conf() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gunicorn_conf", REPO / "gunicorn.conf.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GUNICORN_VARS = (
    "GUNICORN_BIND",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_MAX_REQUESTS",
    "FORWARDED_ALLOW_IPS",
    "LOG_LEVEL",
)


@pytest.fixture
def gunicorn_conf(monkeypatch):
    for name in GUNICORN_VARS:
        monkeypatch.delenv(name, raising=False)
    return load_gunicorn_conf()


def test_gunicorn_defaults_suit_a_server_behind_nginx(gunicorn_conf):
    conf = gunicorn_conf

    assert conf.wsgi_app == "safecampus.wsgi:application"
    assert conf.bind == ["127.0.0.1:8000"]
    assert conf.workers == conf.default_workers(conf.cpu_count())
    assert conf.threads == 1
    assert conf.preload_app is False  # no database connection shared across fork
    assert conf.accesslog is None and conf.errorlog == "-"
    assert conf.forwarded_allow_ips == "127.0.0.1,::1"
    assert conf.secure_scheme_headers == {"X-FORWARDED-PROTO": "https"}
    assert conf.max_requests == 20000 and conf.max_requests_jitter == 2000
    assert conf.graceful_timeout < conf.timeout
    assert conf.control_socket_disable is True


@pytest.mark.parametrize(
    ("cores", "workers"), [(0, 3), (1, 3), (2, 5), (4, 9), (5, 11), (6, 12), (64, 12)]
)
def test_gunicorn_runs_two_workers_per_core_plus_one_at_most_twelve(gunicorn_conf, cores, workers):
    assert gunicorn_conf.workers_from_env({}, cores=cores) == workers


@pytest.mark.parametrize("value", ["1", "3", "24", " 7 "])
def test_web_concurrency_sets_the_workers_whatever_the_cores(gunicorn_conf, value):
    assert gunicorn_conf.workers_from_env({"WEB_CONCURRENCY": value}, cores=64) == int(value)
    assert gunicorn_conf.workers_from_env({"WEB_CONCURRENCY": value}, cores=1) == int(value)


def test_an_empty_web_concurrency_means_the_default(gunicorn_conf):
    assert gunicorn_conf.workers_from_env({"WEB_CONCURRENCY": ""}, cores=2) == 5


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "WEB_CONCURRENCY must be >= 1, got 0"),
        ("-2", "WEB_CONCURRENCY must be >= 1, got -2"),
        ("four", "WEB_CONCURRENCY must be an integer, got 'four'"),
    ],
)
def test_a_bad_web_concurrency_is_refused_with_its_name(gunicorn_conf, value, message):
    with pytest.raises(gunicorn_conf.ConfigError, match=re.escape(message)):
        gunicorn_conf.workers_from_env({"WEB_CONCURRENCY": value}, cores=2)


def test_gunicorn_reads_its_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:9000,unix:/run/safecampus/web.sock")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "300")
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "0")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")

    conf = load_gunicorn_conf()

    assert conf.bind == ["127.0.0.1:9000", "unix:/run/safecampus/web.sock"]
    assert (conf.workers, conf.threads, conf.timeout) == (3, 4, 300)
    assert (conf.max_requests, conf.max_requests_jitter) == (0, 0)
    assert conf.forwarded_allow_ips == "10.0.0.5"
    assert conf.loglevel == "warning"


def test_gunicorn_accepts_the_config_and_loads_the_application(tmp_path):
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "--check-config"],
        cwd=REPO,
        env={**env, "SAFECAMPUS_VAR_DIR": str(tmp_path), "WEB_CONCURRENCY": "2"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("max_age", "expected"), [(None, "60 True"), ("0", "0 True")])
def test_database_connections_are_kept_per_worker_and_health_checked(tmp_path, max_age, expected):
    # The PostgreSQL sizing rule in docs/deploy.md counts one kept connection per thread.
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env |= {
        "SAFECAMPUS_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://safecampus@127.0.0.1:5432/safecampus",
    }
    if max_age is not None:
        env["DB_CONN_MAX_AGE"] = max_age
    code = (
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


# --- the example environment file -----------------------------------------------------------


def env_example() -> dict[str, tuple[str, bool]]:
    """NAME -> (value, active) for every line of the example, commented-out ones too."""
    found = re.findall(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$", ENV_EXAMPLE.read_text("utf-8"), re.M)
    return {name: (value, not comment) for comment, name, value in found}


def test_the_example_environment_file_uses_only_documented_variables():
    configure = (REPO / "docs" / "configure.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", configure, re.M))
    example = env_example()

    assert len(example) > 10
    assert set(example) - documented == set(), "document these in docs/configure.md"


def test_the_example_environment_file_passes_check_deploy(tmp_path):
    active = {name: value for name, (value, on) in env_example().items() if on}
    assert active["SAFECAMPUS_MODE"] == "production"
    assert active["SAFECAMPUS_VAR_DIR"] == DATA
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env = {
        **base,
        **active,
        # Local stand-ins for the server's key, database and folders.
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SAFECAMPUS_VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


# --- make serve-prod ------------------------------------------------------------------------


def test_make_serve_prod_runs_the_script_which_is_valid_bash():
    script = REPO / "scripts" / "serve-prod.sh"
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")

    assert re.search(r"^serve-prod:.*\n(\t.*\n)*\t.*\./scripts/serve-prod\.sh", makefile, re.M)
    assert os.access(script, os.X_OK)
    syntax = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr
