"""Stories (one-to-many, marketing) and what every checked entry shares.

Conversations (one-to-one, sales) will share the AlignedEntry shape: the plumb-line
version an entry was written under, the pillars its author tagged, and the stored check.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from plumbline.consistency import Report, check
from plumbline.models import Pillar, PlumbLineVersion


class Band(models.TextChoices):
    ON_MESSAGE = "on_message", "On message"
    NEEDS_ATTENTION = "needs_attention", "Needs attention"
    OFF_MESSAGE = "off_message", "Off message"


class AlignedEntry(models.Model):
    """An entry held against the plumb line: its version, tagged pillars and stored check."""

    plumbline_version = models.ForeignKey(
        PlumbLineVersion, on_delete=models.PROTECT, related_name="+", verbose_name="plumb line"
    )
    pillars = models.ManyToManyField(Pillar, related_name="+", verbose_name="tagged pillars")
    check_report = models.JSONField(default=dict, blank=True, editable=False)
    score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    band = models.CharField(max_length=20, choices=Band.choices, blank=True, editable=False)
    checked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def text_for_check(self) -> str:
        raise NotImplementedError

    def run_check(self, tagged_keys) -> Report:
        """Check the entry's text and store the report on the instance (not saved here)."""
        report = check(self.text_for_check(), self.plumbline_version.cached_spec(), tagged_keys)
        self.check_report = report.to_dict()
        self.score = report.score
        self.band = report.band
        self.checked_at = timezone.now()
        return report

    @property
    def report(self) -> Report | None:
        return Report.from_dict(self.check_report) if self.check_report else None


class IllegalTransition(Exception):
    """A workflow step that the story's status does not allow."""


TRANSITION_VERBS = {
    "submit": "submitted for review",
    "publish": "published",
    "send_back": "sent back",
    "archive": "archived",
}


class Audience(models.Model):
    """Who a story is told to: a target market, a consumer cluster or an online group."""

    class Kind(models.TextChoices):
        TARGET_MARKET = "target_market", "Target market"
        CONSUMER_CLUSTER = "consumer_cluster", "Consumer cluster"
        ONLINE_GROUP = "online_group", "Online group"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["target_market", "consumer_cluster", "online_group"]),
                name="audience_kind_valid",
            ),
        ]

    def __str__(self):
        return self.name


class StoryQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status=Story.Status.PUBLISHED)

    def stale(self, today=None):
        return self.live().filter(review_by__lt=today or timezone.localdate())


class Story(AlignedEntry):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    class Channel(models.TextChoices):
        WEB = "web", "Web"
        EMAIL = "email", "Email"
        SOCIAL = "social", "Social"
        EVENT = "event", "Event"
        PRESS = "press", "Press"
        VIDEO = "video", "Video"
        OTHER = "other", "Other"

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
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "in_review", "published", "archived"]),
                name="story_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    channel__in=["web", "email", "social", "event", "press", "video", "other"]
                ),
                name="story_channel_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="story_published_has_date",
            ),
            models.UniqueConstraint(
                fields=["replaces"],
                condition=models.Q(status__in=["draft", "in_review"]),
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
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("stories:story_detail", args=[self.pk])

    def text_for_check(self) -> str:
        return "\n\n".join(
            part for part in (self.title, self.summary, self.body, self.offer) if part
        )

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


def normalized_name(name: str) -> str:
    """A client's name as compared for duplicates: case and spacing ignored."""
    return " ".join(name.casefold().split())


class Client(models.Model):
    """An account sales works with. Its people are contacts; both are personal data."""

    class Size(models.TextChoices):
        SMALL = "small", "Small (under 50 people)"
        MEDIUM = "medium", "Medium (50–249)"
        LARGE = "large", "Large (250–999)"
        ENTERPRISE = "enterprise", "Enterprise (1,000+)"

    name = models.CharField(max_length=200)
    # Filled from `name` on every save; the unique constraint below keeps one client per name.
    name_key = models.CharField(max_length=200, editable=False)
    industry = models.CharField(max_length=120, blank=True)
    size = models.CharField(max_length=12, choices=Size.choices, blank=True)
    notes = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="clients",
        verbose_name="owning rep",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name_key"], name="client_name_once"),
            models.CheckConstraint(
                condition=models.Q(size__in=["", "small", "medium", "large", "enterprise"]),
                name="client_size_valid",
            ),
        ]
        indexes = [
            # The client list and type-ahead of a rep: clients they own, by name.
            models.Index(fields=["owner", "name"], name="client_owner_name"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = " ".join(self.name.split())
        self.name_key = normalized_name(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("stories:client_detail", args=[self.pk])


class Contact(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=160)
    role = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.role})" if self.role else self.name


class TcoTopic(models.Model):
    """A total-cost-of-ownership topic; a list the company can grow in the admin."""

    key = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "label"]
        verbose_name = "TCO topic"

    def __str__(self):
        return self.label


class ConversationQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("client", "rep").prefetch_related("pillars", "tco_topics")


class Conversation(AlignedEntry):
    """One sales conversation with one client: where the stories come to life."""

    class Channel(models.TextChoices):
        CALL = "call", "Call"
        MEETING = "meeting", "Meeting"
        EMAIL = "email", "Email"
        VISIT = "visit", "Visit"
        CHAT = "chat", "Chat"
        SOCIAL = "social", "Social"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="conversations")
    contacts = models.ManyToManyField(Contact, blank=True, related_name="conversations")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="conversations"
    )
    occurred_at = models.DateTimeField("when")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    summary = models.CharField(max_length=300)
    notes = models.TextField(blank=True, help_text="Markdown. What was said, in your words.")
    client_goals = models.TextField("the client's goals", blank=True)
    risks = models.TextField(
        "risks raised and how they were answered",
        blank=True,
        help_text="What worries the client about buying, and what you said.",
    )
    tco_topics = models.ManyToManyField(
        TcoTopic, blank=True, related_name="conversations", verbose_name="TCO topics discussed"
    )
    stories_used = models.ManyToManyField(
        Story, blank=True, related_name="conversations", verbose_name="stories used"
    )
    outcome = models.CharField(max_length=300, blank=True)
    next_step = models.CharField(max_length=300, blank=True)
    next_step_due = models.DateField(null=True, blank=True)
    # The form's one-time token: a double click or a resubmit creates one conversation.
    submission_token = models.UUIDField(null=True, blank=True, editable=False)
    lock_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "submission_token"], name="conversation_submitted_once"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    channel__in=["call", "meeting", "email", "visit", "chat", "social"]
                ),
                name="conversation_channel_valid",
            ),
        ]
        indexes = [
            # "My conversations" and a lead's team list, newest first.
            models.Index(fields=["rep", "-occurred_at"], name="conversation_rep_when"),
            # A client's timeline, newest first.
            models.Index(fields=["client", "-occurred_at"], name="conversation_client_when"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} with {self.client} on {self.occurred_at:%d %b %Y}"

    def get_absolute_url(self):
        return reverse("stories:conversation_detail", args=[self.pk])

    def text_for_check(self) -> str:
        parts = (
            self.summary,
            self.notes,
            self.client_goals,
            self.risks,
            self.outcome,
            self.next_step,
        )
        return "\n\n".join(part for part in parts if part)
