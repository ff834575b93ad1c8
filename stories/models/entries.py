"""What every entry held against the plumb line shares: stories and conversations alike."""

from django.db import models
from django.utils import timezone

from plumbline.consistency import Report, check
from plumbline.models import Pillar, PlumbLineVersion


class Band(models.TextChoices):
    ON_MESSAGE = "on_message", "On message"
    NEEDS_ATTENTION = "needs_attention", "Needs attention"
    OFF_MESSAGE = "off_message", "Off message"


def flatten(values) -> str:
    """ ",a,b," for a `contains=",a,"` lookup; "" when there is nothing."""
    unique = sorted(set(values))
    return f",{','.join(unique)}," if unique else ""


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
    # The version the stored check was made against: the one written under, until a newer
    # version is published and the re-check moves every entry on (keeping the old result).
    checked_version = models.ForeignKey(
        PlumbLineVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    previous_report = models.JSONField(default=dict, blank=True, editable=False)
    previous_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    previous_band = models.CharField(max_length=20, choices=Band.choices, blank=True)
    # Flattened from the report for the dashboard's counts, as ",key,key," so that one
    # `contains` query per pillar (or guardrail phrase) works on every database.
    told_keys = models.CharField(max_length=2000, blank=True, editable=False)
    hit_phrases = models.CharField(max_length=4000, blank=True, editable=False)

    CHECK_FIELDS = (
        "check_report",
        "score",
        "band",
        "checked_at",
        "checked_version",
        "told_keys",
        "hit_phrases",
    )

    class Meta:
        abstract = True

    def text_for_check(self) -> str:
        raise NotImplementedError

    def run_check(self, tagged_keys, version: PlumbLineVersion | None = None) -> Report:
        """Check the entry's text and store the report on the instance (not saved here)."""
        version = version or self.plumbline_version
        report = check(self.text_for_check(), version.cached_spec(), tagged_keys)
        self.check_report = report.to_dict()
        self.score = report.score
        self.band = report.band
        self.checked_at = timezone.now()
        self.checked_version = version
        self.told_keys = flatten(report.evidence)
        self.hit_phrases = flatten(hit.phrase.casefold() for hit in report.guardrail_hits)
        return report

    def checked_values(self) -> dict:
        """The stored check, ready for `queryset.update(**...)`."""
        return {name: getattr(self, name) for name in self.CHECK_FIELDS}

    @property
    def report(self) -> Report | None:
        return Report.from_dict(self.check_report) if self.check_report else None
