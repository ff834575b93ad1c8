"""An empty list says why: nothing yet, or nothing that matches the filter, with a link
that clears it."""

import pytest

from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import make_story

pytestmark = pytest.mark.django_db

CLEAR = "Clear the filters"


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def world(cast, version):
    client = make_client(cast.rep, "Northgate Cold Store")
    make_conversation(rep=cast.rep, client=client, version=version)
    make_story(author=cast.marketer, version=version, status="in_review")
    make_story(author=cast.marketer, version=version, status="published", published_by=cast.manager)


@pytest.mark.parametrize(
    ("name", "url", "nothing_yet", "no_match"),
    [
        (
            "rep",
            "/clients/?q=zzz",
            "No clients here yet.",
            "No clients match this search.",
        ),
        (
            "rep",
            "/conversations/?band=off_message",
            "No conversations here yet.",
            "No conversations match these filters.",
        ),
        (
            "manager",
            "/stories/?q=zzz",
            "No stories yet.",
            "No stories match these filters.",
        ),
        (
            "manager",
            "/review/?band=needs_attention",
            "Nothing waiting for review.",
            "Nothing in the queue matches these filters.",
        ),
    ],
)
def test_under_a_filter_the_empty_list_says_nothing_matches(
    cast, client_for, world, name, url, nothing_yet, no_match
):
    html = _html(client_for(getattr(cast, name)).get(url))
    assert no_match in html
    assert nothing_yet not in html
    path = url.partition("?")[0]
    clear = "Clear the search" if path == "/clients/" else CLEAR
    assert f'<a href="{path}">{clear}</a>' in html


@pytest.mark.parametrize(
    ("name", "url", "nothing_yet"),
    [
        ("rep", "/clients/", "No clients here yet."),
        ("rep", "/conversations/", "No conversations here yet."),
        ("manager", "/stories/", "No stories yet."),
        ("manager", "/review/", "Nothing waiting for review."),
        ("manager", "/review/?filters=open", "Nothing waiting for review."),
    ],
)
def test_without_a_filter_it_says_there_is_nothing_yet(
    cast, client_for, version, name, url, nothing_yet
):
    html = _html(client_for(getattr(cast, name)).get(url))
    assert nothing_yet in html
    assert "Clear the" not in html
