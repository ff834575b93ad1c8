"""A manager's coaching comment reads as it was written (Markdown, sanitized like notes)
wherever it shows: Home, the review entry, the entry's own page and the email."""

import pytest

from stories import services
from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import make_story

pytestmark = pytest.mark.django_db

COMMENT = (
    "Two things:\n\n- Say **added value**\n- Lead with the savings\n\n<script>alert(1)</script>"
)
LIST = "<ul>\n<li>Say <strong>added value</strong></li>\n<li>Lead with the savings</li>\n</ul>"


@pytest.fixture
def judged(cast, version, mailoutbox, django_capture_on_commit_callbacks):
    conversation = make_conversation(
        rep=cast.rep, client=make_client(cast.rep, "Northgate Cold Store"), version=version
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.review_create(
            entry=conversation,
            reviewer=cast.manager,
            verdict="needs_work",
            comment=COMMENT,
            version=version,
        )
    return conversation


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("rep", "/"),
        ("rep", "/conversations/{pk}/"),
        ("manager", "/review/conversation/{pk}/"),
    ],
)
def test_the_comment_is_rendered_as_markdown(cast, client_for, judged, name, url):
    html = _html(client_for(getattr(cast, name)).get(url.format(pk=judged.pk)))
    assert LIST in html
    assert "alert(1)" not in html


def test_the_email_keeps_the_line_breaks(judged, mailoutbox):
    [email] = mailoutbox
    assert "Two things:\n\n- Say **added value**\n- Lead with the savings" in email.body


def test_a_send_back_comment_is_rendered_as_markdown(cast, client_for, version):
    story = make_story(author=cast.marketer, version=version, status="in_review")
    services.story_send_back(story=story, comment=COMMENT)
    client = client_for(cast.marketer)
    for url in ("/", f"/stories/{story.pk}/"):
        html = _html(client.get(url))
        assert LIST in html, url
        assert "alert(1)" not in html, url


def test_a_send_back_comment_reads_as_written_in_the_editor(cast, client_for, version):
    story = services.story_submit(story=make_story(author=cast.marketer, version=version))
    services.story_send_back(story=story, comment=COMMENT)
    html = _html(client_for(cast.marketer).get(f"/stories/{story.pk}/edit/"))
    assert LIST in html
    assert "alert(1)" not in html
