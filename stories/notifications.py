"""Telling people what concerns them: on their home page, and by email once committed."""

import logging

from django.core.mail import send_mail, send_mass_mail
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from plumbline.models import PlumbLineVersion
from stories.models import Notification, Review, Story
from teams.models import User

logger = logging.getLogger(__name__)


def _send_logged(send) -> None:
    """A mail server that is down must not turn a saved verdict into an error page."""
    try:
        send()
    except Exception:
        logger.exception("Could not send a notification email")


def _mail_after_commit(subject: str, body: str, recipients: list[str]) -> None:
    """Send only if the surrounding transaction commits: no email about a rolled-back change."""
    recipients = [address for address in recipients if address]
    if recipients:
        transaction.on_commit(
            lambda: _send_logged(lambda: send_mail(subject, body, None, recipients))
        )


def notify_verdict(review: Review) -> None:
    entry = review.entry
    author = entry.author if isinstance(entry, Story) else entry.rep
    verdict = review.get_verdict_display().lower()
    message = f"{review.reviewer} judged “{entry}” {verdict}."
    Notification.objects.create(
        user=author,
        kind=Notification.Kind.VERDICT,
        message=message[:300],
        url=entry.get_absolute_url(),
    )
    body = message + (f"\n\nTheir comment:\n{review.comment}" if review.comment else "")
    _mail_after_commit(f"Plumbline: {verdict} — {entry}"[:150], body, [author.email])


def _with_a_team():
    return User.objects.filter(is_active=True, memberships__isnull=False).distinct()


def _new_version_message(version: PlumbLineVersion) -> str:
    return f"Version {version.number} of the plumb line is published."


def notify_new_version(version, *, by=None) -> int:
    """Everyone with a team hears about a new plumb line: on their home page at once, and by
    email from the task worker once this commits. Returns how many were told."""
    people = list(_with_a_team())
    Notification.objects.bulk_create(
        Notification(
            user=person,
            kind=Notification.Kind.NEW_VERSION,
            message=_new_version_message(version),
            url=version.get_absolute_url(),
        )
        for person in people
    )
    # Thousands of emails would keep the manager's publish request waiting on the mail server.
    transaction.on_commit(lambda: new_version_email.enqueue(version.pk))
    return len(people)


@task
def new_version_email(version_id: int) -> int:
    """One email to each person with a team (nobody sees the others' addresses); returns how
    many were sent."""
    version = PlumbLineVersion.objects.get(pk=version_id)
    message = _new_version_message(version)
    body = f"{message}\n\n{version.statement}\n\nSee what changed in Plumbline's history."
    addresses = _with_a_team().exclude(email="").order_by("email").values_list("email", flat=True)
    return send_mass_mail([(message, body, None, [address]) for address in addresses])


def notify_stale_stories(today=None) -> int:
    """Tell each author, once, about their published stories past the review-by date."""
    today = today or timezone.localdate()
    told = 0
    for story in Story.objects.stale(today).select_related("author"):
        url = story.get_absolute_url()
        already = Notification.objects.filter(
            user=story.author,
            kind=Notification.Kind.STALE_STORY,
            url=url,
            created_at__date__gte=story.review_by,
        )
        if already.exists():
            continue
        message = f"“{story}” passed its review-by date ({story.review_by:%d %b %Y})."
        with transaction.atomic():
            Notification.objects.create(
                user=story.author,
                kind=Notification.Kind.STALE_STORY,
                message=message[:300],
                url=url,
            )
            _mail_after_commit(
                "Plumbline: a story is due for review", message, [story.author.email]
            )
        told += 1
    return told
