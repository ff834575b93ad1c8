from django.core.management.base import BaseCommand

from stories.models import RecheckRun
from stories.recheck import recheck_resume


class Command(BaseCommand):
    help = "Queue unfinished re-checks again, e.g. after a worker was killed mid-batch."

    def handle(self, *args, **options):
        runs = RecheckRun.objects.filter(finished_at__isnull=True).select_related("version")
        for run in runs:
            recheck_resume(run)
            self.stdout.write(f"Queued: {run} ({run.done} of {run.total} done).")
        if not runs:
            self.stdout.write("Every re-check is complete.")
