"""Summaries of conversations per day and rep, kept by stories.rollups on every write.

The dashboard reads these instead of the conversations: a quarter's figures for a whole
company are a few thousand summary rows rather than a hundred thousand conversations.
The day is the conversation's date in the site's time zone (settings.TIME_ZONE), the same
days the dashboard's date filters name.
"""

from django.conf import settings
from django.db import models

from plumbline.models import Guardrail, Pillar
from stories.models.stories import Story

# A pillar key, or a guardrail phrase case-folded. Phrases are measured folded now; those
# published before were measured as written, and folding makes a text at most three times
# as long (one character folds to at most three), so there is room for three times the limit.
KEY_MAX_LENGTH = max(Pillar._meta.get_field("key").max_length, 3 * Guardrail.PHRASE_MAX_LENGTH)


class Counts(models.Model):
    """A day's counts of one kind (and key) of conversation.

    `kind` says what is counted: "all" every conversation (with its scores), "pillar" those
    that told the pillar `key`, "hit" those that used the guardrail phrase `key`
    (casefolded). `scored` counts the conversations with a score and `score_sum` adds them
    up, so that an average is score_sum / scored, as Avg("score") would give.
    """

    class Kind(models.TextChoices):
        ALL = "all", "All conversations"
        PILLAR = "pillar", "Told a pillar"
        HIT = "hit", "Hit a guardrail term"

    day = models.DateField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    key = models.CharField(max_length=KEY_MAX_LENGTH, blank=True)
    # Plain integers, no CHECK >= 0: changes are added as signed increments in one upsert.
    entries = models.IntegerField()
    scored = models.IntegerField()
    score_sum = models.BigIntegerField()

    class Meta:
        abstract = True


class ConversationRollup(Counts):
    """Per day and rep: the conversations, and those telling one pillar or hitting one term."""

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            # Also the index of every scoped figure: a rep's or a team's, one kind (and key)
            # over a range of days.
            models.UniqueConstraint(
                fields=["rep", "kind", "key", "day"], name="conversation_rollup_unique"
            ),
        ]
        indexes = [
            # A manager's figures per person and per team: every rep, one kind, a range.
            models.Index(fields=["kind", "day"], name="conversation_rollup_kind_day"),
        ]

    def __str__(self):
        return f"{self.day} {self.rep_id} {self.kind} {self.key}: {self.entries}"


class CompanyRollup(Counts):
    """ConversationRollup added up over every rep: what the company-wide figures read.

    Managers and marketing see every conversation; per day, this holds one row per kind and
    key instead of one per rep, so a year's figures read a few thousand rows.
    """

    class Meta:
        constraints = [
            # Also the index of every company-wide figure: one kind (and key) over a range.
            models.UniqueConstraint(fields=["kind", "key", "day"], name="company_rollup_unique"),
        ]

    def __str__(self):
        return f"{self.day} {self.kind} {self.key}: {self.entries}"


class StoryUseRollup(models.Model):
    """Per day and rep: how many conversations used one story."""

    day = models.DateField()
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="+")
    uses = models.IntegerField()

    class Meta:
        constraints = [
            # Also the index of a rep's or a team's story usage over a range of days.
            models.UniqueConstraint(fields=["rep", "day", "story"], name="story_use_rollup_unique"),
        ]
        indexes = [
            # The company's story usage over a range: read from the index alone.
            models.Index(fields=["day", "story", "uses"], name="story_use_rollup_day"),
            # "Stories nobody used in the range": one probe per published story.
            models.Index(fields=["story", "day"], name="story_use_rollup_story_day"),
        ]

    def __str__(self):
        return f"{self.day} {self.rep_id} story {self.story_id}: {self.uses}"


class StoryUseTotal(models.Model):
    """How many conversations ever used one story: the story page's count, one row to read
    however popular the story (counting its links read 19,520 index entries for the most
    used story at a million conversations). No row: not used yet."""

    story = models.OneToOneField(
        Story, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    uses = models.IntegerField()

    def __str__(self):
        return f"story {self.story_id}: {self.uses}"


class Generation(models.Model):
    """A number per kind of cached data, moved on whenever that data may have changed.

    Caches key their entries by it, so a new number makes every cached entry of that kind
    stale at once, in every server process (see stories/generations.py for the kinds).
    """

    name = models.CharField(max_length=20, primary_key=True)
    number = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.name} {self.number}"
