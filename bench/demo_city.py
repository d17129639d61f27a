"""Benchmark ``manage.py demo_city`` on a fresh SQLite database (run by hand, not a test).

Each run gets its own temporary SAFECAMPUS_VAR_DIR holding a freshly migrated database (the
migration is done once and copied, and is not timed), then ``demo_city`` runs in a subprocess
and the wall clock of that subprocess is what is reported: Django start-up included, as a
person typing the command would see it.

    .venv/bin/python bench/demo_city.py                 # 3 runs at 1,935 schools + 1 at 10,000
    .venv/bin/python bench/demo_city.py --runs 5 --large 0
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_FILES = ("safecampus.sqlite3", "safecampus.sqlite3-wal", "safecampus.sqlite3-shm", "secret_key")


def _env(var_dir: Path) -> dict[str, str]:
    env = os.environ.copy()
    env.pop("DATABASE_URL", None)  # always SQLite, whatever the shell says
    env["SAFECAMPUS_VAR_DIR"] = str(var_dir)
    env["SAFECAMPUS_MODE"] = "laptop"
    return env


def _manage(args: list[str], var_dir: Path) -> None:
    subprocess.run(  # noqa: S603 (our own manage.py with fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_env(var_dir),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _migrated_template(base: Path) -> Path:
    template = base / "template"
    template.mkdir()
    _manage(["migrate", "--noinput", "-v0"], template)
    return template


def _one_run(base: Path, template: Path, schools: int, index: int) -> float:
    var_dir = base / f"run-{schools}-{index}"
    var_dir.mkdir()
    for name in DB_FILES:
        if (template / name).exists():
            shutil.copy2(template / name, var_dir / name)
    started = time.perf_counter()
    _manage(["demo_city", "--schools", str(schools)], var_dir)
    seconds = time.perf_counter() - started
    shutil.rmtree(var_dir)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs at the default size (3)")
    parser.add_argument("--schools", type=int, default=1935, help="default size (1935)")
    parser.add_argument("--large", type=int, default=10_000, help="one run at this size; 0 skips")
    args = parser.parse_args()

    print(
        f"demo_city benchmark · SQLite · Python {platform.python_version()} · "
        f"{os.cpu_count()} CPUs · {platform.platform()}"
    )
    with tempfile.TemporaryDirectory(prefix="safecampus-bench-") as tmp:
        base = Path(tmp)
        template = _migrated_template(base)
        times = [_one_run(base, template, args.schools, i) for i in range(args.runs)]
        print(
            f"{args.schools:>6} schools: {len(times)} runs, min {min(times):.2f} s, "
            f"median {statistics.median(times):.2f} s  "
            f"({', '.join(f'{t:.2f}' for t in times)})"
        )
        if args.large:
            large = _one_run(base, template, args.large, 0)
            print(f"{args.large:>6} schools: 1 run, {large:.2f} s")


if __name__ == "__main__":
    main()
