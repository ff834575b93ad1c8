"""Whatever the forms accept, the stored check holds: on save, in the summaries, on re-check.

The limits bite on PostgreSQL (SQLite does not enforce a column's length); the suite runs on
both.
"""

import csv
import io
import itertools
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from plumbline import services as plumbline_services
from stories import recheck
from stories.models import CompanyRollup, Conversation, RecheckRun, Story
from tests.plumbline.factories import GUARDRAILS, PILLARS, make_draft, make_published
from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import make_audience

pytestmark = pytest.mark.django_db

# Forty terms of 110 characters each, all hit at once: 4,400 characters of hit phrases.
LONG_TERMS = [
    f"{first}{second} " + " ".join(["guaranteed lowest price promise"] * 3) + " for every order"
    for first, second in itertools.islice(itertools.product("bcdfghjklm", "aeiou"), 40)
]
TELLS_THEM_ALL = " ".join(f"We said {term}." for term in LONG_TERMS)


def long_terms_version(by):
    guardrails = [
        *GUARDRAILS,
        *((term, "the value over its life", "warning") for term in LONG_TERMS),
    ]
    return make_published(by=by, guardrails=guardrails)


def guardrail_counts(client) -> dict[str, tuple[int, int]]:
    """The dashboard's guardrail table as its CSV download gives it: term → (stories,
    conversations)."""
    response = client.get("/dashboard/export/guardrails.csv")
    assert response.status_code == 200
    header, *rows = csv.reader(io.StringIO(response.content.decode()))
    assert header == ["Term", "Say instead", "Stories", "Conversations", "Total"]
    return {term: (int(stories), int(conversations)) for term, _, stories, conversations, _ in rows}


def conversation_form(version, client, notes) -> dict:
    local = timezone.localtime(timezone.now() - timedelta(hours=2))
    return {
        "version": version.number,
        "submission_token": str(uuid.uuid4()),
        "client": client.pk,
        "new_client": "",
        "occurred_at": local.strftime("%Y-%m-%dT%H:%M"),
        "channel": "meeting",
        "summary": "Met the buyers.",
        "notes": notes,
        "client_goals": "",
        "risks": "",
        "outcome": "",
        "next_step": "",
        "next_step_due": "",
        "pillars": [version.pillars.first().pk],
    }


def test_a_conversation_hitting_forty_long_terms_is_saved(cast, client_for):
    version = long_terms_version(cast.manager)
    client = make_client(cast.rep, "Harbourside Foods")
    http = client_for(cast.rep)

    response = http.post(
        "/conversations/new/", conversation_form(version, client, TELLS_THEM_ALL), follow=True
    )

    assert response.status_code == 200
    assert LONG_TERMS[-1] in response.content.decode()  # the check below the notes names it
    conversation = Conversation.objects.get(client=client)
    assert conversation.hit_phrases == sorted(LONG_TERMS)
    assert len(conversation.report.guardrail_hits) == 40
    counts = guardrail_counts(client_for(cast.manager))
    assert all(counts[term] == (0, 1) for term in LONG_TERMS)


def test_a_story_hitting_forty_long_terms_is_saved(cast, client_for):
    version = long_terms_version(cast.manager)
    audience = make_audience()
    response = client_for(cast.marketer).post(
        "/stories/new/",
        {
            "title": "Every promise at once",
            "summary": "All of them.",
            "body": TELLS_THEM_ALL,
            "offer": "",
            "channel": "web",
            "audiences": [audience.pk],
            "pillars": [p.pk for p in version.pillars.all()[:1]],
        },
    )
    story = Story.objects.get(title="Every promise at once")
    assert response.status_code == 302
    assert response["Location"] == story.get_absolute_url()
    assert story.hit_phrases == sorted(LONG_TERMS)


