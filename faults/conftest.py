"""Fixtures of the fault tests: a PostgreSQL cluster of their own for the session, a demo
city in a template database, and per test a fresh copy of it with its own Redis, SMTP sink,
gunicorn and Celery processes.

These tests live outside ``testpaths`` (pyproject.toml), so ``pytest`` and CI never collect
them; ``make test-faults`` runs them. Each test's process logs stay in
test-artifacts/faults/<test>/ for reading after a failure.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from faults.smtp_sink import SmtpSink
from faults.support import (
    REPO,
    City,
    PostgresCluster,
    Processes,
    Stack,
    base_env,
    manage,
    new_secret_key,
    new_workdir,
)

ARTIFACTS = REPO / "test-artifacts" / "faults"
TEMPLATE = "faults_template"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster(new_workdir("sc-faults-pg-"))
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def session_dir() -> Iterator[Path]:
    folder = new_workdir("sc-faults-")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def city_env(pg_cluster: PostgresCluster, session_dir: Path) -> tuple[City, dict[str, str]]:
    """Migrate a template database and load a small demo city into it, once."""
    env = base_env(session_dir / "var", new_secret_key())
    pg_cluster.create_database(TEMPLATE)
    setup = {**env, "DATABASE_URL": pg_cluster.url(TEMPLATE)}
    logins = session_dir / "logins.json"
    manage(setup, "migrate", "--noinput", "-v0")
    manage(
        setup,
        "demo_city",
        "--schools",
        "10",
        "--hazards",
        "0",
        "--logins-json",
        str(logins),
        "-v0",
    )
    # Production mode serves hashed static files from the manifest collectstatic writes.
    manage(setup, "collectstatic", "--noinput", "-v0")
    rows = json.loads(logins.read_text())
    return City(password=rows[0]["password"], logins=rows), env


@pytest.fixture
def stack(
    request: pytest.FixtureRequest,
    pg_cluster: PostgresCluster,
    city_env: tuple[City, dict[str, str]],
) -> Iterator[Stack]:
    city, env = city_env
    name = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower()).strip("_")
    logs = ARTIFACTS / name
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    database = f"t_{name}"[:60]
    pg_cluster.execute("postgres", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    pg_cluster.create_database(database, template=TEMPLATE)
    procs = Processes(logs)
    smtp = SmtpSink()
    try:
        yield Stack(pg_cluster, database, city, env, procs, smtp)
    finally:
        procs.stop_all()
        smtp.close()
        if not pg_cluster.running():  # a test that failed while PostgreSQL was down
            pg_cluster.start()
        pg_cluster.execute("postgres", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
