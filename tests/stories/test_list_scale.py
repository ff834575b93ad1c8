"""The long lists at scale: keyset pages, capped counts, lean filters, constant query counts."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core import signing
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stories.models import Conversation, Story
from stories.pagination import Ordering, paginate
from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import make_story
from tests.stories.query_counts import with_tags

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def _next(response) -> str:
    """The query string of the link to the next page ("" on the last page)."""
    found = re.findall(r'href="([^"]*)" rel="next"', _html(response))
    return unescape(found[0]) if found else ""


def _previous(response) -> str:
    [href] = re.findall(r'href="([^"]*)" rel="prev"', _html(response))
    return unescape(href)


def _rows(response) -> list[tuple[str, str]]:
    """The review queue's rows, as (kind, pk)."""
    return re.findall(r'href="/review/(\w+)/(\d+)/"', _html(response))


def _count_of(queries) -> str:
    """The capped count's query, `SELECT COUNT(*) FROM (... LIMIT n) subquery`."""
    [sql] = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    return sql


def _search_plan(queries) -> str:
    """PostgreSQL's plan for the captured query that searches (LIKE), left only bitmap
    scans: those need an index that serves the LIKE conditions."""
    search = next(q["sql"] for q in queries.captured_queries if "LIKE" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {search}")
        return "\n".join(row[0] for row in cursor.fetchall())


# --- stories.pagination ---------------------------------------------------------------------


def _expected(rows, ordering: Ordering) -> list[int]:
    """The order the database must give: NULL as the largest value, in either direction."""
    rows = list(rows)
    for name, descending in reversed(ordering.keys):
        rows.sort(
            key=lambda row, n=name: (getattr(row, n) is None, getattr(row, n) or 0),
            reverse=descending,
        )
    return [row.pk for row in rows]


def _walk(queryset, ordering: Ordering, size: int) -> tuple[list, list]:
    """Every page, following "next" from the first, then "previous" back from the last."""
    factory = RequestFactory()

    def page_at(url):
        return paginate(
            factory.get(url if url.startswith("/") else "/list/" + url),
            queryset,
            ordering,
            size=size,
            salt="test",
        )

    forward = [page_at("/list/")]
    while forward[-1].has_next:
        forward.append(page_at(forward[-1].next_url))
    backward = [forward[-1]]
    while backward[-1].has_previous:
        backward.append(page_at(backward[-1].previous_url))
    return forward, backward[::-1]


@pytest.fixture
def odd_stories(cast, version):
    """Thirteen stories with tied, missing (NULL) and distinct dates and scores."""
    stories = [make_story(author=cast.marketer, version=version) for _ in range(13)]
    day = timezone.now().replace(microsecond=0)
    for n, story in enumerate(stories):
        Story.objects.filter(pk=story.pk).update(
            score=None if n % 5 == 0 else n % 3 * 40,
            published_at=None if n % 4 == 0 else day - timedelta(days=n % 3),
            updated_at=day - timedelta(hours=n % 2),
        )
    return Story.objects.all()


class TestKeysetPages:
    @pytest.mark.parametrize(
        "keys, nullable",
        [
            (("-published_at", "-updated_at", "-pk"), ["published_at"]),
            (("published_at", "updated_at", "pk"), ["published_at"]),
            (("score", "pk"), ["score"]),
            (("-score", "-pk"), ["score"]),
            (("-score", "updated_at", "-pk"), ["score"]),
        ],
    )
    def test_every_row_once_in_order_both_ways(self, odd_stories, keys, nullable):
        ordering = Ordering(*keys, nullable=nullable)
        forward, backward = _walk(odd_stories, ordering, size=3)
        expected = _expected(odd_stories, ordering)
        assert [s.pk for page in forward for s in page.object_list] == expected
        assert [s.pk for page in backward for s in page.object_list] == expected
        assert [page.number for page in forward] == [1, 2, 3, 4, 5]
        assert {page.count_label for page in forward + backward} == {"13"}  # carried along
        assert [len(page.object_list) for page in backward] == [3, 3, 3, 3, 1]

    def test_the_count_stops_at_the_cap(self, odd_stories):
        factory = RequestFactory()
        ordering = Ordering("-pk")
        with CaptureQueriesContext(connection) as queries:
            page = paginate(factory.get("/"), odd_stories, ordering, size=3, salt="t", count_cap=5)
        assert (page.count, page.count_capped, page.count_label) == (5, True, "5+")
        assert "LIMIT 6" in _count_of(queries)
        page = paginate(factory.get("/"), odd_stories, ordering, size=3, salt="t", count_cap=13)
        assert (page.count, page.count_capped, page.count_label) == (13, False, "13")

    @pytest.mark.parametrize(
        "cursor",
        [
            "nonsense",
            "x" * 3000,
            signing.dumps([2, 0, [["v", 1]], None], salt="another list"),  # another list's
            signing.dumps([2, 0, [["v", 1], ["v", 2]], None], salt="t"),  # too many keys
            signing.dumps([2, 0, [["t", "not a time"]], None], salt="t"),
            signing.dumps([2, 0, [["v", [1, 2]]], None], salt="t"),
            signing.dumps([2, 0, [["?", 1]], None], salt="t"),
            signing.dumps(["two", 0, [["v", 1]], None], salt="t"),
            signing.dumps([2, 0, [["v", 1]], ["many", True]], salt="t"),
            signing.dumps([2, 0, [["v", 1]]], salt="t"),  # an older shape
            signing.dumps("just text", salt="t"),
            signing.dumps([2, 0, [["v", 1]], None], salt="t")[:-3] + "abc",  # tampered
        ],
    )
    def test_a_tampered_or_foreign_cursor_gives_the_first_page(self, odd_stories, cursor):
        request = RequestFactory().get("/", {"cursor": cursor})
        page = paginate(request, odd_stories, Ordering("-pk"), size=3, salt="t")
        assert page.number == 1
        assert [s.pk for s in page.object_list] == sorted(s.pk for s in odd_stories)[:-4:-1]

    def test_a_cursor_past_the_end_gives_the_first_page(self, odd_stories):
        cursor = signing.dumps([3, 0, [["v", 0]], [13, False]], salt="t")
        request = RequestFactory().get("/", {"cursor": cursor})
        page = paginate(request, odd_stories, Ordering("-pk"), size=3, salt="t")
        assert page.number == 1
        assert len(page.object_list) == 3

    @pytest.mark.parametrize(
        "url",
        [
            "/conversations/?cursor=abc",
            "/clients/?cursor=abc",
            "/stories/?cursor=abc&sort=score",
            "/review/?cursor=abc",
        ],
    )
    def test_pages_never_fail_on_a_bad_cursor(self, client_for, cast, version, url):
        make_conversation(rep=cast.rep, client=make_client(cast.rep), version=version)
        client = client_for(cast.manager)
        response = client.get(url)
        assert response.status_code == 200
        # The cursor is dropped: the page shows what the first page does.
        first = client.get(url.replace("cursor=abc", ""))
        shown = list(response.context["page"].object_list)
        assert shown == list(first.context["page"].object_list)


# --- The conversation list ------------------------------------------------------------------


@pytest.fixture
def many_clients(cast, version):
    """Forty clients of rep's, each talked to once, the oldest first."""
    start = timezone.now() - timedelta(days=60)
    clients = []
    for n in range(40):
        client = make_client(cast.rep, f"Client {n:02}")
        make_conversation(
            rep=cast.rep, client=client, version=version, when=start + timedelta(days=n)
        )
        clients.append(client)
    return clients


class TestConversationFilters:
    def test_the_client_filter_offers_the_clients_shown_not_all_of_them(
        self, client_for, cast, many_clients
    ):
        content = _html(client_for(cast.rep).get("/conversations/?filters=open"))
        select = re.search(r'<select[^>]*name="client".*?</select>', content, re.S).group(0)
        names = re.findall(r'<option value="\d+">(.*?)</option>', select)
        assert names == [f"Client {n:02}" for n in range(15, 40)]  # the page's 25, by name
        # Any other client is found through the search, which fills the same select.
        assert 'for="client-search"' in content
        assert 'data-hx-get="/clients/search/"' in content
        assert 'data-hx-target="#id_client"' in content

    def test_a_chosen_older_client_stays_selected(self, client_for, cast, many_clients):
        old = many_clients[0]
        response = client_for(cast.rep).get("/conversations/", {"client": old.pk})
        assert f'<option value="{old.pk}" selected>Client 00</option>' in _html(response)
        assert len(re.findall(r'<p class="mb-1">', _html(response))) == 1

    def test_the_rep_filter_lists_the_people_who_sell(self, client_for, cast, version):
        def reps(user):
            content = _html(client_for(user).get("/conversations/?filters=open"))
            found = re.search(r'<select[^>]*name="rep".*?</select>', content, re.S)
            return (
                set(re.findall(r'<option value="\d+">(.*?)</option>', found.group(0)))
                if found
                else None
            )

        names = {
            user.username: user.display_name
            for user in (cast.rep, cast.teammate, cast.sales_lead, cast.other_rep, cast.admin)
        }
        assert reps(cast.manager) == set(names.values())  # with or without conversations
        assert reps(cast.sales_lead) == {names["rep"], names["teammate"], names["sales_lead"]}
        assert reps(cast.rep) is None  # a rep sees only their own

    def test_dates_are_ranges_of_moments(self, client_for, cast, many_clients):
        day = timezone.localdate() - timedelta(days=50)
        with CaptureQueriesContext(connection) as queries:
            response = client_for(cast.rep).get(
                "/conversations/", {"since": day.isoformat(), "until": day.isoformat()}
            )
        assert len(re.findall(r'<p class="mb-1">', _html(response))) == 1
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        assert "cast_date" not in sql and "AT TIME ZONE" not in sql

    def test_no_distinct_even_with_many_to_many_filters(self, client_for, cast, version):
        client = make_client(cast.rep)
        make_conversation(
            rep=cast.rep,
            client=client,
            version=version,
            pillars=("lifetime-value", "local-experts"),
            tco=("warranty", "support"),
        )
        with CaptureQueriesContext(connection) as queries:
            response = client_for(cast.rep).get(
                "/conversations/", {"pillar": "lifetime-value", "tco": "warranty"}
            )
        assert len(re.findall(r'<p class="mb-1">', _html(response))) == 1
        assert "1 conversation<" in _html(response)
        assert not [q for q in queries.captured_queries if "DISTINCT" in q["sql"]]

    def test_fields_are_labelled_and_errors_shown(self, client_for, cast, version):
        content = _html(client_for(cast.rep).get("/conversations/", {"since": "notadate"}))
        labels = dict(
            re.findall(r'<label\s+for="id_(\w+)" class="form-label">\s*(.*?)\s*</label>', content)
        )
        assert labels == {
            "client": "Client",
            "channel": "Channel",
            "pillar": "Pillar",
            "band": "Band",
            "tco": "TCO topic",
            "since": "From",
            "until": "Until",
        }
        assert 'aria-invalid="true" aria-describedby="id_since_error" id="id_since"' in content
        assert re.search(
            r'<div id="id_since_error" class="invalid-feedback">.*Enter a valid date', content
        )

    def test_a_capped_count(self, client_for, cast, version, monkeypatch):
        monkeypatch.setattr("stories.pagination.paginate.__kwdefaults__", {"count_cap": 2})
        client = make_client(cast.rep)
        for _ in range(3):
            make_conversation(rep=cast.rep, client=client, version=version)
        with CaptureQueriesContext(connection) as queries:
            response = client_for(cast.rep).get("/conversations/")
        assert "2+ conversations" in _html(response)
        count = _count_of(queries)
        assert "LIMIT 3" in count
        assert "JOIN" not in count  # not the clients and reps the rows show


class TestLibraryFilters:
    def test_the_author_filter_lists_the_people_who_write(self, client_for, cast, version):
        content = _html(client_for(cast.rep).get("/stories/?filters=open"))
        select = re.search(r'<select[^>]*name="author".*?</select>', content, re.S).group(0)
        names = set(re.findall(r'<option value="\d+">(.*?)</option>', select))
        writers = (cast.marketer, cast.marketing_lead, cast.manager, cast.admin)
        assert names == {user.display_name for user in writers}

    def test_no_distinct_with_an_audience_and_pillar(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version, status="published")
        audience = story.audiences.get()
        with CaptureQueriesContext(connection) as queries:
            response = client_for(cast.rep).get(
                "/stories/", {"audience": audience.pk, "pillar": "lifetime-value"}
            )
        assert story.title in _html(response)
        assert not [q for q in queries.captured_queries if "DISTINCT" in q["sql"]]

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL index")
    def test_the_search_can_use_the_trigram_index(self, client_for, cast, version):
        """Migration 0011's index matches the SQL the search runs (its expressions)."""
        story = make_story(
            author=cast.marketer, version=version, status="published", title="Zebra crossings"
        )
        with CaptureQueriesContext(connection) as queries:
            response = client_for(cast.marketer).get("/stories/", {"q": "zebra"})
        assert story.title in _html(response)
        plan = _search_plan(queries)
        assert "story_search_trigram" in plan, plan

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL index")
    @pytest.mark.parametrize("url", ["/clients/", "/clients/search/"])
    def test_the_client_searches_can_use_the_trigram_index(self, client_for, cast, url):
        """Migration 0013's index matches the SQL both client searches run."""
        client = make_client(cast.rep, "Zebra Logistics")
        with CaptureQueriesContext(connection) as queries:
            response = client_for(cast.manager).get(url, {"q": "zebra"})
        assert client.name in _html(response)
        plan = _search_plan(queries)
        assert "client_search_trigram" in plan, plan


class TestReviewQueuePages:
    def test_every_entry_once_across_pages_both_ways(self, client_for, cast, version):
        client = make_client(cast.rep)
        when = timezone.now() - timedelta(days=1)
        for n in range(50):
            # Ties: the same score and moment for entries of both kinds.
            make_conversation(rep=cast.rep, client=client, version=version, when=when)
            if n % 10 == 0:
                make_story(author=cast.marketer, version=version, status="in_review")
        make_story(author=cast.marketer, version=version, status="in_review", body="Weather.")
        Story.objects.filter(score=100).update(updated_at=when)
        http = client_for(cast.manager)
        pages = [http.get("/review/")]
        while _next(pages[-1]):
            pages.append(http.get("/review/" + _next(pages[-1])))
        rows = [_rows(page) for page in pages]
        every = [row for page in rows for row in page]
        assert [len(page) for page in rows] == [25, 25, 6]
        assert len(set(every)) == 56
        assert every[0][0] == "story"  # the off-message story, scored 0
        # Then, at 100 and the same moment, conversations before stories, each by id.
        assert [kind for kind, _ in every[1:51]] == ["conversation"] * 50
        assert [int(pk) for _, pk in every[1:51]] == sorted(int(pk) for _, pk in every[1:51])
        assert [kind for kind, _ in every[51:]] == ["story"] * 5
        back = http.get("/review/" + _previous(pages[2]))
        assert _rows(back) == rows[1]
        assert _rows(http.get(_previous(back))) == rows[0]


# --- Query counts at two sizes --------------------------------------------------------------


def _fill(cast, version, count: int) -> None:
    """`count` conversations (rep, teammate, other_rep in turn) and stories of every status."""
    reps = [cast.rep, cast.teammate, cast.other_rep]
    story = make_story(author=cast.marketer, version=version, status="published")
    for n in range(count):
        rep = reps[n % 3]
        make_conversation(
            rep=rep,
            client=make_client(rep),
            version=version,
            pillars=("lifetime-value", "local-experts")[: n % 2 + 1],
            tco=("warranty", "price", "support")[: n % 3 + 1],
            stories=[story] if n % 2 else [],
        )
        make_story(
            author=[cast.marketer, cast.marketing_lead][n % 2],
            version=version,
            status=["published", "draft", "in_review"][n % 3],
            reason="Mixed scores.",
        )


PAGES = [
    # (viewer, url, queries, kinds of tags) — the same at 3 and at 30 rows. Until a filter
    # is applied or the panel opened (?filters=open), the filter form is not built.
    ("rep", "/conversations/", 5, 2),
    ("sales_lead", "/conversations/", 5, 2),
    ("manager", "/conversations/", 5, 2),
    ("manager", "/conversations/?filters=open", 8, 2),
    ("manager", "/conversations/?pillar=lifetime-value&tco=warranty&since=2020-01-01", 9, 2),
    ("rep", "/clients/", 5, 0),
    ("manager", "/clients/", 5, 0),
    ("marketer", "/stories/", 5, 1),
    ("marketer", "/stories/?filters=open", 8, 1),
    ("rep", "/stories/?sort=score", 8, 1),
    # The version, its re-check (managers), the rows, their count, then each kind's entries.
    ("manager", "/review/", 9, 0),
    ("manager", "/review/?filters=open", 12, 0),
    ("sales_lead", "/review/", 7, 0),
    ("marketing_lead", "/review/?kind=story", 10, 0),
]


@pytest.mark.parametrize(("name", "url", "queries", "kinds"), PAGES)
def test_query_counts_do_not_grow_with_rows(
    client_for, cast, version, django_assert_num_queries, name, url, queries, kinds
):
    http = client_for(getattr(cast, name))
    _fill(cast, version, 3)
    http.get(url)  # warm up: content types, caches
    with django_assert_num_queries(with_tags(queries, kinds)):
        small = http.get(url)
    _fill(cast, version, 30)
    with django_assert_num_queries(with_tags(queries, kinds)):
        large = http.get(url)
    assert large.status_code == small.status_code == 200


def test_client_timeline_query_count_does_not_grow(
    client_for, cast, version, django_assert_num_queries
):
    client = make_client(cast.rep, contacts=["Someone"])
    story = make_story(author=cast.marketer, version=version, status="published")

    def add(count):
        for n in range(count):
            make_conversation(
                rep=cast.rep,
                client=client,
                version=version,
                stories=[story],
                contacts=list(client.contacts.all()),
                pillars=("lifetime-value", "local-experts")[: n % 2 + 1],
            )

    http = client_for(cast.rep)
    add(3)
    # The tags: pillars, topics, contacts and stories used; the titles of the pillars told.
    with django_assert_num_queries(with_tags(8, 4)):
        http.get(f"/clients/{client.pk}/")
    add(27)
    with django_assert_num_queries(with_tags(8, 4)):
        response = http.get(f"/clients/{client.pk}/")
    assert len(re.findall(r'<p class="mb-1">', _html(response))) == 20
    second = http.get(f"/clients/{client.pk}/" + _next(response))
    assert len(re.findall(r'<p class="mb-1">', _html(second))) == 10
    assert Conversation.objects.filter(client=client).count() == 30
