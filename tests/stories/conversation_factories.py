"""Small creators for clients, contacts and conversations, through the real services.

Conversations are logged with services.conversation_log, so their stored check (score,
band, report) is the one the app itself computes.
"""

import itertools
from datetime import timedelta

from django.utils import timezone

from stories import services
from stories.models import Client, Contact, Conversation, TcoTopic

_numbers = itertools.count(1)


def make_client(owner, name=None, contacts=(), **fields) -> Client:
    """A client owned by `owner`; contacts are names or (name, role) pairs."""
    client = services.client_create(owner=owner, name=name or f"Client {next(_numbers)}", **fields)
    for contact in contacts:
        contact_name, role = (contact, "") if isinstance(contact, str) else contact
        Contact.objects.create(client=client, name=contact_name, role=role)
    return client


def make_conversation(
    *,
    rep,
    client,
    version,
    summary="Walked the site and talked it through.",
    notes="We went through the total cost of ownership and the lifetime savings.",
    pillars=("lifetime-value",),
    stories=(),
    when=None,
    token=None,
    channel=Conversation.Channel.CALL,
    contacts=(),
    tco=(),
    **fields,
) -> Conversation:
    """A conversation `rep` logged with `client`; `when` defaults to an hour ago.

    `pillars` are keys of `version`'s pillars, `tco` TCO topic keys (e.g. "warranty").
    """
    data = {
        "client": client,
        "occurred_at": when or timezone.now() - timedelta(hours=1),
        "channel": channel,
        "summary": summary,
        "notes": notes,
        "contacts": list(contacts),
        "tco_topics": list(TcoTopic.objects.filter(key__in=tco)),
        "stories_used": list(stories),
        "pillars": list(version.pillars.filter(key__in=pillars)),
        **fields,
    }
    conversation, _ = services.conversation_log(rep=rep, version=version, data=data, token=token)
    return conversation
