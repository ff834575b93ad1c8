"""The task worker as Plumbline runs it (`manage.py run_worker`): django-tasks-db's worker,
made to outlive a database outage, with a heartbeat that /healthz reports.

django-tasks-db's own `db_worker` exits on the first database error, and a re-check then
never finishes. Here a lost connection is waited out: the worker closes it, tries again
after 0.5 s, 1 s, 2 s … up to LAST_RETRY_SECONDS, and goes on where it was. A task whose
outcome could not be recorded because the database went away is recorded as failed once
it is back, rather than shown as running for ever.

Each worker process writes its heartbeat every HEARTBEAT_SECONDS from a thread of its own
(so a long task does not silence it); /healthz calls the workers stale when the latest
beat of any of them is older than STALE_AFTER.
"""

import logging
import os
import random
import socket
import threading
import time
from datetime import timedelta
from enum import StrEnum

from django.db import DatabaseError, InterfaceError, OperationalError, connection, connections
from django.db.models import Max
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from plumbline.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5
# No beat for this long: no worker is running (a few missed beats are not yet alarming).
STALE_AFTER = timedelta(seconds=60)
# Heartbeats of workers gone this long are removed when a worker starts.
FORGET_AFTER = timedelta(days=7)
FIRST_RETRY_SECONDS = 0.5
LAST_RETRY_SECONDS = 30

# What a lost or refused connection raises; anything else is a bug, and ends the worker.
CONNECTION_LOST = (OperationalError, InterfaceError)


class Health(StrEnum):
    OK = "ok"
    STALE = "stale"
    NEVER_SEEN = "never seen"
    UNKNOWN = "unknown"  # the database did not answer


def worker_health() -> Health:
    """Whether a worker beat lately: Health.OK, STALE, or NEVER_SEEN on a site that has
    never run one."""
    latest = WorkerHeartbeat.objects.aggregate(latest=Max("beat_at"))["latest"]
    if latest is None:
        return Health.NEVER_SEEN
    return Health.OK if timezone.now() - latest <= STALE_AFTER else Health.STALE


class Heartbeat(threading.Thread):
    """Writes this worker's heartbeat every HEARTBEAT_SECONDS, on its own connection."""

    def __init__(self, worker_id: str):
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()

    def run(self) -> None:
        self.forget_gone()
        while True:
            self.beat()
            time.sleep(HEARTBEAT_SECONDS)

    def forget_gone(self) -> None:
        try:
            WorkerHeartbeat.objects.filter(beat_at__lt=self.started_at - FORGET_AFTER).delete()
        except DatabaseError:
            connection.close()  # the next worker to start forgets them

    def beat(self) -> None:
        now = timezone.now()
        try:
            if not WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(beat_at=now):
                WorkerHeartbeat.objects.create(
                    worker_id=self.worker_id,
                    host=socket.gethostname()[:255],
                    pid=os.getpid(),
                    started_at=self.started_at,
                    beat_at=now,
                )
        except DatabaseError:
            # The worker's loop reports the outage; the next beat reconnects.
            logger.debug("No heartbeat: the database did not answer", exc_info=True)
            connection.close()


class SurvivingWorker(Worker):
    """django-tasks-db's worker, carried through database outages."""

    running_result: DBTaskResult | None = None  # the task being run, until its outcome is saved
    outage: BaseException | None = None  # what ended the connection, until the worker goes on

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.running_result = db_task_result
        super().run_task(db_task_result)  # raises only when the outcome could not be saved
        self.running_result = None

    def run(self) -> None:
        while True:
            try:
                self.record_interrupted()
                return super().run()
            except CONNECTION_LOST as error:
                if not self.running:
                    return  # asked to stop: an outage is no reason to start again
                self.outage = self.outage or error
                logger.warning("The database went away (%s); reconnecting.", error)
                self.reconnect()

    def reconnect(self) -> None:
        """Wait, with growing pauses, until the database answers again."""
        delay = FIRST_RETRY_SECONDS
        while True:
            connections.close_all()
            try:
                connections[DBTaskResult.objects.db].ensure_connection()
            except CONNECTION_LOST:
                # Up to half again, so that many workers do not all come back at once.
                time.sleep(delay * random.uniform(1, 1.5))
                delay = min(delay * 2, LAST_RETRY_SECONDS)
            else:
                logger.warning("The database is back; the worker goes on.")
                return

    def record_interrupted(self) -> None:
        """The task running when the database went away: failed, with the outage as why."""
        if self.running_result is not None and self.outage is not None:
            self.running_result.set_failed(self.outage)
        self.running_result = self.outage = None
