"""Re-checking every story and conversation against a newly published plumb-line version.

Work goes in batches of BATCH_SIZE entries, each in its own transaction together with the
run's progress counter, so a worker stopped at any moment loses at most the batch it was
in (rolled back whole) and never counts anything twice. A batch picks entries not yet
checked against the run's version, so running a batch again only continues the work.
Each batch is its own task and enqueues the next one once it has committed: a worker
stopped gracefully finishes its batch, and the next one waits in the queue for a restart.
After a hard kill, `manage.py recheck_resume` (or the Resume button) enqueues it again.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Least
from django.tasks import task
from django.utils import timezone

from plumbline.models import PlumbLineVersion
from stories.models import Conversation, RecheckRun, Story
from stories.models.entries import AlignedEntry

BATCH_SIZE = 500
STALLED_AFTER = timedelta(minutes=2)
ENTRY_MODELS = (Story, Conversation)
UPDATED_FIELDS = [*AlignedEntry.CHECK_FIELDS, "previous_report", "previous_score", "previous_band"]


def _pending(model, version):
    """Entries checked against an older version than `version` (never a newer one)."""
    return model.objects.filter(
        Q(checked_version__isnull=True) | Q(checked_version__number__lt=version.number)
    )


def recheck_start(*, version: PlumbLineVersion, by=None) -> RecheckRun:
    """Create the run for a newly published version and queue its first batch."""
    with transaction.atomic():
        run, created = RecheckRun.objects.get_or_create(
            version=version,
            defaults={
                "started_by": by,
                "total": sum(_pending(model, version).count() for model in ENTRY_MODELS),
            },
        )
        if created:
            transaction.on_commit(lambda: recheck_task.enqueue(run.pk))
    return run


def recheck_batch(run_id: int) -> int:
    """Re-check the next batch of entries; returns how many (0 when the run is complete)."""
    with transaction.atomic():
        run = RecheckRun.objects.select_for_update().select_related("version").get(pk=run_id)
        if run.finished_at:
            return 0
        version = run.version
        if not version.is_current:
            # A newer version was published meanwhile; its own run takes over from here.
            RecheckRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
            return 0
        room = BATCH_SIZE
        processed = 0
        for model in ENTRY_MODELS:
            if room == 0:
                break
            entries = list(
                _pending(model, version)
                .select_related("plumbline_version")
                .prefetch_related("pillars")
                .order_by("pk")[:room]
            )
            for entry in entries:
                entry.previous_report = entry.check_report
                entry.previous_score = entry.score
                entry.previous_band = entry.band
                entry.run_check([p.key for p in entry.pillars.all()], version=version)
            model.objects.bulk_update(entries, UPDATED_FIELDS)
            room -= len(entries)
            processed += len(entries)
        now = timezone.now()
        if processed:
            # Edits are checked against the current version, so they never come round again;
            # the cap only guards the constraint should an entry ever be counted twice.
            RecheckRun.objects.filter(pk=run.pk).update(
                done=Least(F("done") + processed, F("total")), last_batch_at=now
            )
        else:
            # Entries deleted during the run never come up; the run is complete all the same.
            RecheckRun.objects.filter(pk=run.pk).update(
                done=F("total"), finished_at=now, last_batch_at=now
            )
    return processed


@task
def recheck_task(run_id: int) -> int:
    processed = recheck_batch(run_id)
    if processed:
        transaction.on_commit(lambda: recheck_task.enqueue(run_id))
    return processed


def is_stalled(run: RecheckRun) -> bool:
    last = run.last_batch_at or run.started_at
    return not run.finished_at and timezone.now() - last > STALLED_AFTER


def recheck_resume(run: RecheckRun) -> None:
    """Queue the next batch again (after a worker was killed mid-batch)."""
    if not run.finished_at:
        recheck_task.enqueue(run.pk)


GOT_WORSE = Q(previous_band="on_message", band__in=["needs_attention", "off_message"]) | Q(
    previous_band="needs_attention", band="off_message"
)


def drift(model, version, people=None):
    """Entries whose band got worse when re-checked against `version`."""
    entries = model.objects.filter(GOT_WORSE, checked_version=version)
    if people is not None:
        field = "author_id__in" if model is Story else "rep_id__in"
        entries = entries.filter(**{field: people})
    return entries
