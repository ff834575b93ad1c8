"""A form sent back with errors opens with one summary of them, each linking to its field
(the GOV.UK pattern), whichever way the page renders its form; and the form's widgets look
the same as before it was sent."""

import re
import uuid
from html import unescape

import pytest

from tests.stories.conversation_factories import make_client, make_conversation

pytestmark = pytest.mark.django_db


def _summary(response) -> list[tuple[str, str]]:
    """The error summary's (link target, message) pairs; fails unless there is exactly one."""
    html = response.content.decode()
    boxes = re.findall(r'<div class="[^"]*error-summary[^"]*"(.*?)</div>', html, flags=re.S)
    assert len(boxes) == 1, boxes
    [box] = boxes
    assert 'role="alert"' in box
    assert ">There is a problem</h2>" in box
    return [
        (href, unescape(message).strip())
        for href, message in re.findall(r'<li><a href="([^"]*)">(.*?)</a></li>', box)
    ]


def test_a_shared_form(client_for, cast, version):
    """_form.html: {{ form|crispy }}, here the contact form."""
    client = make_client(cast.rep, "Northgate Cold Store")
    data = {"name": "", "role": "", "email": "not an email", "phone": ""}
    response = client_for(cast.rep).post(f"/clients/{client.pk}/contacts/new/", data)
    assert response.status_code == 200
    assert _summary(response) == [
        ("#id_name", "This field is required."),
        ("#id_email", "Enter a valid email address."),
    ]


def test_a_form_with_a_helper(client_for, cast, version):
    """{% crispy form helper %}, here the dashboard's filters with a field error."""
    response = client_for(cast.manager).get("/dashboard/", {"since": "someday"})
    assert response.status_code == 200
    assert _summary(response) == [("#id_since", "Enter a valid date.")]


def test_a_form_error_that_is_no_fields(client_for, cast, version):
    """Errors of the whole form come first, without a link."""
    response = client_for(cast.manager).get(
        "/dashboard/", {"since": "2026-09-07", "until": "2026-01-01"}
    )
    html = unescape(response.content.decode())
    assert _summary(response) == []
    assert "<li>The start date must come before the end date." in html


def test_the_sign_in_form(client_for, cast):
    response = client_for(None).post("/accounts/login/", {"username": "rep", "password": ""})
    assert _summary(response) == [("#id_password", "This field is required.")]


def test_the_conversation_form(client_for, cast, version):
    """Laid out field by field; a checkbox group links to its first box."""
    data = {
        "version": version.number,
        "submission_token": str(uuid.uuid4()),
        "new_client": "Acme Robotics",
        "occurred_at": "",
        "channel": "call",
        "summary": "",
    }
    response = client_for(cast.rep).post("/conversations/new/", data)
    assert _summary(response) == [
        ("#id_occurred_at", "This field is required."),
        ("#id_summary", "This field is required."),
        ("#id_pillars_0", "Tag at least one pillar."),
    ]
    assert 'id="id_pillars_0"' in response.content.decode()


def test_the_people_at_the_client_look_the_same_when_the_form_comes_back(client_for, cast, version):
    """The boxes htmx loads when a client is chosen, and those of the form sent back."""
    client = make_client(cast.rep, "Northgate Cold Store", contacts=[("Amara Osei", "Owner")])
    make_conversation(rep=cast.rep, client=client, version=version)
    [contact] = client.contacts.all()
    browser = client_for(cast.rep)
    loaded = browser.get("/clients/contact-options/", {"client": client.pk}).content.decode()
    data = {
        "version": version.number,
        "client": client.pk,
        "contacts": [contact.pk],
        "occurred_at": "",
        "channel": "call",
        "summary": "Called.",
    }
    sent_back = browser.post("/conversations/new/", data).content.decode()
    box = r'<input[^>]*name="contacts"[^>]*>'
    [before] = re.findall(box, loaded)
    [after] = re.findall(box, sent_back)
    assert 'class="form-check-input"' in before
    assert 'class="form-check-input"' in after
    assert "checked" in after


def test_the_story_editor(client_for, cast, version):
    """The story editor lays its fields out one by one and includes the summary itself."""
    response = client_for(cast.marketer).post("/stories/new/", {"title": "", "channel": "web"})
    assert response.status_code == 200
    links = dict(_summary(response))
    assert links["#id_title"] == "This field is required."
    assert "#id_pillars_0" in links
