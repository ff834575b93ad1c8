"""Writes to stories: creating, saving without losing edits, and the publishing workflow."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from plumbline.models import PlumbLineVersion
from stories import rollups
from stories.models import (
    Client,
    Contact,
    Conversation,
    IllegalTransition,
    Review,
    Story,
    StoryRevision,
    normalized_name,
)
from stories.notifications import notify_verdict
from stories.permissions import visible_clients

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
    Story.objects.filter(pk=story.pk).update(**story.checked_values())
    rollups.figures_changed()  # a published story's check is on the dashboard
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


def _edited_under(entry):
    """An edit is written under the current plumb line, so its check matches the re-checks."""
    return PlumbLineVersion.objects.current() or entry.plumbline_version


@transaction.atomic
def story_save(*, story: Story, content: StoryContent, lock_version: int, by) -> Story:
    """Save an edit made from `lock_version`; StoryConflict if someone saved in between."""
    claimed = Story.objects.filter(
        pk=story.pk, lock_version=lock_version, status=Story.Status.DRAFT
    ).update(lock_version=F("lock_version") + 1)
    if claimed != 1:
        raise StoryConflict(saved=Story.objects.get(pk=story.pk))
    _apply(story, content)
    story.plumbline_version = _edited_under(story)
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
    story.move("publish")  # the status first: a draft is refused whatever its score
    if story.needs_publish_reason and not reason.strip():
        raise LowScoreNeedsReason
    story.published_at = timezone.now()
    story.published_by = by
    story.review_by = story.default_review_by()
    story.low_score_reason = reason.strip()
    story.save()
    if story.replaces_id:
        Story.objects.filter(pk=story.replaces_id, status=Story.Status.PUBLISHED).update(
            status=Story.Status.ARCHIVED, updated_at=timezone.now()
        )
    rollups.figures_changed()
    return story


@transaction.atomic
def story_archive(*, story: Story) -> Story:
    story = _locked(story)
    story.move("archive")
    story.save(update_fields=["status", "updated_at"])
    rollups.figures_changed()
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


# --- Conversations and clients ------------------------------------------------------------


class ConversationConflict(Exception):
    def __init__(self, saved: Conversation):
        super().__init__("The conversation changed since it was opened.")
        self.saved = saved


class ClientNameTaken(Exception):
    """Another client has this name (ignoring case and spacing), perhaps added a moment ago."""

    def __init__(self, existing: Client):
        super().__init__(f"A client named “{existing.name}” already exists.")
        self.existing = existing


def _save_client(client: Client) -> Client:
    """Save a new or renamed client; ClientNameTaken if its name is another's.

    The database decides, not a look-up beforehand, which a client added by someone else
    in the meantime would get past. The savepoint keeps the caller's transaction usable.
    """
    client.name_key = normalized_name(client.name)
    client.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError:
        existing = Client.objects.filter(name_key=client.name_key).exclude(pk=client.pk).first()
        if existing is None:
            raise
        raise ClientNameTaken(existing) from None
    return client


@transaction.atomic
def client_create(*, owner, name: str, industry: str = "", size: str = "", notes: str = ""):
    client = Client(owner=owner, name=name, industry=industry, size=size, notes=notes)
    return _save_client(client)


@transaction.atomic
def client_update(*, client: Client, name: str, industry: str, size: str, notes: str) -> Client:
    """Save an edited client (ClientNameTaken if renamed to another's name)."""
    client.name, client.industry, client.size, client.notes = name, industry, size, notes
    return _save_client(client)


def _client_for_conversation(rep, name: str) -> Client:
    """A new client named in the conversation form, or the one just added under that name
    if the rep may see it (their own, from a double tap; their team's, for a lead)."""
    try:
        return client_create(owner=rep, name=name)
    except ClientNameTaken as taken:
        if visible_clients(rep).filter(pk=taken.existing.pk).exists():
            return taken.existing
        raise


@transaction.atomic
def contact_save(*, contact: Contact, name: str, role: str, email: str, phone: str) -> Contact:
    """Save a new or changed contact of the client it belongs to."""
    contact.name, contact.role, contact.email, contact.phone = name, role, email, phone
    contact.full_clean()
    contact.save()
    return contact


def _new_contacts(client: Client, people) -> list[Contact]:
    """The people named with a new client as (name, role) pairs, made in the caller's
    transaction; one the client has already (it was just added, see
    _client_for_conversation) is not made twice."""
    known = {contact.name.casefold(): contact for contact in client.contacts.all()}
    contacts = []
    for name, role in people:
        contact = known.get(name.casefold()) or Contact(client=client, name=name, role=role)
        if contact.pk is None:
            contact.full_clean()
            contact.save()
        contacts.append(contact)
    return contacts


def _record_conversation(conversation: Conversation, data: dict) -> None:
    conversation.contacts.set(data.get("contacts") or [])
    conversation.tco_topics.set(data.get("tco_topics") or [])
    conversation.stories_used.set(data.get("stories_used") or [])
    pillars = list(data["pillars"])
    conversation.pillars.set(pillars)
    conversation.run_check([p.key for p in pillars])
    Conversation.objects.filter(pk=conversation.pk).update(**conversation.checked_values())


def conversation_log(*, rep, version, data: dict, token=None) -> tuple[Conversation, bool]:
    """Log a conversation; with the form's token, a second submit returns the first one.

    A new client (data["new_client"]) comes with the people named in data["new_contacts"],
    who were there; anything invalid leaves no client, contact or conversation behind.

    Returns (conversation, created).
    """
    if token:
        existing = Conversation.objects.filter(rep=rep, submission_token=token).first()
        if existing:
            return existing, False
    try:
        with transaction.atomic():
            client = data.get("client") or _client_for_conversation(rep, data["new_client"])
            if data.get("new_contacts"):
                data = {**data, "contacts": _new_contacts(client, data["new_contacts"])}
            conversation = Conversation(
                rep=rep, client=client, plumbline_version=version, submission_token=token
            )
            for name in Conversation.RECORD_FIELDS:
                setattr(conversation, name, data.get(name) or getattr(conversation, name))
            conversation.full_clean(exclude=["plumbline_version", "client", "rep"])
            conversation.save()
            _record_conversation(conversation, data)
            rollups.record_created([conversation.pk])
    except IntegrityError:
        # Two submits raced past the lookup above; the other one won.
        existing = Conversation.objects.filter(rep=rep, submission_token=token).first()
        if token and existing:
            return existing, False
        raise
    return conversation, True


@transaction.atomic
def conversation_save(*, conversation: Conversation, data: dict, lock_version: int):
    claimed = Conversation.objects.filter(pk=conversation.pk, lock_version=lock_version).update(
        lock_version=F("lock_version") + 1
    )
    if claimed != 1:
        raise ConversationConflict(saved=Conversation.objects.get(pk=conversation.pk))
    with rollups.tracking([conversation.pk]):
        conversation.client = data["client"]
        for name in Conversation.RECORD_FIELDS:
            value = data.get(name) if name in data else getattr(conversation, name)
            setattr(conversation, name, value)
        conversation.plumbline_version = _edited_under(conversation)
        conversation.lock_version = lock_version + 1
        conversation.full_clean(exclude=["plumbline_version"])
        conversation.save()
        _record_conversation(conversation, data)
    return conversation


@transaction.atomic
def conversation_delete(*, conversation: Conversation) -> None:
    """Delete a conversation for good (its reviews go with it)."""
    with rollups.tracking([conversation.pk]):
        Conversation.objects.filter(pk=conversation.pk).delete()


# --- Reviews ------------------------------------------------------------------------------


@transaction.atomic
def review_create(*, entry, reviewer, verdict: str, comment: str, version) -> Review:
    """Record a verdict; the author hears of it on their home page and, after commit, by email."""
    review = Review(
        story=entry if isinstance(entry, Story) else None,
        conversation=entry if isinstance(entry, Conversation) else None,
        reviewer=reviewer,
        verdict=verdict,
        comment=comment,
        plumbline_version=version,
    )
    review.full_clean()
    review.save()
    notify_verdict(review)
    return review
