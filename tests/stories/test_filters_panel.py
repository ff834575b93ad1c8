"""A list's filters panel: closed and unbuilt until a filter is applied or it is opened."""

import re

import pytest

from tests.stories.conversation_factories import make_client, make_conversation

pytestmark = pytest.mark.django_db
PANEL = {"HX-Request": "true"}  # as htmx asks when the panel is first opened
LISTS = [  # (viewer, list, a field of its filters)
    ("manager", "/conversations/", "rep"),
    ("marketer", "/stories/", "author"),
    ("manager", "/review/", "person"),
]


@pytest.fixture(autouse=True)
def a_conversation(cast, version):
    client = make_client(cast.rep, "Northgate Cold Store")
    return make_conversation(rep=cast.rep, client=client, version=version)


def _select(content: str, field: str) -> str | None:
    found = re.search(rf'<select[^>]*name="{field}".*?</select>', content, re.S)
    return found.group(0) if found else None


@pytest.mark.parametrize(("name", "url", "field"), LISTS)
def test_it_is_closed_and_loads_when_opened(client_for, cast, name, url, field):
    content = client_for(getattr(cast, name)).get(url).content.decode()
    assert '<details class="mb-3 filters-panel" data-hx-get="?filters=open"' in content
    assert 'data-hx-trigger="toggle once"' in content
    assert '<a href="?filters=open">Show the filters</a>' in content  # without JavaScript
    assert _select(content, field) is None


@pytest.mark.parametrize(("name", "url", "field"), LISTS)
def test_htmx_gets_the_panel_alone(client_for, cast, name, url, field):
    content = client_for(getattr(cast, name)).get(f"{url}?filters=open", headers=PANEL)
    content = content.content.decode()
    assert re.match(r'\s*<form\s[^>]*method="get"', content)
    assert "<html" not in content
    assert _select(content, field)


@pytest.mark.parametrize(("name", "url", "field"), LISTS)
def test_without_javascript_the_page_comes_with_the_panel_open(client_for, cast, name, url, field):
    content = client_for(getattr(cast, name)).get(f"{url}?filters=open").content.decode()
    assert '<details class="mb-3 filters-panel" open>' in content
    assert _select(content, field)
    assert "<html" in content


def test_an_applied_filter_opens_it_with_the_choice_made(client_for, cast):
    content = client_for(cast.manager).get(f"/conversations/?rep={cast.rep.pk}")
    content = content.content.decode()
    assert '<details class="mb-3 filters-panel" open>' in content
    assert f'<option value="{cast.rep.pk}" selected>' in _select(content, "rep")
    assert "Northgate Cold Store" in content


def test_a_later_page_alone_keeps_it_closed(client_for, cast):
    content = client_for(cast.manager).get("/review/?cursor=whatever").content.decode()
    assert 'data-hx-get="?filters=open"' in content


@pytest.mark.parametrize("headers", [PANEL, {}], ids=["htmx", "without JavaScript"])
def test_the_client_filter_offers_the_clients_listed(client_for, cast, headers):
    content = client_for(cast.rep).get("/conversations/?filters=open", headers=headers)
    clients = _select(content.content.decode(), "client")
    assert ">Northgate Cold Store</option>" in clients
