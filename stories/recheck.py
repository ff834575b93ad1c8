"""Re-checking every story and conversation against a newly published plumb-line version.

Work goes in batches of BATCH_SIZE entries, each in its own transaction together with the
run's progress counter, so a worker stopped at any moment loses at most the batch it was
in (rolled back whole) and never counts anything twice. A batch picks entries not yet
checked against the run's version, so running a batch again only continues the work.
Each batch is its own task and enqueues the next one once it has committed, telling it
where it stopped: a worker stopped gracefully finishes its batch, and the next one waits in
the queue for a restart. After a hard kill, `manage.py recheck_resume` (or the Resume
button) enqueues it again, from the start: entries already moved on are passed over.

A batch reads only what a check needs: the texts, the tagged pillar keys (one query) and,
for conversations, what the dashboard's summaries count them by. It writes the new checks
in chunks, each in one statement that also moves the current check to previous_* inside the
database (old reports never travel through Python): on PostgreSQL COPY into a temporary
table and one UPDATE ... FROM, written while the next chunk is checked; elsewhere one
executemany.

One entry never holds up the others: if the checker fails on it, or the database refuses
what its check would store (its chunk is then written again entry by entry, each in a
savepoint), it keeps its earlier check and is recorded as a RecheckFailure of the run,
which the re-check page lists and later batches pass over.
"""

import json
import logging
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.db import DataError, IntegrityError, connection, models, transaction
from django.db.models import F, Q
from django.db.models.functions import Least
from django.tasks import task
from django.utils import timezone

from plumbline.consistency import Report
from plumbline.models import PlumbLineVersion
from stories import generations, rollups

# entries.check: the checker as AlignedEntry.run_check calls it.
from stories.models import (
    AlignedEntry,
    Conversation,
    RecheckFailure,
    RecheckRun,
    Story,
    entries,
)

# Measured with bench/bench_recheck.py on 1 M conversations: 8,000 entries in chunks of
# 1,000 beat 2,000 or 4,000 in chunks of 500 by about a fifth. A batch takes about 2 s, and
# holds its entries' row locks that long (an edit of one of them waits).
BATCH_SIZE = 8000
# Written while the next chunk is checked (on PostgreSQL: see _write_by_copy).
CHUNK_SIZE = 1000
STALLED_AFTER = timedelta(minutes=2)
ENTRY_MODELS = (Story, Conversation)
# What each model's joined_text joins: all that a check reads from the entry itself.
TEXT_FIELDS = {model: model.CHECKED_FIELDS for model in ENTRY_MODELS}
# What stories.rollups counts a conversation by, read before its check is replaced.
SUMMARY_FIELDS = ("occurred_at", "rep_id", "score", "told_keys", "hit_phrases")
# Written per entry, after its primary key; checked_at and checked_version are the batch's.
RESULT_FIELDS = AlignedEntry.REPORT_FIELDS
JSON_FIELDS = {
    name for name in RESULT_FIELDS if isinstance(Story._meta.get_field(name), models.JSONField)
}
PREVIOUS_FIELDS = {
    "previous_report": "check_report",
    "previous_score": "score",
    "previous_band": "band",
}
# What the database says of values it will not store: the entry's doing, not the batch's.
REFUSED = (DataError, IntegrityError)
_to_json = json.JSONEncoder(separators=(",", ":")).encode
logger = logging.getLogger(__name__)


@dataclass
class Cursor:
    """Where a run's next batch starts: the last primary key re-checked, per model.

    Only a short cut past the entries already moved on, which a batch would pass over
    anyway: a run resumed from a fresh cursor ends the same, having read past them once.
    """

    story: int = 0
    conversation: int = 0


def _pending(model, version):
    """Entries checked against an older version than `version` (never a newer one)."""
    older = PlumbLineVersion.objects.filter(number__lt=version.number).values("pk")
    return model.objects.filter(Q(checked_version__isnull=True) | Q(checked_version__in=older))


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


