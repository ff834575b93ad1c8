"""`manage.py run_worker`: the background task worker, with db_worker's options.

It is django-tasks-db's `db_worker` with two differences (plumbline/worker.py): it outlives
database outages, and it writes the heartbeat that /healthz reports. Run it under a
supervisor that restarts it should it stop all the same (README, "Deploying").
"""

import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from plumbline.worker import Heartbeat, SurvivingWorker

# db_worker's options that go to its worker as they are.
WORKER_OPTIONS = ("interval", "backend_name", "startup_delay", "max_tasks", "worker_id")


class Command(db_worker.Command):
    help = "Run the background task worker; it outlives database outages and reports to /healthz."

    def handle(self, *, verbosity, reload, batch, queue_name, exclude_queues, **options):
        # db_worker's own handle, with our worker in place of its own.
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = SurvivingWorker(
            queue_names=queue_names,
            excluded_queue_names=excluded,
            batch=batch,
            **{name: options[name] for name in WORKER_OPTIONS},
        )

        def serve():
            Heartbeat(worker.worker_id).start()
            worker.run()

        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # in the reloaded process only, as db_worker does
            run_with_reloader(serve)
        else:
            worker.configure_signals()
            serve()
