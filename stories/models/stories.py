"""Stories: what marketing tells to many people, and who it is told to."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from plumbline.choices import one_of
from plumbline.consistency import NEEDS_ATTENTION_MIN
from stories.models.entries import AlignedEntry


class IllegalTransition(Exception):
    """A workflow step that the story's status does not allow."""


TRANSITION_VERBS = {
    "submit": "submitted for review",
    "publish": "published",
    "send_back": "sent back",
    "archive": "archived",
}


# Choices live at module level so that the models' Meta constraints can take their
# values (a nested class cannot see its model's namespace); use them as Model.Name.
class AudienceKind(models.TextChoices):
    TARGET_MARKET = "target_market", "Target market"
    CONSUMER_CLUSTER = "consumer_cluster", "Consumer cluster"
    ONLINE_GROUP = "online_group", "Online group"


class Audience(models.Model):
    """Who a story is told to: a target market, a consumer cluster or an online group."""

    Kind = AudienceKind

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            one_of("kind", AudienceKind, name="audience_kind_valid"),
        ]

    def __str__(self):
        return self.name


class StoryQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status=Story.Status.PUBLISHED)

    def stale(self, today=None):
        return self.live().filter(review_by__lt=today or timezone.localdate())


class StoryStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class StoryChannel(models.TextChoices):
    WEB = "web", "Web"
    EMAIL = "email", "Email"
    SOCIAL = "social", "Social"
    EVENT = "event", "Event"
    PRESS = "press", "Press"
    VIDEO = "video", "Video"
    OTHER = "other", "Other"


class Story(AlignedEntry):
    # The texts the check reads, in the order it joins them.
    CHECKED_FIELDS = ("title", "summary", "body", "offer")
    # What the review pages call this kind of entry (their URLs say it).
    kind = "story"

    Status = StoryStatus
    Channel = StoryChannel

    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=500, help_text="One or two sentences for the library.")
    body = models.TextField(help_text="Markdown: **bold**, _italic_, lists, links, tables.")
    audiences = models.ManyToManyField(Audience, related_name="stories")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    offer = models.TextField(
        blank=True,
        help_text="An offer described by the value it gives (more included, less risk), "
        "never by a price cut.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stories"
    )
    # A draft that will take the place of a published story when it is published.
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replacements"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_by = models.DateField(null=True, blank=True)
    low_score_reason = models.TextField(
        blank=True, help_text="Why it was published although it scored off message."
    )
    reviewer_comment = models.TextField(blank=True, help_text="The last send-back comment.")
    # Bumped by every save; the editor carries it so that two people editing the same draft
    # never overwrite each other (see services.story_save).
    lock_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-published_at", "-updated_at"]
        constraints = [
            one_of("status", StoryStatus, name="story_status_valid"),
            one_of("channel", StoryChannel, name="story_channel_valid"),
            models.CheckConstraint(
                condition=~models.Q(status=StoryStatus.PUBLISHED)
                | models.Q(published_at__isnull=False),
                name="story_published_has_date",
            ),
            models.UniqueConstraint(
                fields=["replaces"],
                condition=models.Q(status__in=[StoryStatus.DRAFT, StoryStatus.IN_REVIEW]),
                name="story_one_pending_revision",
            ),
        ]
        indexes = [
            # The library: published (or every status, for marketing) newest first.
            models.Index(fields=["status", "-published_at"], name="story_status_published"),
            # Home page: my drafts, my stories in review, my stale stories.
            models.Index(fields=["author", "status"], name="story_author_status"),
            # Library sorted by score.
            models.Index(fields=["status", "score"], name="story_status_score"),
            # The library's sorts, a page at a time, read forwards or backwards, for every
            # status (marketing) or the published stories among them (sales).
            models.Index(fields=["-published_at", "-updated_at", "-id"], name="story_newest"),
            models.Index(fields=["score", "id"], name="story_score"),
            # The library's search: story_search_trigram, on PostgreSQL only (migration 0011).
            # The review queue's stories: in review or published, lowest score, newest first.
            models.Index(
                F("score"),
                Coalesce("published_at", "updated_at").desc(),
                F("id"),
                name="story_queue",
                condition=Q(status__in=["in_review", "published"]),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("stories:story_detail", args=[self.pk])

    @property
    def needs_publish_reason(self) -> bool:
        """Scoring off message, it is published only with a written reason."""
        return self.score is not None and self.score < NEEDS_ATTENTION_MIN

    @property
    def is_stale(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.review_by is not None
            and self.review_by < timezone.localdate()
        )

    # action → (states it may start from, state it leads to)
    TRANSITIONS = {
        "submit": ({Status.DRAFT}, Status.IN_REVIEW),
        "publish": ({Status.IN_REVIEW}, Status.PUBLISHED),
        "send_back": ({Status.IN_REVIEW}, Status.DRAFT),
        "archive": ({Status.DRAFT, Status.IN_REVIEW, Status.PUBLISHED}, Status.ARCHIVED),
    }

    def move(self, action: str) -> None:
        """Change status by a named action, or explain why the story cannot go there."""
        sources, target = self.TRANSITIONS[action]
        if self.status not in sources:
            allowed = " or ".join(sorted(self.Status(s).label.lower() for s in sources))
            raise IllegalTransition(
                f"Only a story that is {allowed} can be {TRANSITION_VERBS[action]}; "
                f"this one is {self.get_status_display().lower()}."
            )
        self.status = target

    def default_review_by(self):
        return timezone.localdate() + timedelta(days=settings.PLUMBLINE_STORY_REVIEW_DAYS)


class StoryRevision(models.Model):
    """Every saved version of a story, for the revision history and its diffs."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=500)
    body = models.TextField()
    offer = models.TextField(blank=True)
    channel = models.CharField(max_length=10, choices=Story.Channel.choices)
    audience_names = models.JSONField(default=list)
    pillar_keys = models.JSONField(default=list)
    score = models.PositiveSmallIntegerField(null=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["story", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["story", "number"], name="story_revision_number_once"),
        ]

    def __str__(self):
        return f"{self.story} — revision {self.number}"
