"""Writes to stories: creating, saving without losing edits, and the publishing workflow."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from plumbline.models import PlumbLineVersion
from stories.models import IllegalTransition, Story, StoryRevision

__all__ = ["IllegalTransition", "StoryConflict"]


@dataclass
class StoryContent:
    """What an author writes: everything the editor form collects."""

    title: str
    summary: str
    body: str
    offer: str
    channel: str
    audiences: list
    pillars: list  # Pillar rows of the story's plumb-line version


class StoryConflict(Exception):
    """Someone saved the story after this editor opened it."""

    def __init__(self, saved: Story):
        super().__init__("The story changed since it was opened.")
        self.saved = saved


class LowScoreNeedsReason(Exception):
    """Publishing an off-message story needs a written reason."""


def _apply(story: Story, content: StoryContent) -> None:
    story.title, story.summary, story.body = content.title, content.summary, content.body
    story.offer, story.channel = content.offer, content.channel


def _record(story: Story, content: StoryContent, *, by) -> None:
    """Set the relations, check the text, store the result and a revision."""
    story.audiences.set(content.audiences)
    story.pillars.set(content.pillars)
    story.run_check([p.key for p in content.pillars])
    Story.objects.filter(pk=story.pk).update(
        check_report=story.check_report,
        score=story.score,
        band=story.band,
        checked_at=story.checked_at,
    )
    last = story.revisions.aggregate(top=Max("number"))["top"] or 0
    StoryRevision.objects.create(
        story=story,
        number=last + 1,
        title=story.title,
        summary=story.summary,
        body=story.body,
        offer=story.offer,
        channel=story.channel,
        audience_names=sorted(a.name for a in content.audiences),
        pillar_keys=[p.key for p in content.pillars],
        score=story.score,
        saved_by=by,
    )


@transaction.atomic
def story_create(*, author, version, content: StoryContent) -> Story:
    story = Story(author=author, plumbline_version=version)
    _apply(story, content)
    story.full_clean(exclude=["plumbline_version"])
    story.save()
    _record(story, content, by=author)
    return story


@transaction.atomic
def story_save(*, story: Story, content: StoryContent, lock_version: int, by) -> Story:
    """Save an edit made from `lock_version`; StoryConflict if someone saved in between."""
    claimed = Story.objects.filter(
        pk=story.pk, lock_version=lock_version, status=Story.Status.DRAFT
    ).update(lock_version=F("lock_version") + 1)
    if claimed != 1:
        raise StoryConflict(saved=Story.objects.get(pk=story.pk))
    _apply(story, content)
    story.lock_version = lock_version + 1
    story.full_clean(exclude=["plumbline_version"])
    story.save()
    _record(story, content, by=by)
    return story


def _locked(story: Story) -> Story:
    return Story.objects.select_for_update().get(pk=story.pk)


@transaction.atomic
def story_submit(*, story: Story) -> Story:
    story = _locked(story)
    story.move("submit")
    story.reviewer_comment = ""
    story.save(update_fields=["status", "reviewer_comment", "updated_at"])
    return story


@transaction.atomic
def story_send_back(*, story: Story, comment: str) -> Story:
    story = _locked(story)
    story.move("send_back")
    story.reviewer_comment = comment
    story.save(update_fields=["status", "reviewer_comment", "updated_at"])
    return story


@transaction.atomic
def story_publish(*, story: Story, by, reason: str = "") -> Story:
    """Publish; an off-message story needs a reason. A revision takes its original's place."""
    story = _locked(story)
    if story.score is not None and story.score < 60 and not reason.strip():
        raise LowScoreNeedsReason
    story.move("publish")
    story.published_at = timezone.now()
    story.published_by = by
    story.review_by = story.default_review_by()
    story.low_score_reason = reason.strip()
    story.save()
    if story.replaces_id:
        Story.objects.filter(pk=story.replaces_id, status=Story.Status.PUBLISHED).update(
            status=Story.Status.ARCHIVED, updated_at=timezone.now()
        )
    return story


@transaction.atomic
def story_archive(*, story: Story) -> Story:
    story = _locked(story)
    story.move("archive")
    story.save(update_fields=["status", "updated_at"])
    return story


@transaction.atomic
def story_revise(*, story: Story, by) -> Story:
    """Start a draft that will replace a published story; the live one stays live meanwhile."""
    story = _locked(story)
    if story.status != Story.Status.PUBLISHED:
        raise IllegalTransition(
            "Only a published story gets a new revision; edit this one directly."
        )
    pending = story.replacements.filter(
        status__in=[Story.Status.DRAFT, Story.Status.IN_REVIEW]
    ).first()
    if pending:
        return pending
    # New writing is held against the current plumb line; tags follow their pillar keys.
    version = PlumbLineVersion.objects.current() or story.plumbline_version
    keys = list(story.pillars.values_list("key", flat=True))
    draft = Story(
        author=by,
        plumbline_version=version,
        replaces=story,
        title=story.title,
        summary=story.summary,
        body=story.body,
        offer=story.offer,
        channel=story.channel,
    )
    draft.save()
    content = StoryContent(
        title=story.title,
        summary=story.summary,
        body=story.body,
        offer=story.offer,
        channel=story.channel,
        audiences=list(story.audiences.all()),
        pillars=list(version.pillars.filter(key__in=keys)),
    )
    _record(draft, content, by=by)
    return draft
