"""What every entry held against the plumb line shares: stories and conversations alike."""

from django.db import models
from django.db.models import Lookup
from django.utils import timezone

from plumbline.consistency import Report, check
from plumbline.models import Pillar, PlumbLineVersion


class Band(models.TextChoices):
    ON_MESSAGE = "on_message", "On message"
    NEEDS_ATTENTION = "needs_attention", "Needs attention"
    OFF_MESSAGE = "off_message", "Off message"


class TermList(models.JSONField):
    """A sorted list of distinct strings, stored as JSON: `field__includes="x"` finds the
    rows whose list holds "x", on PostgreSQL and on SQLite alike."""


@TermList.register_lookup
class Includes(Lookup):
    lookup_name = "includes"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        # JSON containment (`contains`) is PostgreSQL's; SQLite reads the list as a table.
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        sql = f"EXISTS (SELECT 1 FROM json_each({lhs}) AS item WHERE item.value = {rhs})"  # noqa: S608
        return sql, (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} @> jsonb_build_array({rhs}::text)", (*lhs_params, *rhs_params)


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
    # From the report, for the dashboard's counts: the pillars told and the guardrail phrases
    # hit (case-folded), each as a list, however many and whatever characters they hold.
    told_keys = TermList(default=list, blank=True, editable=False)
    hit_phrases = TermList(default=list, blank=True, editable=False)

    # What report_values gives, then when and against which version it was checked.
    REPORT_FIELDS = ("check_report", "score", "band", "told_keys", "hit_phrases")
    CHECK_FIELDS = (*REPORT_FIELDS, "checked_at", "checked_version")
    # What a list of entries never shows: the stored reports in full and the dashboard's
    # lists. Lists defer them (`.defer(*LIST_DEFERRED)`): the entry's own page reads them.
    LIST_DEFERRED = ("check_report", "previous_report", "told_keys", "hit_phrases")

    class Meta:
        abstract = True

    # The texts the check reads, in the order it joins them (each model names its own).
    CHECKED_FIELDS: tuple[str, ...] = ()

    @classmethod
    def joined_text(cls, entry) -> str:
        """The CHECKED_FIELDS of `entry` joined: an instance, or a row of their values (the
        re-check reads rows, not instances)."""
        parts = (getattr(entry, name) for name in cls.CHECKED_FIELDS)
        return "\n\n".join(part for part in parts if part)

    def text_for_check(self) -> str:
        return self.joined_text(self)

    def run_check(self, tagged_keys, version: PlumbLineVersion | None = None) -> Report:
        """Check the entry's text and store the report on the instance (not saved here)."""
        version = version or self.plumbline_version
        report = check(self.text_for_check(), version.cached_spec(), tagged_keys)
        for name, value in self.report_values(report).items():
            setattr(self, name, value)
        self.checked_at = timezone.now()
        self.checked_version = version
        return report

    @staticmethod
    def report_values(report: Report) -> dict:
        """What an entry stores of a check report (REPORT_FIELDS): the one place that says
        it, for run_check, the re-check's bulk writes and the load-test seeder."""
        return {
            "check_report": report.to_dict(),
            "score": report.score,
            "band": report.band,
            "told_keys": sorted(report.evidence),
            "hit_phrases": sorted({hit.phrase.casefold() for hit in report.guardrail_hits}),
        }

    def checked_values(self) -> dict:
        """The stored check, ready for `queryset.update(**...)`."""
        return {name: getattr(self, name) for name in self.CHECK_FIELDS}

    @property
    def report(self) -> Report | None:
        return Report.from_dict(self.check_report) if self.check_report else None


def with_current_version(entries):
    """`entries` with `current_number`, the current plumb line's number, read in the same
    query: a page showing a check says when a newer version has not re-checked it yet."""
    current = PlumbLineVersion.objects.filter(is_current=True).values("number")[:1]
    return entries.annotate(current_number=models.Subquery(current))
