"""Locust users of bench/link_open.py: each is one signed-in shopper opening its own link once a second.

BENCH_TARGET=link: GET /m/<merchant>/l/<token>/ (click recorded, the recommended-products page in
the same response). BENCH_TARGET=bare: the bare view.

FastHttpUser (geventhttpclient) rather than HttpUser (requests): several times less CPU per
request, so on a small machine the load tool takes less of the CPU the server is measured on.
"""

import itertools
import json
import os
import random
import time

from locust import FastHttpUser, constant_throughput, task

SHOPPERS = json.loads(open(os.environ["BENCH_SHOPPERS"]).read())
_next = itertools.count()


class Shopper(FastHttpUser):
    wait_time = constant_throughput(1)

    def on_start(self):
        # Spread the users over the second: all started at once, they would arrive in lockstep
        # bursts and measure queueing behind each other instead of the server.
        time.sleep(random.random())
        shopper = SHOPPERS[next(_next) % len(SHOPPERS)]
        self.headers = {"Cookie": f"sessionid={shopper['session']}"}
        self.path = shopper["path"]

    @task
    def open(self):
        if os.environ.get("BENCH_TARGET") == "bare":
            self.client.get("/bench/bare/", name="bare view", headers=self.headers)
        else:
            with self.client.get(self.path, name="link open", headers=self.headers, catch_response=True) as response:
                if response.status_code != 200 or b"data-testid=\"recommended-item\"" not in (response.content or b""):
                    response.failure(f"{response.status_code}: not the recommended list")
