"""Re-checking every entry against a newly published plumb line, batch by batch.

Settings use Django's DummyBackend: enqueued tasks are recorded, never run, so these tests
run the batches by calling recheck_batch themselves, as a worker would.
"""

import io
import re
from collections import namedtuple
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import stories.models.entries
from plumbline import services as plumbline_services
from stories import recheck, rollups, services
from stories.models import Conversation, RecheckFailure, RecheckRun, Story
from tests.plumbline.factories import GUARDRAILS, PILLARS, make_draft, make_published
from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import make_story

pytestmark = pytest.mark.django_db

# Version 2 frowns on a phrase every on-message entry here uses: their 100 becomes 75.
STRICTER = [*GUARDRAILS, ("lifetime savings", "savings for decades", "error")]
ENTRY_MODELS = (Story, Conversation)


class WorkerKilled(BaseException):
    """The worker's process ending mid-batch, as a signal would end it: nothing an entry
    did, so not an Exception a batch could put down to one entry."""


def kill_the_worker_on_check(monkeypatch, n: int):
    """The checker dies like a killed worker on its n-th call: (the real checker, the calls)."""
    real_check, calls = stories.models.entries.check, []

    def dies_on_call_n(*args, **kwargs):
        calls.append(args)
        if len(calls) == n:
            raise WorkerKilled
        return real_check(*args, **kwargs)

    monkeypatch.setattr(stories.models.entries, "check", dies_on_call_n)
    return real_check, calls


@pytest.fixture(autouse=True)
def empty_task_queue():
    backend = recheck.recheck_task.get_backend()
    backend.clear()
    yield backend
    backend.clear()


@pytest.fixture
def world(cast):
    """Version 1 and entries written under it: 3 stories (any status) and 4 conversations."""
    o = SimpleNamespace()
    o.v1 = make_published(by=cast.manager)
    o.stories = [
        make_story(author=cast.marketer, version=o.v1, title="Draft"),
        make_story(author=cast.marketer, version=o.v1, title="In review", status="in_review"),
        make_story(author=cast.marketer, version=o.v1, title="Live", status="published"),
    ]
    client = make_client(cast.rep, "Northgate Cold Store")
    o.conversations = [
        make_conversation(rep=cast.rep, client=client, version=o.v1, summary=f"Talk {n}")
        for n in range(3)
    ] + [
        make_conversation(
            rep=cast.other_rep,
            client=make_client(cast.other_rep, "Southmoor Dairy"),
            version=o.v1,
            summary="South",
        )
    ]
    o.total = len(o.stories) + len(o.conversations)
    return o


def publish(by, *, guardrails=STRICTER, pillars=PILLARS, capture):
    """Publish a new version the way the app does, with its on-commit listeners run."""
    with capture(execute=True):
        draft = make_draft(by=by, guardrails=guardrails, pillars=pillars)
        version = plumbline_services.draft_publish(
            draft=draft, by=by, expected_revision=draft.revision
        )
    return version


def snapshot() -> dict:
    """Every entry's stored check, by (model, pk)."""
    return {
        (model.__name__, entry.pk): {
            "report": entry.check_report,
            "score": entry.score,
            "band": entry.band,
            "version": entry.checked_version_id,
        }
        for model in ENTRY_MODELS
        for entry in model.objects.all()
    }


def run_to_the_end(run_id: int, limit: int = 100) -> int:
    """Call recheck_batch until it says the run is complete; returns how many calls."""
    for calls in range(1, limit + 1):
        if recheck.recheck_batch(run_id) == 0:
            return calls
    raise AssertionError(f"the run did not finish in {limit} batches")


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


# --- Starting -------------------------------------------------------------------------------


def test_publishing_starts_a_run_over_every_entry_and_queues_it(
    cast, world, django_capture_on_commit_callbacks, empty_task_queue
):
    v2 = publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run = RecheckRun.objects.get()
    assert run.version == v2
    assert run.started_by == cast.manager
    assert run.total == world.total == 7
    assert run.done == 0
    assert run.finished_at is None
    assert [(r.task.name, list(r.args)) for r in empty_task_queue.results] == [
        ("new_version_email", [v2.pk]),
        ("recheck_task", [run.pk]),
    ]


def test_no_run_before_the_publication_commits(cast, world, empty_task_queue):
    make_published(by=cast.manager, guardrails=STRICTER)  # never committed in this test
    assert not RecheckRun.objects.exists()
    assert empty_task_queue.results == []


