"""Clients, their people and the conversations sales has with them: personal data."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from plumbline.choices import one_of
from stories.models.entries import AlignedEntry
from stories.models.stories import Story


def normalized_name(name: str) -> str:
    """A client's name as compared for duplicates: case and spacing ignored."""
    return " ".join(name.casefold().split())


# Choices live at module level so that the models' Meta constraints can take their
# values (a nested class cannot see its model's namespace); use them as Model.Name.
class ClientSize(models.TextChoices):
    SMALL = "small", "Small (under 50 people)"
    MEDIUM = "medium", "Medium (50–249)"
    LARGE = "large", "Large (250–999)"
    ENTERPRISE = "enterprise", "Enterprise (1,000+)"


class Client(models.Model):
    """An account sales works with. Its people are contacts; both are personal data."""

    Size = ClientSize

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
            one_of("size", ClientSize, name="client_size_valid", blank=True),
        ]
        indexes = [
            # The client list and type-ahead of a rep: clients they own, by name.
            models.Index(fields=["owner", "name"], name="client_owner_name"),
            # A manager's client list, by name, a page at a time (ORDER BY name, id).
            models.Index(fields=["name", "id"], name="client_name"),
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
        return self.label(self.name, self.role)

    @staticmethod
    def label(name: str, role: str) -> str:
        """ "Amara Osei (Owner)", or the name alone."""
        return f"{name} ({role})" if role else name


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


class ConversationChannel(models.TextChoices):
    CALL = "call", "Call"
    MEETING = "meeting", "Meeting"
    EMAIL = "email", "Email"
    VISIT = "visit", "Visit"
    CHAT = "chat", "Chat"
    SOCIAL = "social", "Social"


class Conversation(AlignedEntry):
    """One sales conversation with one client: where the stories come to life."""

    # The texts the check reads, in the order it joins them.
    CHECKED_FIELDS = ("summary", "notes", "client_goals", "risks", "outcome", "next_step")
    # What the rep writes down, stored as given (services.conversation_log and _save), in
    # the order the load-test seeder builds its rows (bench/scale/bulk.py).
    RECORD_FIELDS = ("occurred_at", "channel", *CHECKED_FIELDS, "next_step_due")
    # What the review pages call this kind of entry (their URLs say it).
    kind = "conversation"

    Channel = ConversationChannel

    # No index of their own on client and rep: conversation_client_when, conversation_rep_when
    # and conversation_rep_client begin with them and serve every lookup by either.
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="conversations", db_index=False
    )
    contacts = models.ManyToManyField(Contact, blank=True, related_name="conversations")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="conversations",
        db_index=False,
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

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rep", "submission_token"], name="conversation_submitted_once"
            ),
            one_of("channel", ConversationChannel, name="conversation_channel_valid"),
        ]
        indexes = [
            # "My conversations" and a lead's team list, newest first.
            models.Index(fields=["rep", "-occurred_at"], name="conversation_rep_when"),
            # A client's timeline, newest first.
            models.Index(fields=["client", "-occurred_at"], name="conversation_client_when"),
            # Everyone's conversations (a manager's list), ORDER BY occurred_at DESC, id DESC.
            models.Index(fields=["-occurred_at", "-id"], name="conversation_when"),
            # The review queue's conversations: lowest score first, then newest first.
            models.Index(fields=["score", "-occurred_at", "id"], name="conversation_queue"),
            # Which clients a sales team has talked to (permissions.visible_clients): an
            # index-only scan. Without it a 40-rep lead's client list read the team's
            # 100,000 conversations from the table: 0.6 s instead of 0.07 s.
            models.Index(fields=["rep", "client"], name="conversation_rep_client"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """What every page and email calls it: "Meeting with Northgate on 6 Dec 2026", the
        day as the people reading it count days (the site's time zone)."""
        day = date_format(timezone.localtime(self.occurred_at), "j M Y")
        return f"{self.get_channel_display()} with {self.client.name} on {day}"

    def get_absolute_url(self):
        return reverse("stories:conversation_detail", args=[self.pk])
