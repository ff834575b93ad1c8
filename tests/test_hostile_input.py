"""Every GET parameter of every list, filter, export and htmx partial, sent hostile values
by a manager, a sales lead and a rep (the People page by an admin, whose only it is):
whatever comes back, it is never a 5xx.

The values are what outside probing found or would try: dates at the ends of the calendar,
NUL and bytes that are not UTF-8 (percent-encoded, as a browser sends them), huge and
negative numbers, repeated parameters, 10,000-character strings, and any text at all.
PARAMETERS is the one table of what each page reads; the test fails when a filter form
gains a field the table does not name.
"""

from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plumbline.forms import CompareForm
from stories.filters import ClientFilter, ConversationFilter, QueueFilter, StoryFilter
from stories.models import Story
from stories.views.dashboard import EXPORTS, DashboardFilterForm
from teams.filters import PersonFilter
from teams.models import User
from tests.conftest import build_cast
from tests.plumbline.factories import make_published
from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import make_story

STORY_FILTERS = ["q", "audience", "channel", "pillar", "status", "band", "author", "sort"]
CONVERSATION_FILTERS = [
    *("scope", "client", "rep", "channel", "pillar", "band", "tco", "since", "until"),
]
QUEUE_FILTERS = ["kind", "team", "person", "pillar", "band", "since", "until"]
LIST = ["cursor", "filters"]  # every long list pages with a cursor and opens its filters
DASHBOARD_FILTERS = ["since", "until", "team"]

# path (with {names} of the company's objects) → the GET parameters the page reads.
PARAMETERS = {
    "/stories/": [*STORY_FILTERS, *LIST],
    "/stories/{story}/revisions/": ["old", "new"],
    "/conversations/": [*CONVERSATION_FILTERS, *LIST],
    "/conversations/new/": ["client"],
    "/conversations/story-options/": ["q", "stories_used"],
    "/clients/": ["q", *LIST],
    "/clients/search/": ["q"],
    "/clients/{client}/": ["cursor"],
    "/clients/contact-options/": ["client"],
    "/dashboard/": DASHBOARD_FILTERS,
    **{f"/dashboard/export/{table}.csv": DASHBOARD_FILTERS for table in EXPORTS},
    "/review/": [*QUEUE_FILTERS, *LIST],
    "/review/export.csv": QUEUE_FILTERS,
    "/review/verdicts.csv": [],
    "/review/recheck/": ["version", "cause"],
    "/people/": ["q", "status", "team", "page"],
    "/plumb-line/compare/": ["old", "new"],
    "/plumb-line/check/": ["version"],
    "/accounts/login/": ["next"],
    "/admin/login/": ["next"],
}
FILTERS = {  # a FilterSet or a form of each page's filters
    "/stories/": StoryFilter,
    "/conversations/": ConversationFilter,
    "/clients/": ClientFilter,
    "/review/": QueueFilter,
    "/dashboard/": DashboardFilterForm,
    "/people/": PersonFilter,
    "/plumb-line/compare/": CompareForm,
}
ROLES = ["manager", "sales_lead", "rep"]
ADMINS_ONLY = {"/people/"}  # the others get 403 before the page reads anything

# Raw query-string values, sent as they are: first those outside probing found, then more.
FOUND = ["0001-01-01", "9999-12-31", "%00", "%ff%fe", "-1", str(2**64), "x" * 10_000]
MORE = [
    *("10000-01-01", "1899-12-31", "2999-12-31", "0000-00-00", "2024-02-30"),
    *("a%00b", "caf%e9", "%c3", "%ed%a0%80", "%", "%zz", "%2500"),
    *("-0", "0", "-99999999999999999999", str(2**63), "9" * 5000, "1e309", "NaN", "inf"),
    *("true", "[]", "{}", "null", "open", "mine", "team", "all"),
    "'; SELECT pg_sleep(1); --",
    "<script>alert(1)</script>",
    "../../../etc/passwd",
    "javascript:alert(1)",
    "//evil.example/",
]
values = st.one_of(
    # Listed thrice: what was found is drawn as often as everything else together.
    *[st.sampled_from(FOUND)] * 3,
    st.sampled_from(MORE),
    st.integers().map(str),
    st.text(max_size=40).map(quote),
    st.binary(max_size=12).map(quote),
)


def query(names) -> st.SearchStrategy[str]:
    """A query string of a few of `names` (repeats included), hostile values."""
    pair = st.tuples(st.sampled_from(names), values)
    return st.lists(pair, min_size=1, max_size=5).map(
        lambda pairs: "&".join(f"{name}={value}" for name, value in pairs)
    )


@pytest.fixture(scope="module")
def company(django_db_setup, django_db_blocker):
    """A plumb line, a published story, a client and its conversation, built once for the
    module in a transaction that is rolled back after it; each test's nests inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        if not User.objects.filter(username="rep").exists():
            build_cast()  # a live-server test emptied the database
        people = {user.username: user for user in User.objects.all()}
        version = make_published(by=people["manager"])
        client = make_client(people["rep"], "Northgate Cold Store", contacts=["Amara Osei"])
        make_conversation(rep=people["rep"], client=client, version=version)
        story = make_story(
            author=people["marketer"],
            version=version,
            status=Story.Status.PUBLISHED,
            published_by=people["manager"],
            reason="Testing.",
        )
        yield SimpleNamespace(story=story.pk, client=client.pk)
        transaction.set_rollback(True)


def test_the_table_names_every_filter():
    for path, filters in FILTERS.items():
        names = getattr(filters, "base_filters", None) or filters.base_fields
        assert set(names) <= set(PARAMETERS[path]), path


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(PARAMETERS))
@settings(
    max_examples=25,
    deadline=None,
    # The company and the signed-in clients are shared by every example, on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_hostile_value_is_a_server_error(client_for, cast, company, path, data):
    names = PARAMETERS[path] or ["q"]
    role = data.draw(st.sampled_from(["admin"] if path in ADMINS_ONLY else ROLES), label="role")
    query_string = data.draw(query(names), label="query")
    htmx = data.draw(st.booleans(), label="htmx")
    client = client_for(getattr(cast, role))
    client.raise_request_exception = False
    url = f"{path.format(**vars(company))}?{query_string}"
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(url, headers=headers)
    assert response.status_code < 500, url
