"""Shopper link opens at a constant rate (open loop): new and repeat links against a bare view.

    .venv/bin/python bench/link_open.py --rate 200 --duration 15

Times the product path: gunicorn (2 x cores sync workers, as `WEB_CONCURRENCY` would) on
PostgreSQL with Redis for cache and sessions (DATABASE_URL / REDIS_URL, else private servers:
bench/stack.py). Shoppers are members signed in by session cookie. Links are shared through the
product's share path (`recommendations.services.link_create`), whose card a real Celery worker
builds after commit; the worker is stopped before the load, so nothing builds cards during it.

The load is an open loop: request i is sent at start + i/rate whether or not earlier answers came
back (one new connection each, as sync gunicorn closes them), and its latency runs from that
scheduled time to the last byte, so queueing in the server counts (no coordinated omission).
Each shopper's browser sends back the cookies the site set (session, CSRF, the cart's source).
The load generator runs on uvloop where installed (the dev extras) and pauses no collector.
Phases: the bare Django view (same middleware: session, user, tenancy; no work) as the same-run
reference, and link opens mixing new links (never opened: the shopper's first open, the click
recorded, the cart's source set) and repeat links (opened before). The two alternate in
`--rounds` rounds (bare, links, bare, links, ...) after a warm-up of both, so a slow spell of the
machine falls on both sides of the ratio rather than on one phase. Prints p50/p99 pooled over the
rounds, the served rate of each, their ratio to the bare view, each round's p99, the CPU time
per request of each part (gunicorn, PostgreSQL, Redis, the load generator: all share the
machine), and the clicks found in the database.
Then the scale curve (`--scales`, default 10k / 100k / 1M): the merchant's stored links and
clicks grown to each size (INSERT ... SELECT, VACUUM ANALYZE, CHECKPOINT) and one bare and one
link round at each, so a link open's cost can be seen not to grow with the tables it writes.
Goal (issue 18): link open p99 <= 2x the bare view's p99, cold and warm.
"""

import argparse
import asyncio
import gc
import os
import random
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
from bench.bulk import insert_select, settle

try:  # the load generator's own cost per request: about half on uvloop's event loop
    from uvloop import run
except ImportError:
    run = asyncio.run

SETTINGS = "bench.link_open_settings"
MARK = b'data-testid="recommended-item"'
PARTS = ["gunicorn", "PostgreSQL", "Redis", "load generator"]
WARM_UP = 5  # seconds of each path before the timed rounds (the first seconds run slower)
USER_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile"


