"""The plumb line: versions of the company's central reference, their pillars and guardrails.

A version is a draft until a manager publishes it; from then on it never changes. The
model refuses such changes, and database triggers (migration 0002) refuse them too, so
no code path — admin, shell, bulk update — can rewrite what entries were judged against.
"""

import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.deconstruct import deconstructible

from plumbline.choices import one_of
from plumbline.consistency import GuardrailSpec, PillarSpec, VersionSpec


class FrozenVersionError(ValidationError):
    """Raised when something tries to change a published plumb-line version."""


class VersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=PlumbLineVersion.State.PUBLISHED)

    def current(self):
        return self.filter(is_current=True).first()

    def draft(self):
        return self.filter(state=PlumbLineVersion.State.DRAFT).first()


# Choices live at module level so that the models' Meta constraints can take their
# values (a nested class cannot see its model's namespace); use them as Model.Name.
class PlumbLineVersionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class PlumbLineVersion(models.Model):
    State = PlumbLineVersionState

    number = models.PositiveIntegerField(unique=True)
    statement = models.TextField(
        help_text="The business of the business, in a sentence or two everyone can repeat."
    )
    notes = models.TextField(blank=True, help_text="Why this version, for the people using it.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    is_current = models.BooleanField(default=False, editable=False)
    # Bumped by every change to a draft; edit forms carry it so concurrent edits are caught.
    revision = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    objects = VersionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["state"],
                condition=models.Q(state=PlumbLineVersionState.DRAFT),
                name="plumbline_one_draft",
            ),
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="plumbline_one_current",
            ),
            one_of("state", PlumbLineVersionState, name="plumbline_state_valid"),
            models.CheckConstraint(
                condition=models.Q(is_current=False)
                | models.Q(state=PlumbLineVersionState.PUBLISHED),
                name="plumbline_current_is_published",
            ),
            models.CheckConstraint(
                condition=models.Q(state=PlumbLineVersionState.DRAFT)
                | models.Q(published_at__isnull=False, published_by__isnull=False),
                name="plumbline_published_has_when_and_who",
            ),
        ]

    def __str__(self):
        return f"Version {self.number}" + (" (draft)" if self.is_draft else "")

    def save(self, *args, **kwargs):
        if self.pk and type(self).objects.filter(pk=self.pk, state=self.State.PUBLISHED).exists():
            raise FrozenVersionError(f"Version {self.number} is published and cannot change.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        if self.is_draft:
            return reverse("plumbline:draft")
        return reverse("plumbline:version_detail", args=[self.number])

    def delete(self, *args, **kwargs):
        if not self.is_draft:
            raise FrozenVersionError(f"Version {self.number} is published and cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    def cached_spec(self) -> VersionSpec:
        """The checker's view of this version, read from the database once per revision."""
        return _cached_spec(self.pk, self.revision, self.created_at)

    def spec(self) -> VersionSpec:
        """The version as the consistency checker reads it (uses prefetched rows if any)."""
        return VersionSpec(
            number=self.number,
            pillars=tuple(
                PillarSpec(key=p.key, title=p.title, key_phrases=tuple(p.key_phrases))
                for p in self.pillars.all()
            ),
            guardrails=tuple(
                GuardrailSpec(
                    phrase=g.phrase, preferred=g.preferred, reason=g.reason, severity=g.severity
                )
                for g in self.guardrails.all()
            ),
        )


@functools.lru_cache(maxsize=32)
def _cached_spec(pk: int, revision: int, created_at) -> VersionSpec:
    # A published version never changes and a draft's revision moves with every edit,
    # so (pk, revision) names one exact content: nothing here ever needs invalidating.
    # created_at guards against a pk being reused (SQLite after a rolled-back insert).
    return PlumbLineVersion.objects.prefetch_related("pillars", "guardrails").get(pk=pk).spec()


class VersionPart(models.Model):
    """What pillars and guardrails share: they belong to one version and have an order."""

    version = models.ForeignKey(PlumbLineVersion, on_delete=models.CASCADE)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def save(self, *args, **kwargs):
        self._refuse_if_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)

    def copied_to(self, version: PlumbLineVersion):
        """An unsaved copy in another version: every field but the id, so that a field
        added later is carried into new drafts without anyone having to remember it."""
        values = {
            field.attname: getattr(self, field.attname)
            for field in self._meta.concrete_fields
            if field.name not in ("id", "version")
        }
        return type(self)(version=version, **values)

    def _refuse_if_frozen(self):
        if PlumbLineVersion.objects.filter(
            pk=self.version_id, state=PlumbLineVersion.State.PUBLISHED
        ).exists():
            raise FrozenVersionError("Published plumb-line versions cannot change.")


class Pillar(VersionPart):
    """A key message: what the company wants every story and conversation to carry."""

    version = models.ForeignKey(PlumbLineVersion, on_delete=models.CASCADE, related_name="pillars")

    # What a list shows of a pillar tagged on an entry: Pillar.objects.only(*LABEL_FIELDS).
    LABEL_FIELDS = ("version", "key", "title", "position")
    key = models.SlugField(
        max_length=60,
        help_text="A short, stable name (letters, numbers, hyphens) that follows this pillar "
        "from version to version.",
    )
    title = models.CharField(max_length=120)
    message = models.TextField(help_text="The pillar in a few sentences.")
    key_phrases = models.JSONField(
        default=list, help_text="Words and phrases that show the pillar is being told."
    )
    proof_points = models.JSONField(
        default=list, blank=True, help_text="Facts that back the pillar up."
    )

    class Meta(VersionPart.Meta):
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="pillar_key_once_per_version"),
        ]

    def __str__(self):
        return self.title