def test_starting_twice_gives_the_same_run_and_queues_once(
    cast, world, django_capture_on_commit_callbacks, empty_task_queue
):
    v2 = publish(cast.manager, capture=django_capture_on_commit_callbacks)
    first = RecheckRun.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        again = recheck.recheck_start(version=v2, by=cast.admin)
    assert again.pk == first.pk
    assert again.started_by == cast.manager
    assert RecheckRun.objects.count() == 1
    assert [r.args for r in empty_task_queue.results if r.task is recheck.recheck_task] == [
        [first.pk]
    ]


# --- Running --------------------------------------------------------------------------------


def test_batches_move_every_entry_to_the_new_version_keeping_the_old_check(
    cast, world, django_capture_on_commit_callbacks
):
    before = snapshot()
    assert {state["score"] for state in before.values()} == {100}
    v2 = publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run = RecheckRun.objects.get()

    assert recheck.recheck_batch(run.pk) == world.total
    assert recheck.recheck_batch(run.pk) == 0
    run.refresh_from_db()
    assert run.done == run.total == world.total
    assert run.finished_at is not None
    assert run.last_batch_at is not None
    assert run.percent == 100

    for model in ENTRY_MODELS:
        for entry in model.objects.all():
            old = before[(model.__name__, entry.pk)]
            assert entry.checked_version == v2
            assert entry.plumbline_version == world.v1  # still written under version 1
            assert entry.previous_report == old["report"]
            assert entry.previous_score == old["score"] == 100
            assert entry.previous_band == old["band"] == "on_message"
            assert entry.score == 75
            assert entry.band == "needs_attention"
            assert entry.check_report["version"] == v2.number
            assert "lifetime savings" in entry.hit_phrases

    # A finished run stays finished.
    assert recheck.recheck_batch(run.pk) == 0
    run.refresh_from_db()
    assert run.done == run.total