def recheck_batch(run_id: int, cursor: Cursor | None = None) -> int:
    """Re-check the next batch of entries; returns how many (0 when the run is complete).

    With a cursor, the batch starts where it points and moves it on once committed.
    """
    cursor = cursor or Cursor()
    with transaction.atomic():
        # The run only: every entry written under the version checks its reference to the
        # version's row on commit, so locking that row too made writers and batches deadlock.
        runs = RecheckRun.objects.select_for_update(of=("self",)).select_related("version")
        run = runs.get(pk=run_id)
        if run.finished_at:
            return 0
        version = run.version
        if not version.is_current:
            # A newer version was published meanwhile; its own run takes over from here.
            RecheckRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
            return 0
        now = timezone.now()
        processed, reached = _recheck_next(run, cursor, now)
        if not processed and cursor != Cursor():
            # Nothing pending past the cursor. Before the run is called complete, one look
            # from the start, should an entry behind it have been set back meanwhile.
            processed, reached = _recheck_next(run, Cursor(), now)
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
    cursor.story, cursor.conversation = reached.story, reached.conversation
    return processed


def _recheck_next(run, cursor: Cursor, now) -> tuple[int, Cursor]:
    """Re-check up to BATCH_SIZE entries past `cursor`: how many (those that failed too),
    and where they ended."""
    processed = 0
    reached = Cursor(**asdict(cursor))
    for model in ENTRY_MODELS:
        if processed == BATCH_SIZE:
            break
        name = model._meta.model_name
        count, last = _recheck_entries(
            model, run, after=getattr(cursor, name), limit=BATCH_SIZE - processed, now=now
        )
        processed += count
        setattr(reached, name, last)
    return processed, reached


def _recheck_entries(model, run, *, after: int, limit: int, now) -> tuple[int, int]:
    """Re-check up to `limit` pending entries of `model` past `after`: (how many, last pk).

    An entry that cannot be checked or stored is recorded as a RecheckFailure of the run,
    which passes over it from then on; the others are written all the same.
    """
    version, entry_field = run.version, model._meta.model_name  # RecheckFailure.story, ...
    summarized = model is Conversation
    names = ("pk", *TEXT_FIELDS[model], *(SUMMARY_FIELDS if summarized else ()))
    failed_before = RecheckFailure.objects.filter(run=run, **{f"{entry_field}__isnull": False})
    # Locked until the batch commits, so that an edit cannot slip in between what is read
    # here (the old check the summaries take off) and what is written.
    rows = list(
        _pending(model, version)
        .exclude(pk__in=failed_before.values(entry_field))
        .filter(pk__gt=after)
        .order_by("pk")
        .select_for_update()
        .values_list(*names, named=True)[:limit]
    )
    if not rows:
        return 0, after
    tagged = _tagged_keys(model, rows[0].pk, rows[-1].pk)
    spec = version.cached_spec()
    failed: list[tuple[int, Exception]] = []

    def checked(row):
        try:
            # text_for_check reads only TEXT_FIELDS, so it joins the row's texts the same way.
            report = entries.check(model.joined_text(row), spec, tagged[row.pk])
        except Exception as error:  # whatever it is, it is this entry's, not the batch's
            failed.append((row.pk, error))
            return None
        return row, model.report_values(report)

    chunks = (
        [entry for row in rows[start : start + CHUNK_SIZE] if (entry := checked(row))]
        for start in range(0, len(rows), CHUNK_SIZE)
    )
    write = _write_by_copy if connection.vendor == "postgresql" else _write_by_executemany
    results = write(model, chunks, version, now, failed)
    if failed:
        _record_failures(run, entry_field, failed)
    if summarized:
        rollups.record_recheck(
            [
                (
                    *(getattr(row, name) for name in SUMMARY_FIELDS),
                    *(values[name] for name in ("score", "told_keys", "hit_phrases")),
                )
                for row, values in results
            ]
        )
    else:
        rollups.figures_changed()  # published stories' scores are on the dashboard
    generations.changed(generations.LISTS)  # the scores were written without saving rows
    return len(rows), rows[-1].pk


def _tagged_keys(model, first: int, last: int) -> defaultdict[int, list[str]]:
    """Pillar keys tagged on the entries with primary keys from `first` to `last`."""
    field = model._meta.get_field("pillars")
    own, pillar = field.m2m_field_name(), field.m2m_reverse_field_name()
    tagged = defaultdict(list)
    rows = field.remote_field.through.objects.filter(**{f"{own}__gte": first, f"{own}__lte": last})
    for pk, key in rows.values_list(f"{own}_id", f"{pillar}__key"):
        tagged[pk].append(key)
    return tagged


