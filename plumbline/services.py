"""Writes to the plumb line: drafting, editing, publishing.

Every change to a draft goes through `_touch`, which bumps the draft's revision only if
it still has the revision the editor started from. Two managers editing at once cannot
overwrite each other: the second one is told, and their input is kept on screen.
"""

import functools

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from plumbline.models import Guardrail, Pillar, PlumbLineVersion, VersionPart, folded_length

# Called with (version=, by=) after a version's publication is committed. Apps built on the
# plumb line register here (stories re-checks every entry) since this app cannot import them.
_publish_listeners = []


def on_publish(listener) -> None:
    if listener not in _publish_listeners:
        _publish_listeners.append(listener)


class StaleDraftError(Exception):
    """The draft changed since the editor loaded it."""


class NotPublishableError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _touch(draft: PlumbLineVersion, expected_revision: int | None) -> None:
    """Claim the next revision of the draft, or fail if someone else got there first."""
    rows = PlumbLineVersion.objects.filter(pk=draft.pk, state=PlumbLineVersion.State.DRAFT)
    if expected_revision is not None:
        rows = rows.filter(revision=expected_revision)
    if rows.update(revision=F("revision") + 1) != 1:
        raise StaleDraftError
    draft.revision = (expected_revision or draft.revision) + 1


def _next_number() -> int:
    return (PlumbLineVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1


@transaction.atomic
def draft_start(*, by) -> PlumbLineVersion:
    """The draft to work on: the existing one, or a new copy of the current version."""
    existing = PlumbLineVersion.objects.select_for_update().draft()
    if existing:
        return existing
    current = PlumbLineVersion.objects.current()
    draft = PlumbLineVersion(
        number=_next_number(),
        statement=current.statement if current else "",
        notes="",
        created_by=by,
    )
    draft.full_clean(exclude=["statement"])
    draft.save()
    if current:
        Pillar.objects.bulk_create(p.copied_to(draft) for p in current.pillars.all())
        Guardrail.objects.bulk_create(g.copied_to(draft) for g in current.guardrails.all())
    return draft


@transaction.atomic
def draft_update(
    *, draft: PlumbLineVersion, statement: str, notes: str, expected_revision: int
) -> None:
    _touch(draft, expected_revision)
    PlumbLineVersion.objects.filter(pk=draft.pk).update(statement=statement, notes=notes)
    draft.statement, draft.notes = statement, notes


@transaction.atomic
def part_save(*, part: VersionPart, expected_revision: int) -> VersionPart:
    """Save a new or changed pillar or guardrail of the draft."""
    draft = part.version
    _touch(draft, expected_revision)
    if part.pk is None:
        siblings = type(part).objects.filter(version=draft)
        part.position = (siblings.aggregate(top=Max("position"))["top"] or 0) + 1
    part.full_clean()
    part.save()
    return part


@transaction.atomic
def part_delete(*, part: VersionPart, expected_revision: int) -> None:
    _touch(part.version, expected_revision)
    part.delete()


@transaction.atomic
def part_move(*, part: VersionPart, direction: str, expected_revision: int) -> None:
    """Swap a pillar or guardrail with its neighbour above ("up") or below ("down")."""
    _touch(part.version, expected_revision)
    siblings = list(type(part).objects.filter(version_id=part.version_id))
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == part.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(siblings):
        siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            type(part).objects.filter(pk=sibling.pk).update(position=position)


def publish_problems(version: PlumbLineVersion) -> list[str]:
    """What stops a draft from being published, in words a manager can act on."""
    problems = []
    if not version.statement.strip():
        problems.append("Write the statement: the business of the business.")
    pillars = list(version.pillars.all())
    if not pillars:
        problems.append("Add at least one pillar.")
    for pillar in pillars:
        if not [p for p in pillar.key_phrases if p.strip()]:
            problems.append(f"Give the pillar “{pillar.title}” at least one key phrase.")
    # Drafts written before phrases were measured case-folded may hold a longer one.
    limit = Guardrail.PHRASE_MAX_LENGTH
    for guardrail in version.guardrails.all():
        if folded_length(guardrail.phrase) > limit:
            problems.append(
                f"Shorten the guardrail “{guardrail.phrase}” to at most {limit} characters "
                "once case is ignored."
            )
    return problems


@transaction.atomic
def draft_publish(*, draft: PlumbLineVersion, by, expected_revision: int) -> PlumbLineVersion:
    """Freeze the draft and make it the current version."""
    draft = PlumbLineVersion.objects.select_for_update().get(pk=draft.pk)
    if draft.state != PlumbLineVersion.State.DRAFT or draft.revision != expected_revision:
        raise StaleDraftError
    problems = publish_problems(draft)
    if problems:
        raise NotPublishableError(problems)
    # Only is_current may change on a published row; the database triggers allow exactly that.
    PlumbLineVersion.objects.filter(is_current=True).update(is_current=False)
    now = timezone.now()
    PlumbLineVersion.objects.filter(pk=draft.pk).update(
        state=PlumbLineVersion.State.PUBLISHED,
        is_current=True,
        published_at=now,
        published_by=by,
        revision=F("revision") + 1,
    )
    draft.refresh_from_db()
    for listener in _publish_listeners:
        transaction.on_commit(functools.partial(listener, version=draft, by=by))
    return draft


@transaction.atomic
def draft_discard(*, draft: PlumbLineVersion) -> None:
    draft.delete()
