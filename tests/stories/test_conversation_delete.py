"""Deleting a conversation: the rep who logged it, after confirming; nobody else."""

import pytest

from stories.models import Conversation, ConversationRollup, Review
from tests.plumbline.factories import make_published
from tests.stories.conversation_factories import make_client, make_conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(cast):
    version = make_published(by=cast.manager)
    return make_conversation(rep=cast.rep, client=make_client(cast.rep), version=version)


def url(conversation):
    return f"/conversations/{conversation.pk}/delete/"


def test_the_rep_confirms_first(client_for, cast, conversation):
    response = client_for(cast.rep).get(url(conversation))
    assert response.status_code == 200
    assert b"Delete the conversation" in response.content
    assert Conversation.objects.filter(pk=conversation.pk).exists()


def test_the_rep_deletes_it_and_its_reviews_and_summaries(client_for, cast, conversation):
    Review.objects.create(
        conversation=conversation,
        reviewer=cast.manager,
        verdict="on_message",
        plumbline_version=conversation.plumbline_version,
    )
    response = client_for(cast.rep).post(url(conversation))
    assert response.status_code == 302
    assert response.url == "/conversations/"
    assert not Conversation.objects.filter(pk=conversation.pk).exists()
    assert not Review.objects.exists()
    assert not ConversationRollup.objects.exists()


@pytest.mark.parametrize("role", ["sales_lead", "manager", "teammate"])
def test_nobody_else_can(client_for, cast, conversation, role):
    response = client_for(getattr(cast, role)).post(url(conversation))
    assert response.status_code in (403, 404)
    assert Conversation.objects.filter(pk=conversation.pk).exists()


def test_a_missing_conversation_is_404(client_for, cast, conversation):
    assert client_for(cast.rep).post("/conversations/999999/delete/").status_code == 404
    assert Conversation.objects.filter(pk=conversation.pk).exists()
