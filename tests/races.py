"""Running calls at the same moment, for the PostgreSQL row-lock race tests."""

import threading

from django.db import connections


def at_once(calls):
    """Run the calls at the same moment, one thread (and DB connection) each; return their results,
    an exception standing in for the result of a call that raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects which call failed and why
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results