class GuardrailSeverity(models.TextChoices):
    SUGGESTION = "suggestion", "Suggestion"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


def folded_length(text: str) -> int:
    """How long a text is once case-folded, as phrases are matched and counted: folding can
    lengthen it ("ß" becomes "ss"), never shorten it."""
    return len(text.casefold())


@deconstructible
class FoldedLengthValidator(MaxLengthValidator):
    message = (
        "Ensure this phrase has at most %(limit_value)d characters once case is ignored, "
        "counting “ß” as “ss” (it has %(show_value)d)."
    )

    def clean(self, x):
        return folded_length(x)


class Guardrail(VersionPart):
    """A term to avoid, with the wording to use instead."""

    # Measured case-folded, as the dashboard's summaries store it (stories.models.rollups).
    PHRASE_MAX_LENGTH = 120

    Severity = GuardrailSeverity

    version = models.ForeignKey(
        PlumbLineVersion, on_delete=models.CASCADE, related_name="guardrails"
    )
    # Folding never shortens a text, so the folded limit bounds the column as well.
    phrase = models.CharField(
        max_length=PHRASE_MAX_LENGTH,
        validators=[FoldedLengthValidator(PHRASE_MAX_LENGTH)],
        help_text="The term to avoid; its inflections are caught too.",
    )
    preferred = models.CharField(max_length=200, help_text="What to say instead.")
    reason = models.CharField(max_length=300, blank=True)
    severity = models.CharField(max_length=12, choices=Severity.choices, default=Severity.WARNING)

    class Meta(VersionPart.Meta):
        constraints = [
            models.UniqueConstraint(
                Lower("phrase"), "version", name="guardrail_phrase_once_per_version"
            ),
            one_of("severity", GuardrailSeverity, name="guardrail_severity_valid"),
        ]

    def __str__(self):
        return self.phrase


class WorkerHeartbeat(models.Model):
    """A task worker's sign of life, written every few seconds by `manage.py run_worker`
    (plumbline/worker.py) and read by /healthz. The project's runtime, not the plumb line:
    it lives here because this package is the project too."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()

    class Meta:
        indexes = [
            # /healthz: the latest beat of any worker.
            models.Index(fields=["beat_at"], name="worker_latest_beat"),
        ]

    def __str__(self):
        return f"Worker {self.worker_id} on {self.host} (pid {self.pid})"
