"""The dashboard's summary tables always equal a full recount of the conversations.

Hypothesis runs random sequences of logging, editing, deleting and re-checking against a new
plumb line, through the real services and the real re-check, and after every sequence the
summaries must equal a recount made here from the conversations alone. The site's time zone
is not UTC and conversations fall near midnight, so a day counted in the wrong zone shows.
"""

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from stories import dashboard, rollups, services
from stories.models import (
    CompanyRollup,
    Conversation,
    ConversationRollup,
    RecheckRun,
    Story,
    StoryUseRollup,
    StoryUseTotal,
)
from stories.recheck import recheck_batch
from teams.models import Membership, Team
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.plumbline.factories import GUARDRAILS, PILLARS, make_published
from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import make_story

ZONE = "America/Los_Angeles"
TEXTS = [
    "We went through the total cost of ownership and the lifetime savings.",
    "A local engineer does every service visit; no discount, just added value.",
    "They only asked whether it is cheap. I said it is a discount deal.",
    "Short call about the weather.",
]


def recount():
    """Every summary row, recounted from the conversations: {(table, key...): values}."""
    zone = ZoneInfo(ZONE)
    rows = Counter()
    uses = Conversation.stories_used.through.objects.values_list("conversation_id", "story_id")
    used = {}
    for conversation_id, story_id in uses:
        used.setdefault(conversation_id, []).append(story_id)
    for c in Conversation.objects.all():
        day = c.occurred_at.astimezone(zone).date()
        keys = [("all", "")]
        keys += [("pillar", key) for key in c.report.evidence]
        keys += [
            ("hit", phrase) for phrase in {h.phrase.casefold() for h in c.report.guardrail_hits}
        ]
        for kind, key in keys:
            for row in (("c", day, c.rep_id, kind, key), ("company", day, kind, key)):
                rows[(*row, "entries")] += 1
                if c.score is not None:
                    rows[(*row, "scored")] += 1
                    rows[(*row, "score_sum")] += c.score
        for story_id in used.get(c.pk, []):
            rows[("s", day, c.rep_id, story_id, "uses")] += 1
            rows[("total", story_id, "uses")] += 1
    return +rows


def summaries():
    rows = Counter()
    for r in ConversationRollup.objects.all():
        for name in ("entries", "scored", "score_sum"):
            rows[("c", r.day, r.rep_id, r.kind, r.key, name)] += getattr(r, name)
    for r in CompanyRollup.objects.all():
        for name in ("entries", "scored", "score_sum"):
            rows[("company", r.day, r.kind, r.key, name)] += getattr(r, name)
    for r in StoryUseRollup.objects.all():
        rows[("s", r.day, r.rep_id, r.story_id, "uses")] += r.uses
    for r in StoryUseTotal.objects.all():
        rows[("total", r.story_id, "uses")] += r.uses
    assert all(value > 0 for value in rows.values() if value), "negative summary"
    return +rows


operation = st.one_of(
    st.tuples(
        st.just("log"),
        st.integers(0, 1),  # rep
        st.integers(-50, 50),  # hours from a local midnight
        st.integers(0, len(TEXTS) - 1),
        st.lists(st.integers(0, 2), max_size=2, unique=True),  # stories used
        st.booleans(),  # tags the first pillar
    ),
    st.tuples(
        st.just("edit"),
        st.integers(0, 20),  # which conversation
        st.integers(-50, 50),
        st.integers(0, len(TEXTS) - 1),
        st.lists(st.integers(0, 2), max_size=2, unique=True),
    ),
    st.tuples(st.just("delete"), st.integers(0, 20)),
    st.tuples(st.just("recheck"), st.booleans()),
)


@override_settings(TIME_ZONE=ZONE)
class SummariesEqualARecount(TestCase):
    def setUp(self):
        team = TeamFactory(name="Sales", function=Team.Function.SALES)
        self.reps = [UserFactory(username=f"rep{i}") for i in range(2)]
        for rep in self.reps:
            MembershipFactory(user=rep, team=team, role=Membership.Role.MEMBER)
        self.admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
        self.first_version = make_published(by=self.admin)
        self.client_record = make_client(self.reps[0])
        self.stories = [
            make_story(author=self.admin, version=self.first_version, status=Story.Status.PUBLISHED)
            for _ in range(3)
        ]
        self.midnight = datetime(2026, 3, 8, tzinfo=ZoneInfo(ZONE))  # a DST change, too

    def _when(self, hours):
        return self.midnight + timedelta(hours=hours, minutes=30)

    def _run(self, op):
        conversations = list(Conversation.objects.order_by("pk"))
        if op[0] == "log":
            _, rep, hours, text, stories, tagged = op
            make_conversation(
                rep=self.reps[rep],
                client=self.client_record,
                version=self.version,
                notes=TEXTS[text],
                when=self._when(hours),
                stories=[self.stories[i] for i in stories],
                pillars=("lifetime-value",) if tagged else (),
            )
        elif op[0] == "edit" and conversations:
            _, which, hours, text, stories = op
            conversation = conversations[which % len(conversations)]
            services.conversation_save(
                conversation=conversation,
                lock_version=conversation.lock_version,
                data={
                    "client": self.client_record,
                    "occurred_at": self._when(hours),
                    "notes": TEXTS[text],
                    "stories_used": [self.stories[i] for i in stories],
                    "pillars": list(self.version.pillars.all()[:1]),
                },
            )
        elif op[0] == "delete" and conversations:
            services.conversation_delete(conversation=conversations[op[1] % len(conversations)])
        elif op[0] == "recheck":
            # A new plumb line: the first pillar's phrases and a guardrail change.
            self.versions += 1
            pillars = [(PILLARS[0][0], PILLARS[0][1], ["lifetime savings"]), PILLARS[1]]
            guardrails = GUARDRAILS if op[1] else GUARDRAILS[:1]
            with self.captureOnCommitCallbacks(execute=True):  # publishing starts the run
                self.version = make_published(
                    by=self.admin,
                    statement=f"Version {self.versions}.",
                    pillars=pillars if op[1] else PILLARS,
                    guardrails=guardrails,
                )
            run = RecheckRun.objects.get(version=self.version)
            while recheck_batch(run.pk):
                pass

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(operation, min_size=1, max_size=8))
    def test_summaries_equal_a_recount(self, operations):
        # setUp runs once for all examples; each example is rolled back after it.
        self.version, self.versions = self.first_version, 0
        for op in operations:
            self._run(op)
        assert summaries() == recount()
        rollups.rebuild()
        assert summaries() == recount()


