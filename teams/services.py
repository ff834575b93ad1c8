"""Writes about people and teams that touch more than one model."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from teams.models import Membership, Session, Team, User


@transaction.atomic
def person_create(
    *,
    username: str,
    email: str,
    first_name: str = "",
    last_name: str = "",
    password: str = "",
    team: Team | None = None,
    role: str = Membership.Role.MEMBER,
    invite_base_url: str = "",
) -> User:
    """Create a person; without a password they get an email inviting them to choose one."""
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    # A random password rather than an unusable one, so "forgot password" works for them too.
    user.set_password(password or get_random_string(48))
    user.full_clean()
    user.save()
    if team is not None:
        membership_set(user=user, team=team, role=role)
    if not password:
        transaction.on_commit(lambda: send_invitation(user=user, base_url=invite_base_url))
    return user


def send_invitation(*, user: User, base_url: str) -> None:
    link = base_url + reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {"user": user, "link": link, "timeout_days": settings.PASSWORD_RESET_TIMEOUT // 86400}
    send_mail(
        subject="You're invited to Plumbline",
        message=render_to_string("teams/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def membership_set(*, user: User, team: Team, role: str) -> Membership:
    membership = Membership.objects.filter(user=user, team=team).first()
    membership = membership or Membership(user=user, team=team)
    membership.role = role
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    membership.delete()


@transaction.atomic
def person_update(*, person: User, first_name: str, last_name: str, email: str) -> User:
    person.first_name, person.last_name, person.email = first_name, last_name, email
    person.full_clean()
    person.save(update_fields=["first_name", "last_name", "email"])
    return person


@transaction.atomic
def person_deactivate(*, person: User) -> int:
    """Deactivate someone and end every session they have, at once. Returns sessions ended."""
    person.is_active = False
    person.save(update_fields=["is_active"])
    ended, _ = Session.objects.filter(user=person).delete()
    return ended


def person_reactivate(*, person: User) -> None:
    person.is_active = True
    person.save(update_fields=["is_active"])