def test_the_recheck_stores_forty_long_hits(cast, django_capture_on_commit_callbacks):
    """Entries written under a version without the terms are re-checked against one with
    them: every batch used to fail on the hit phrases' column, and the run stood at 0 of 2."""
    v1 = make_published(by=cast.manager)
    client = make_client(cast.rep, "Harbourside Foods")
    conversation = make_conversation(rep=cast.rep, client=client, version=v1, notes=TELLS_THEM_ALL)
    assert not conversation.hit_phrases
    with django_capture_on_commit_callbacks(execute=True):
        v2 = long_terms_version(cast.manager)
    run = RecheckRun.objects.get(version=v2)
    assert run.total == 1

    while recheck.recheck_batch(run.pk):
        pass

    run.refresh_from_db()
    assert (run.done, run.total) == (1, 1)
    assert run.finished_at is not None
    conversation.refresh_from_db()
    assert conversation.checked_version == v2
    assert conversation.hit_phrases == sorted(LONG_TERMS)
    hits = CompanyRollup.objects.filter(kind="hit").values_list("key", "entries")
    assert dict(hits) == dict.fromkeys(LONG_TERMS, 1)


def test_a_term_published_before_terms_were_measured_folded_is_counted(
    cast, client_for, monkeypatch
):
    """61 "ß" passed the old 120-character limit; folded, it is 122 "s". A version that holds
    it cannot change any more, so the summaries must hold it."""
    monkeypatch.setattr(plumbline_services, "publish_problems", lambda version: [])
    draft = make_draft(by=cast.manager, guardrails=[("ß" * 61, "a shorter word", "warning")])
    version = plumbline_services.draft_publish(
        draft=draft, by=cast.manager, expected_revision=draft.revision
    )
    client = make_client(cast.rep, "Harbourside Foods")
    http = client_for(cast.rep)

    response = http.post(
        "/conversations/new/", conversation_form(version, client, f"Say {'ß' * 61} no more.")
    )

    assert response.status_code == 302
    assert Conversation.objects.get(client=client).hit_phrases == ["s" * 122]
    assert guardrail_counts(client_for(cast.manager)) == {"ß" * 61: (0, 1)}


def test_a_term_with_a_comma_is_counted_whole(cast, client_for):
    version = make_published(
        by=cast.manager,
        pillars=PILLARS,
        guardrails=[("cheap, fast", "reliable and quick", "warning"), ("fast", "quick", "warning")],
    )
    client = make_client(cast.rep, "Harbourside Foods")
    for notes in ("They want it cheap, fast and now.", "They want it fast."):
        make_conversation(rep=cast.rep, client=client, version=version, notes=notes)

    # The longer term wins where both match.
    assert guardrail_counts(client_for(cast.manager)) == {"cheap, fast": (0, 1), "fast": (0, 1)}


# --- Carried over from the comma-joined text ----------------------------------------------


def migrate(target: str):
    executor = MigrationExecutor(connection)
    executor.migrate([("stories", target)])
    return executor.loader.project_state([("stories", target)]).apps


@pytest.mark.django_db(transaction=True)
def test_the_lists_are_carried_over_from_the_joined_text_and_back(cast):
    version = make_published(
        by=cast.manager,
        guardrails=[*GUARDRAILS, ("cheap, fast", "reliable and quick", "warning")],
    )
    client = make_client(cast.rep, "Harbourside Foods")
    cut = make_conversation(
        rep=cast.rep, client=client, version=version, notes="It is cheap, fast and a discount."
    )
    plain = make_conversation(rep=cast.rep, client=client, version=version)
    said = make_conversation(rep=cast.rep, client=client, version=version, notes="Hello.")
    assert cut.hit_phrases == ["cheap, fast", "discount"]
    try:
        before = migrate("0013_client_search_trigram")
        old = before.get_model("stories", "Conversation")
        flat = dict(old.objects.values_list("pk", "hit_phrases"))
        assert flat == {cut.pk: ",cheap, fast,discount,", plain.pk: "", said.pk: ""}
        told = dict(old.objects.values_list("pk", "told_keys"))
        assert told == {cut.pk: "", plain.pk: ",lifetime-value,", said.pk: ""}
        # As the summaries of a database from before 0006 are: none yet.
        for name in ("CompanyRollup", "ConversationRollup"):
            before.get_model("stories", name).objects.all().delete()
    finally:
        migrate("0014_check_storage")

    lists = {c.pk: (c.told_keys, c.hit_phrases) for c in Conversation.objects.all()}
    assert lists == {
        # Read again from the report: the joined text cannot say where "cheap, fast" ends.
        cut.pk: ([], ["cheap, fast", "discount"]),
        plain.pk: (["lifetime-value"], []),
        said.pk: ([], []),
    }
    hits = CompanyRollup.objects.filter(kind="hit").values_list("key", "entries")
    assert dict(hits) == {"cheap, fast": 1, "discount": 1}
