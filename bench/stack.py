"""PostgreSQL and Redis for a benchmark run.

Uses DATABASE_URL / REDIS_URL when set; otherwise starts a private PostgreSQL 15 cluster and a
Redis server on free loopback ports in a temp folder (as `.ci/run` does) and stops them at exit.
"""

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str], cwd: str) -> None:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=True, cwd=cwd, stdout=subprocess.DEVNULL)


def _start_postgres(work: str) -> str:
    data = os.path.join(work, "pg")
    os.makedirs(data)
    if os.geteuid() == 0:
        shutil.chown(work, "postgres")
        shutil.chown(data, "postgres")
    port = _free_port()
    _as_postgres([str(PG_BIN / "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], work)
    _as_postgres(
        [str(PG_BIN / "pg_ctl"), "-D", data, "-l", os.path.join(data, "log"), "-w", "start", "-o",
         f"-h 127.0.0.1 -p {port} -k {data} -c max_connections=100 -c shared_buffers=512MB"],
        work,
    )
    atexit.register(lambda: _as_postgres([str(PG_BIN / "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"], work))
    subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                    "-c", "CREATE ROLE omo LOGIN SUPERUSER PASSWORD 'omo'", "-c", "CREATE DATABASE omo OWNER omo"],
                   check=True)
    return f"postgres://omo:omo@127.0.0.1:{port}/omo"


def _start_redis(work: str) -> str:
    port = _free_port()
    proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                             "--dir", work], stdout=subprocess.DEVNULL)
    atexit.register(proc.terminate)
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return f"redis://127.0.0.1:{port}/0"


def ensure(*, redis: bool = True) -> None:
    """Set DATABASE_URL (and REDIS_URL) in os.environ, starting private servers if needed."""
    work = None
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        work = tempfile.mkdtemp(prefix="omo-bench-")
        os.chmod(work, 0o755)
        atexit.register(shutil.rmtree, work, True)
        os.environ["DATABASE_URL"] = _start_postgres(work)
        print(f"bench: started a private PostgreSQL at {os.environ['DATABASE_URL']}")
    if redis and not os.environ.get("REDIS_URL"):
        work = work or tempfile.mkdtemp(prefix="omo-bench-")
        os.environ["REDIS_URL"] = _start_redis(work)
        print(f"bench: started a private Redis at {os.environ['REDIS_URL']}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omo.settings")
