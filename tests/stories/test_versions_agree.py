"""Every page that shows an entry's check says which plumb-line version it shows, which one
the check used and which is current, and they agree with what is stored."""

import re

import pytest

from stories import recheck
from tests.plumbline.factories import make_published
from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    """Entries written under version 1, re-checked against version 2; version 3 is current
    and its re-check has not started."""
    v1 = make_published(by=cast.manager, statement="The first statement.")
    story = make_story(author=cast.marketer, version=v1, status="in_review")
    conversation = make_conversation(
        rep=cast.rep, client=make_client(cast.rep, "Northgate Cold Store"), version=v1
    )
    v2 = make_published(by=cast.manager, statement="The second statement.")
    run = recheck.recheck_start(version=v2)
    while recheck.recheck_batch(run.pk):
        pass
    make_published(by=cast.manager, statement="The third statement.")
    story.refresh_from_db()
    conversation.refresh_from_db()
    assert (story.plumbline_version.number, story.checked_version.number) == (1, 2)
    assert story.check_report["version"] == 2
    return story, conversation


def _text(response) -> str:
    assert response.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


VERSIONS = "written under plumb line version 1 · checked against version 2"
PENDING = "Version 3 is current; its re-check has not reached this entry yet."


def test_the_story_page(cast, client_for, world):
    story, _ = world
    text = _text(client_for(cast.manager).get(f"/stories/{story.pk}/"))
    assert VERSIONS in text
    assert "Checked against version 2" in text  # the report says the same
    assert PENDING in text


def test_the_conversation_page(cast, client_for, world):
    _, conversation = world
    text = _text(client_for(cast.rep).get(f"/conversations/{conversation.pk}/"))
    assert VERSIONS in text
    assert "Checked against version 2" in text
    assert PENDING in text


@pytest.mark.parametrize("kind", ["story", "conversation"])
def test_the_review_entry_shows_the_version_its_check_used(cast, client_for, world, kind):
    story, conversation = world
    entry = story if kind == "story" else conversation
    text = _text(client_for(cast.manager).get(f"/review/{kind}/{entry.pk}/"))
    assert VERSIONS in text
    assert PENDING in text
    # The plumb line beside the report is the one the report was checked against.
    assert "Checked against version 2" in text
    assert "Plumb line version 2, which the check used" in text
    assert "The second statement." in text
    assert "The first statement." not in text
    assert "Your verdict is recorded against plumb line version 3, the current one." in text


def test_the_review_queue_says_which_rows_were_checked_against_an_older_version(
    cast, client_for, world
):
    text = _text(client_for(cast.manager).get("/review/"))
    assert "Entries not yet judged against plumb line version 3 (the current one)" in text
    assert text.count("checked against version 2") == 2  # the story and the conversation


def test_an_entry_checked_against_the_current_version_says_so_once(cast, client_for, version):
    story = make_story(author=cast.marketer, version=version, status="in_review")
    client = client_for(cast.manager)
    text = _text(client.get(f"/stories/{story.pk}/"))
    assert f"written under and checked against plumb line version {version.number}" in text
    assert "is current;" not in text
    assert "checked against version" not in _text(client.get("/review/"))