def seed(shoppers: int):
    """A merchant, a store, a staff member, products, and shoppers (members) signed in."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from commerce.models import Product, Variation
    from members.models import Member
    from omo.accounts.models import User
    from omo.tenancy.models import Merchant, Staff, Store

    slug = f"bench-{int(time.time())}"
    merchant = Merchant.objects.create(name="Bench Brand", slug=slug)
    store = Store.objects.for_merchant(merchant).create(merchant=merchant, name="Taipei 101", code="t101")
    staff_user = User.objects.create_user(email=f"staff@{slug}.test", password=None, name="Amy")
    staff = Staff.objects.for_merchant(merchant).create(merchant=merchant, user=staff_user, store=store,
                                                        display_name="Amy")
    products = Product.objects.for_merchant(merchant).bulk_create(
        [Product(merchant=merchant, name=f"Product {i}", category="Tea") for i in range(20)]
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
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
    backend = settings.AUTHENTICATION_BACKENDS[1]
    people = []
    for user, member in zip(users, members):
        session = SessionStore()
        session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        people.append({"member": member, "session": session.session_key})
    return merchant, staff, variations, people


def share(merchant, staff, variations, people, count: int, rng) -> list[dict]:
    """`count` links shared by the staff member through the share path, round-robin over shoppers."""
    from omo.tenancy.scoping import merchant_scope
    from recommendations.services import link_create

    links = []
    with merchant_scope(merchant.pk):
        for i in range(count):
            person = people[i % len(people)]
            link = link_create(merchant=merchant, staff=staff, member=person["member"],
                               variations=rng.sample(variations, 3))
            links.append({"session": person["session"], "token": link.token,
                          "path": f"/m/{merchant.slug}/l/{link.token}/"})
    return links


def cards_ready(merchant, links) -> int:
    from django.core.cache import cache

    from recommendations.cards import _card_key

    return sum(cache.get(_card_key(merchant.pk, link["token"], "en")) is not None for link in links)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int, env: dict, log) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "omo.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers),
         "--worker-class", "sync", "--backlog", "4096", "--log-level", "warning"],
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


def start_worker(env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "omo", "worker", "--pool=solo", "-Q", "celery", "-n",
         f"bench-{os.getpid()}@localhost", "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )


class Browser:
    """A shopper's browser: it sends back the cookies the site set (the session, the CSRF cookie,
    the cart's source link), as a phone's browser does between opens."""

    def __init__(self, session: str):
        self.cookies = {"sessionid": session}

    def request(self, path: str) -> bytes:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: {USER_AGENT}\r\n"
                f"Cookie: {cookie}\r\nConnection: close\r\n\r\n").encode()

    def keep(self, response: bytes) -> None:
        head = response.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "set-cookie":
                cookie, _, _attributes = value.strip().partition(";")
                key, _, val = cookie.partition("=")
                self.cookies[key] = val.strip('"')


async def send(port: int, browser: Browser, path: str, scheduled: float, kind: str, check: bool,
               results: list) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(browser.request(path))
        data = await asyncio.wait_for(reader.read(-1), timeout=30)  # sync gunicorn closes after the answer
        writer.close()
        ok = data[9:12] == b"200" and (not check or MARK in data)
        browser.keep(data)
    except (TimeoutError, OSError):
        ok = False
    now = time.perf_counter()  # not the loop's clock: uvloop's counts whole milliseconds
    results.append((kind, (now - scheduled) * 1000, ok, now))


async def drive(port: int, rate: float, duration: float, pick) -> tuple[list, float]:
    """Send request i at start + i/rate (open loop); `pick(i)` gives (kind, browser, path, check)."""
    results, tasks = [], []
    # No collector pauses in the load generator (its heap holds Django and the seeded rows): a
    # pause would delay sends and be counted as the server's latency.
    gc.collect()
    gc.freeze()
    gc.disable()
    start = time.perf_counter() + 0.05
    for i in range(int(rate * duration)):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        kind, browser, path, check = pick(i)
        tasks.append(asyncio.create_task(send(port, browser, path, scheduled, kind, check, results)))
    await asyncio.gather(*tasks)
    gc.enable()
    gc.unfreeze()
    return results, start


def cpu_by_process(server_pid: int) -> dict:
    """{pid: (part, CPU seconds used so far)} of each part's processes on this machine: gunicorn
    (master and workers), PostgreSQL, Redis, and this load generator; from /proc (empty where
    there is none)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, rest = stat.read_text().split(" ", 1)
        except OSError:
            continue  # ended meanwhile
        comm, fields = rest[1:rest.rindex(")")], rest[rest.rindex(")") + 2:].split()
        ppid, cpu = int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks
        if int(pid) == os.getpid():
            used[pid] = ("load generator", cpu)
        elif int(pid) == server_pid or ppid == server_pid:
            used[pid] = ("gunicorn", cpu)
        elif comm.startswith("postgres"):
            used[pid] = ("PostgreSQL", cpu)
        elif comm.startswith("redis-server"):
            used[pid] = ("Redis", cpu)
    return used


def cpu_used(before: dict, after: dict) -> dict:
    """CPU seconds by part between two `cpu_by_process` readings (a process that ended in between,
    such as an autovacuum worker, is left out)."""
    used = dict.fromkeys(PARTS, 0.0)
    for pid, (part, seconds) in after.items():
        used[part] += seconds - before.get(pid, (part, 0.0))[1]
    return used


def timed_round(port: int, rate: float, seconds: float, pick, server_pid: int) -> tuple:
    """One phase of the open loop: its (results, start), and the CPU seconds each part used meanwhile."""
    began = cpu_by_process(server_pid)
    phase = run(drive(port, rate, seconds, pick))
    return phase, cpu_used(began, cpu_by_process(server_pid))


def p99(times: list) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, int(len(times) * 0.99))]


