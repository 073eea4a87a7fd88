"""Shopper link opens under load: latency of a click (recorded) plus the page, against a bare view.

    .venv/bin/pip install -e '.[dev,bench]'   # locust, the load generator
    .venv/bin/python bench/link_open.py --rate 200 --duration 30

Starts gunicorn on PostgreSQL (DATABASE_URL, or a private server: bench/stack.py) with Redis for
cache and broker, signs in one shopper per locust user, and drives `--rate` requests/s with locust
(headless, FastHttpUser, open loop: each user opens once a second) first at the bare Django view,
then at the shoppers' links (the click is recorded and the list rendered in one response). Prints
p50/p99 latency and throughput of both and their ratio. Goal: p99 < 25 ms.

gunicorn runs cores + 1 sync workers by default: the load tool and PostgreSQL share the same
cores, and more sync workers than that only queue for the CPU.
"""

import argparse
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import stack  # noqa: E402

SETTINGS = "bench.link_open_settings"


def seed(shoppers: int) -> list[dict]:
    """A merchant, a store, a staff member, products, and one shopper with one link each, signed in."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from commerce.models import Product, Variation
    from members.models import Member
    from omo.accounts.models import User
    from omo.tenancy.models import Merchant, Staff, Store
    from recommendations.models import RecommendationItem, RecommendationLink

    slug = f"bench-{int(time.time())}"
    merchant = Merchant.objects.create(name="Bench Brand", slug=slug)
    store = Store.objects.for_merchant(merchant).create(merchant=merchant, name="Taipei 101", code="t101")
    staff_user = User.objects.create_user(email=f"staff@{slug}.test", password=None, name="Amy")
    staff = Staff.objects.for_merchant(merchant).create(merchant=merchant, user=staff_user, store=store,
                                                        display_name="Amy")
    products = Product.objects.for_merchant(merchant).bulk_create(
        [Product(merchant=merchant, name=f"Product {i}", category="Tea") for i in range(5)]
    )
    variations = Variation.objects.for_merchant(merchant).bulk_create(
        [Variation(merchant=merchant, product=p, sku=f"SKU-{i}", price="120.00") for i, p in enumerate(products)]
    )
    users = [User(email=f"shopper{i}@{slug}.test", name=f"Shopper {i}") for i in range(shoppers)]
    for user in users:
        user.set_unusable_password()
    users = User.objects.bulk_create(users)
    members = Member.objects.for_merchant(merchant).bulk_create(
        [Member(merchant=merchant, email=u.email, name=u.name, user=u) for u in users]
    )
    links = RecommendationLink.objects.for_merchant(merchant).bulk_create(
        [RecommendationLink(merchant=merchant, store=store, staff=staff, member=m) for m in members]
    )
    RecommendationItem.objects.for_merchant(merchant).bulk_create(
        [RecommendationItem(merchant=merchant, link=link, variation=v, position=i)
         for link in links for i, v in enumerate(variations[:3])]
    )
    result = []
    backend = settings.AUTHENTICATION_BACKENDS[1]
    for user, link in zip(users, links):
        session = SessionStore()
        session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        result.append({"session": session.session_key, "path": f"/m/{slug}/l/{link.token}/"})
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int, env: dict, log) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "omo.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers),
         "--worker-class", "sync", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare/", timeout=1).read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("gunicorn did not start: see the log")


def serial_latency(port: int, path: str, session: str, n: int = 100) -> dict:
    """One client, one request at a time: the latency with no queueing."""
    times = []
    for _ in range(n):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Cookie": f"sessionid={session}"})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50": times[len(times) // 2], "p99": times[int(len(times) * 0.99) - 1]}


def run_locust(target: str, port: int, rate: int, duration: int, env: dict, workdir: Path) -> dict:
    prefix = workdir / target
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "link_open_locust.py"), "--headless",
         "--host", f"http://127.0.0.1:{port}", "--users", str(rate), "--spawn-rate", str(rate),
         "--run-time", f"{duration}s", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
         "--stop-timeout", "5"],
        cwd=ROOT, env={**env, "BENCH_TARGET": target}, check=False, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(f"{prefix}_stats.csv", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"]),
        "p99": float(row["99%"]),
        "mean": float(row["Average Response Time"]),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=200, help="requests per second (one locust user each)")
    parser.add_argument("--duration", type=int, default=30, help="seconds per phase")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of load before measuring")
    args = parser.parse_args()
    if shutil.which("locust") is None and not (Path(sys.executable).parent / "locust").exists():
        raise SystemExit("locust is missing: .venv/bin/pip install -e '.[dev,bench]'")

    stack.ensure(redis=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    shoppers = seed(args.rate)

    workdir = Path(tempfile.mkdtemp(prefix="omo-link-bench-"))
    (workdir / "shoppers.json").write_text(json.dumps(shoppers))
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "DJANGO_DEBUG": "false",
           "BENCH_SHOPPERS": str(workdir / "shoppers.json"), "LOG_LEVEL": "WARNING",
           "UNKNOWN_TOKEN_LIMIT": "1000000"}
    with open(workdir / "gunicorn.log", "wb") as log:
        server = start_gunicorn(port, args.workers, env, log)
        try:
            if args.warmup:
                run_locust("link", port, args.rate, args.warmup, env, workdir)
            bare = run_locust("bare", port, args.rate, args.duration, env, workdir)
            link = run_locust("link", port, args.rate, args.duration, env, workdir)
            serial = {"bare": serial_latency(port, "/bench/bare/", shoppers[0]["session"]),
                      "link": serial_latency(port, shoppers[1]["path"], shoppers[1]["session"])}
        finally:
            server.terminate()
            server.wait(timeout=30)

    print(f"link open benchmark: gunicorn {args.workers} sync workers on PostgreSQL, locust (FastHttpUser) at {args.rate} req/s,"
          f" {args.duration} s per phase, {os.cpu_count()} CPUs")
    print(f"{'':24}{'p50 ms':>8}{'p99 ms':>8}{'mean ms':>9}{'req/s':>8}{'requests':>10}{'failed':>8}")
    for name, r in (("bare Django view", bare), ("link open + page", link)):
        print(f"{name:24}{r['p50']:>8.0f}{r['p99']:>8.0f}{r['mean']:>9.1f}{r['rps']:>8.1f}{r['requests']:>10}"
              f"{r['failures']:>8}")
    print(f"ratio link/bare: p50 {link['p50'] / max(bare['p50'], 1):.1f}x, p99 {link['p99'] / max(bare['p99'], 1):.1f}x,"
          f" throughput {link['rps'] / max(bare['rps'], 1e-9):.2f}x")
    print(f"one client, one request at a time (no queueing): bare p50 {serial['bare']['p50']:.1f} ms"
          f" p99 {serial['bare']['p99']:.1f} ms; link open + page p50 {serial['link']['p50']:.1f} ms"
          f" p99 {serial['link']['p99']:.1f} ms")
    print(f"goal p99 < 25 ms: {'met' if link['p99'] < 25 else 'NOT met'} ({link['p99']:.0f} ms)")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
