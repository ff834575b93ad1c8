"""The review queue: stories and conversations not yet judged against the current version.

Both kinds go through one UNION ALL query, lowest score first across both. Each part reads
its first rows in that order from an index of its own (story_queue, conversation_queue),
each row checked for a verdict through review_story_version / review_conversation_version,
and stops after a page: `(... ORDER BY ... LIMIT 26) UNION ALL (... LIMIT 26) ORDER BY ...
LIMIT 26` reads at most 52 rows. (Without the inner LIMITs PostgreSQL 15 does not merge
the two index scans: each part is a subquery with an anti-join, planned on its own, and
it sorts all 1 M unreviewed entries instead.)
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from django.db import connection
from django.db.models import CharField, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from stories.compiled import Compiled
from stories.forms import start_of_day
from stories.list_rows import linked, person
from stories.models import Conversation, Review, Story
from stories.pagination import FROM_ROWS, Ordering, paginate
from stories.permissions import reviewable_people
from teams.models import Membership

COLUMNS = ["kind", "pk", "score", "band", "when", "label", "person_id", "first", "last", "username"]
# The lowest scores first (unchecked entries last), the newest first within a score.
QUEUE_ORDER = Ordering("score", "-when", "kind", "pk", nullable=["score"])
# The same within one part, where `kind` is a constant.
PART_ORDER = Ordering("score", "-when", "pk", nullable=["score"])
PAGE_SIZE = 25
# "100+ entries": the first page reads 101 rows to count them (see stories.pagination).
COUNT_CAP = 100


@dataclass(frozen=True)
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
        entries = entries.filter(linked(entries.model.pillars, pillar__key=filters.pillar))
    if filters.band:
        entries = entries.filter(band=filters.band)
    # Ranges of moments (an index can serve them), from and to local midnight.
    if filters.since:
        entries = entries.filter(**{f"{when_field}__gte": start_of_day(filters.since)})
    if filters.until:
        next_day = start_of_day(filters.until + timedelta(days=1))
        entries = entries.filter(**{f"{when_field}__lt": next_day})
    return entries


def review_queue(user, version, filters: QueueFilters, *, limit: int):
    """The first `limit` rows {kind, pk, score, band, when, label, person_id}, in QUEUE_ORDER."""
    return _queue(reviewable_people(user), version, filters, limit=limit)[:limit]


def _queue(
    people,
    version,
    filters: QueueFilters,
    *,
    limit: int,
    after: Q | None = None,
    backward: bool = False,
):
    """The queue of `people`'s entries (None: everyone's), to be read no further than `limit`
    rows; `after` is a cursor's condition (see stories.pagination), applied to each part."""
    parts = []
    if filters.kind in ("", "story"):
        stories = Story.objects.filter(
            status__in=[Story.Status.IN_REVIEW, Story.Status.PUBLISHED]
        ).filter(~Exists(Review.objects.filter(story=OuterRef("pk"), plumbline_version=version)))
        stories = _narrow(stories, filters, "author_id", "updated_at", people).annotate(
            kind=Value("story", output_field=CharField()),
            when=Coalesce("published_at", "updated_at"),
            label=F("title"),
            person_id=F("author_id"),
            **_person("author"),
        )
        parts.append(stories)
    if filters.kind in ("", "conversation"):
        conversations = Conversation.objects.filter(
            ~Exists(Review.objects.filter(conversation=OuterRef("pk"), plumbline_version=version))
        )
        conversations = _narrow(conversations, filters, "rep_id", "occurred_at", people).annotate(
            kind=Value("conversation", output_field=CharField()),
            when=F("occurred_at"),
            label=F("summary"),
            person_id=F("rep_id"),
            **_person("rep"),
        )
        parts.append(conversations)
    if after is not None:
        parts = [part.filter(after) for part in parts]
    parts = [part.order_by().values(*COLUMNS) for part in parts]
    part_order = PART_ORDER.order_by(backward=backward)
    if len(parts) == 1:
        return parts[0].order_by(*part_order)
    if connection.features.supports_slicing_ordering_in_compound:  # not SQLite
        parts = [part.order_by(*part_order)[:limit] for part in parts]
    queue = parts[0].union(parts[1], all=True)
    return queue.order_by(*QUEUE_ORDER.order_by(backward=backward))


def queue_page(request, user, version, filters: QueueFilters):
    """The page of the queue the request's cursor names, counted up to COUNT_CAP."""

    people = reviewable_people(user)
    people = None if people is None else frozenset(people)

    def fetch(after, backward, limit):
        if after is None and not backward:
            zone = timezone.get_current_timezone_name()  # the dates' midnights
            return _first_rows(people, version.pk, filters, limit, zone).rows()
        queue = _queue(people, version, filters, limit=limit, after=after, backward=backward)
        return list(queue[:limit])

    return paginate(
        request,
        ordering=QUEUE_ORDER,
        fetch=fetch,
        count=FROM_ROWS,
        size=PAGE_SIZE,
        salt="stories.review_queue",
        cap=COUNT_CAP,
    )


@lru_cache(maxsize=256)
def _first_rows(people: frozenset[int] | None, version: int, filters: QueueFilters, limit, zone):
    """The SQL of the queue's first `limit` rows, built once per reviewer's people, version,
    filters and time zone: it depends on nothing else, and building and compiling the
    UNION cost the page more than the database's answer."""
    return Compiled(_queue(people, version, filters, limit=limit)[:limit])


PERSON = {"first": "first_name", "last": "last_name", "username": "username"}


def _person(relation: str) -> dict[str, F]:
    """The columns that name an entry's person (read with the rows: a join per part)."""
    return {name: F(f"{relation}__{field}") for name, field in PERSON.items()}


def with_people(rows) -> list[dict]:
    """The rows with their person's name, as User.__str__ gives it."""
    return [{**row, "person": person(row["first"], row["last"], row["username"])} for row in rows]
