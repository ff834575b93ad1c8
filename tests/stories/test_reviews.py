"""Reviews: the queue, its filters and scope, verdicts and their emails, and the CSV downloads."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stories import services
from stories.models import Conversation, Notification, Review, Story
from teams.models import Team
from tests.plumbline.factories import make_published
from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import OFF_MESSAGE_BODY, make_story

pytestmark = pytest.mark.django_db

# The conversation factory's notes tell "lifetime-value" deeply: 100, on message.
DISCOUNT_NOTES = (
    "We went through the total cost of ownership and the lifetime savings. "
    "They asked for a discount."
)  # the same, less the "discount" error (25): 75, needs attention
LOCAL_NOTES = "A local engineer comes on every service visit."  # tells only "local-experts"

ROW = re.compile(r'href="/review/(story|conversation)/(\d+)/"')


@pytest.fixture
def world(cast, version):
    """Stories in every status by the marketer; conversations by rep, teammate and other_rep.

    Scores: off_story 0, cheap_conversation 75, local_conversation 100 (tagged local-experts),
    everything else 100.
    """
    o = SimpleNamespace(version=version)
    o.draft = make_story(author=cast.marketer, version=version, title="Draft story")
    o.archived = make_story(
        author=cast.marketer, version=version, title="Archived story", status="archived"
    )
    o.in_review = make_story(
        author=cast.marketer, version=version, title="In review story", status="in_review"
    )
    o.published = make_story(
        author=cast.marketer,
        version=version,
        title="Published story",
        status="published",
        published_by=cast.marketing_lead,
    )
    o.off_story = make_story(
        author=cast.marketer,
        version=version,
        title="Off-message story",
        body=OFF_MESSAGE_BODY,
        status="in_review",
    )
    north = make_client(cast.rep, "Northgate Cold Store")
    o.rep_conversation = make_conversation(
        rep=cast.rep, client=north, version=version, summary="Rep at the cold store."
    )
    o.cheap_conversation = make_conversation(
        rep=cast.rep,
        client=north,
        version=version,
        summary="Rep talked price.",
        notes=DISCOUNT_NOTES,
        when=timezone.now() - timedelta(days=30),
    )
    o.team_conversation = make_conversation(
        rep=cast.teammate,
        client=make_client(cast.teammate, "Brindle Brewing Co."),
        version=version,
        summary="Teammate at the brewery.",
        notes=LOCAL_NOTES,
        pillars=("local-experts",),
    )
    o.other_conversation = make_conversation(
        rep=cast.other_rep,
        client=make_client(cast.other_rep, "Southmoor Dairy"),
        version=version,
        summary="South at the dairy.",
    )
    return o


def key(entry) -> tuple[str, int]:
    return ("story" if isinstance(entry, Story) else "conversation", entry.pk)


def queue_rows(client, **params) -> list[tuple[str, int]]:
    """The queue page's rows, in order, as (kind, pk)."""
    response = client.get("/review/", params)
    assert response.status_code == 200
    return [(kind, int(pk)) for kind, pk in ROW.findall(response.content.decode())]


