"""Keeping the dashboard's summary tables equal to the conversations they summarize.

Every write to a conversation goes through one of these, inside the writer's transaction:

- `tracking(pks)` around an edit or a deletion: what the conversations contributed before
  is taken off and what they contribute after is added;
- `record_created(pks)` after new conversations are written;
- `record_recheck(changes)` from the re-check, which changes only scores and checks and
  already knows the values before and after, so it reads nothing more;
- `rebuild()` recounts everything (after a bulk load; also what the tests compare with).

Besides the per-day tables, `StoryUseTotal` holds each story's uses ever, for its page.

Changes are applied as increments (`INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n`,
on PostgreSQL and SQLite alike), in key order so that concurrent writers never deadlock,
and rows that fall to zero are deleted. Each change also makes the cached dashboard
figures stale (`figures_changed`).
"""

from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from stories import generations
from stories.models import (
    CompanyRollup,
    Conversation,
    ConversationRollup,
    StoryUseRollup,
    StoryUseTotal,
)

ALL, PILLAR, HIT = (kind.value for kind in ConversationRollup.Kind)
CHUNK = 2000

# (day, rep_id, kind, key) -> [entries, scored, score_sum]; (day, rep_id, story_id) -> uses
type ConversationDelta = dict[tuple[date, int, str, str], list[int]]
type StoryDelta = dict[tuple[date, int, int], int]


