"""Real parallel transactions: each call in its own thread, on its own database connection.

Use in tests marked django_db(transaction=True), so that what one thread commits the
others see, and with `needs_postgresql`: SQLite writes one transaction at a time, so
nothing there can collide.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from django.db import connection, connections
from django.db.models.signals import pre_save

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="parallel transactions meet only on PostgreSQL (SQLite writes one at a time); "
    "run with DATABASE_URL=postgres://… to include this test",
)

# Long enough for a loaded 2-core machine, short enough that a stuck test fails fast.
WAIT_SECONDS = 20


def in_parallel(*calls) -> list:
    """Run the calls at once, each in a thread of its own; their results in order, with an
    exception raised in place of the result it stopped."""

    def run(call):
        try:
            return call()
        except Exception as error:  # returned, so the test can say which call failed
            return error
        finally:
            connections.close_all()  # this thread's connection, or the test database stays busy

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result(timeout=WAIT_SECONDS * 2) for future in futures]


@contextmanager
def saves_meet(model, parties: int):
    """Hold each thread about to save a `model` row until `parties` of them are there, so
    that their writes really reach the database together."""
    barrier = threading.Barrier(parties, timeout=WAIT_SECONDS)

    def wait(sender, **kwargs):
        barrier.wait()

    uid = f"saves-meet-{model._meta.label}"
    pre_save.connect(wait, sender=model, weak=False, dispatch_uid=uid)
    try:
        yield
    finally:
        pre_save.disconnect(sender=model, dispatch_uid=uid)
