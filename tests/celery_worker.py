"""A real Celery worker process for tests marked `worker` (PostgreSQL + Redis only).

Usage (tests/conftest.py imports the fixture):

    @pytest.mark.worker
    def test_something(celery_worker_process):
        ...                              # data is committed (transactional_db), the worker sees it
        celery_worker_process.kill()     # SIGKILL, as a crash would
        celery_worker_process.restart()  # a new worker on the same queue and test database

The fixture is function-scoped: every test gets a fresh worker, started after the queue has been
purged (so nothing left over by an earlier test runs) and stopped before the database is flushed.
It requests `transactional_db`, because the worker is another process and only sees committed rows.
It is skipped when REDIS_URL is empty or the database is not PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

PING_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL (as django-environ reads it) for a PostgreSQL settings dict."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or ""
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    if host.startswith("/"):  # unix socket directory
        return f"postgres://{auth}{quote(host, safe='')}{port}/{quote(settings_dict['NAME'], safe='')}"
    return f"postgres://{auth}{host}{port}/{quote(settings_dict['NAME'], safe='')}"


class CeleryWorkerProcess:
    """One `celery -A omo worker` subprocess; `kill()` and `restart()` for fault tests."""

    def __init__(self, env: dict[str, str], log_path: Path, cwd: Path):
        self.env = env
        self.log_path = log_path
        self.cwd = cwd
        self.node_name = f"omo-test-{os.getpid()}@pytest"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "worker already running"
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== start #{self.starts} =====\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "omo", "worker",
                    "--pool=solo", "-Q", "celery", "-n", self.node_name,
                    "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info",
                ],
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.wait_ready()

    def wait_ready(self, timeout: float = PING_TIMEOUT) -> None:
        from omo.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"celery worker exited with {self.proc.returncode} before answering ping:\n{self.log()}")
            if app.control.ping(destination=[self.node_name], timeout=0.5):
                return
        self.terminate()
        pytest.fail(f"celery worker did not answer ping within {timeout:.0f} s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL the worker (no clean shutdown: its in-flight task stays unacknowledged)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT)

    def restart(self, **extra_env: str) -> None:
        """Stop the worker if it is running, then start a new one (with `extra_env` from now on)."""
        self.terminate()
        self.env.update({k: str(v) for k, v in extra_env.items()})
        self.start()

    def terminate(self) -> None:
        """Warm shutdown (SIGTERM), SIGKILL if it does not stop in time."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-20000:]
        except FileNotFoundError:
            return "(no log)"


def purge_broker(redis_url: str) -> None:
    """Drop queued messages and unacknowledged ones (which Redis would redeliver later)."""
    import redis
    from omo.celery import app

    app.control.purge()
    client = redis.Redis.from_url(redis_url)
    try:
        client.delete("unacked", "unacked_index", "unacked_mutex")
    finally:
        client.close()


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    from django.conf import settings
    from django.db import connection

    redis_url = os.environ.get("REDIS_URL") or getattr(settings, "REDIS_URL", "")
    if not redis_url:
        pytest.skip("needs REDIS_URL (a real Redis broker) for a Celery worker process")
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker process must share the test database")

    # After django_db_setup (via transactional_db) NAME is the test database, e.g. test_omo.
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "omo.settings"),
        PYTHONUNBUFFERED="1",
    )
    purge_broker(redis_url)
    worker = CeleryWorkerProcess(env, tmp_path / "celery-worker.log", Path(settings.BASE_DIR))
    worker.start()
    try:
        yield worker
    finally:
        worker.terminate()
        print(f"--- celery worker log ({worker.log_path}) ---\n{worker.log()}")  # shown if the test failed
        purge_broker(redis_url)