def stats(rounds: list, kind: str | None = None) -> dict:
    """Pooled over `rounds` (each the results and start of one phase): the served rate is the
    answers served over the phases' time, each phase running until its last answer."""
    rows = [r for results, _start in rounds for r in results if kind is None or r[0] == kind]
    times = sorted(r[1] for r in rows)
    n, served = len(times), sum(r[2] for r in rows)
    span = sum(max(r[3] for r in results) - start for results, start in rounds)
    return {"requests": n, "failed": n - served, "served": served / span,
            "p50": times[n // 2], "p99": p99(times), "max": times[-1]}


def grow(merchant, staff, total: int) -> float:
    """Links and clicks stored for the merchant up to `total` each (one `INSERT ... SELECT` per
    table: links to the shoppers round-robin, a click on each new link a day back), then VACUUM
    ANALYZE and a CHECKPOINT; returns the seconds taken. The tables a link open writes (the click
    and its six indexes) and would read on a card miss (the link by token) at that size."""

    from members.models import Member
    from recommendations.models import LinkClick, RecommendationLink

    began = time.monotonic()
    links = RecommendationLink.objects.for_merchant(merchant)
    first_new = (links.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    add = total - links.count()
    if add > 0:
        members = list(Member.objects.for_merchant(merchant).order_by("pk").values_list("pk", flat=True))
        insert_select(RecommendationLink, {
            "merchant_id": str(merchant.pk), "store_id": str(staff.store_id), "staff_id": str(staff.pk),
            "member_id": f"(ARRAY{members})[1 + g % {len(members)}]",
            "token": "'bench' || md5(g::text || clock_timestamp()::text)",
        }, "FROM generate_series(1, %s) g", [add])
        insert_select(LinkClick, {
            "merchant_id": "l.merchant_id", "link_id": "l.id", "member_id": "l.member_id", "user_id": "m.user_id",
            "clicked_at": "now() - interval '1 day'", "device": "'phone'", "user_agent": f"'{USER_AGENT}'",
        }, f"FROM {RecommendationLink._meta.db_table} l JOIN {Member._meta.db_table} m ON m.id = l.member_id"
           " WHERE l.merchant_id = %s AND m.merchant_id = %s AND l.id >= %s", [merchant.pk, merchant.pk, first_new])
    settle(checkpoint=True)
    return time.monotonic() - began


def clicks(merchant) -> int:
    from recommendations.models import LinkClick

    return LinkClick.objects.for_merchant(merchant).count()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200, help="requests per second, sent on schedule")
    parser.add_argument("--duration", type=float, default=15, help="seconds of load per phase (bare, links)")
    parser.add_argument("--rounds", type=int, default=3, help="the phases alternate in this many rounds")
    parser.add_argument("--new", type=float, default=0.5, help="share of link opens that are new links")
    parser.add_argument("--shoppers", type=int, default=50, help="signed-in shoppers; each has one repeat link")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn sync workers")
    parser.add_argument("--scales", default="10000,100000,1000000",
                        help="links and clicks stored for the merchant, for the scale curve after the goal's rounds"
                             " ('' for none)")
    args = parser.parse_args()

    stack.ensure(redis=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rng = random.Random(18)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "DJANGO_DEBUG": "false", "LOG_LEVEL": "WARNING"}
    workdir = Path(tempfile.mkdtemp(prefix="omo-link-bench-"))
    merchant, staff, variations, people = seed(args.shoppers)
    opens = int(args.rate * args.duration)
    scales = [int(n) for n in args.scales.split(",") if n.strip()]
    round_opens = int(args.rate * args.duration / args.rounds)
    with open(workdir / "worker.log", "wb") as log:
        worker = start_worker(env, log)
        try:
            began = time.monotonic()
            repeat = share(merchant, staff, variations, people, args.shoppers, rng)
            new = share(merchant, staff, variations, people, int(opens * args.new) + 50, rng)
            warm = share(merchant, staff, variations, people, int(args.rate * WARM_UP), rng)
            # The scale curve's new links: a round's worth per scale.
            new += share(merchant, staff, variations, people, int(round_opens * args.new + 50) * len(scales), rng)
            shared_s = time.monotonic() - began
            deadline = time.monotonic() + 300
            while cards_ready(merchant, repeat + new + warm) < len(repeat + new + warm) and time.monotonic() < deadline:
                time.sleep(0.5)
            built = cards_ready(merchant, repeat + new + warm)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    settle(checkpoint=True)
    print(f"shared {len(repeat) + len(new) + len(warm)} links through link_create in {shared_s:.1f} s;"
          f" cards built by the worker: {built}")

    port = free_port()
    with open(workdir / "gunicorn.log", "wb") as log:
        server = start_gunicorn(port, args.workers, env, log)
        try:
            browsers = {person["session"]: Browser(person["session"]) for person in people}
            shoppers = list(browsers.values())
            # The repeat links: opened once before (their first click), which sets each browser's cookies.
            first, _start = run(drive(port, 50, len(repeat) / 50, lambda i: (
                "first", browsers[repeat[i]["session"]], repeat[i]["path"], True)))
            if not all(ok for _kind, _ms, ok, _at in first):
                raise SystemExit("a repeat link did not answer the recommended list: see the log")
            new_links, warm_links = iter(new), iter(warm)

            def bare(i):
                return "bare", shoppers[i % len(shoppers)], "/bench/bare/", False

            def mixed(i, fresh=new_links):
                if rng.random() < args.new:
                    link, kind = next(fresh), "new"
                else:
                    link, kind = rng.choice(repeat), "repeat"
                return kind, browsers[link["session"]], link["path"], True

            # Warm-up of both paths (imports, connections, each worker's page shell), links of its own.
            run(drive(port, args.rate, WARM_UP, bare))
            run(drive(port, args.rate, WARM_UP, lambda i: mixed(i, fresh=warm_links)))
            load_before = os.getloadavg()
            bare_rounds, link_rounds = [], []
            before = clicks(merchant)
            busy = {"bare": dict.fromkeys(PARTS, 0.0), "links": dict.fromkeys(PARTS, 0.0)}
            seconds = args.duration / args.rounds
            for _round in range(args.rounds):
                for name, phases, pick in (("bare", bare_rounds, bare), ("links", link_rounds, mixed)):
                    phase, used = timed_round(port, args.rate, seconds, pick, server.pid)
                    phases.append(phase)
                    for part, cpu in used.items():
                        busy[name][part] += cpu
            recorded = clicks(merchant) - before
            load_after = os.getloadavg()
            # The scale curve: one bare and one link round at each size of the link and click tables.
            curve = []
            for total in scales:
                loaded_s = grow(merchant, staff, total)
                rounds = [timed_round(port, args.rate, seconds, pick, server.pid) for pick in (bare, mixed)]
                curve.append((total, loaded_s, [phase for phase, _used in rounds],
                              sum(sum(used.values()) for _phase, used in rounds)))
        finally:
            server.terminate()
            server.wait(timeout=30)

    ref = stats(bare_rounds)
    rows = [("bare Django view", ref, "bare"),
            ("link open: new (cold)", stats(link_rounds, "new"), "new"),
            ("link open: repeat (warm)", stats(link_rounds, "repeat"), "repeat"),
            ("link open: all", stats(link_rounds), "all")]
    print(f"link open benchmark: gunicorn {args.workers} sync workers on PostgreSQL + Redis, {os.cpu_count()} CPUs;"
          f" open loop at {args.rate:.0f} req/s for {args.duration:.0f} s per phase in {args.rounds} alternating"
          f" rounds, {args.new:.0%} new links; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    print(f"{'':26}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'served/s':>9}{'requests':>9}{'failed':>7}"
          f"{'p99/bare':>9}")
    for name, r, _kind in rows:
        print(f"{name:26}{r['p50']:>8.1f}{r['p99']:>8.1f}{r['max']:>8.1f}{r['served']:>9.1f}{r['requests']:>9}"
              f"{r['failed']:>7}{r['p99'] / ref['p99']:>8.2f}x")
    for name, phases in (("bare", bare_rounds), ("links", link_rounds)):
        each = ", ".join(f"{p99([r[1] for r in results]):.1f}" for results, _start in phases)
        requests = sum(len(results) for results, _start in phases)
        parts = ", ".join(f"{part} {seconds / requests * 1000:.2f}" for part, seconds in busy[name].items())
        total = sum(busy[name].values()) / requests * 1000
        print(f"{name}: p99 ms of each round {each}; CPU ms per request {total:.2f} ({parts})")
    opened = sum(r[2] for results, _start in link_rounds for r in results)
    print(f"clicks recorded during the link phase: {recorded} for {opened} opens served")
    if curve:
        print(f"scale curve: links and clicks stored for the merchant (INSERT ... SELECT, VACUUM ANALYZE, CHECKPOINT),"
              f" then one bare and one link round of {args.duration / args.rounds:.0f} s each at {args.rate:.0f} req/s")
        print(f"{'stored':>12}{'loaded s':>9}{'bare p99':>9}{'link p50':>9}{'link p99':>9}{'p99/bare':>9}"
              f"{'failed':>7}{'served/s':>9}  CPU ms per request (both rounds)")
        for total, loaded_s, (bare_round, link_round), cpu in curve:
            b, link = stats([bare_round]), stats([link_round])
            requests = b["requests"] + link["requests"]
            print(f"{total:>12,}{loaded_s:>9.1f}{b['p99']:>9.1f}{link['p50']:>9.1f}{link['p99']:>9.1f}"
                  f"{link['p99'] / b['p99']:>8.2f}x{link['failed']:>7}{link['served']:>9.1f}  {cpu / requests * 1000:.2f}")
        low, high = stats([curve[0][2][1]]), stats([curve[-1][2][1]])
        print(f"link open p50 at {curve[-1][0]:,} stored against {curve[0][0]:,}: {high['p50'] / low['p50']:.2f}x"
              " (the cost should not grow with the tables)")
    for name, r, kind in rows[1:3]:
        ratio = r["p99"] / ref["p99"]
        print(f"goal {name}: p99 <= 2x bare: {'met' if ratio <= 2 and not r['failed'] else 'NOT met'} ({ratio:.2f}x)")


if __name__ == "__main__":
    main()
