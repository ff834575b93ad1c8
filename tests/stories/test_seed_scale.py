"""`manage.py seed_scale` in its small mode: counts, real stored checks, skewed usage.

On PostgreSQL the conversations and their many-to-many rows go in with COPY; elsewhere with
bulk_create. Both paths run through the same assertions.
"""

import io
import statistics
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Max, Min, Sum

from bench import scale
from plumbline.consistency import check
from stories.models import (
    Client,
    Contact,
    Conversation,
    ConversationRollup,
    Story,
    StoryRevision,
    StoryUseRollup,
)
from teams.models import Membership, Team, User

pytestmark = pytest.mark.django_db

SMALL = ("--conversations", "2000", "--stories", "100", "--clients", "50", "--users", "20")


def seed(settings, *args):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_scale", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def copied(monkeypatch):
    """How many batches of conversations went in with COPY (PostgreSQL only)."""
    batches = []
    write = scale.CopyWriter.write

    def counting(self, rows, links):
        batches.append(len(rows))
        return write(self, rows, links)

    monkeypatch.setattr(scale.CopyWriter, "write", counting)
    return batches


@pytest.fixture
def seeded(settings, version, copied):
    return seed(settings, *SMALL)


def scale_users():
    return User.objects.filter(username__startswith="scale-")


def test_it_refuses_when_debug_is_off(settings, version):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_scale", *SMALL)
    assert not scale_users().exists()
    assert not Conversation.objects.exists()


def test_it_writes_what_was_asked_for(seeded, copied):
    assert scale_users().count() == 20
    assert Story.objects.count() == 100
    assert StoryRevision.objects.count() == 100
    assert Client.objects.count() == 50
    assert Conversation.objects.count() == 2000
    per_client = Client.objects.annotate(n=Count("contacts")).aggregate(low=Min("n"), high=Max("n"))
    assert per_client["low"] >= 1 and per_client["high"] <= 4
    assert Contact.objects.count() >= 50
    for field in ("pillars", "contacts", "tco_topics", "stories_used"):
        assert getattr(Conversation, field).through.objects.count() > 0, field
    # Teams: most people sell, every sales team has a lead, one management team.
    memberships = Membership.objects.filter(user__username__startswith="scale-")
    functions = Counter(memberships.values_list("team__function", flat=True))
    assert functions[Team.Function.SALES] > functions[Team.Function.MARKETING] >= 1
    assert functions[Team.Function.MANAGEMENT] >= 1
    for team in Team.objects.filter(slug__startswith="scale-", function=Team.Function.SALES):
        assert team.memberships.filter(role=Membership.Role.LEAD).count() == 1
    assert scale_users().first().check_password("plumbline-scale")
    assert "conversations [" in seeded and "Load-test data written in" in seeded
    # PostgreSQL gets the conversations by COPY, other databases by bulk_create.
    assert copied == ([2000] if connection.vendor == "postgresql" else [])


def test_every_stored_check_is_real(seeded, version):
    spec = version.cached_spec()
    sample = Conversation.objects.order_by("?").prefetch_related("pillars")[:50]
    for entry in [*sample, *Story.objects.order_by("?").prefetch_related("pillars")[:20]]:
        report = check(entry.text_for_check(), spec, [p.key for p in entry.pillars.all()])
        assert entry.score == report.score
        assert entry.band == report.band
        assert entry.check_report == report.to_dict()
        assert entry.checked_version_id == entry.plumbline_version_id == version.pk
        assert entry.told_keys == sorted(report.evidence)
        assert entry.hit_phrases == sorted({h.phrase.casefold() for h in report.guardrail_hits})
        assert entry.checked_at is not None
    # Some conversations slip into guardrail phrases, most do not.
    slipped = Conversation.objects.exclude(hit_phrases=[]).count()
    assert 0.05 * 2000 < slipped < 0.35 * 2000
    assert Conversation.objects.exclude(told_keys=[]).count() > 1000


def test_usage_and_dates_are_realistic(seeded):
    published = Story.objects.filter(status=Story.Status.PUBLISHED)
    uses = sorted(published.annotate(n=Count("conversations")).values_list("n", flat=True))
    assert uses[0] == 0  # some stories are never used
    assert uses[-1] >= 3 * max(1, statistics.median(uses))
    assert published.count() > Story.objects.count() / 2
    assert Story.objects.filter(status=Story.Status.DRAFT).exists()

    span = Conversation.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    assert span["last"] - span["first"] > timedelta(days=365)
    # Growth: the last year holds more conversations than the first one.
    last_year = Conversation.objects.filter(occurred_at__gt=span["last"] - timedelta(days=365))
    first_year = Conversation.objects.filter(occurred_at__lt=span["first"] + timedelta(days=365))
    assert last_year.count() > 1.5 * first_year.count()

    per_rep = sorted(
        Conversation.objects.values("rep").annotate(n=Count("pk")).values_list("n", flat=True)
    )
    assert per_rep[-1] >= 2 * statistics.median(per_rep)  # a few busy reps
    # A rep talks to their own clients, and only uses stories already published.
    assert not Conversation.objects.exclude(rep=F("client__owner")).exists()
    assert not Conversation.objects.filter(stories_used__published_at__gt=F("occurred_at")).exists()
    assert not Conversation.objects.filter(client__created_at__gt=F("occurred_at")).exists()


def test_running_it_again_adds_more(seeded, settings):
    seed(settings, "--conversations", "100", "--stories", "10", "--clients", "10", "--users", "20")
    assert scale_users().count() == 20  # the same people again
    assert Conversation.objects.count() == 2100
    assert Client.objects.count() == 60
    assert Story.objects.count() == 110


def test_it_fills_the_dashboards_summaries(seeded):
    """Every conversation is counted once in the summaries, and every story use."""
    counted = ConversationRollup.objects.filter(kind=ConversationRollup.Kind.ALL)
    assert counted.aggregate(n=Sum("entries"))["n"] == Conversation.objects.count() == 2000
    uses = StoryUseRollup.objects.aggregate(n=Sum("uses"))["n"]
    assert uses == Conversation.stories_used.through.objects.count() > 0
    assert "Dashboard summaries rebuilt in" in seeded
