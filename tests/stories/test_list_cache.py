"""The list pages' rows come from the cache while nothing they show has changed, and any
change shows on the next request (stories/list_cache.py)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from stories import generations, recheck, services
from stories.models import TcoTopic
from tests.plumbline.factories import make_published
from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def list_cache_on():
    cache.clear()
    with override_settings(PLUMBLINE_LIST_CACHE_SECONDS=60):
        yield
    cache.clear()


@pytest.fixture
def world(cast, version):
    client = make_client(cast.rep, "Northgate Cold Store")
    conversation = make_conversation(rep=cast.rep, client=client, version=version, tco=["price"])
    story = make_story(author=cast.marketer, version=version, status="published", title="Cold")
    return client, conversation, story


def _page(client, url) -> tuple[str, list[str]]:
    """The page's main part (the layout around it holds a new CSP nonce and CSRF token on
    every request) and the SQL of the queries it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return main, [query["sql"] for query in queries]


@pytest.mark.parametrize(
    ("who", "url", "table"),
    [
        ("rep", "/conversations/", "stories_conversation"),
        ("manager", "/conversations/", "stories_conversation"),
        ("marketer", "/stories/", "stories_story"),
        ("manager", "/review/", "stories_conversation"),
    ],
)
def test_a_list_seen_again_reads_none_of_its_rows(
    cast, client_for, world, list_cache_on, who, url, table
):
    browser = client_for(getattr(cast, who))
    first, read = _page(browser, url)
    assert any(table in sql for sql in read)
    again, read_again = _page(browser, url)
    assert again == first
    assert not any(f'FROM "{table}"' in sql for sql in read_again), read_again


def test_a_filtered_list_is_not_cached(cast, client_for, world, list_cache_on):
    browser = client_for(cast.rep)
    _page(browser, "/conversations/?channel=call")
    _, read = _page(browser, "/conversations/?channel=call")
    assert any('FROM "stories_conversation"' in sql for sql in read)


def test_each_viewer_has_rows_of_their_own(cast, client_for, world, version, list_cache_on):
    make_conversation(
        rep=cast.other_rep, client=make_client(cast.other_rep, "Southgate Dairy"), version=version
    )
    mine, _ = _page(client_for(cast.rep), "/conversations/")
    theirs, _ = _page(client_for(cast.other_rep), "/conversations/")
    assert "Northgate Cold Store" in mine and "Southgate Dairy" not in mine
    assert "Southgate Dairy" in theirs and "Northgate Cold Store" not in theirs


def _log_another(cast, world, version):
    make_conversation(rep=cast.rep, client=world[0], version=version, summary="Came back later.")
    return "/conversations/", "rep", "Came back later."


def _rename_the_client(cast, world, version):
    services.client_update(
        client=world[0], name="Northgate Freezers", industry="", size="", notes=""
    )
    return "/conversations/", "rep", "Northgate Freezers"


def _relabel_a_topic(cast, world, version):
    topic = TcoTopic.objects.get(key="price")  # as an admin edits it, without a service
    topic.label = "Sticker price"
    topic.save()
    return "/conversations/", "rep", "sticker price"


def _rename_the_rep(cast, world, version):
    cast.rep.first_name = "Renamed"
    cast.rep.save()
    return "/conversations/", "manager", "Renamed"


def _delete_it(cast, world, version):
    services.conversation_delete(conversation=world[1])
    return "/conversations/", "rep", "No conversations here yet."


def _publish_a_story(cast, world, version):
    make_story(author=cast.marketer, version=version, status="published", title="Warm story")
    return "/stories/", "marketer", "Warm story"


def _judge_it(cast, world, version):
    services.review_create(
        entry=world[2], reviewer=cast.manager, verdict="on_message", comment="", version=version
    )
    services.review_create(
        entry=world[1], reviewer=cast.manager, verdict="on_message", comment="", version=version
    )
    return "/review/", "manager", "Nothing waiting for review."


CHANGES = [
    _log_another,
    _rename_the_client,
    _relabel_a_topic,
    _rename_the_rep,
    _delete_it,
    _publish_a_story,
    _judge_it,
]


@pytest.mark.parametrize("change", CHANGES, ids=[change.__name__[1:] for change in CHANGES])
def test_a_change_shows_on_the_next_request(
    cast, client_for, world, version, list_cache_on, django_capture_on_commit_callbacks, change
):
    for who, url in [
        ("rep", "/conversations/"),
        ("manager", "/conversations/"),
        ("marketer", "/stories/"),
        ("manager", "/review/"),
    ]:
        _page(client_for(getattr(cast, who)), url)  # cached
    with django_capture_on_commit_callbacks(execute=True):
        url, who, shown = change(cast, world, version)
    html, _ = _page(client_for(getattr(cast, who)), url)
    assert shown in html


def test_the_recheck_moves_the_lists_on(cast, world, version, django_capture_on_commit_callbacks):
    """The re-check writes scores with one UPDATE, saving no instance: it says so itself."""
    newer = make_published(by=cast.manager, statement="A newer statement.")
    run = recheck.recheck_start(version=newer, by=cast.manager)
    before = generations.numbers()[generations.LISTS]
    with django_capture_on_commit_callbacks(execute=True):
        recheck.recheck_batch(run.pk)
    assert generations.numbers()[generations.LISTS] > before


def test_a_sign_in_leaves_the_lists_cached(cast, django_capture_on_commit_callbacks):
    before = generations.numbers()[generations.LISTS]
    with django_capture_on_commit_callbacks(execute=True):
        cast.rep.save(update_fields=["last_login"])  # what every sign-in does
    assert generations.numbers()[generations.LISTS] == before
    with django_capture_on_commit_callbacks(execute=True):
        cast.rep.save(update_fields=["first_name"])
    assert generations.numbers()[generations.LISTS] == before + 1