def day_of(moment: datetime) -> date:
    """The day a conversation counts on: its date in the site's time zone."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


class Deltas:
    """What a set of conversations adds to (or, with sign -1, takes from) the summaries."""

    def __init__(self):
        self.conversations: ConversationDelta = defaultdict(lambda: [0, 0, 0])
        self.stories: StoryDelta = defaultdict(int)

    def add_check(self, day, rep_id, score, told_keys, hit_phrases, sign=1):
        keys = [(ALL, "")]
        keys += [(PILLAR, key) for key in told_keys]
        keys += [(HIT, phrase) for phrase in hit_phrases]
        for kind, key in keys:
            counts = self.conversations[(day, rep_id, kind, key)]
            counts[0] += sign
            if score is not None:
                counts[1] += sign
                counts[2] += sign * score

    def add_use(self, day, rep_id, story_id, sign=1):
        self.stories[(day, rep_id, story_id)] += sign

    def __isub__(self, other: "Deltas"):
        for key, counts in other.conversations.items():
            mine = self.conversations[key]
            for i, value in enumerate(counts):
                mine[i] -= value
        for key, uses in other.stories.items():
            self.stories[key] -= uses
        return self


def contributions(pks: Iterable[int]) -> Deltas:
    """What the conversations `pks` contribute now, read from the database (2 queries a chunk)."""
    deltas = Deltas()
    pks = list(pks)
    uses = Conversation.stories_used.through.objects
    for start in range(0, len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        where = {}
        for pk, occurred_at, rep_id, score, told, hits in Conversation.objects.filter(
            pk__in=chunk
        ).values_list("pk", "occurred_at", "rep_id", "score", "told_keys", "hit_phrases"):
            where[pk] = (day_of(occurred_at), rep_id)
            deltas.add_check(*where[pk], score, told, hits)
        used = uses.filter(conversation_id__in=chunk).values_list("conversation_id", "story_id")
        for conversation_id, story_id in used:
            if conversation_id in where:
                deltas.add_use(*where[conversation_id], story_id)
    return deltas


def _lock(pks: list[int]) -> None:
    """Hold the conversations still while their before and after are read (PostgreSQL)."""
    if pks and connection.features.has_select_for_update:
        list(Conversation.objects.filter(pk__in=pks).select_for_update().values_list("pk"))


@contextmanager
def tracking(pks: Iterable[int]):
    """Around an edit or a deletion of the conversations `pks` (inside a transaction)."""
    pks = sorted(set(pks))
    _lock(pks)
    before = contributions(pks)
    yield
    after = contributions(pks)
    after -= before
    apply(after)


def record_created(pks: Iterable[int]) -> None:
    apply(contributions(pks))


def record_recheck(changes) -> None:
    """The re-check's changes: (occurred_at, rep_id, old_score, old_told_keys,
    old_hit_phrases, new_score, new_told_keys, new_hit_phrases) per conversation."""
    deltas = Deltas()
    for occurred_at, rep_id, old_score, old_told, old_hits, score, told, hits in changes:
        day = day_of(occurred_at)
        deltas.add_check(day, rep_id, old_score, old_told, old_hits, sign=-1)
        deltas.add_check(day, rep_id, score, told, hits)
    apply(deltas)


# Table names are written out: they are the models' default db_table, fixed by migration 0006.
_CONVERSATION_UPSERT = """
    INSERT INTO stories_conversationrollup (day, rep_id, kind, key, entries, scored, score_sum)
    VALUES (%s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (rep_id, kind, key, day) DO UPDATE SET
        entries = stories_conversationrollup.entries + excluded.entries,
        scored = stories_conversationrollup.scored + excluded.scored,
        score_sum = stories_conversationrollup.score_sum + excluded.score_sum
"""
_COMPANY_UPSERT = """
    INSERT INTO stories_companyrollup (day, kind, key, entries, scored, score_sum)
    VALUES (%s, %s, %s, %s, %s, %s)
    ON CONFLICT (kind, key, day) DO UPDATE SET
        entries = stories_companyrollup.entries + excluded.entries,
        scored = stories_companyrollup.scored + excluded.scored,
        score_sum = stories_companyrollup.score_sum + excluded.score_sum
"""
_STORY_UPSERT = """
    INSERT INTO stories_storyuserollup (day, rep_id, story_id, uses)
    VALUES (%s, %s, %s, %s)
    ON CONFLICT (rep_id, day, story_id) DO UPDATE SET
        uses = stories_storyuserollup.uses + excluded.uses
"""
_TOTAL_UPSERT = """
    INSERT INTO stories_storyusetotal (story_id, uses) VALUES (%s, %s)
    ON CONFLICT (story_id) DO UPDATE SET uses = stories_storyusetotal.uses + excluded.uses
"""


def apply(deltas: Deltas, *, totals: bool = True) -> None:
    """Add `deltas` to the summary tables (and, with `totals`, to StoryUseTotal); rows that
    reach zero are deleted."""
    company = defaultdict(lambda: [0, 0, 0])  # (day, kind, key), every rep together
    for (day, _rep, kind, key), counts in deltas.conversations.items():
        for i, value in enumerate(counts):
            company[(day, kind, key)][i] += value
    per_story = defaultdict(int)
    if totals:
        for (_day, _rep, story_id), uses in deltas.stories.items():
            per_story[(story_id,)] += uses
    # Sorted, so that two writers lock the same rows in the same order.
    conversations = sorted((k, c) for k, c in deltas.conversations.items() if any(c))
    company = sorted((k, c) for k, c in company.items() if any(c))
    stories = sorted((key, uses) for key, uses in deltas.stories.items() if uses)
    per_story = sorted((key, uses) for key, uses in per_story.items() if uses)
    if not conversations and not stories:
        return
    if connection.vendor == "postgresql":
        _apply_in_bulk(conversations, company, stories, per_story)
    else:
        with connection.cursor() as cursor:
            if conversations:
                cursor.executemany(_CONVERSATION_UPSERT, [(*k, *c) for k, c in conversations])
            if company:
                cursor.executemany(_COMPANY_UPSERT, [(*k, *c) for k, c in company])
            if stories:
                cursor.executemany(_STORY_UPSERT, [(*key, uses) for key, uses in stories])
            if per_story:
                cursor.executemany(_TOTAL_UPSERT, [(*key, uses) for key, uses in per_story])
        reps = {key[1] for key, _ in conversations} | {key[1] for key, _ in stories}
        days = {key[0] for key, _ in conversations} | {key[0] for key, _ in stories}
        ConversationRollup.objects.filter(rep__in=reps, day__in=days, entries=0).delete()
        CompanyRollup.objects.filter(day__in=days, entries=0).delete()
        StoryUseRollup.objects.filter(rep__in=reps, day__in=days, uses=0).delete()
        used = [story_id for (story_id,), _ in per_story]
        StoryUseTotal.objects.filter(story__in=used, uses=0).delete()
    figures_changed()


# On PostgreSQL each table takes one statement whatever the number of rows (the re-check
# writes thousands a batch), and only the rows that reached zero are deleted, by id.
_CONVERSATION_UPSERT_ARRAYS = """
    INSERT INTO stories_conversationrollup (day, rep_id, kind, key, entries, scored, score_sum)
    SELECT * FROM unnest(
        %s::date[], %s::bigint[], %s::text[], %s::text[], %s::int[], %s::int[], %s::bigint[]
    )
    ON CONFLICT (rep_id, kind, key, day) DO UPDATE SET
        entries = stories_conversationrollup.entries + excluded.entries,
        scored = stories_conversationrollup.scored + excluded.scored,
        score_sum = stories_conversationrollup.score_sum + excluded.score_sum
    RETURNING id, entries
"""
_COMPANY_UPSERT_ARRAYS = """
    INSERT INTO stories_companyrollup (day, kind, key, entries, scored, score_sum)
    SELECT * FROM unnest(%s::date[], %s::text[], %s::text[], %s::int[], %s::int[], %s::bigint[])
    ON CONFLICT (kind, key, day) DO UPDATE SET
        entries = stories_companyrollup.entries + excluded.entries,
        scored = stories_companyrollup.scored + excluded.scored,
        score_sum = stories_companyrollup.score_sum + excluded.score_sum
    RETURNING id, entries
"""
_STORY_UPSERT_ARRAYS = """
    INSERT INTO stories_storyuserollup (day, rep_id, story_id, uses)
    SELECT * FROM unnest(%s::date[], %s::bigint[], %s::bigint[], %s::int[])
    ON CONFLICT (rep_id, day, story_id) DO UPDATE SET
        uses = stories_storyuserollup.uses + excluded.uses
    RETURNING id, uses
"""
_TOTAL_UPSERT_ARRAYS = """
    INSERT INTO stories_storyusetotal (story_id, uses)
    SELECT * FROM unnest(%s::bigint[], %s::int[])
    ON CONFLICT (story_id) DO UPDATE SET uses = stories_storyusetotal.uses + excluded.uses
    RETURNING story_id, uses
"""
_EMPTIED = {
    _CONVERSATION_UPSERT_ARRAYS: "DELETE FROM stories_conversationrollup WHERE id = ANY(%s)",
    _COMPANY_UPSERT_ARRAYS: "DELETE FROM stories_companyrollup WHERE id = ANY(%s)",
    _STORY_UPSERT_ARRAYS: "DELETE FROM stories_storyuserollup WHERE id = ANY(%s)",
    _TOTAL_UPSERT_ARRAYS: "DELETE FROM stories_storyusetotal WHERE story_id = ANY(%s)",
}


def _apply_in_bulk(conversations, company, stories, per_story) -> None:
    with connection.cursor() as cursor:
        for statement, rows in (
            (_CONVERSATION_UPSERT_ARRAYS, conversations),
            (_COMPANY_UPSERT_ARRAYS, company),
            (_STORY_UPSERT_ARRAYS, [(key, [uses]) for key, uses in stories]),
            (_TOTAL_UPSERT_ARRAYS, [(key, [uses]) for key, uses in per_story]),
        ):
            if not rows:
                continue
            columns = [list(col) for col in zip(*(key + tuple(c) for key, c in rows), strict=True)]
            cursor.execute(statement, columns)
            emptied = [pk for pk, count in cursor.fetchall() if count == 0]
            if emptied:
                cursor.execute(_EMPTIED[statement], [emptied])


# --- Invalidation --------------------------------------------------------------------------


def figures_changed() -> None:
    """Something the dashboard shows changed: cached figures are stale once this commits."""
    generations.changed(generations.FIGURES)


def people_changed(sender, update_fields=None, **kwargs) -> None:
    """A signal receiver: teams, memberships and names decide whose figures are whose, and
    whom the filters offer."""
    if generations.only_a_sign_in(update_fields):
        return
    generations.changed(generations.FIGURES)


# --- Recount -------------------------------------------------------------------------------


def rebuild(*, announce: bool = True, totals: bool = True) -> None:
    """Recount the summary tables from every conversation (after a bulk load). `announce`
    moves the figures' generation on and `totals` recounts StoryUseTotal too (migration
    0006 does neither: it runs before both exist)."""
    with transaction.atomic():
        models = [ConversationRollup, CompanyRollup, StoryUseRollup]
        for model in [*models, StoryUseTotal] if totals else models:
            model.objects.all().delete()
        if connection.vendor == "postgresql":
            _rebuild_in_sql(totals)
        else:
            last = 0
            while pks := list(
                Conversation.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[:CHUNK]
            ):
                apply(contributions(pks), totals=totals)
                last = pks[-1]
        if announce:
            figures_changed()


_REBUILD_IN_SQL = [
    """INSERT INTO stories_conversationrollup (day, rep_id, kind, key, entries, scored, score_sum)
       SELECT (occurred_at AT TIME ZONE %(zone)s)::date, rep_id, 'all', '',
              count(*), count(score), coalesce(sum(score), 0)
       FROM stories_conversation GROUP BY 1, 2""",
    """INSERT INTO stories_conversationrollup (day, rep_id, kind, key, entries, scored, score_sum)
       SELECT (c.occurred_at AT TIME ZONE %(zone)s)::date, c.rep_id, 'pillar', k.key,
              count(*), count(c.score), coalesce(sum(c.score), 0)
       FROM stories_conversation c
       CROSS JOIN LATERAL jsonb_array_elements_text(c.told_keys) k(key)
       GROUP BY 1, 2, 4""",
    """INSERT INTO stories_conversationrollup (day, rep_id, kind, key, entries, scored, score_sum)
       SELECT (c.occurred_at AT TIME ZONE %(zone)s)::date, c.rep_id, 'hit', k.key,
              count(*), count(c.score), coalesce(sum(c.score), 0)
       FROM stories_conversation c
       CROSS JOIN LATERAL jsonb_array_elements_text(c.hit_phrases) k(key)
       GROUP BY 1, 2, 4""",
    """INSERT INTO stories_companyrollup (day, kind, key, entries, scored, score_sum)
       SELECT day, kind, key, sum(entries), sum(scored), sum(score_sum)
       FROM stories_conversationrollup GROUP BY 1, 2, 3""",
    """INSERT INTO stories_storyuserollup (day, rep_id, story_id, uses)
       SELECT (c.occurred_at AT TIME ZONE %(zone)s)::date, c.rep_id, u.story_id, count(*)
       FROM stories_conversation_stories_used u
       JOIN stories_conversation c ON c.id = u.conversation_id
       GROUP BY 1, 2, 3""",
]


_REBUILD_TOTALS_IN_SQL = """
    INSERT INTO stories_storyusetotal (story_id, uses)
    SELECT story_id, count(*) FROM stories_conversation_stories_used GROUP BY 1"""


def _rebuild_in_sql(totals: bool) -> None:
    """The same recount on PostgreSQL, in five or six INSERT ... SELECTs (about a minute for
    1 M)."""
    with connection.cursor() as cursor:
        for statement in [*_REBUILD_IN_SQL, _REBUILD_TOTALS_IN_SQL] if totals else _REBUILD_IN_SQL:
            cursor.execute(statement, {"zone": settings.TIME_ZONE})
