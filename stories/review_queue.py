"""The review queue: stories and conversations not yet judged against the current version.

Both kinds go through one UNION query so that the lowest scores come first across both,
and a page of the queue costs the same few queries however long the queue is.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Coalesce

from stories.models import Conversation, Review, Story
from stories.permissions import reviewable_people
from teams.models import Membership, User


@dataclass
class QueueFilters:
    kind: str = ""  # "", "story" or "conversation"
    team: int | None = None
    person: int | None = None
    pillar: str = ""
    band: str = ""
    since: date | None = None
    until: date | None = None


def _narrow(entries, filters: QueueFilters, person_field: str, when_field: str, people):
    if people is not None:
        entries = entries.filter(**{f"{person_field}__in": people})
    if filters.team:
        members = Membership.objects.filter(team_id=filters.team).values("user_id")
        entries = entries.filter(**{f"{person_field}__in": members})
    if filters.person:
        entries = entries.filter(**{person_field: filters.person})
    if filters.pillar:
        entries = entries.filter(pillars__key=filters.pillar)
    if filters.band:
        entries = entries.filter(band=filters.band)
    if filters.since:
        entries = entries.filter(**{f"{when_field}__date__gte": filters.since})
    if filters.until:
        entries = entries.filter(**{f"{when_field}__date__lte": filters.until})
    return entries


def review_queue(user, version, filters: QueueFilters):
    """Rows (kind, pk, score, band, when, label, person_id), lowest score first."""
    people = reviewable_people(user)
    columns = ["kind", "pk", "score", "band", "when", "label", "person_id"]
    parts = []
    if filters.kind in ("", "story"):
        stories = Story.objects.filter(
            status__in=[Story.Status.IN_REVIEW, Story.Status.PUBLISHED]
        ).filter(~Exists(Review.objects.filter(story=OuterRef("pk"), plumbline_version=version)))
        stories = _narrow(stories, filters, "author_id", "updated_at", people)
        parts.append(
            stories.annotate(
                kind=Value("story", output_field=CharField()),
                when=Coalesce("published_at", "updated_at"),
                label=F("title"),
                person_id=F("author_id"),
            )
            .order_by()  # a part of a UNION may not be ordered on its own
            .values_list(*columns)
        )
    if filters.kind in ("", "conversation"):
        conversations = Conversation.objects.filter(
            ~Exists(Review.objects.filter(conversation=OuterRef("pk"), plumbline_version=version))
        )
        conversations = _narrow(conversations, filters, "rep_id", "occurred_at", people)
        parts.append(
            conversations.annotate(
                kind=Value("conversation", output_field=CharField()),
                when=F("occurred_at"),
                label=F("summary"),
                person_id=F("rep_id"),
            )
            .order_by()
            .values_list(*columns)
        )
    queue = parts[0] if len(parts) == 1 else parts[0].union(parts[1], all=True)
    return queue.order_by("score", "-when", "kind", "pk")


def with_people(rows) -> list[dict]:
    """The page's rows as dicts, with the person's name: one query for the whole page."""
    rows = list(rows)
    names = {u.pk: u.display_name for u in User.objects.filter(pk__in={r[6] for r in rows})}
    keys = ["kind", "pk", "score", "band", "when", "label", "person_id"]
    return [{**dict(zip(keys, row, strict=True)), "person": names.get(row[6], "")} for row in rows]
