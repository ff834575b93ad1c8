"""An edit is written under the current plumb line: its check and tags move to that version."""

import pytest

from stories.models import Story
from tests.plumbline.factories import make_published
from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import make_story
from tests.stories.test_conversations import _form

pytestmark = pytest.mark.django_db

NEWER = [
    ("lifetime-value", "Value for life", ["total cost of ownership"]),
    ("local-experts", "Local people", ["local engineer"]),
]


def _lock_version(page: str) -> str:
    return page.split('name="lock_version" value="', 1)[1].split('"', 1)[0]


def test_a_story_edited_after_a_new_version_is_checked_against_it(client_for, cast):
    first = make_published(by=cast.manager)
    story = make_story(author=cast.marketer, version=first, pillars=("lifetime-value",))
    second = make_published(by=cast.manager, pillars=NEWER)
    http = client_for(cast.marketer)
    page = http.get(f"/stories/{story.pk}/edit/").content.decode()
    assert f'name="version" value="{second.number}"' in page  # the live check uses it too
    tagged = second.pillars.get(key="lifetime-value")
    data = {
        "title": story.title,
        "summary": story.summary,
        "body": story.body,
        "offer": "",
        "channel": story.channel,
        "audiences": [a.pk for a in story.audiences.all()],
        "pillars": [tagged.pk],
        "lock_version": _lock_version(page),
    }
    assert http.post(f"/stories/{story.pk}/edit/", data).status_code == 302
    story = Story.objects.get(pk=story.pk)
    assert story.plumbline_version == second
    assert story.checked_version == second
    assert list(story.pillars.all()) == [tagged]


def test_a_conversation_edited_after_a_new_version_keeps_its_tags_by_key(client_for, cast):
    first = make_published(by=cast.manager)
    client = make_client(cast.rep, name="Northgate Cold Store")
    conversation = make_conversation(rep=cast.rep, client=client, version=first)
    second = make_published(by=cast.manager, pillars=NEWER)
    http = client_for(cast.rep)
    page = http.get(f"/conversations/{conversation.pk}/edit/").content.decode()
    tagged = second.pillars.get(key="lifetime-value")
    assert f'value="{tagged.pk}"' in page
    data = _form(second, client=client, summary="Fixed a typo.", lock_version=_lock_version(page))
    assert http.post(f"/conversations/{conversation.pk}/edit/", data).status_code == 302
    conversation.refresh_from_db()
    assert conversation.plumbline_version == second
    assert conversation.checked_version == second
    assert [p.key for p in conversation.pillars.all()] == ["lifetime-value"]
