"""The dashboard's cache: a repeat view is served from it, and any change makes it stale.

These tests commit (transaction=True), because the cache hears of changes only once they
are committed; the rest of the suite runs with the cache off (tests/settings.py).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stories import services
from tests.factories import MembershipFactory, TeamFactory
from tests.plumbline.factories import make_published
from tests.stories.conversation_factories import make_client, make_conversation

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("caches_on"),
]


def view(client):
    """(conversations counted, queries run) for one view of the dashboard."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("stories:dashboard"))
    assert response.status_code == 200
    return response.context["coverage"]["conversations"], len(queries)


@pytest.fixture
def setting(cast):
    version = make_published(by=cast.manager)
    client = make_client(cast.rep)
    return version, client


def test_a_repeat_view_comes_from_the_cache(cast, client_for, setting):
    version, client = setting
    make_conversation(rep=cast.rep, client=client, version=version)
    manager = client_for(cast.manager)
    first, computed = view(manager)
    again, cached = view(manager)
    assert first == again == 1
    assert cached < computed - 10  # the figures' queries are gone; the page's own remain


def test_logging_editing_and_deleting_make_it_stale(cast, client_for, setting):
    version, client = setting
    manager = client_for(cast.manager)
    assert view(manager)[0] == 0
    conversation = make_conversation(rep=cast.rep, client=client, version=version)
    assert view(manager)[0] == 1
    services.conversation_delete(conversation=conversation)
    assert view(manager)[0] == 0


def test_a_team_change_makes_it_stale(cast, client_for, setting):
    version, client = setting
    make_conversation(rep=cast.rep, client=client, version=version)
    lead = client_for(cast.sales_lead)
    assert view(lead)[0] == 1  # the lead's team has the rep
    team = TeamFactory(name="Sales west", function="sales")
    MembershipFactory(user=cast.other_rep, team=team)
    make_conversation(rep=cast.other_rep, client=make_client(cast.other_rep), version=version)
    assert view(lead)[0] == 1  # not the lead's team
    MembershipFactory(user=cast.sales_lead, team=team, role="lead")
    assert view(lead)[0] == 2  # leads it now