def test_small_batches_take_several_calls(
    cast, world, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(recheck, "BATCH_SIZE", 2)
    v2 = publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run = RecheckRun.objects.get()

    sizes = []
    while processed := recheck.recheck_batch(run.pk):
        sizes.append(processed)
        run.refresh_from_db()
        assert run.done == sum(sizes)
        assert run.finished_at is None
    assert sizes == [2, 2, 2, 1]
    run.refresh_from_db()
    assert run.done == run.total == 7
    assert run.finished_at is not None
    for model in ENTRY_MODELS:
        assert not model.objects.exclude(checked_version=v2).exists()


def test_the_task_runs_a_batch_and_queues_the_next(
    cast, world, django_capture_on_commit_callbacks, monkeypatch, empty_task_queue
):
    monkeypatch.setattr(recheck, "BATCH_SIZE", 5)
    publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run = RecheckRun.objects.get()
    empty_task_queue.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert recheck.recheck_task.call(run.pk) == 5
    assert [list(r.args) for r in empty_task_queue.results] == [[run.pk]]
    with django_capture_on_commit_callbacks(execute=True):
        assert recheck.recheck_task.call(run.pk) == 2
        assert recheck.recheck_task.call(run.pk) == 0
    assert len(empty_task_queue.results) == 2  # nothing queued after the last, empty batch


def test_an_interrupted_batch_is_rolled_back_whole_and_the_run_resumes(
    cast, world, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(recheck, "BATCH_SIZE", 2)
    before = snapshot()
    v2 = publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run = RecheckRun.objects.get()
    assert recheck.recheck_batch(run.pk) == 2
    after_first = snapshot()

    real_check, calls = kill_the_worker_on_check(monkeypatch, 2)
    with pytest.raises(WorkerKilled):
        recheck.recheck_batch(run.pk)

    run.refresh_from_db()
    assert run.done == 2
    assert run.finished_at is None
    assert snapshot() == after_first  # the first entry of the failed batch was not saved

    # Resume, counting the checks: each entry left is checked exactly once.
    calls.clear()
    monkeypatch.setattr(
        stories.models.entries,
        "check",
        lambda *args, **kwargs: calls.append(args) or real_check(*args, **kwargs),
    )
    run_to_the_end(run.pk)
    assert len(calls) == world.total - 2

    run.refresh_from_db()
    assert run.done == run.total == world.total
    assert run.finished_at is not None
    for model in ENTRY_MODELS:
        for entry in model.objects.all():
            old = before[(model.__name__, entry.pk)]
            assert entry.checked_version == v2
            # Checked twice, the previous check would be version 2's 75, not version 1's 100.
            assert entry.previous_score == old["score"] == 100
            assert entry.previous_band == old["band"]
            assert entry.previous_report == old["report"]
            assert entry.score == 75


def test_an_entry_deleted_during_the_run_does_not_keep_it_open(
    cast, world, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(recheck, "BATCH_SIZE", 2)
    publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run = RecheckRun.objects.get()
    recheck.recheck_batch(run.pk)
    world.conversations[-1].delete()
    run_to_the_end(run.pk)
    run.refresh_from_db()
    assert run.finished_at is not None
    assert run.done == run.total


def test_an_entry_edited_during_the_run_is_not_counted_twice(
    cast, world, django_capture_on_commit_callbacks, monkeypatch
):
    """Editing a conversation re-checks it against the version it was written under.

    The run had already moved it on; it becomes pending again, is re-checked a second time,
    and `done` would pass `total` (the recheck_done_within_total constraint): the batch
    fails, and so does every retry, so the run can never finish.
    """
    monkeypatch.setattr(recheck, "BATCH_SIZE", 2)
    v2 = publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run = RecheckRun.objects.get()
    assert recheck.recheck_batch(run.pk) == 2  # the draft and the story in review
    assert recheck.recheck_batch(run.pk) == 2  # the live story and the first conversation
    edited = Conversation.objects.get(pk=world.conversations[0].pk)
    assert edited.checked_version == v2
    services.conversation_save(
        conversation=edited,
        data={
            "client": edited.client,
            "summary": "Talk 0, with what they said after.",
            "pillars": list(world.v1.pillars.filter(key="lifetime-value")),
        },
        lock_version=edited.lock_version,
    )

    run_to_the_end(run.pk)

    run.refresh_from_db()
    assert run.finished_at is not None
    assert run.done == run.total
    for model in ENTRY_MODELS:
        assert not model.objects.exclude(checked_version=v2).exists()


def test_a_run_for_a_superseded_version_does_not_move_entries_back(
    cast, world, django_capture_on_commit_callbacks, monkeypatch
):
    """Version 3 is published while version 2's run is still going.

    Version 2's worker carries on afterwards; it must not re-check entries that version 3's
    run already moved on, back against the older version 2.
    """
    monkeypatch.setattr(recheck, "BATCH_SIZE", 2)
    v2 = publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run2 = RecheckRun.objects.get(version=v2)
    recheck.recheck_batch(run2.pk)

    v3 = publish(cast.manager, guardrails=GUARDRAILS, capture=django_capture_on_commit_callbacks)
    run3 = RecheckRun.objects.get(version=v3)
    assert run3.total == world.total
    run_to_the_end(run3.pk)
    for model in ENTRY_MODELS:
        assert not model.objects.exclude(checked_version=v3).exists()

    run_to_the_end(run2.pk)  # version 2's queued task runs at last

    for model in ENTRY_MODELS:
        for entry in model.objects.all():
            assert entry.checked_version == v3, entry
            assert entry.score == 100  # version 3 dropped the stricter guardrail
    run2.refresh_from_db()
    assert run2.finished_at is not None
    assert run2.done <= run2.total


# --- An entry that cannot be re-checked ----------------------------------------------------


def refusing(monkeypatch, summary, make_report):
    """The check as the re-check calls it, except for the conversation called `summary`,
    whose report becomes make_report(report)."""
    real_check = stories.models.entries.check

    def check(text, spec, tagged):
        report = real_check(text, spec, tagged)
        return make_report(report) if summary in text else report

    monkeypatch.setattr(stories.models.entries, "check", check)


def a_score_the_database_refuses(report):
    report.score = -1  # the score column's CHECK (score >= 0) turns the row down
    return report


def a_checker_error(report):
    raise ValueError("the checker tripped over this text")


@pytest.mark.parametrize(
    ("make_report", "reason"),
    [(a_score_the_database_refuses, "score"), (a_checker_error, "tripped over this text")],
)
def test_an_entry_that_cannot_be_rechecked_is_recorded_and_the_others_go_on(
    cast, world, client_for, django_capture_on_commit_callbacks, monkeypatch, make_report, reason
):
    monkeypatch.setattr(recheck, "CHUNK_SIZE", 2)
    bad = world.conversations[1]  # "Talk 1", in the middle of a chunk
    refusing(monkeypatch, "Talk 1", make_report)
    v2 = publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run = RecheckRun.objects.get()

    assert run_to_the_end(run.pk) == 2  # one batch, then the run is complete

    run.refresh_from_db()
    assert (run.done, run.total) == (world.total, world.total)
    assert run.finished_at is not None
    for model in ENTRY_MODELS:
        for entry in model.objects.all():
            if entry != bad:
                assert (entry.checked_version, entry.score) == (v2, 75)
    bad.refresh_from_db()
    assert (bad.checked_version, bad.score, bad.previous_score) == (world.v1, 100, None)
    [failure] = RecheckFailure.objects.all()
    assert (failure.run, failure.conversation, failure.story) == (run, bad, None)
    assert reason in failure.reason

    page = client_for(cast.manager).get("/review/recheck/")
    text = _text(page)
    assert "1 entry could not be re-checked" in text
    assert f'href="/review/conversation/{bad.pk}/"' in page.content.decode()
    assert reason in text


def test_an_entry_refused_while_copied_is_recorded_and_its_chunk_written(
    cast, world, django_capture_on_commit_callbacks, monkeypatch
):
    """PostgreSQL's jsonb refuses a NUL character, and says so at the COPY of the chunk
    rather than at its UPDATE; SQLite keeps it as JSON text, and the entry is re-checked."""

    def with_a_nul(report):
        report.told_not_tagged.append("\x00")
        return report

    monkeypatch.setattr(recheck, "CHUNK_SIZE", 2)
    refusing(monkeypatch, "Talk 1", with_a_nul)
    v2 = publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run_to_the_end(RecheckRun.objects.get().pk)

    on_postgresql = connection.vendor == "postgresql"
    failed = list(RecheckFailure.objects.values_list("conversation", flat=True))
    assert failed == ([world.conversations[1].pk] if on_postgresql else [])
    rechecked = Conversation.objects.filter(checked_version=v2).order_by("pk")
    expected = [c for c in world.conversations if c.pk not in failed]
    assert list(rechecked) == expected
    assert Story.objects.filter(checked_version=v2).count() == len(world.stories)


def test_a_failed_entry_does_not_hold_up_a_run_that_looks_again_from_the_start(
    cast, world, django_capture_on_commit_callbacks, monkeypatch
):
    """A run that reaches its end looks once more from the start: a failed entry is still
    pending there, and must not be tried (and counted) again and again."""
    monkeypatch.setattr(recheck, "BATCH_SIZE", 2)
    refusing(monkeypatch, "South", a_score_the_database_refuses)
    publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run = RecheckRun.objects.get()
    cursor = recheck.Cursor()
    while recheck.recheck_batch(run.pk, cursor):
        pass
    run.refresh_from_db()
    assert run.finished_at is not None
    assert run.done == run.total
    assert RecheckFailure.objects.get().conversation == world.conversations[-1]


def test_the_status_page_without_failures_says_nothing_of_them(
    cast, world, client_for, django_capture_on_commit_callbacks
):
    publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run_to_the_end(RecheckRun.objects.get().pk)
    assert "could not be re-checked" not in _text(client_for(cast.manager).get("/review/recheck/"))


# --- Drift ----------------------------------------------------------------------------------


@pytest.fixture
def drifting(cast):
    """Under version 1: one entry that version 2 frowns on, one it forgives, one unchanged."""
    o = SimpleNamespace()
    o.v1 = make_published(by=cast.manager)
    client = make_client(cast.rep, "Northgate Cold Store")
    told = "We went through the total cost of ownership and the lifetime savings."
    o.worse = make_conversation(
        rep=cast.rep,
        client=client,
        version=o.v1,
        summary="Worse",
        notes=told + " We promised a rooftop guarantee.",
    )
    o.better = make_conversation(
        rep=cast.rep, client=client, version=o.v1, summary="Better", notes=told + " A discount."
    )
    o.same = make_conversation(rep=cast.rep, client=client, version=o.v1, summary="Same")
    o.worse_story = make_story(
        author=cast.marketer,
        version=o.v1,
        title="Worse story",
        body="The total cost of ownership and the lifetime savings, with a rooftop guarantee.",
        status="published",
    )
    return o


# Version 2: "discount" is forgiven, "rooftop guarantee" is now an error.
DRIFT_GUARDRAILS = [("cheap", "affordable", "warning"), ("rooftop guarantee", "warranty", "error")]


def test_drift_lists_entries_that_got_worse_not_those_that_improved(
    cast, drifting, django_capture_on_commit_callbacks
):
    assert (drifting.worse.band, drifting.better.band) == ("on_message", "needs_attention")
    v2 = publish(
        cast.manager, guardrails=DRIFT_GUARDRAILS, capture=django_capture_on_commit_callbacks
    )
    run = RecheckRun.objects.get()
    assert recheck.drift(Conversation, v2).count() == 0  # nothing re-checked yet
    run_to_the_end(run.pk)

    assert list(recheck.drift(Conversation, v2)) == [drifting.worse]
    assert list(recheck.drift(Story, v2)) == [drifting.worse_story]
    better = Conversation.objects.get(pk=drifting.better.pk)
    assert (better.previous_band, better.band) == ("needs_attention", "on_message")
    # Scoped to people: the rep's entries for their lead, nobody's for an empty scope.
    assert list(recheck.drift(Conversation, v2, people={cast.rep.pk})) == [drifting.worse]
    assert not recheck.drift(Conversation, v2, people={cast.other_rep.pk}).exists()
    assert not recheck.drift(Story, v2, people={cast.rep.pk}).exists()


# --- The status page ------------------------------------------------------------------------


# Version 2 of the drift tests' plumb line: "lifetime-value" is now told by other phrases.
RETOLD = [
    ("lifetime-value", "Value over the whole life", ["whole-life cost"]),
    ("local-experts", "Local people who stay", ["local engineer", "service visit"]),
]


def _drift_rows(html) -> dict[object, str]:
    """The drift table's rows, by the entry they link to (a story or conversation)."""
    table = html[html.index("Drift: entries whose band got worse") :]
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        link = re.search(r'href="/review/(story|conversation)/(\d+)/"', row)
        if link:
            model = Story if link.group(1) == "story" else Conversation
            entry = model.objects.get(pk=link.group(2))
            found[entry] = " ".join(re.sub(r"<[^>]+>", " ", row).split())
    return found


def test_the_drift_says_why_each_score_moved_and_who_wrote_it(
    cast, drifting, client_for, django_capture_on_commit_callbacks
):
    publish(cast.manager, guardrails=DRIFT_GUARDRAILS, capture=django_capture_on_commit_callbacks)
    run_to_the_end(RecheckRun.objects.get().pk)
    rows = _drift_rows(client_for(cast.manager).get("/review/recheck/").content.decode())
    assert "Hits a new guardrail: “rooftop guarantee”" in rows[drifting.worse]
    assert str(cast.rep) in rows[drifting.worse]
    assert "Hits a new guardrail: “rooftop guarantee”" in rows[drifting.worse_story]
    assert str(cast.marketer) in rows[drifting.worse_story]


def test_the_drift_names_a_pillar_no_longer_told_and_filters_by_cause(
    cast, drifting, client_for, django_capture_on_commit_callbacks
):
    publish(
        cast.manager,
        guardrails=DRIFT_GUARDRAILS,
        pillars=RETOLD,
        capture=django_capture_on_commit_callbacks,
    )
    run_to_the_end(RecheckRun.objects.get().pk)
    client = client_for(cast.manager)
    rows = _drift_rows(client.get("/review/recheck/").content.decode())
    same = drifting.same
    assert "No longer tells a pillar: Value over the whole life" in rows[same]
    assert "Hits a new guardrail" not in rows[same]
    assert "Hits a new guardrail" in rows[drifting.worse_story]

    told = _drift_rows(client.get("/review/recheck/?cause=untold").content.decode())
    assert same in told
    hits = _drift_rows(client.get("/review/recheck/?cause=guardrail").content.decode())
    assert same not in hits
    assert drifting.worse_story in hits
    # A cause that is not one shows every entry, as a tampered filter does elsewhere.
    assert _drift_rows(client.get("/review/recheck/?cause=nope").content.decode()) == rows


def test_the_status_page_shows_progress_and_drift(
    cast, drifting, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(recheck, "BATCH_SIZE", 3)
    publish(cast.manager, guardrails=DRIFT_GUARDRAILS, capture=django_capture_on_commit_callbacks)
    run = RecheckRun.objects.get()
    client = client_for(cast.manager)

    text = _text(client.get("/review/recheck/"))
    assert "0 of 4 entries re-checked" in text

    recheck.recheck_batch(run.pk)  # the story and two conversations: worse, better
    response = client.get("/review/recheck/")
    text = _text(response)
    assert "3 of 4 entries re-checked (75%)" in text
    assert "so far" not in text  # the worse entries are listed already
    html = response.content.decode()
    assert f'href="/review/story/{drifting.worse_story.pk}/"' in html
    assert f'href="/review/conversation/{drifting.worse.pk}/"' in html
    assert f'href="/review/conversation/{drifting.better.pk}/"' not in html
    assert drifting.worse.label in text  # named as everywhere else
    assert "Resume" not in text
    assert "Re-check 75%" in _text(client.get("/review/"))  # the queue follows it too

    run_to_the_end(run.pk)
    text = _text(client.get("/review/recheck/"))
    assert "4 of 4 entries re-checked (100%), finished" in text
    assert "Worse story" in text
    # The queue links to the results.
    assert "Re-check results" in _text(client.get("/review/"))


def test_the_version_pages_link_to_their_re_check_with_its_progress(
    cast, world, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(recheck, "BATCH_SIZE", 3)
    v2 = publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run = RecheckRun.objects.get()
    recheck.recheck_batch(run.pk)
    client = client_for(cast.manager)
    link = f'href="/review/recheck/?version={v2.number}"'
    for url in ("/plumb-line/", f"/plumb-line/versions/{v2.number}/"):
        response = client.get(url)
        assert link in response.content.decode(), url
        assert "Re-check: 3 of 7 entries" in _text(response), url
    run_to_the_end(run.pk)
    assert "Re-check: 7 of 7 entries, finished" in _text(client.get("/plumb-line/"))
    # Version 1 was never re-checked: its page names no run.
    text = _text(client.get(f"/plumb-line/versions/{world.v1.number}/"))
    assert "Re-check:" not in text


def test_the_status_page_shows_the_run_of_the_version_asked_for(
    cast, world, client_for, django_capture_on_commit_callbacks
):
    v2 = publish(cast.manager, capture=django_capture_on_commit_callbacks)
    publish(cast.manager, capture=django_capture_on_commit_callbacks)  # v3, the latest run
    client = client_for(cast.manager)
    assert "Version 3" in _text(client.get("/review/recheck/"))
    text = _text(client.get(f"/review/recheck/?version={v2.number}"))
    assert f"Version {v2.number} " in text
    assert "Version 3" not in text
    for bad in (world.v1.number, "abc", "-1", str(2**64)):
        assert client.get(f"/review/recheck/?version={bad}").status_code == 404, bad


@pytest.mark.parametrize("name", ["sales_lead", "marketing_lead", "rep", "marketer"])
def test_only_those_who_follow_re_checks_see_the_link(
    cast, world, client_for, django_capture_on_commit_callbacks, name
):
    publish(cast.manager, capture=django_capture_on_commit_callbacks)
    response = client_for(getattr(cast, name)).get("/plumb-line/")
    assert response.status_code == 200
    assert "/review/recheck/" not in response.content.decode()


def test_the_status_page_before_any_run(cast, client_for):
    make_published(by=cast.manager)
    text = _text(client_for(cast.manager).get("/review/recheck/"))
    assert "No re-check has run yet." in text


@pytest.mark.parametrize("name", ["sales_lead", "marketing_lead", "rep", "marketer", "outsider"])
def test_only_managers_see_the_status_page(cast, client_for, world, name):
    client = client_for(getattr(cast, name))
    response = client.get("/review/recheck/")
    assert response.status_code == 403
    assert "No re-check has run yet." not in _text(response)


def test_a_stalled_run_offers_resume_which_queues_it_again(
    cast, world, client_for, django_capture_on_commit_callbacks, empty_task_queue
):
    publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run = RecheckRun.objects.get()
    empty_task_queue.clear()
    client = client_for(cast.manager)

    assert not recheck.is_stalled(run)
    assert "Resume" not in _text(client.get("/review/recheck/"))

    RecheckRun.objects.filter(pk=run.pk).update(
        last_batch_at=timezone.now() - timedelta(minutes=10)
    )
    run.refresh_from_db()
    assert recheck.is_stalled(run)
    response = client.get("/review/recheck/")
    assert "Resume" in _text(response)
    assert f'action="/review/recheck/{run.pk}/resume/"' in response.content.decode()

    assert client.get(f"/review/recheck/{run.pk}/resume/").status_code == 405
    assert empty_task_queue.results == []
    response = client.post(f"/review/recheck/{run.pk}/resume/")
    assert response.status_code == 302
    assert response["Location"] == "/review/recheck/"
    assert [list(r.args) for r in empty_task_queue.results] == [[run.pk]]


def test_a_run_that_never_batched_is_stalled_after_two_minutes(
    cast, world, django_capture_on_commit_callbacks
):
    publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run = RecheckRun.objects.get()
    RecheckRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(minutes=3))
    run.refresh_from_db()
    assert recheck.is_stalled(run)


def test_resume_of_a_finished_run_queues_nothing(
    cast, world, client_for, django_capture_on_commit_callbacks, empty_task_queue
):
    publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run = RecheckRun.objects.get()
    run_to_the_end(run.pk)
    RecheckRun.objects.filter(pk=run.pk).update(
        last_batch_at=timezone.now() - timedelta(minutes=10)
    )
    run.refresh_from_db()
    assert not recheck.is_stalled(run)
    empty_task_queue.clear()
    client = client_for(cast.manager)
    assert "Resume" not in _text(client.get("/review/recheck/"))
    response = client.post(f"/review/recheck/{run.pk}/resume/", follow=True)
    assert "already complete" in _text(response)
    assert empty_task_queue.results == []


@pytest.mark.parametrize("name", ["sales_lead", "rep"])
def test_only_managers_resume(
    cast, world, client_for, django_capture_on_commit_callbacks, empty_task_queue, name
):
    publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run = RecheckRun.objects.get()
    empty_task_queue.clear()
    response = client_for(getattr(cast, name)).post(f"/review/recheck/{run.pk}/resume/")
    assert response.status_code == 403
    assert empty_task_queue.results == []


def test_resume_of_an_unknown_run_is_404(cast, client_for, empty_task_queue):
    assert client_for(cast.manager).post("/review/recheck/999999/resume/").status_code == 404
    assert empty_task_queue.results == []


# --- The command ----------------------------------------------------------------------------


def test_the_command_queues_unfinished_runs(
    cast, world, django_capture_on_commit_callbacks, monkeypatch, empty_task_queue
):
    monkeypatch.setattr(recheck, "BATCH_SIZE", 2)
    publish(cast.manager, capture=django_capture_on_commit_callbacks)
    run = RecheckRun.objects.get()
    recheck.recheck_batch(run.pk)
    empty_task_queue.clear()

    out = io.StringIO()
    call_command("recheck_resume", stdout=out)
    assert "Queued" in out.getvalue()
    assert "2 of 7 done" in out.getvalue()
    assert [list(r.args) for r in empty_task_queue.results] == [[run.pk]]

    run_to_the_end(run.pk)
    empty_task_queue.clear()
    out = io.StringIO()
    call_command("recheck_resume", stdout=out)
    assert "Queued" not in out.getvalue()
    assert "Every re-check is complete." in out.getvalue()
    assert empty_task_queue.results == []


# --- How batches read and write -------------------------------------------------------------
# On PostgreSQL the new checks go in with COPY and one UPDATE ... FROM per chunk, written in a
# second thread while the next chunk is checked; elsewhere with executemany. Both paths run
# through the same assertions (the suite runs on SQLite and on PostgreSQL).


@pytest.fixture
def copied(monkeypatch):
    """The sizes of the chunks written with COPY (PostgreSQL only)."""
    sizes = []
    write_by_copy = recheck._write_by_copy

    def counting(model, chunks, *args):
        return write_by_copy(model, (sizes.append(len(c)) or c for c in chunks), *args)

    monkeypatch.setattr(recheck, "_write_by_copy", counting)
    return sizes


@pytest.fixture
def run(cast, world, django_capture_on_commit_callbacks):
    publish(cast.manager, capture=django_capture_on_commit_callbacks)
    return RecheckRun.objects.get()


def stored(entry) -> dict:
    return {
        "report": entry.check_report,
        "score": entry.score,
        "band": entry.band,
        "told_keys": entry.told_keys,
        "hit_phrases": entry.hit_phrases,
    }


@pytest.mark.parametrize("model", ENTRY_MODELS)
def test_the_text_fields_are_all_a_check_reads(world, model):
    for entry in model.objects.all():
        fields = recheck.TEXT_FIELDS[model]
        row = namedtuple("Row", fields)(*(getattr(entry, name) for name in fields))
        assert model.joined_text(row) == entry.text_for_check()


def test_every_entry_gets_what_run_check_would_store(run, monkeypatch, copied):
    monkeypatch.setattr(recheck, "BATCH_SIZE", 5)
    monkeypatch.setattr(recheck, "CHUNK_SIZE", 2)
    before = {(type(e), e.pk): stored(e) for model in ENTRY_MODELS for e in model.objects.all()}
    run_to_the_end(run.pk)

    for model in ENTRY_MODELS:
        for entry in model.objects.prefetch_related("pillars"):
            expected = model.objects.get(pk=entry.pk)
            expected.run_check([p.key for p in entry.pillars.all()], version=run.version)
            assert stored(entry) == stored(expected)
            assert entry.checked_version == run.version
            assert entry.checked_at is not None
            old = before[(model, entry.pk)]
            assert (entry.previous_report, entry.previous_score, entry.previous_band) == (
                old["report"],
                old["score"],
                old["band"],
            )
    # Batches of 5 in chunks of 2: stories 2+1, then conversations 2, then 2.
    assert copied == ([2, 1, 2, 2] if connection.vendor == "postgresql" else [])


def test_the_summaries_hear_of_every_conversation_and_stories_change_the_figures(run, monkeypatch):
    monkeypatch.setattr(recheck, "BATCH_SIZE", 3)
    heard, changed = [], []
    record_recheck, figures_changed = rollups.record_recheck, rollups.figures_changed
    monkeypatch.setattr(rollups, "record_recheck", lambda c: heard.append(c) or record_recheck(c))
    monkeypatch.setattr(rollups, "figures_changed", lambda: changed.append(1) or figures_changed())
    fields = ("occurred_at", "rep_id", "score", "told_keys", "hit_phrases")
    old = {c.pk: tuple(getattr(c, name) for name in fields) for c in Conversation.objects.all()}

    assert recheck.recheck_batch(run.pk) == 3  # the three stories
    assert heard == []
    assert changed

    changed.clear()
    assert recheck.recheck_batch(run.pk) == 3  # three conversations
    run_to_the_end(run.pk)
    new = {c.pk: c for c in Conversation.objects.all()}
    assert [len(batch) for batch in heard] == [3, 1]
    assert sorted(change for batch in heard for change in batch) == sorted(
        (*old[pk], new[pk].score, new[pk].told_keys, new[pk].hit_phrases) for pk in new
    )
    assert all(old[pk][2] == 100 and new[pk].score == 75 for pk in new)


def test_a_batch_issues_the_same_queries_whatever_its_size(run, cast, monkeypatch):
    client = make_client(cast.rep, "Eastfield Bakery")
    for n in range(8):
        make_conversation(rep=cast.rep, client=client, version=run.version, summary=f"E{n}")
    Conversation.objects.update(checked_version=None)  # all pending again, 12 of them
    cursor = recheck.Cursor(story=Story.objects.order_by("pk").last().pk)
    counts = []
    for size in (2, 10):
        monkeypatch.setattr(recheck, "BATCH_SIZE", size)
        with CaptureQueriesContext(connection) as queries:
            assert recheck.recheck_batch(run.pk, cursor) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_an_interrupted_chunk_rolls_the_whole_batch_back(run, world, monkeypatch):
    """Stories in chunks of 2 and 1, then conversations in chunks of 2: the check fails in
    the fourth chunk, after three were written (on PostgreSQL, by the writing thread).
    Nothing of the batch stays, and the run resumes from there."""
    monkeypatch.setattr(recheck, "BATCH_SIZE", 7)
    monkeypatch.setattr(recheck, "CHUNK_SIZE", 2)
    before = {(type(e), e.pk): stored(e) for model in ENTRY_MODELS for e in model.objects.all()}
    real_check, _ = kill_the_worker_on_check(monkeypatch, 6)  # in the fourth chunk
    with pytest.raises(WorkerKilled):
        recheck.recheck_batch(run.pk)

    run.refresh_from_db()
    assert run.done == 0
    after = {(type(e), e.pk): stored(e) for model in ENTRY_MODELS for e in model.objects.all()}
    assert after == before
    assert not Conversation.objects.filter(checked_version=run.version).exists()

    monkeypatch.setattr(stories.models.entries, "check", real_check)
    assert recheck.recheck_batch(run.pk) == world.total
    assert recheck.recheck_batch(run.pk) == 0


def test_the_task_hands_its_cursor_to_the_next_batch(
    run, world, monkeypatch, empty_task_queue, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(recheck, "BATCH_SIZE", 4)
    empty_task_queue.clear()
    stories_ = sorted(story.pk for story in world.stories)
    conversations = sorted(conversation.pk for conversation in world.conversations)

    def call(**kwargs) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return recheck.recheck_task.call(run.pk, **kwargs)

    assert call() == 4
    after = empty_task_queue.results[-1].kwargs["after"]
    assert after == {"story": stories_[-1], "conversation": conversations[0]}
    assert call(after=after) == 3
    after = empty_task_queue.results[-1].kwargs["after"]
    assert after == {"story": stories_[-1], "conversation": conversations[-1]}
    assert call(after=after) == 0
    assert len(empty_task_queue.results) == 2
    run.refresh_from_db()
    assert run.finished_at is not None


def test_entries_behind_the_cursor_are_found_before_the_run_ends(run, world):
    """A cursor past every entry (as if they had been set back behind it): the batch looks
    again from the start instead of calling the run complete."""
    cursor = recheck.Cursor(story=10**9, conversation=10**9)
    assert recheck.recheck_batch(run.pk, cursor) == world.total
    assert cursor == recheck.Cursor(
        story=max(s.pk for s in world.stories), conversation=max(c.pk for c in world.conversations)
    )
    assert recheck.recheck_batch(run.pk, cursor) == 0
    run.refresh_from_db()
    assert run.finished_at is not None
    assert run.done == run.total == world.total
