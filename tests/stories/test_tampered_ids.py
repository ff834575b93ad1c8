"""Ids no database row can have (longer than 2**63, which SQLite refuses with an error)
get a 404 or a form error, never a 500: in filters, searches and the entry forms."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("version")]
HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "url",
    [
        f"/conversations/?rep={HUGE}",
        f"/conversations/?client={HUGE}",
        f"/stories/?audience={HUGE}",
        f"/stories/?author={HUGE}",
        f"/review/?person={HUGE}",
        f"/review/?team={HUGE}",
        f"/dashboard/?team={HUGE}",
        f"/conversations/new/?client={HUGE}",
        f"/clients/contact-options/?client={HUGE}",
        f"/conversations/story-options/?stories_used={HUGE}",
        # Entry pages, whose queries are compiled once with the id as a parameter.
        f"/stories/{HUGE}/",
        f"/clients/{HUGE}/",
        f"/conversations/{HUGE}/",
    ],
)
def test_in_filters_and_searches(client_for, cast, url):
    assert client_for(cast.admin).get(url).status_code in (200, 404)


@pytest.mark.parametrize("field", ["client", "stories_used", "contacts", "tco_topics", "pillars"])
def test_in_the_conversation_form(client_for, cast, field):
    response = client_for(cast.rep).post("/conversations/new/", {field: HUGE, "summary": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors[field]


@pytest.mark.parametrize("field", ["audiences", "pillars"])
def test_in_the_story_form(client_for, cast, field):
    response = client_for(cast.marketer).post("/stories/new/", {field: HUGE, "title": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors[field]
