"""What a list's rows show: the score badge and the line of details."""

import re

import pytest

from plumbline.consistency import BAND_NEEDS_ATTENTION
from stories.models import Conversation, Story
from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import make_story

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_conversation_rows(client_for, cast, version):
    client = make_client(owner=cast.rep, name="Harbour Mill")
    scored = make_conversation(
        rep=cast.rep, client=client, version=version, summary="Scored.", tco=("warranty",)
    )
    Conversation.objects.filter(pk=scored.pk).update(score=47, band=BAND_NEEDS_ATTENTION)
    make_conversation(rep=cast.rep, client=client, version=version, summary="Not scored.")
    Conversation.objects.filter(summary="Not scored.").update(score=None, band="")
    content = _html(client_for(cast.rep).get("/conversations/"))
    assert '<span class="badge text-bg-warning" title="Needs attention">47</span>' in content
    assert '<span class="text-body-secondary">—</span>' in content
    details = re.findall(r'<p class="small text-body-secondary mb-0">(.*?)</p>', content)
    assert len(details) == 2, details
    assert all(f" · {cast.rep} · Value over the whole life" in line for line in details)
    assert sum(line.endswith(" · TCO: warranty") for line in details) == 1
    assert not any(" ·  · " in line or line.endswith(" · ") for line in details)


def test_library_rows_leave_out_what_a_story_lacks(client_for, cast, version):
    make_story(author=cast.marketer, version=version, status="draft", title="No audience yet")
    content = _html(client_for(cast.marketer).get("/stories/"))
    [details] = re.findall(r'<p class="small text-body-secondary mb-0">(.*?)</p>', content)
    assert details.endswith(f"by {cast.marketer}")  # no audience, not published
    assert " ·  · " not in details
    assert "published" not in details


def test_queue_rows_name_their_kind(client_for, cast, version):
    story = make_story(author=cast.marketer, version=version, status="published")
    Story.objects.filter(pk=story.pk).update(score=30, band="off_message")
    content = _html(client_for(cast.manager).get("/review/"))
    assert '<span class="badge text-bg-danger" title="Off message">30</span>' in content
    assert "<td>Story</td>" in content
