"""Benchmark for the re-check of every entry after a new plumb-line version is published.

On the PostgreSQL database given by DATABASE_URL, publishes a new version through the
editor's services (a copy of the current one, one key phrase and one guardrail term fewer),
which starts the re-check run as the app does, then runs its batches here, one after
another as the worker's chain of tasks would, to the end. Prints entries/s, the total time,
peak memory and the batch size. Target: 1 M conversations and 50 k stories in at most
5 minutes.

It changes the database it is given (a new current version, every entry re-checked, a
notification for everyone): run it on a copy. Each run publishes another version, so it can
run again on the same copy.

Run: DATABASE_URL=postgres://... .venv/bin/python bench/bench_recheck.py [--batch N]
    [--chunk N] [--batches N]   (--batches stops after that many, to compare sizes)
"""

import argparse
import os
import resource
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_S = 300


def fail(message: str) -> None:
    print(f"bench_recheck.py: {message}", file=sys.stderr)
    sys.exit(2)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def publish_version():
    """A copy of the current version, published by a manager, that checks differently: its
    longest pillar loses a key phrase and its first guardrail term goes, so that scores,
    told pillars and guardrail hits change (and with them the dashboard's summaries)."""
    from django.db import transaction
    from django.test.utils import override_settings

    from plumbline import services
    from plumbline.models import PlumbLineVersion
    from teams.models import Team, User

    manager = User.objects.filter(memberships__team__function=Team.Function.MANAGEMENT).first()
    if manager is None or PlumbLineVersion.objects.current() is None:
        fail("the database needs a current plumb line and a manager (seed_demo, seed_scale)")
    # Publishing queues the run's first batch; Django's dummy backend keeps it out of the
    # real queue, where a worker would run it alongside this script.
    dummy = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    with override_settings(TASKS=dummy), transaction.atomic():
        draft = services.draft_start(by=manager)
        pillar = max(draft.pillars.all(), key=lambda pillar: len(pillar.key_phrases))
        if len(pillar.key_phrases) > 1:
            dropped = pillar.key_phrases.pop(0)
            services.part_save(part=pillar, expected_revision=draft.revision)
            print(f"change: pillar {pillar.key!r} no longer counts {dropped!r}")
        guardrail = draft.guardrails.first()
        if guardrail:
            services.part_delete(part=guardrail, expected_revision=draft.revision)
            print(f"change: {guardrail.phrase!r} is no longer a guardrail term")
        version = services.draft_publish(draft=draft, by=manager, expected_revision=draft.revision)
    return version


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, help="entries per batch (default: BATCH_SIZE)")
    parser.add_argument("--chunk", type=int, help="entries per chunk (default: CHUNK_SIZE)")
    parser.add_argument("--batches", type=int, help="stop after this many batches")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        fail("set DATABASE_URL to PostgreSQL: this measures the production path, not SQLite")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plumbline.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    import django

    django.setup()
    from django.db import connection

    from stories import recheck
    from stories.models import Conversation, RecheckRun, Story

    if connection.vendor != "postgresql":
        fail("refusing to run on anything but PostgreSQL")
    recheck.BATCH_SIZE = args.batch or recheck.BATCH_SIZE
    recheck.CHUNK_SIZE = args.chunk or recheck.CHUNK_SIZE
    database = connection.settings_dict["NAME"]
    print(f"dataset: {database}, {Story.objects.count():,} stories, ", end="")
    print(f"{Conversation.objects.count():,} conversations")
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} CPUs for this script and PostgreSQL; load {load:.2f}")
    if load > 0.5:
        print("WARNING: the machine is already busy; figures will be low and noisy")

    started = time.perf_counter()
    version = publish_version()
    run = RecheckRun.objects.get(version=version)
    print(f"published version {version.number} in {time.perf_counter() - started:.1f} s; ", end="")
    print(f"{run.total:,} entries to re-check")

    cursor = recheck.Cursor()
    done = batches = 0
    rss_early = None
    started, cpu_started = time.perf_counter(), cpu_s()
    shown = started
    while processed := recheck.recheck_batch(run.pk, cursor):
        done += processed
        batches += 1
        if batches == 10:
            rss_early = peak_rss_mb()
        now = time.perf_counter()
        if now - shown >= 15:
            shown = now
            rate = done / (now - started)
            print(f"  {done:>10,} of {run.total:,} after {now - started:6.1f} s  {rate:8,.0f}/s")
        if args.batches and batches == args.batches:
            break
    elapsed, cpu = time.perf_counter() - started, cpu_s() - cpu_started
    run.refresh_from_db()

    print(
        f"batch size:        {recheck.BATCH_SIZE:>10,} entries in chunks of "
        f"{recheck.CHUNK_SIZE:,} ({batches:,} batches)"
    )
    print(f"entries:           {done:>10,} ({run.done:,} of {run.total:,} counted)")
    print(f"total time:        {elapsed:>10.1f} s  (target for the whole run <= {TARGET_S} s)")
    print(f"entries/s:         {done / elapsed:>10,.0f}")
    print(f"per batch:         {1000 * elapsed / max(batches, 1):>10.0f} ms")
    print(
        f"Python busy:       {cpu:>10.1f} s  ({cpu / elapsed:.0%} of the time; "
        "the rest it waits for PostgreSQL)"
    )
    if rss_early is not None:
        print(
            f"peak RSS:          {peak_rss_mb():>10.0f} MB  (after 10 batches: {rss_early:.0f} MB)"
        )
    else:
        print(f"peak RSS:          {peak_rss_mb():>10.0f} MB")
    if run.finished_at:
        print("run finished; " + ("target met" if elapsed <= TARGET_S else "TARGET MISSED"))
    else:
        print(f"stopped after {batches} batches; the run is left unfinished")


if __name__ == "__main__":
    main()
