"""Locust users of bench/link_open.py: each is one signed-in shopper opening its own link once a second.

BENCH_TARGET=link: GET /m/<merchant>/l/<token>/ (click recorded, 302) and the recommended-products
page it redirects to, timed together as the shopper waits for them. BENCH_TARGET=bare: the bare view.
"""

import itertools
import json
import os
import random
import time

from locust import HttpUser, constant_throughput, task

SHOPPERS = json.loads(open(os.environ["BENCH_SHOPPERS"]).read())
_next = itertools.count()


class Shopper(HttpUser):
    wait_time = constant_throughput(1)

    def on_start(self):
        # Spread the users over the second: all started at once, they would arrive in lockstep
        # bursts and measure queueing behind each other instead of the server.
        time.sleep(random.random())
        shopper = SHOPPERS[next(_next) % len(SHOPPERS)]
        self.client.cookies.set("sessionid", shopper["session"])
        self.path = shopper["path"]

    @task
    def open(self):
        if os.environ.get("BENCH_TARGET") == "bare":
            self.client.get("/bench/bare/", name="bare view")
        else:
            with self.client.get(self.path, name="link open", catch_response=True) as response:
                if response.status_code != 200 or len(response.history) != 1:
                    response.failure(f"{response.status_code} after {len(response.history)} redirects")
