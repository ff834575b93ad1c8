"""The review queue: stories and conversations not yet judged against the current version.

Both kinds go through one UNION ALL query, lowest score first across both. Each part reads
its first rows in that order from an index of its own (story_queue, conversation_queue),
each row checked for a verdict through review_story_version / review_conversation_version,
and stops early: `(... ORDER BY ... LIMIT 101) UNION ALL (... LIMIT 101) ORDER BY ...
LIMIT 26` reads at most 202 rows. (Without the inner LIMITs PostgreSQL 15 does not merge
the two index scans: each part is a subquery with an anti-join, planned on its own, and
it sorts all 1 M unreviewed entries instead.) The page's rows are then read as model
instances, a query per kind.
"""

from django.db import connection
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Coalesce

from stories.models import Conversation, Review, Story
from stories.pagination import Ordering, paginate
from stories.permissions import reviewable_people

# The lowest scores first (unchecked entries last), the newest first within a score.
QUEUE_ORDER = Ordering("score", "-when", "kind", "pk", nullable=["score"])
# The same within one part, where `kind` is a constant.
PART_ORDER = Ordering("score", "-when", "pk", nullable=["score"])
COLUMNS = ["kind", "pk", "score", "when"]
PAGE_SIZE = 25
# "100+ entries": no part of the queue reads further than this.
COUNT_CAP = 100


def unreviewed(user, version, filters) -> list:
    """The queue's parts, a queryset per kind of entry the QueueFilter `filters` asks for:
    the entries of the people `user` reviews with no verdict against `version`."""
    people = reviewable_people(user)
    parts = []
    if "story" in filters.kinds():
        stories = Story.objects.filter(status__in=[Story.Status.IN_REVIEW, Story.Status.PUBLISHED])
        stories = stories.filter(
            ~Exists(Review.objects.filter(story=OuterRef("pk"), plumbline_version=version))
        ).annotate(kind=Value("story", output_field=CharField()), when=_story_when())
        if people is not None:
            stories = stories.filter(author_id__in=people)
        parts.append(stories)
    if "conversation" in filters.kinds():
        conversations = Conversation.objects.filter(
            ~Exists(Review.objects.filter(conversation=OuterRef("pk"), plumbline_version=version))
        ).annotate(kind=Value("conversation", output_field=CharField()), when=F("occurred_at"))
        if people is not None:
            conversations = conversations.filter(rep_id__in=people)
        parts.append(conversations)
    if filters.is_bound:
        filters.is_valid()  # a tampered value drops that one filter, not all of them
        parts = [filters.filter_queryset(part) for part in parts]
    return parts


def _story_when():
    return Coalesce("published_at", "updated_at")


def queue_rows(parts, limit: int = COUNT_CAP + 1):
    """The queue as pagination.Rows: a function of a cursor's condition and direction
    giving the rows {kind, pk, score, when} of `parts` in QUEUE_ORDER, each part read no
    further than `limit` rows."""

    def rows(condition, backward):
        found = [part if condition is None else part.filter(condition) for part in parts]
        found = [part.order_by().values(*COLUMNS) for part in found]
        if len(found) == 1:
            return found[0].order_by(*PART_ORDER.order_by(backward=backward))
        if connection.vendor != "sqlite":  # SQLite refuses ORDER BY and LIMIT in a part
            order = PART_ORDER.order_by(backward=backward)
            found = [part.order_by(*order)[:limit] for part in found]
        queue = found[0].union(*found[1:], all=True)
        return queue.order_by(*QUEUE_ORDER.order_by(backward=backward))

    return rows


def as_entries(rows) -> list:
    """The stories and conversations the queue's rows name, in the rows' order, with the
    people and clients the queue shows: a query per kind."""
    stories = (
        Story.objects.select_related("author", "checked_version")
        .defer(*Story.LIST_DEFERRED)
        .in_bulk([row["pk"] for row in rows if row["kind"] == "story"])
    )
    conversations = Conversation.objects.select_related("rep", "client", "checked_version")
    conversations = conversations.defer(*Conversation.LIST_DEFERRED).in_bulk(
        [row["pk"] for row in rows if row["kind"] == "conversation"]
    )
    found = {"story": stories, "conversation": conversations}
    return [found[row["kind"]][row["pk"]] for row in rows if row["pk"] in found[row["kind"]]]


def queue_page(request, user, version, filters):
    """The page of the queue the request's cursor names, counted up to COUNT_CAP."""
    page = paginate(
        request,
        queue_rows(unreviewed(user, version, filters)),
        QUEUE_ORDER,
        size=PAGE_SIZE,
        salt="review_queue",
        count_cap=COUNT_CAP,
    )
    page.object_list = as_entries(page.object_list)
    return page


def review_queue(user, version, filters, *, limit: int) -> list:
    """The first `limit` entries of the queue, for its CSV download."""
    rows = queue_rows(unreviewed(user, version, filters), limit)(None, False)[:limit]
    return as_entries(list(rows))