def _record_failures(run, entry_field: str, failed: list[tuple[int, Exception]]) -> None:
    for pk, error in failed:
        logger.warning("Re-check of %s %s failed", entry_field, pk, exc_info=error)
    RecheckFailure.objects.bulk_create(
        RecheckFailure(run=run, reason=_why(error), **{f"{entry_field}_id": pk})
        for pk, error in failed
    )


def _why(error: Exception) -> str:
    # The first line only: PostgreSQL's detail lines repeat the whole row, texts and all.
    first_line = str(error).strip().partition("\n")[0]
    return f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__


def _stored(row, values: dict) -> tuple:
    """The pk and RESULT_FIELDS of an entry as the database takes them in bulk: the values
    of AlignedEntry.report_values, JSON written out."""
    return (
        row.pk,
        *(
            _to_json(values[name]) if name in JSON_FIELDS else values[name]
            for name in RESULT_FIELDS
        ),
    )


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _assignments(model, new_values: list[str], entry: str = "") -> str:
    """The SET list: the current check to previous_* (read from the row as it was), the new
    one (RESULT_FIELDS) from `new_values`, then checked_at and checked_version as parameters."""
    assignments = [
        f"{_column(model, previous)} = {entry}{_column(model, current)}"
        for previous, current in PREVIOUS_FIELDS.items()
    ]
    assignments += [
        f"{_column(model, name)} = {value}"
        for name, value in zip(RESULT_FIELDS, new_values, strict=True)
    ]
    assignments += [f"{_column(model, name)} = %s" for name in ("checked_at", "checked_version")]
    return ", ".join(assignments)


# The SQL below is composed from the models' table and column names, quoted; values are
# always parameters.


def _write_by_copy(model, chunks, version, now, failed) -> list[tuple]:
    """PostgreSQL: each chunk goes into a temporary table with COPY, then one UPDATE ... FROM
    it, which the database carries out while the next chunk is checked; returns the
    (row, values) written.

    Only the UPDATE runs in a second thread, on the batch's own connection and transaction
    (psycopg's connections may be shared by threads, Django's may not). It just waits for
    PostgreSQL, so checking and updating run on two cores at once. Each chunk is written in
    a savepoint: one the database refuses is written again entry by entry, and the entries
    it refuses go to `failed`.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    scratch = quote(f"recheck_{model._meta.db_table}")
    pk = quote(model._meta.pk.column)
    columns = [_column(model, name) for name in RESULT_FIELDS]
    assignments = _assignments(model, [f"new.{column}" for column in columns], entry="entry.")
    # No ANALYZE of the scratch table: never analyzed, it is planned from its real size,
    # which gives one primary-key lookup per entry.
    update = f"UPDATE {table} AS entry SET {assignments} FROM {scratch} AS new"  # noqa: S608
    update += f" WHERE entry.{pk} = new.{pk}"
    shared = connection.connection
    written = []

    def finish(savepoint, chunk, updating):
        try:
            _wait_for(updating)
        except REFUSED:
            transaction.savepoint_rollback(savepoint)
            return _write_one_by_one(model, chunk, version, now, failed)
        transaction.savepoint_commit(savepoint)
        return chunk

    with connection.cursor() as cursor, ThreadPoolExecutor(max_workers=1) as updater:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {scratch} AS "  # noqa: S608
            f"SELECT {pk}, {', '.join(columns)} FROM {table} WITH NO DATA"
        )
        writing = None
        for chunk in chunks:  # each one is checked here, while the last one is written
            if writing:
                written += finish(*writing)
            savepoint = transaction.savepoint_create()
            try:
                with connection.wrap_database_errors:
                    cursor.execute(f"TRUNCATE {scratch}")
                    with cursor.copy(f"COPY {scratch} FROM STDIN") as copy:
                        for row, values in chunk:
                            copy.write_row(_stored(row, values))
            except REFUSED:
                transaction.savepoint_rollback(savepoint)
                written += _write_one_by_one(model, chunk, version, now, failed)
                writing = None
                continue
            writing = savepoint, chunk, updater.submit(_execute, shared, update, [now, version.pk])
        if writing:
            written += finish(*writing)
        # Dropped here rather than on commit: the batch may be in a larger transaction.
        cursor.execute(f"DROP TABLE {scratch}")
    return written


def _execute(shared_connection, sql: str, params: list) -> None:
    with shared_connection.cursor() as cursor:
        cursor.execute(sql, params)


def _wait_for(updating: Future | None) -> None:
    """The UPDATE's end; its errors come as Django's, as if run on Django's connection."""
    if updating:
        with connection.wrap_database_errors:
            updating.result()


