"""The filters' cached choices: read once, and stale as soon as what they list changes.

These tests commit (transaction=True), because the cache hears of changes only once they
are committed; the rest of the suite runs with the cache off (tests/settings.py).
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plumbline.models import Pillar
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.plumbline.factories import PILLARS, make_published
from tests.stories.factories import make_audience

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("caches_on"),
]


PANEL = {"HX-Request": "true"}  # the filters panel alone, as htmx asks for it


@pytest.fixture
def version(cast):
    return make_published(by=cast.manager)


def offered(client, url: str, field: str) -> list[str]:
    """The labels a filter's select offers, after its "any" choice, in the filters panel as
    it loads when opened."""
    response = client.get(url, headers=PANEL)
    assert response.status_code == 200
    content = response.content.decode()
    select = re.search(rf'<select[^>]*name="{field}".*?</select>', content, re.S).group(0)
    return re.findall(r'<option value="[^"]+"[^>]*>(.*?)</option>', select)


def queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, headers=PANEL).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_a_repeat_view_reads_one_number_instead_of_the_lists(cast, client_for, version):
    manager = client_for(cast.manager)
    first = queries(manager, "/conversations/?filters=open")
    again = queries(manager, "/conversations/?filters=open")
    assert len(again) == len(first) - 3  # people, pillars and topics: once, then cached
    assert sum("stories_generation" in sql for sql in again) == 1
    assert not [sql for sql in again if "plumbline_pillar" in sql and "STRING_AGG" not in sql]


def test_a_new_name_or_seller_is_offered_at_once(cast, client_for, version):
    manager = client_for(cast.manager)
    before = offered(manager, "/conversations/?filters=open", "rep")
    assert cast.rep.display_name in before
    cast.rep.first_name = "Renamed"
    cast.rep.save()
    newcomer = UserFactory(first_name="Newly", last_name="Hired")
    MembershipFactory(user=newcomer, team=TeamFactory(name="Sales east", function="sales"))
    after = offered(manager, "/conversations/?filters=open", "rep")
    assert "Newly Hired" in after
    assert cast.rep.display_name in after and cast.rep.display_name not in before


def test_a_sign_in_does_not_make_them_stale(cast, client_for, version):
    manager = client_for(cast.manager)
    first = queries(manager, "/stories/?filters=open")
    cached = queries(manager, "/stories/?filters=open")
    client_for(cast.rep)  # signs in: saves the rep's last_login
    assert len(queries(manager, "/stories/?filters=open")) == len(cached) < len(first)


def test_a_new_audience_and_a_new_plumb_line_are_offered_at_once(cast, client_for, version):
    marketer = client_for(cast.marketer)
    assert offered(marketer, "/stories/?filters=open", "pillar") == [
        title for _, title, _ in PILLARS
    ]
    make_audience(name="Cold stores")
    assert "Cold stores" in offered(marketer, "/stories/?filters=open", "audience")
    pillars = [*PILLARS, ("quiet-nights", "Quiet nights", ["silent running"])]
    make_published(by=cast.manager, pillars=pillars)
    assert offered(marketer, "/stories/?filters=open", "pillar") == [
        title for _, title, _ in pillars
    ]
    assert Pillar.objects.filter(version__is_current=True).count() == 3
