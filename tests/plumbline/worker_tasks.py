"""Tasks for tests/plumbline/test_worker.py to give a worker running in a process of its own."""

import time

from django.db import connection
from django.tasks import task


@task
def echo(value):
    return value


@task
def query_for(seconds: float) -> int:
    """Ask the database something every tenth of a second for `seconds`: a task that meets
    an outage while it runs."""
    deadline = time.monotonic() + seconds
    asked = 0
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        asked += 1
        time.sleep(0.1)
    return asked
