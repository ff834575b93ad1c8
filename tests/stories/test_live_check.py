"""The check beside the story and conversation editors, as the author types
(stories/live_check.py): the same rules for both kinds of entry."""

from dataclasses import dataclass

import pytest
from django.test import Client

from tests.plumbline.factories import make_draft, make_published

pytestmark = pytest.mark.django_db

# The check report's score, "Score 100 out of 100" to screen readers.
SCORE = "Score </span>"


@dataclass(frozen=True)
class Editor:
    url: str
    writer: str  # the cast member who writes this kind of entry
    text: str  # the field the tests put their words in
    fields: dict  # the rest of the form
    refused: str  # a cast member who may not write it
    refused_status: int  # 403, or 404 where the page is none of their business

    def data(self, plumb_line, **overrides):
        pillar = plumb_line.pillars.get(key="lifetime-value")
        return {"version": plumb_line.number, **self.fields, "pillars": [pillar.pk], **overrides}


STORY = Editor(
    url="/stories/check/",
    writer="marketer",
    text="body",
    fields={
        "title": "Spring offer",
        "summary": "",
        "body": "Our discounted installs.",
        "offer": "",
    },
    refused="rep",
    refused_status=403,
)
CONVERSATION = Editor(
    url="/conversations/check/",
    writer="rep",
    text="notes",
    fields={"summary": "Call with the owner.", "notes": "they asked for a discounted install"},
    refused="manager",
    refused_status=404,
)


@pytest.fixture(params=[STORY, CONVERSATION], ids=["story", "conversation"])
def editor(request):
    return request.param


def _post(client_for, cast, editor, data, *, as_=None):
    response = client_for(getattr(cast, as_ or editor.writer)).post(editor.url, data)
    return response, response.content.decode()


def test_it_works(client_for, cast, version, editor):
    response, content = _post(client_for, cast, editor, editor.data(version))
    assert response.status_code == 200
    assert "added value" in content
    assert "“discounted”" in content
    assert "Tagged but not told yet" in content
    assert "<html" not in content  # a fragment for htmx, not a page


def test_the_report_follows_the_text(client_for, cast, version, editor):
    text = "The total cost of ownership and lifetime savings."
    _, content = _post(client_for, cast, editor, editor.data(version, **{editor.text: text}))
    assert "No words to avoid." in content
    assert f"{SCORE}100<span" in content


@pytest.mark.parametrize("number", ["999", "abc", "", "-1", "1.0", "²", "9" * 30])
def test_unknown_version_gets_404(client_for, cast, version, editor, number):
    response, content = _post(client_for, cast, editor, editor.data(version, version=number))
    assert response.status_code == 404
    assert SCORE not in content


def test_the_draft_is_404_to_its_writer(client_for, cast, version, editor):
    draft = make_draft(by=cast.manager, guardrails=[("bargainbin", "the drafted wording", "error")])
    data = editor.data(draft, **{editor.text: "the bargainbin"}, pillars=[draft.pillars.first().pk])
    response, content = _post(client_for, cast, editor, data)
    assert response.status_code == 404
    assert "the drafted wording" not in content


def test_a_manager_may_check_a_story_against_the_draft(client_for, cast, version):
    draft = make_draft(by=cast.manager, guardrails=[("bargainbin", "the drafted wording", "error")])
    data = STORY.data(draft, body="the bargainbin", pillars=[draft.pillars.first().pk])
    _, content = _post(client_for, cast, STORY, data, as_="manager")
    assert "the drafted wording" in content


def test_pillar_of_another_version_gets_400(client_for, cast, version, editor):
    old_pillar = version.pillars.get(key="lifetime-value")
    newer = make_published(by=cast.manager)
    data = editor.data(newer, pillars=[old_pillar.pk])
    response, content = _post(client_for, cast, editor, data)
    assert response.status_code == 400
    assert content == "Choose pillars from the list."


def test_tampered_pillar_gets_400(client_for, cast, version, editor):
    response, content = _post(client_for, cast, editor, editor.data(version, pillars=["x"]))
    assert response.status_code == 400
    assert content == "Choose pillars from the list."


def test_it_requires_post(client_for, cast, version, editor):
    response = client_for(getattr(cast, editor.writer)).get(editor.url, editor.data(version))
    assert response.status_code == 400
    assert response.content.decode() == "Send the text to check it."


def test_read_only_is_refused(client_for, cast, version, editor):
    response, content = _post(client_for, cast, editor, editor.data(version), as_=editor.refused)
    assert response.status_code == editor.refused_status
    assert SCORE not in content


def test_it_needs_csrf(cast, version, editor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(getattr(cast, editor.writer))
    response = browser.post(editor.url, editor.data(version))
    assert response.status_code == 403
    assert "sent without the security check" in response.content.decode()
