"""A private Redis server that a fault test may stop and start, and a real worker on it.

The shared Redis of CI (REDIS_URL) is never stopped: `private_redis` runs its own `redis-server`
on a free port, and `worker_on_private_redis` points this process's Celery app and a worker
subprocess at it for the duration of the test.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from shutil import which

import pytest

from tests.celery_worker import CeleryWorkerProcess, database_url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self, workdir: Path):
        self.port = _free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"redis-server did not start on port {self.port}")

    def kill(self) -> None:
        """SIGKILL: Redis disappears as in a crash (nothing flushed, connections reset)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)


class ThreadedWorker(CeleryWorkerProcess):
    """The shared worker fixture's process with a pool of 8 threads instead of solo: every order fans
    out to three tasks (attribution, campaign, points), and a burst of 1,000 should take seconds.
    One process all the same, so SIGKILL still takes every task in flight down at once."""

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "worker already running"
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== start #{self.starts} =====\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "omo", "worker", "--pool=threads", "--concurrency=8",
                 "-Q", "celery", "-n", self.node_name, "--without-heartbeat", "--without-gossip",
                 "--without-mingle", "-l", "warning"],
                cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.wait_ready()

    def kill(self) -> None:
        """SIGKILL the worker's whole process group, as an OOM kill would."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)


@pytest.fixture
def private_redis(tmp_path):
    if which("redis-server") is None:
        pytest.skip("needs redis-server")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()


def _use_broker(app, url):
    app.conf.broker_url = url
    app._pool = None  # the connection pools were built for the previous URL
    app.amqp._producer_pool = None


@pytest.fixture
def worker_on_private_redis(transactional_db, private_redis, tmp_path):
    from django.conf import settings
    from django.db import connection

    from omo.celery import app

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker process must share the test database")
    previous_url, previous_eager = app.conf.broker_url, app.conf.task_always_eager
    _use_broker(app, private_redis.url)
    app.conf.task_always_eager = False
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL=private_redis.url,
        DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "omo.settings"),
        PYTHONUNBUFFERED="1",
    )
    worker = ThreadedWorker(env, tmp_path / "celery-worker.log", Path(settings.BASE_DIR))
    worker.start()
    try:
        yield worker
    finally:
        worker.terminate()
        print(f"--- celery worker log ({worker.log_path}) ---\n{worker.log()}")
        _use_broker(app, previous_url)
        app.conf.task_always_eager = previous_eager
