"""Shopper link opens under load: latency of a click (recorded) plus the page, against a bare view.

    apt-get install -y hey        # the load generator: Debian's package (Go), a few % of one core here
    .venv/bin/python bench/link_open.py --rate 200 --duration 30

Starts gunicorn on PostgreSQL (DATABASE_URL, or a private server: bench/stack.py) with Redis for
cache and sessions, signs in one shopper per client, and drives `--rate` requests/s with `hey`:
`--clients` processes, each one shopper pacing its own requests evenly (`hey -c 1 -q rate/clients`),
started a fraction of an interval apart so that their requests interleave. First the bare Django
view (same middleware, no work), then the shoppers' links (the click is recorded and the list
rendered in one response). Prints p50/p99 latency and throughput of both, their ratio, and the
clicks found in the database afterwards. Goal: p99 < 25 ms.

gunicorn runs 2 x cores sync workers by default (as `WEB_CONCURRENCY` would in production): the
load tool, PostgreSQL and Redis share the same cores.
"""

import argparse
import csv
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

from bench import stack

SETTINGS = "bench.link_open_settings"
MARK = b'data-testid="recommended-item"'
USER_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile"


def seed(shoppers: int) -> list[dict]:
    """A merchant, a store, a staff member, products, and shoppers with one link each, signed in."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

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
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    result = []
    backend = settings.AUTHENTICATION_BACKENDS[1]
    for user, link in zip(users, links):
        session = SessionStore()
        session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        result.append({"session": session.session_key, "path": f"/m/{slug}/l/{link.token}/"})
    return result, merchant


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


def check_pages(port: int, shoppers: list[dict]) -> None:
    """Every shopper's link answers its list (this also builds each link's cached card once)."""
    for shopper in shoppers:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{shopper['path']}",
                                         headers={"Cookie": f"sessionid={shopper['session']}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status != 200 or MARK not in response.read():
                raise SystemExit(f"{shopper['path']} did not answer the recommended list")


def hey(port: int, path: str, session: str, out: Path, *, duration: float = 0, rate: float = 0, requests: int = 0):
    args = ["hey", "-c", "1", "-o", "csv", "-H", f"Cookie: sessionid={session}", "-H", f"User-Agent: {USER_AGENT}"]
    args += ["-z", f"{duration}s", "-q", f"{rate:.3f}"] if duration else ["-n", str(requests)]
    return subprocess.Popen([*args, f"http://127.0.0.1:{port}{path}"], stdout=out.open("w"), stderr=subprocess.DEVNULL)


def summary(files: list[Path], duration: float) -> dict:
    times, failed = [], 0
    for file in files:
        with file.open(newline="") as f:
            for row in csv.DictReader(f):
                times.append(float(row["response-time"]) * 1000)
                failed += row["status-code"] != "200"
    times.sort()
    n = len(times)
    return {"requests": n, "failed": failed, "rps": n / duration if duration else 0.0,
            "p50": times[n // 2], "p99": times[min(n - 1, int(n * 0.99))], "mean": sum(times) / n}


def load(port: int, shoppers: list[dict], *, bare: bool, rate: int, duration: int, clients: int, workdir: Path) -> dict:
    """`clients` hey processes, one shopper each, each at rate/clients requests/s for `duration` s."""
    files, procs = [], []
    for i in range(clients):
        shopper = shoppers[i % len(shoppers)]
        files.append(workdir / f"{'bare' if bare else 'link'}-{i}.csv")
        procs.append(hey(port, "/bench/bare/" if bare else shopper["path"], shopper["session"], files[-1],
                         duration=duration, rate=rate / clients))
        time.sleep(1 / rate)  # one request interval apart: the clients' requests interleave
    for proc in procs:
        proc.wait()
    return summary(files, duration)


def serial(port: int, path: str, session: str, workdir: Path, n: int = 300) -> dict:
    """One client, one request at a time: the latency with no queueing."""
    out = workdir / "serial.csv"
    hey(port, path, session, out, requests=n).wait()
    return summary([out], 0)


def clicks(merchant) -> int:
    from recommendations.models import LinkClick

    return LinkClick.objects.for_merchant(merchant).count()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=200, help="requests per second, all clients together")
    parser.add_argument("--duration", type=int, default=30, help="seconds per phase")
    parser.add_argument("--clients", type=int, default=10, help="shoppers, one hey process each")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn sync workers")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of link opens before measuring")
    args = parser.parse_args()
    if shutil.which("hey") is None:
        raise SystemExit("hey, the load generator, is missing: apt-get install -y hey")

    stack.ensure(redis=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    shoppers, merchant = seed(args.clients)

    workdir = Path(tempfile.mkdtemp(prefix="omo-link-bench-"))
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "DJANGO_DEBUG": "false", "LOG_LEVEL": "WARNING"}
    phase = {"rate": args.rate, "duration": args.duration, "clients": args.clients, "workdir": workdir}
    with open(workdir / "gunicorn.log", "wb") as log:
        server = start_gunicorn(port, args.workers, env, log)
        try:
            check_pages(port, shoppers)
            if args.warmup:
                load(port, shoppers, bare=False, **{**phase, "duration": args.warmup})
            bare = load(port, shoppers, bare=True, **phase)
            before = clicks(merchant)
            link = load(port, shoppers, bare=False, **phase)
            recorded = clicks(merchant) - before
            alone = {"bare": serial(port, "/bench/bare/", shoppers[0]["session"], workdir),
                     "link": serial(port, shoppers[0]["path"], shoppers[0]["session"], workdir)}
        finally:
            server.terminate()
            server.wait(timeout=30)

    print(f"link open benchmark: gunicorn {args.workers} sync workers on PostgreSQL + Redis, hey: {args.clients} shoppers"
          f" at {args.rate} req/s in all, {args.duration} s per phase, {os.cpu_count()} CPUs")
    print(f"{'':24}{'p50 ms':>8}{'p99 ms':>8}{'mean ms':>9}{'req/s':>8}{'requests':>10}{'failed':>8}")
    for name, r in (("bare Django view", bare), ("link open + page", link)):
        print(f"{name:24}{r['p50']:>8.1f}{r['p99']:>8.1f}{r['mean']:>9.1f}{r['rps']:>8.1f}{r['requests']:>10}"
              f"{r['failed']:>8}")
    print(f"ratio link/bare: p50 {link['p50'] / bare['p50']:.1f}x, p99 {link['p99'] / bare['p99']:.1f}x,"
          f" throughput {link['rps'] / bare['rps']:.2f}x")
    print(f"clicks recorded during the link phase: {recorded} for {link['requests']} opens")
    print(f"one client, one request at a time (no queueing): bare p50 {alone['bare']['p50']:.1f} ms"
          f" p99 {alone['bare']['p99']:.1f} ms; link open + page p50 {alone['link']['p50']:.1f} ms"
          f" p99 {alone['link']['p99']:.1f} ms")
    print(f"goal p99 < 25 ms: {'met' if link['p99'] < 25 else 'NOT met'} ({link['p99']:.1f} ms)")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