def verdict(client, entry, verdict="needs_work", comment="Lead with the lifetime savings."):
    kind, pk = key(entry)
    return client.post(f"/review/{kind}/{pk}/", {"verdict": verdict, "comment": comment})


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def _text(response) -> str:
    """The page's text, tags stripped and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


# --- The queue ------------------------------------------------------------------------------


class TestQueue:
    def test_holds_stories_in_review_and_published_and_every_conversation(
        self, cast, client_for, world
    ):
        rows = queue_rows(client_for(cast.manager))
        assert sorted(rows) == sorted(
            key(e)
            for e in (
                world.in_review,
                world.published,
                world.off_story,
                world.rep_conversation,
                world.cheap_conversation,
                world.team_conversation,
                world.other_conversation,
            )
        )
        assert key(world.draft) not in rows
        assert key(world.archived) not in rows

    def test_lowest_score_first_across_both_kinds(self, cast, client_for, world):
        rows = queue_rows(client_for(cast.manager))
        assert rows[0] == key(world.off_story)  # a story, 0
        assert rows[1] == key(world.cheap_conversation)  # a conversation, 75
        scores = []
        for kind, pk in rows:
            model = Story if kind == "story" else Conversation
            scores.append(model.objects.get(pk=pk).score)
        assert scores == sorted(scores)
        assert scores[:2] == [0, 75]

    def test_each_row_names_its_client_channel_and_date(self, cast, client_for, world):
        html = client_for(cast.manager).get("/review/").content.decode()
        header = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
        columns = re.findall(r'<th scope="col">(.*?)</th>', header)
        assert columns == ["Score", "Entry", "Kind", "Client", "Channel", "By", "Date"]
        cells = {
            int(pk): [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in row]
            for pk, row in (
                (m.group(1), re.findall(r"<td[^>]*>(.*?)</td>", m.group(2), re.S))
                for m in re.finditer(
                    r'<tr>\s*<td>.*?href="/review/conversation/(\d+)/"(.*?)</tr>', html, re.S
                )
            )
        }
        cheap = world.cheap_conversation
        # The cells after the entry's: kind, client, channel, by, date.
        assert cells[cheap.pk] == [
            "Conversation",
            "Northgate Cold Store",
            "Call",
            str(cast.rep),
            f"{timezone.localdate(cheap.occurred_at):%-d %b %Y}",
        ]
        assert cells[world.team_conversation.pk][:2] == ["Conversation", "Brindle Brewing Co."]

    def test_the_first_page_shows_what_was_logged_since_it_was_last_seen(
        self, cast, client_for, world
    ):
        """Its SQL is compiled once per reviewer and filters; its rows are read every time."""
        client = client_for(cast.manager)
        before = queue_rows(client)
        new = make_conversation(
            rep=cast.other_rep,
            client=make_client(cast.other_rep, "Eastwick Mills"),
            version=world.version,
            summary="A new talk.",
        )
        after = queue_rows(client)
        assert key(new) not in before
        assert sorted(after) == sorted([*before, key(new)])

    def test_a_verdict_takes_the_entry_out_until_a_new_version_is_published(
        self, cast, client_for, world
    ):
        client = client_for(cast.manager)
        assert verdict(client, world.rep_conversation).status_code == 302
        assert verdict(client, world.published, "on_message").status_code == 302
        rows = queue_rows(client)
        assert key(world.rep_conversation) not in rows
        assert key(world.published) not in rows
        assert key(world.in_review) in rows

        make_published(by=cast.manager)  # version 2: nothing judged against it yet

        rows = queue_rows(client)
        assert key(world.rep_conversation) in rows
        assert key(world.published) in rows

    def test_a_verdict_against_an_older_version_does_not_count(self, cast, client_for, world):
        old = world.version
        make_published(by=cast.manager)
        Review.objects.create(
            conversation=world.rep_conversation,
            reviewer=cast.manager,
            verdict="on_message",
            plumbline_version=old,
        )
        assert key(world.rep_conversation) in queue_rows(client_for(cast.manager))

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"kind": "story"}, ["in_review", "published", "off_story"]),
            (
                {"kind": "conversation"},
                [
                    "rep_conversation",
                    "cheap_conversation",
                    "team_conversation",
                    "other_conversation",
                ],
            ),
            (
                {"team": "sales-north"},
                ["rep_conversation", "cheap_conversation", "team_conversation"],
            ),
            ({"person": "rep"}, ["rep_conversation", "cheap_conversation"]),
            ({"pillar": "local-experts"}, ["team_conversation"]),
            ({"band": "needs_attention"}, ["cheap_conversation"]),
            ({"band": "off_message"}, ["off_story"]),
            ({"until": -20}, ["cheap_conversation"]),
            (
                {"since": -10},
                [
                    "in_review",
                    "published",
                    "off_story",
                    "rep_conversation",
                    "team_conversation",
                    "other_conversation",
                ],
            ),
            ({"since": -40, "until": -20, "kind": "conversation"}, ["cheap_conversation"]),
            ({"person": "rep", "band": "on_message"}, ["rep_conversation"]),
        ],
    )
    def test_each_filter_narrows_it(self, cast, client_for, world, params, expected):
        values = {}
        for name, value in params.items():
            if name == "team":
                value = Team.objects.get(slug=value).pk
            elif name == "person":
                value = getattr(cast, value).pk
            elif name in ("since", "until"):
                value = (timezone.localdate() + timedelta(days=value)).isoformat()
            values[name] = value
        rows = queue_rows(client_for(cast.manager), **values)
        assert sorted(rows) == sorted(key(getattr(world, name)) for name in expected)

    @pytest.mark.parametrize(
        "params",
        [
            {"kind": "widget"},
            {"team": "abc"},
            {"team": "999999"},
            {"person": "-1"},
            {"person": "1; DROP TABLE stories_story"},
            {"pillar": "<script>alert(1)</script>"},
            {"pillar": "x" * 5000},
            {"band": "purple"},
            {"since": "yesterday"},
            {"until": "2024-02-30"},
            {"since": "99999-01-01"},
            {"page": "zz"},
            {"cursor": "zz"},
            {"cursor": "WzIsMCxbXV0:1tamper:signature"},
        ],
    )
    def test_tampered_filters_still_show_the_queue(self, cast, client_for, world, params):
        response = client_for(cast.manager).get("/review/", params)
        assert response.status_code == 200
        assert "Review queue" in response.content.decode()

    def test_a_marketing_lead_sees_only_their_teams_stories(self, cast, client_for, world):
        rows = queue_rows(client_for(cast.marketing_lead))
        assert sorted(rows) == sorted(
            key(e) for e in (world.in_review, world.published, world.off_story)
        )

    def test_a_sales_lead_sees_only_their_teams_conversations(self, cast, client_for, world):
        rows = queue_rows(client_for(cast.sales_lead))
        assert sorted(rows) == sorted(
            key(e)
            for e in (world.rep_conversation, world.cheap_conversation, world.team_conversation)
        )

    def test_a_tampered_person_filter_does_not_widen_a_leads_scope(self, cast, client_for, world):
        client = client_for(cast.sales_lead)
        for params in (
            {"person": cast.other_rep.pk},
            {"team": Team.objects.get(slug="sales-south").pk},
            {"person": cast.marketer.pk, "kind": "story"},
        ):
            rows = queue_rows(client, **params)
            assert key(world.other_conversation) not in rows
            assert not [row for row in rows if row[0] == "story"]

    @pytest.mark.parametrize("name", ["marketer", "rep", "teammate", "other_rep", "outsider"])
    def test_people_who_do_not_review_get_403(self, cast, client_for, world, name):
        client = client_for(getattr(cast, name))
        for url in ("/review/", "/review/export.csv", "/review/verdicts.csv"):
            response = client.get(url)
            assert response.status_code == 403, url
            assert not response.has_header("Content-Disposition"), url
            assert world.published.title not in response.content.decode(), url

    def test_anonymous_people_are_sent_to_sign_in(self, client_for, world):
        response = client_for(None).get("/review/")
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]

    def test_pages_of_25(self, cast, client_for, version):
        client = make_client(cast.rep, "Many talks")
        for number in range(30):
            make_conversation(
                rep=cast.rep, client=client, version=version, summary=f"Talk {number}"
            )
        manager = client_for(cast.manager)
        first_page = manager.get("/review/", {"kind": "conversation"}).content.decode()
        # The filters ride along on the page links.
        [href] = re.findall(r'href="(\?kind=conversation&amp;cursor=[^"]+)" rel="next"', first_page)
        second_page = manager.get("/review/" + href.replace("&amp;", "&"))
        first = [(kind, int(pk)) for kind, pk in ROW.findall(first_page)]
        second = [(kind, int(pk)) for kind, pk in ROW.findall(second_page.content.decode())]
        assert len(first) == 25
        assert len(second) == 5
        assert not set(first) & set(second)
        assert "Page 2" in second_page.content.decode()


def _fill(cast, version, stories: int, conversations: int) -> None:
    client = make_client(cast.rep, f"Client for {stories} and {conversations}")
    for number in range(stories):
        make_story(
            author=cast.marketer, version=version, title=f"Story {number}", status="in_review"
        )
    for number in range(conversations):
        rep = cast.rep if number % 2 else cast.teammate
        make_conversation(rep=rep, client=client, version=version, summary=f"Talk {number}")


def test_the_queue_costs_the_same_queries_for_3_and_30_entries(
    cast, client_for, version, django_assert_num_queries
):
    client = client_for(cast.manager)
    _fill(cast, version, stories=1, conversations=2)
    client.get("/review/")  # warm up: session, content types, caches
    with CaptureQueriesContext(connection) as small:
        assert len(queue_rows(client)) == 3
    _fill(cast, version, stories=9, conversations=18)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(queue_rows(client)) == 25  # a full first page of 30


def test_the_queue_query_count_is_the_same_for_a_lead(cast, client_for, version):
    client = client_for(cast.sales_lead)
    _fill(cast, version, stories=0, conversations=3)
    client.get("/review/")
    with CaptureQueriesContext(connection) as small:
        assert len(queue_rows(client)) == 3
    _fill(cast, version, stories=0, conversations=30)
    with CaptureQueriesContext(connection) as large:
        assert len(queue_rows(client)) == 25
    assert len(large.captured_queries) == len(small.captured_queries)


def test_no_published_version_is_a_404(cast, client_for):
    response = client_for(cast.manager).get("/review/")
    assert response.status_code == 404
    assert "<table" not in response.content.decode()


# --- Verdicts -------------------------------------------------------------------------------


def _manager_judges_the_reps_conversation(cast, world, verdict, comment):
    return services.review_create(
        entry=world.rep_conversation,
        reviewer=cast.manager,
        verdict=verdict,
        comment=comment,
        version=world.version,
    )


class TestVerdicts:
    def test_a_manager_judges_a_conversation(
        self, cast, client_for, world, django_capture_on_commit_callbacks, mailoutbox
    ):
        client = client_for(cast.manager)
        page = client.get(f"/review/conversation/{world.cheap_conversation.pk}/")
        assert page.status_code == 200
        assert "Rep talked price." in page.content.decode()

        with django_capture_on_commit_callbacks(execute=True):
            response = verdict(client, world.cheap_conversation, comment="Say added value.")
        assert response.status_code == 302
        assert response["Location"] == "/review/"

        review = Review.objects.get()
        assert review.conversation == world.cheap_conversation
        assert review.story is None
        assert review.reviewer == cast.manager
        assert review.verdict == "needs_work"
        assert review.comment == "Say added value."
        assert review.plumbline_version == world.version

        assert len(mailoutbox) == 1
        email = mailoutbox[0]
        assert email.to == [cast.rep.email]
        assert "Say added value." in email.body
        assert "needs work" in email.subject

        note = Notification.objects.get(user=cast.rep)
        assert note.kind == "verdict"
        assert note.url == f"/conversations/{world.cheap_conversation.pk}/"

        home = client_for(cast.rep).get("/")
        text = _text(home)
        assert "For you" in text
        assert "Feedback on my work" in text
        feedback = text.split("Feedback on my work", 1)[1]
        assert "Needs work" in feedback
        assert "Say added value." in feedback
        # Nobody else hears of it.
        assert "Feedback on my work" not in _text(client_for(cast.teammate).get("/"))

    @pytest.mark.parametrize("name", ["marketing_lead", "manager"])
    def test_those_who_decide_publish_or_send_back_from_the_entry(
        self, cast, client_for, world, name
    ):
        client = client_for(getattr(cast, name))
        page = client.get(f"/review/story/{world.in_review.pk}/").content.decode()
        publish = f'href="/stories/{world.in_review.pk}/publish/">Publish…</a>'
        assert publish in page
        assert f'href="/stories/{world.in_review.pk}/send-back/">Send back…</a>' in page
        # The link leads to the usual confirmation, which publishes.
        assert client.get(f"/stories/{world.in_review.pk}/publish/").status_code == 200
        assert client.post(f"/stories/{world.in_review.pk}/publish/").status_code == 302
        world.in_review.refresh_from_db()
        assert world.in_review.status == Story.Status.PUBLISHED
        # Once published there is nothing left to publish.
        page = client.get(f"/review/story/{world.in_review.pk}/").content.decode()
        assert "Publish…" not in page
        assert "Send back…" not in page

    def test_a_conversation_entry_offers_no_publishing(self, cast, client_for, world):
        page = client_for(cast.manager).get(f"/review/conversation/{world.rep_conversation.pk}/")
        assert "Publish…" not in page.content.decode()

    def test_the_current_version_is_recorded_not_the_one_written_under(
        self, cast, client_for, world
    ):
        current = make_published(by=cast.manager)
        assert verdict(client_for(cast.manager), world.rep_conversation).status_code == 302
        assert Review.objects.get().plumbline_version == current

    def test_history_keeps_every_verdict(self, cast, client_for, world):
        client = client_for(cast.manager)
        verdict(client, world.rep_conversation, "needs_work", "First: more about the savings.")
        verdict(client, world.rep_conversation, "on_message", "Second: much better.")
        assert world.rep_conversation.reviews.count() == 2

        review_page = _text(client.get(f"/review/conversation/{world.rep_conversation.pk}/"))
        detail = _text(client_for(cast.rep).get(f"/conversations/{world.rep_conversation.pk}/"))
        for text in (review_page, detail):
            assert "Verdicts" in text
            assert "First: more about the savings." in text
            assert "Second: much better." in text
            # Newest first.
            assert text.index("Second: much better.") < text.index("First: more about")

    def test_a_story_verdict_reaches_its_author(
        self, cast, client_for, world, django_capture_on_commit_callbacks, mailoutbox
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = verdict(
                client_for(cast.marketing_lead), world.published, "off_message", "Too salesy."
            )
        assert response.status_code == 302
        assert Review.objects.get().story == world.published
        assert [m.to for m in mailoutbox] == [[cast.marketer.email]]
        detail = _text(client_for(cast.marketer).get(f"/stories/{world.published.pk}/"))
        assert "Off message" in detail
        assert "Too salesy." in detail
        home = _text(client_for(cast.marketer).get("/"))
        assert "Too salesy." in home.split("Feedback on my work", 1)[1]

    def test_no_email_and_no_review_when_the_transaction_rolls_back(
        self, cast, world, rolled_back, mailoutbox
    ):
        with rolled_back() as callbacks:
            _manager_judges_the_reps_conversation(cast, world, "needs_work", "Never sent.")
        assert callbacks == []
        assert mailoutbox == []
        assert not Review.objects.exists()
        assert not Notification.objects.exists()

    def test_the_email_waits_for_the_commit(
        self, cast, world, django_capture_on_commit_callbacks, mailoutbox
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            _manager_judges_the_reps_conversation(cast, world, "on_message", "")
        assert mailoutbox == []  # not committed yet
        for callback in callbacks:  # the commit: the email, and the lists' generation
            callback()
        assert [m.to for m in mailoutbox] == [[cast.rep.email]]

    @pytest.mark.parametrize(
        "data",
        [
            {"verdict": "great", "comment": "x"},
            {"verdict": "", "comment": "x"},
            {"comment": "no verdict at all"},
            {"verdict": "On message", "comment": ""},
        ],
    )
    def test_a_tampered_verdict_is_a_form_error(self, cast, client_for, world, data, mailoutbox):
        response = client_for(cast.manager).post(
            f"/review/conversation/{world.rep_conversation.pk}/", data
        )
        assert response.status_code == 200
        assert response.context["form"].errors["verdict"]
        assert not Review.objects.exists()
        assert not Notification.objects.exists()
        assert mailoutbox == []

    def test_a_marketing_lead_cannot_find_a_conversation(self, cast, client_for, world):
        client = client_for(cast.marketing_lead)
        url = f"/review/conversation/{world.rep_conversation.pk}/"
        assert client.get(url).status_code == 404
        assert verdict(client, world.rep_conversation).status_code == 404
        assert not Review.objects.exists()

    def test_a_sales_lead_cannot_find_another_teams_conversation(self, cast, client_for, world):
        client = client_for(cast.sales_lead)
        assert client.get(f"/review/conversation/{world.other_conversation.pk}/").status_code == (
            404
        )
        assert verdict(client, world.other_conversation).status_code == 404
        assert not Review.objects.exists()

    def test_a_sales_lead_judges_their_own_team(self, cast, client_for, world):
        client = client_for(cast.sales_lead)
        assert verdict(client, world.team_conversation).status_code == 302
        assert Review.objects.get().reviewer == cast.sales_lead

    def test_a_sales_lead_may_see_but_not_judge_a_published_story(self, cast, client_for, world):
        client = client_for(cast.sales_lead)
        assert client.get(f"/stories/{world.published.pk}/").status_code == 200
        assert client.get(f"/review/story/{world.published.pk}/").status_code == 403
        assert verdict(client, world.published).status_code == 403
        # A story sales cannot see at all stays hidden.
        assert client.get(f"/review/story/{world.in_review.pk}/").status_code == 404
        assert not Review.objects.exists()

    @pytest.mark.parametrize(
        ("name", "entry"),
        [
            ("rep", "rep_conversation"),
            ("teammate", "team_conversation"),
            ("other_rep", "other_conversation"),
            ("marketer", "published"),
        ],
    )
    def test_people_who_do_not_review_get_403(self, cast, client_for, world, name, entry):
        person = getattr(cast, name)
        own = getattr(world, entry)  # their own entry: they see it, but may not judge it
        client = client_for(person)
        kind, pk = key(own)
        assert client.get(f"/review/{kind}/{pk}/").status_code == 403
        assert verdict(client, own, "on_message", "I say so myself.").status_code == 403
        assert not Review.objects.exists()

    @pytest.mark.parametrize(
        "url",
        [
            "/review/conversation/999999/",
            "/review/story/999999/",
            "/review/widget/1/",
            "/review/Story/1/",
        ],
    )
    def test_bad_ids_and_kinds_are_404(self, cast, client_for, world, url):
        client = client_for(cast.manager)
        assert client.get(url).status_code == 404
        assert client.post(url, {"verdict": "on_message"}).status_code == 404
        assert not Review.objects.exists()

    def test_a_bad_kind_with_a_real_id_is_404(self, cast, client_for, world):
        client = client_for(cast.manager)
        pk = world.published.pk
        for url in (f"/review/widget/{pk}/", f"/review/stories/{pk}/"):
            response = client.get(url)
            assert response.status_code == 404, url
            assert world.published.title not in response.content.decode(), url


# --- CSV downloads --------------------------------------------------------------------------


class TestCsv:
    def test_the_queue_export_has_a_header_and_one_row_per_entry(self, cast, client_for, world):
        client = client_for(cast.manager)
        rows = read_csv(client.get("/review/export.csv"))
        assert rows[0] == ["kind", "id", "score", "band", "date", "title or summary", "author"]
        body = rows[1:]
        assert sorted((kind, int(pk)) for kind, pk, *_ in body) == sorted(queue_rows(client))
        assert body[0][:4] == ["story", str(world.off_story.pk), "0", "off_message"]
        cheap = next(r for r in body if r[:2] == ["conversation", str(world.cheap_conversation.pk)])
        assert cheap[2:4] == ["75", "needs_attention"]
        assert cheap[4] == world.cheap_conversation.occurred_at.date().isoformat()
        assert cheap[5] == "Rep talked price."
        assert cheap[6] == cast.rep.display_name

    def test_the_queue_export_follows_the_filters_and_scope(self, cast, client_for, world):
        rows = read_csv(client_for(cast.sales_lead).get("/review/export.csv"))[1:]
        assert sorted(int(r[1]) for r in rows) == sorted(
            e.pk
            for e in (world.rep_conversation, world.cheap_conversation, world.team_conversation)
        )
        rows = read_csv(client_for(cast.manager).get("/review/export.csv", {"kind": "story"}))
        assert {r[0] for r in rows[1:]} == {"story"}

    def test_the_export_dates_are_the_local_dates_the_page_and_filters_use(
        self, cast, client_for, version, settings
    ):
        """22:00 UTC on 10 January is 11:00 on 11 January in Auckland (UTC+13 in summer).

        The page shows 11 Jan and `since=2026-01-11` finds the entry (both local); the CSV's
        date column must say the same day, not the UTC one.
        """
        settings.TIME_ZONE = "Pacific/Auckland"
        when = datetime(2026, 1, 10, 22, 0, tzinfo=UTC)
        make_conversation(
            rep=cast.rep,
            client=make_client(cast.rep, "Late caller"),
            version=version,
            summary="Late call.",
            when=when,
        )
        client = client_for(cast.manager)
        assert "11 Jan 2026" in _text(client.get("/review/"))
        assert len(queue_rows(client, since="2026-01-11", until="2026-01-11")) == 1
        rows = read_csv(client.get("/review/export.csv", {"since": "2026-01-11"}))[1:]
        assert [r[4] for r in rows] == ["2026-01-11"]

    def test_the_verdicts_export_dates_are_local_too(self, cast, client_for, world, settings):
        settings.TIME_ZONE = "Pacific/Auckland"
        verdict(client_for(cast.manager), world.rep_conversation)
        Review.objects.update(created_at=datetime(2026, 1, 10, 22, 0, tzinfo=UTC))
        rows = read_csv(client_for(cast.manager).get("/review/verdicts.csv"))[1:]
        assert [r[0] for r in rows] == ["2026-01-11"]

    def test_formulas_are_neutralized(self, cast, client_for, version):
        make_story(
            author=cast.marketer,
            version=version,
            title='=HYPERLINK("x")',
            status="in_review",
        )
        make_conversation(
            rep=cast.rep,
            client=make_client(cast.rep, "Formula Ltd"),
            version=version,
            summary="+SUM(A1:A9)",
        )
        rows = read_csv(client_for(cast.manager).get("/review/export.csv"))
        labels = {r[5] for r in rows[1:]}
        assert labels == {'\'=HYPERLINK("x")', "'+SUM(A1:A9)"}

    def test_the_verdicts_export_lists_verdicts_in_scope(self, cast, client_for, world):
        manager = client_for(cast.manager)
        verdict(manager, world.rep_conversation, "needs_work", "=cmd|' /C calc'!A0")
        verdict(manager, world.other_conversation, "on_message", "South is fine.")
        verdict(manager, world.published, "off_message", "Marketing, rewrite.")

        rows = read_csv(client_for(cast.manager).get("/review/verdicts.csv"))
        assert rows[0] == [
            "date",
            "kind",
            "entry id",
            "entry",
            "verdict",
            "comment",
            "reviewer",
            "version",
        ]
        assert len(rows) == 4
        by_comment = {r[5]: r for r in rows[1:]}
        assert "'=cmd|' /C calc'!A0" in by_comment  # neutralized
        assert by_comment["South is fine."][1:3] == [
            "conversation",
            str(world.other_conversation.pk),
        ]
        assert by_comment["Marketing, rewrite."][4] == "Off message"
        assert by_comment["Marketing, rewrite."][7] == str(world.version.number)

        lead_rows = read_csv(client_for(cast.sales_lead).get("/review/verdicts.csv"))[1:]
        assert [r[5] for r in lead_rows] == ["'=cmd|' /C calc'!A0"]
        assert [r[2] for r in lead_rows] == [str(world.rep_conversation.pk)]

        marketing_rows = read_csv(client_for(cast.marketing_lead).get("/review/verdicts.csv"))[1:]
        assert [r[5] for r in marketing_rows] == ["Marketing, rewrite."]