def _update_one(model) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    assignments = _assignments(model, ["%s"] * len(RESULT_FIELDS))
    return f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608


def _parameters(model, chunk, version, now) -> list[tuple]:
    """_update_one's parameters, per entry of the chunk."""
    checked_at = model._meta.get_field("checked_at").get_db_prep_save(now, connection)
    stored = (_stored(row, values) for row, values in chunk)
    return [(*row[1:], checked_at, version.pk, row[0]) for row in stored]


def _write_by_executemany(model, chunks, version, now, failed) -> list[tuple]:
    """Any database: one UPDATE per entry, prepared once per chunk (SQLite in development
    and tests), in a savepoint as _write_by_copy's chunks are; returns the (row, values)
    written."""
    update = _update_one(model)
    written = []
    with connection.cursor() as cursor:
        for chunk in chunks:
            savepoint = transaction.savepoint_create()
            try:
                cursor.executemany(update, _parameters(model, chunk, version, now))
            except REFUSED:
                transaction.savepoint_rollback(savepoint)
                written += _write_one_by_one(model, chunk, version, now, failed)
            else:
                transaction.savepoint_commit(savepoint)
                written += chunk
    return written


def _write_one_by_one(model, chunk, version, now, failed) -> list[tuple]:
    """A chunk the database refused, each entry in its own savepoint: those it refuses go
    to `failed`; returns the others."""
    update = _update_one(model)
    written = []
    with connection.cursor() as cursor:
        for entry, parameters in zip(chunk, _parameters(model, chunk, version, now), strict=True):
            savepoint = transaction.savepoint_create()
            try:
                cursor.execute(update, parameters)
            except REFUSED as error:
                transaction.savepoint_rollback(savepoint)
                failed.append((entry[0].pk, error))
            else:
                transaction.savepoint_commit(savepoint)
                written.append(entry)
    return written


@task
def recheck_task(run_id: int, after: dict | None = None) -> int:
    cursor = Cursor(**(after or {}))
    processed = recheck_batch(run_id, cursor)
    if processed:
        transaction.on_commit(lambda: recheck_task.enqueue(run_id, after=asdict(cursor)))
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


class DriftCause(models.TextChoices):
    """Why an entry's score fell under a new version, as its two stored reports show."""

    GUARDRAIL = "guardrail", "Hits a new guardrail"
    UNTOLD = "untold", "No longer tells a pillar"
    OTHER = "other", "Tells the plumb line less"


@dataclass(frozen=True)
class Cause:
    kind: DriftCause
    detail: str = ""  # the guardrail's phrase, the pillar's title


def drift_causes(entry, pillar_titles: dict[str, str]) -> list[Cause]:
    """What changed between the entry's previous check and its re-check: guardrails it hits
    now and did not before, pillars it told before and does not now (named by
    `pillar_titles`, key → title, or by their key); else it tells what it told less."""
    if not entry.previous_report or not entry.check_report:
        return [Cause(DriftCause.OTHER)]
    before, now = Report.from_dict(entry.previous_report), entry.report
    hit_before = {hit.phrase.casefold() for hit in before.guardrail_hits}
    new_hits = dict.fromkeys(
        hit.phrase for hit in now.guardrail_hits if hit.phrase.casefold() not in hit_before
    )
    causes = [Cause(DriftCause.GUARDRAIL, phrase) for phrase in new_hits]
    causes += [
        Cause(DriftCause.UNTOLD, pillar_titles.get(key, key))
        for key in before.evidence
        if key not in now.evidence
    ]
    return causes or [Cause(DriftCause.OTHER)]


def drift(model, version, people=None):
    """Entries whose band got worse when re-checked against `version`."""
    worse = model.objects.filter(GOT_WORSE, checked_version=version)
    if people is not None:
        field = "author_id__in" if model is Story else "rep_id__in"
        worse = worse.filter(**{field: people})
    return worse
