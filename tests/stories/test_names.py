"""One name for one thing: a conversation is called the same wherever it is named."""

import re
from datetime import UTC, datetime

import pytest

from stories import services
from stories.models import Conversation
from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import make_story

pytestmark = pytest.mark.django_db

LABEL = "Meeting with Northgate Cold Store on 6 Dec 2026"


@pytest.fixture
def meeting(cast, version, settings):
    settings.TIME_ZONE = "Europe/Berlin"  # 23:30 UTC on the 5th is the 6th there
    return make_conversation(
        rep=cast.rep,
        client=make_client(cast.rep, "Northgate Cold Store"),
        version=version,
        summary="Walked the cold rooms.\nThen the roof.",
        channel=Conversation.Channel.MEETING,
        when=datetime(2026, 12, 5, 23, 30, tzinfo=UTC),
    )


def _text(response) -> str:
    assert response.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_model_names_it_by_channel_client_and_local_day(meeting):
    assert meeting.label == LABEL
    assert str(meeting) == LABEL


def test_the_review_queue_and_entry_use_the_name(cast, client_for, meeting):
    client = client_for(cast.manager)
    assert LABEL in _text(client.get("/review/"))
    assert LABEL in _text(client.get(f"/review/conversation/{meeting.pk}/"))


def test_home_the_notification_and_the_email_use_the_name(
    cast, client_for, meeting, version, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.review_create(
            entry=meeting, reviewer=cast.manager, verdict="on_message", comment="", version=version
        )
    home = _text(client_for(cast.rep).get("/"))
    recent = home.split("My recent conversations", 1)[1]
    assert LABEL in recent
    feedback = home.split("Feedback on my work", 1)[1]
    assert LABEL in feedback
    assert f"judged “{LABEL}”" in home.split("For you", 1)[1]
    [email] = mailoutbox
    assert LABEL in email.subject
    assert LABEL in email.body


def test_the_client_timeline_and_the_conversation_page_use_the_name(cast, client_for, meeting):
    client = client_for(cast.rep)
    assert LABEL in _text(client.get(f"/clients/{meeting.client.pk}/"))
    page = client.get(f"/conversations/{meeting.pk}/").content.decode()
    assert f"<title>{LABEL}" in page


def test_a_storys_page_names_the_conversations_that_used_it(cast, client_for, version):
    story = make_story(
        author=cast.marketer,
        version=version,
        status="published",
        published_by=cast.manager,
    )
    told = make_conversation(
        rep=cast.rep,
        client=make_client(cast.rep, "Brindle Brewing Co."),
        version=version,
        stories=[story],
    )
    assert told.label in _text(client_for(cast.manager).get(f"/stories/{story.pk}/"))
