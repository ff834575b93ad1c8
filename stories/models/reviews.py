"""Managers' and leads' verdicts on entries, the notifications they cause, and re-check runs."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from plumbline.choices import one_of
from plumbline.models import PlumbLineVersion
from stories.models.sales import Conversation
from stories.models.stories import Story

# A row about a story or a conversation: exactly one of the two.
OF_ONE_ENTRY = (Q(story__isnull=False) & Q(conversation__isnull=True)) | (
    Q(story__isnull=True) & Q(conversation__isnull=False)
)


# Choices live at module level so that the models' Meta constraints can take their
# values (a nested class cannot see its model's namespace); use them as Model.Name.
class ReviewVerdict(models.TextChoices):
    ON_MESSAGE = "on_message", "On message"
    NEEDS_WORK = "needs_work", "Needs work"
    OFF_MESSAGE = "off_message", "Off message"


class Review(models.Model):
    """A verdict on one story or one conversation, judged against one plumb-line version."""

    Verdict = ReviewVerdict

    story = models.ForeignKey(
        Story, null=True, blank=True, on_delete=models.CASCADE, related_name="reviews"
    )
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_given"
    )
    verdict = models.CharField(max_length=12, choices=Verdict.choices)
    comment = models.TextField(blank=True, help_text="Coaching: what to keep, what to change.")
    plumbline_version = models.ForeignKey(
        PlumbLineVersion, on_delete=models.PROTECT, related_name="+", verbose_name="judged against"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=OF_ONE_ENTRY,
                name="review_of_exactly_one_entry",
            ),
            one_of("verdict", ReviewVerdict, name="review_verdict_valid"),
        ]
        indexes = [
            # The queue's "not yet reviewed against the current version", and entry history.
            models.Index(fields=["story", "plumbline_version"], name="review_story_version"),
            models.Index(
                fields=["conversation", "plumbline_version"], name="review_conversation_version"
            ),
        ]

    def __str__(self):
        return f"{self.get_verdict_display()} by {self.reviewer}"

    @property
    def entry(self):
        return self.story or self.conversation


class Notification(models.Model):
    """Something a person should know about, shown on their home page."""

    class Kind(models.TextChoices):
        VERDICT = "verdict", "New verdict"
        NEW_VERSION = "new_version", "New plumb-line version"
        STALE_STORY = "stale_story", "Story due for review"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # Home page: my unread notifications, newest first.
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self):
        return self.message


class RecheckRun(models.Model):
    """Re-checking every entry against a newly published version, batch by batch."""

    version = models.OneToOneField(
        PlumbLineVersion, on_delete=models.PROTECT, related_name="recheck_run"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    last_batch_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="recheck_done_within_total"
            ),
        ]

    def __str__(self):
        return f"Re-check against version {self.version.number}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)


class RecheckFailure(models.Model):
    """An entry a run could not re-check, and why: it keeps its earlier check, and the run
    goes on without it."""

    run = models.ForeignKey(RecheckRun, on_delete=models.CASCADE, related_name="failures")
    story = models.ForeignKey(
        Story, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField()
    failed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=OF_ONE_ENTRY,
                name="recheck_failure_of_exactly_one_entry",
            ),
            # Also the index of "the run's failed stories" that each batch passes over.
            models.UniqueConstraint(fields=["run", "story"], name="recheck_failure_story_once"),
            # And of its failed conversations.
            models.UniqueConstraint(
                fields=["run", "conversation"], name="recheck_failure_conversation_once"
            ),
        ]

    def __str__(self):
        return f"{self.entry} not re-checked: {self.reason}"

    @property
    def entry(self):
        return self.story or self.conversation