@pytest.mark.django_db
@override_settings(TIME_ZONE=ZONE)
def test_a_deleted_conversation_leaves_no_empty_rows(cast):
    version = make_published(by=cast.admin)
    client = make_client(cast.rep)
    story = make_story(author=cast.marketer, version=version, status="published")
    conversation = make_conversation(rep=cast.rep, client=client, version=version, stories=[story])
    assert ConversationRollup.objects.filter(rep=cast.rep).exists()
    assert StoryUseTotal.objects.get(story=story).uses == 1
    services.conversation_delete(conversation=conversation)
    assert not ConversationRollup.objects.exists()
    assert not CompanyRollup.objects.exists()
    assert not StoryUseRollup.objects.exists()
    assert not StoryUseTotal.objects.exists()


def joined(words: list[str], marks: list[str]) -> str:
    """The words with the marks between them, whitespace collapsed as the editor does."""
    text = "".join(word + mark for word, mark in zip(words, marks, strict=False)) + words[-1]
    return " ".join(text.split())


# Guardrail terms as people write them: words with commas, quotes and semicolons between.
term = st.builds(
    joined,
    st.lists(
        st.sampled_from(["cheap", "fast", "Best", "price", "deal", "o'clock"]),
        min_size=1,
        max_size=3,
    ),
    st.lists(st.sampled_from([" ", ", ", ",", "; ", ";", ' "', '" ', "' ", " - "]), max_size=2),
)


# The recount reads days in ZONE: so must the app, or the two disagree for part of each day.
@override_settings(TIME_ZONE=ZONE)
class GuardrailCountsEqualARecount(TestCase):
    """The dashboard's guardrail table, stories and conversations, against a count of the
    check reports themselves: terms are never cut at a comma or mistaken for another."""

    def setUp(self):
        self.manager = UserFactory(username="boss", is_staff=True, is_superuser=True)
        self.rep = UserFactory(username="seller")
        team = TeamFactory(name="Sellers", function=Team.Function.SALES)
        MembershipFactory(user=self.rep, team=team, role=Membership.Role.MEMBER)
        self.client_record = make_client(self.rep)

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        st.lists(term, min_size=1, max_size=4, unique_by=str.casefold),
        st.lists(st.lists(st.integers(0, 3), max_size=3), min_size=1, max_size=4),
        st.lists(st.lists(st.integers(0, 3), max_size=3), max_size=2),
    )
    def test_guardrail_counts_equal_a_recount(self, terms, said, written):
        version = make_published(
            by=self.manager, guardrails=[(t, "say it with value", "warning") for t in terms]
        )

        def text(picks):
            return " ".join(f"They said {terms[i % len(terms)]} today." for i in picks) or "Hello."

        for picks in said:
            make_conversation(
                rep=self.rep, client=self.client_record, version=version, notes=text(picks)
            )
        for picks in written:
            make_story(
                author=self.manager,
                version=version,
                status=Story.Status.PUBLISHED,
                body=text(picks),
                reason="Published for the count.",
            )

        expected = Counter()
        for side, model in (
            ("stories", Story.objects.live()),
            ("conversations", Conversation.objects),
        ):
            for entry in model.all():
                for phrase in {hit.phrase.casefold() for hit in entry.report.guardrail_hits}:
                    expected[(phrase, side)] += 1
        filters = dashboard.DashboardFilters.default()
        shown = Counter()
        for row in dashboard.guardrail_hits(self.manager, filters, version, limit=None):
            shown[(row["phrase"].casefold(), "stories")] += row["stories"]
            shown[(row["phrase"].casefold(), "conversations")] += row["conversations"]
        assert +shown == +expected
        assert summaries() == recount()
