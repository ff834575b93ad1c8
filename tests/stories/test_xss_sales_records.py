"""Every field of clients, contacts and conversations that a page renders, fed hostile text.

These pages carry the app's own forms and inputs, so the test compares each page with the
same page rendered from harmless text: the payload must add no executable markup at all.
"""

from collections import Counter

import pytest
from django.utils import timezone

from stories import services
from stories.models import Client, Contact, Conversation
from tests.plumbline.factories import make_published
from tests.xss_corpus import PAYLOADS, xss_problems

pytestmark = pytest.mark.django_db


def _kinds(html: str) -> Counter:
    """Problems by kind ("forbidden tag <select>"), without the fragment that varies."""
    return Counter(problem.split(":", 1)[0] for problem in xss_problems(html))


def _render(http, paths) -> dict[str, Counter]:
    found = {}
    for path in paths:
        response = http.get(path)
        assert response.status_code == 200, path
        found[path] = _kinds(response.content.decode())
    return found


@pytest.mark.parametrize("index", range(len(PAYLOADS)))
def test_no_payload_survives_on_sales_pages(client_for, cast, index):
    payload = PAYLOADS[index]
    version = make_published(by=cast.manager)
    client = services.client_create(owner=cast.rep, name="Harmless client")
    contact = Contact.objects.create(client=client, name="Harmless person")
    conversation, _ = services.conversation_log(
        rep=cast.rep,
        version=version,
        data={
            "client": client,
            "occurred_at": timezone.now(),
            "channel": "call",
            "summary": "Harmless summary",
            "notes": "Harmless notes",
            "contacts": [contact],
            "pillars": list(version.pillars.all()),
        },
    )
    http = client_for(cast.rep)
    paths = [
        f"/conversations/{conversation.pk}/",
        "/conversations/",
        f"/clients/{client.pk}/",
        "/clients/",
        "/clients/search/",
        f"/clients/contact-options/?client={client.pk}",
    ]
    harmless = _render(http, paths)

    Client.objects.filter(pk=client.pk).update(
        name=payload[:200], industry=payload[:120], notes=payload
    )
    Contact.objects.filter(pk=contact.pk).update(name=payload[:160], role=payload[:120])
    Conversation.objects.filter(pk=conversation.pk).update(
        summary=payload[:300],
        notes=payload,
        client_goals=payload,
        risks=payload,
        outcome=payload[:300],
        next_step=payload[:300],
    )
    hostile = _render(http, paths)
    for path in paths:
        assert hostile[path] - harmless[path] == Counter(), (path, payload)
