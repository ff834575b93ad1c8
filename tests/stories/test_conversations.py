"""Conversations: who sees them, the list and its filters, logging, editing, the live check."""

import re
import uuid
from datetime import timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stories import permissions, services
from stories.models import Client, Contact, Conversation, Story, TcoTopic
from tests.plumbline.factories import make_published
from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import make_audience, make_story
from tests.stories.query_counts import with_tags
from tests.xss_corpus import PAYLOADS, assert_no_xss

pytestmark = pytest.mark.django_db

MARKETING_AND_OUTSIDERS = ["marketer", "marketing_lead", "outsider"]


@pytest.fixture
def world(cast, version):
    """A client and a conversation each for rep, teammate (same team) and other_rep."""
    o = SimpleNamespace()
    o.client = make_client(cast.rep, "Northgate Cold Store", contacts=[("Amara Osei", "Owner")])
    o.contact = o.client.contacts.get()
    o.conversation = make_conversation(
        rep=cast.rep, client=o.client, version=version, summary="Rep walked the cold store."
    )
    o.team_client = make_client(cast.teammate, "Brindle Brewing Co.", contacts=["Sam Brindle"])
    o.team_conversation = make_conversation(
        rep=cast.teammate, client=o.team_client, version=version, summary="Teammate at the brewery."
    )
    o.other_client = make_client(cast.other_rep, "Southmoor Dairy", contacts=["Gareth Lowe"])
    o.other_contact = o.other_client.contacts.get()
    o.other_conversation = make_conversation(
        rep=cast.other_rep, client=o.other_client, version=version, summary="South at the dairy."
    )
    return o


def _html(response) -> str:
    return response.content.decode()


def _local(when) -> str:
    """A time as the datetime-local input sends it."""
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


def _cleaned(version, *, client, summary) -> dict:
    """What the conversation form hands services.conversation_log, at the least."""
    return {
        "client": client,
        "occurred_at": timezone.now(),
        "channel": "call",
        "summary": summary,
        "pillars": list(version.pillars.all()),
    }


def _form(version, *, client=None, pillars=("lifetime-value",), when=None, **overrides) -> dict:
    """What the conversation form posts (an existing client unless overridden)."""
    data = {
        "version": version.number,
        "submission_token": str(uuid.uuid4()),
        "client": client.pk if client else "",
        "new_client": "",
        "occurred_at": _local(when or timezone.now() - timedelta(hours=2)),
        "channel": "meeting",
        "summary": "Met the finance team about the roof.",
        "notes": "We went through the total cost of ownership and the lifetime savings.",
        "client_goals": "Cut energy bills.",
        "risks": "",
        "outcome": "Proposal requested",
        "next_step": "",
        "next_step_due": "",
        "pillars": [p.pk for p in version.pillars.filter(key__in=pillars)],
    }
    data.update(overrides)
    return data


def _summaries(response) -> list[str]:
    """The conversation summaries a list page shows, in order."""
    assert response.status_code == 200
    return re.findall(r'<p class="mb-1">(.*?)</p>', _html(response))


def _lock_version(response) -> str:
    values = set(
        re.findall(r'<input type="hidden" name="lock_version" value="(\d+)"', _html(response))
    )
    [value] = values
    return value


# --- Access ---------------------------------------------------------------------------------------


def _every_route(o, version) -> list[tuple[str, str, dict]]:
    """(method, url, data) for every conversation route, on rep's records."""
    pk = o.conversation.pk
    check = {"version": version.number, "summary": "A discount?", "pillars": []}
    return [
        ("get", "/conversations/", {}),
        ("get", "/conversations/?scope=all", {}),
        ("get", "/conversations/new/", {}),
        ("post", "/conversations/new/", _form(version, client=o.client)),
        ("post", "/conversations/new/", _form(version, new_client="Acme Robotics")),
        ("get", "/conversations/check/", {}),
        ("post", "/conversations/check/", check),
        ("get", f"/conversations/{pk}/", {}),
        ("get", f"/conversations/{pk}/edit/", {}),
        ("post", f"/conversations/{pk}/edit/", _form(version, client=o.client, summary="Hacked")),
    ]


class TestAccess:
    def test_it_works(self, client_for, cast, world):
        client = client_for(cast.rep)
        response = client.get(f"/conversations/{world.conversation.pk}/")
        assert response.status_code == 200
        assert "Rep walked the cold store." in _html(response)
        assert f'href="/conversations/{world.conversation.pk}/edit/"' in _html(response)
        assert client.get(f"/conversations/{world.conversation.pk}/edit/").status_code == 200

    @pytest.mark.parametrize("name", MARKETING_AND_OUTSIDERS)
    def test_outsider_gets_404(self, client_for, cast, world, version, name):
        client = client_for(getattr(cast, name))
        before = Conversation.objects.count(), Client.objects.count()
        for method, url, data in _every_route(world, version):
            response = getattr(client, method)(url, data)
            assert response.status_code == 404, (name, method, url)
            assert "Northgate" not in _html(response)
        assert (Conversation.objects.count(), Client.objects.count()) == before
        world.conversation.refresh_from_db()
        assert world.conversation.summary == "Rep walked the cold store."

    def test_anonymous_is_sent_to_sign_in(self, client_for, cast, world):
        response = client_for(None).get(f"/conversations/{world.conversation.pk}/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    # The detail page takes no POST at all (405, whoever asks); the edit page 404s it.
    @pytest.mark.parametrize(("suffix", "post_status"), [("", 405), ("edit/", 404)])
    def test_other_team_gets_404(self, client_for, cast, world, version, suffix, post_status):
        url = f"/conversations/{world.other_conversation.pk}/{suffix}"
        data = _form(version, client=world.client, summary="Taken over")
        for name in ("rep", "teammate", "sales_lead"):
            client = client_for(getattr(cast, name))
            assert client.get(url).status_code == 404, name
            assert client.post(url, data).status_code == post_status, name
        world.other_conversation.refresh_from_db()
        assert world.other_conversation.summary == "South at the dairy."

    @pytest.mark.parametrize("suffix", ["", "edit/"])
    def test_teammate_does_not_see_rep_conversations(self, client_for, cast, world, suffix):
        url = f"/conversations/{world.team_conversation.pk}/{suffix}"
        response = client_for(cast.rep).get(url)
        assert response.status_code == 404
        assert "Teammate at the brewery." not in _html(response)

    def test_lead_reads_the_team(self, client_for, cast, world):
        client = client_for(cast.sales_lead)
        response = client.get(f"/conversations/{world.team_conversation.pk}/")
        assert response.status_code == 200
        assert "Teammate at the brewery." in _html(response)
        assert "/edit/" not in _html(response)

    @pytest.mark.parametrize("name", ["sales_lead", "manager", "admin"])
    def test_read_only_gets_403(self, client_for, cast, world, version, name):
        client = client_for(getattr(cast, name))
        url = f"/conversations/{world.team_conversation.pk}/edit/"
        assert client.get(url).status_code == 403
        response = client.post(url, _form(version, client=world.team_client, summary="Changed"))
        assert response.status_code == 403
        world.team_conversation.refresh_from_db()
        assert world.team_conversation.summary == "Teammate at the brewery."

    @pytest.mark.parametrize("name", ["manager", "admin"])
    def test_managers_see_everyone(self, client_for, cast, world, name):
        client = client_for(getattr(cast, name))
        response = client.get(f"/conversations/{world.other_conversation.pk}/")
        assert response.status_code == 200
        assert "South at the dairy." in _html(response)

    def test_managers_do_not_log_conversations(self, client_for, cast, version):
        response = client_for(cast.manager).get("/conversations/new/")
        assert response.status_code == 404
        assert "submission_token" not in _html(response)
        response = client_for(cast.admin).get("/conversations/new/")
        assert response.status_code == 200
        assert "submission_token" in _html(response)

    def test_bad_id_gets_404(self, client_for, cast, world):
        client = client_for(cast.rep)
        for url in ("/conversations/999999/", "/conversations/999999/edit/", "/conversations/abc/"):
            response = client.get(url)
            assert response.status_code == 404, url
            assert world.conversation.summary not in _html(response), url


class TestPermissions:
    """The querysets every page is built on, beside the views' own 404s."""

    @pytest.mark.parametrize(
        "name, expected",
        [
            ("rep", {"rep"}),
            ("teammate", {"teammate"}),
            ("sales_lead", {"rep", "teammate"}),
            ("other_rep", {"other_rep"}),
            ("manager", {"rep", "teammate", "other_rep"}),
            ("admin", {"rep", "teammate", "other_rep"}),
            ("marketer", set()),
            ("marketing_lead", set()),
            ("outsider", set()),
        ],
    )
    def test_visible_conversations_and_clients(self, cast, world, name, expected):
        user = getattr(cast, name)
        conversations = permissions.visible_conversations(user)
        assert {c.rep.username for c in conversations} == expected
        assert {c.owner.username for c in permissions.visible_clients(user)} == expected
        assert permissions.may_see_sales_records(user) == bool(expected)


# --- The list -------------------------------------------------------------------------------------


class TestList:
    def test_rep_sees_only_their_own(self, client_for, cast, world):
        response = client_for(cast.rep).get("/conversations/")
        assert _summaries(response) == ["Rep walked the cold store."]
        # Not even the filter's client list names the other clients.
        assert "Brindle" not in _html(response)
        assert "Southmoor" not in _html(response)

    def test_lead_sees_the_team(self, client_for, cast, world, version):
        own_client = make_client(cast.sales_lead, "Fenwick & Daughters")
        make_conversation(
            rep=cast.sales_lead,
            client=own_client,
            version=version,
            summary="Lead with the retailer.",
            when=timezone.now() - timedelta(days=1),
        )
        client = client_for(cast.sales_lead)
        assert sorted(_summaries(client.get("/conversations/"))) == [
            "Lead with the retailer.",
            "Rep walked the cold store.",
            "Teammate at the brewery.",
        ]
        assert _summaries(client.get("/conversations/?scope=mine")) == ["Lead with the retailer."]
        assert "Southmoor" not in _html(client.get("/conversations/"))

    def test_lead_cannot_widen_the_scope(self, client_for, cast, world):
        response = client_for(cast.sales_lead).get("/conversations/?scope=all")
        assert "South at the dairy." not in _summaries(response)

    def test_manager_sees_everyone(self, client_for, cast, world):
        client = client_for(cast.manager)
        assert sorted(_summaries(client.get("/conversations/"))) == [
            "Rep walked the cold store.",
            "South at the dairy.",
            "Teammate at the brewery.",
        ]
        assert _summaries(client.get("/conversations/?scope=mine")) == []

    def test_newest_first(self, client_for, cast, world, version):
        make_conversation(
            rep=cast.rep,
            client=world.client,
            version=version,
            summary="Last week.",
            when=timezone.now() - timedelta(days=7),
        )
        make_conversation(rep=cast.rep, client=world.client, version=version, summary="Just now.")
        assert _summaries(client_for(cast.rep).get("/conversations/")) == [
            "Just now.",
            "Rep walked the cold store.",
            "Last week.",
        ]

    def test_log_button_only_for_loggers(self, client_for, cast, world):
        assert "Log a conversation" in _html(client_for(cast.rep).get("/conversations/"))
        assert "Log a conversation" not in _html(client_for(cast.manager).get("/conversations/"))

    def test_empty_state(self, client_for, cast, version):
        assert "No conversations here yet." in _html(client_for(cast.rep).get("/conversations/"))


class TestFilters:
    @pytest.fixture
    def many(self, cast, version, world):
        """More of rep's and teammate's conversations, each different in one way."""
        story = make_story(author=cast.marketer, version=version, status=Story.Status.PUBLISHED)
        hartley = make_client(cast.rep, "Hartley's Bakery")
        make_conversation(
            rep=cast.rep, client=hartley, version=version, summary="At the bakery.", channel="visit"
        )
        make_conversation(
            rep=cast.rep,
            client=world.client,
            version=version,
            summary="Engineers.",
            notes="A local engineer does every service visit.",
            pillars=("local-experts",),
        )
        make_conversation(
            rep=cast.rep,
            client=world.client,
            version=version,
            summary="Weather talk.",
            notes="A short note about the weather.",
            stories=[story],
        )
        make_conversation(
            rep=cast.rep,
            client=world.client,
            version=version,
            summary="Warranty questions.",
            tco=("warranty", "support"),
        )
        make_conversation(
            rep=cast.rep,
            client=world.client,
            version=version,
            summary="Long ago.",
            when=timezone.now() - timedelta(days=40),
        )
        return hartley

    def _get(self, client, query) -> set[str]:
        return set(_summaries(client.get(f"/conversations/?{query}")))

    def test_client(self, client_for, cast, many):
        client = client_for(cast.rep)
        assert self._get(client, f"client={many.pk}") == {"At the bakery."}

    def test_rep(self, client_for, cast, many):
        client = client_for(cast.sales_lead)
        assert self._get(client, f"rep={cast.teammate.pk}") == {"Teammate at the brewery."}

    def test_channel(self, client_for, cast, many):
        assert self._get(client_for(cast.rep), "channel=visit") == {"At the bakery."}

    def test_pillar(self, client_for, cast, many):
        assert self._get(client_for(cast.rep), "pillar=local-experts") == {"Engineers."}

    def test_pillar_told_under_any_version(self, client_for, cast, many, world):
        newer = make_published(by=cast.manager)  # the same pillar keys, new pillars
        make_conversation(
            rep=cast.rep,
            client=world.client,
            version=newer,
            summary="Engineers again.",
            pillars=("local-experts",),
        )
        assert self._get(client_for(cast.rep), "pillar=local-experts") == {
            "Engineers.",
            "Engineers again.",
        }

    def test_band(self, client_for, cast, many):
        assert self._get(client_for(cast.rep), "band=off_message") == {"Weather talk."}

    def test_tco_topic(self, client_for, cast, many):
        assert self._get(client_for(cast.rep), "tco=warranty") == {"Warranty questions."}
        content = _html(client_for(cast.rep).get("/conversations/?tco=warranty"))
        assert "TCO: warranty, support" in content

    def test_dates(self, client_for, cast, many):
        client = client_for(cast.rep)
        cut = (timezone.localdate() - timedelta(days=20)).isoformat()
        assert self._get(client, f"until={cut}") == {"Long ago."}
        recent = self._get(client, f"since={cut}")
        assert "Long ago." not in recent
        assert len(recent) == 5

    @pytest.mark.parametrize(
        "query",
        ["client=abc", "tco=nope", "since=notadate", "band=great", "rep=x", "page=abc", "cursor=x"],
    )
    def test_tampered_values_are_ignored(self, client_for, cast, many, query):
        response = client_for(cast.rep).get(f"/conversations/?{query}")
        assert response.status_code == 200
        assert len(_summaries(response)) == 6

    def test_another_teams_client_is_not_a_filter(self, client_for, cast, many, world):
        response = client_for(cast.rep).get(f"/conversations/?client={world.other_client.pk}")
        assert response.status_code == 200
        assert "South at the dairy." not in _summaries(response)
        assert "Southmoor" not in _html(response)


class TestPagination:
    @pytest.fixture
    def thirty(self, cast, version):
        client = make_client(cast.rep, "Northgate Cold Store")
        start = timezone.now() - timedelta(days=1)
        for n in range(1, 31):
            make_conversation(
                rep=cast.rep,
                client=client,
                version=version,
                summary=f"Talk {n:02}",
                when=start + timedelta(minutes=n),
            )

    def test_first_page(self, client_for, cast, thirty):
        response = client_for(cast.rep).get("/conversations/")
        assert _summaries(response) == [f"Talk {n:02}" for n in range(30, 5, -1)]
        assert "Page 1" in _html(response)
        assert "30 conversations" in _html(response)

    def test_page_two_keeps_the_filters(self, client_for, cast, thirty):
        client = client_for(cast.rep)
        first = client.get("/conversations/?channel=call")
        [href] = re.findall(r'href="(\?channel=call&amp;cursor=[^"]+)" rel="next"', _html(first))
        response = client.get("/conversations/" + unescape(href))
        assert _summaries(response) == [f"Talk {n:02}" for n in range(5, 0, -1)]
        assert 'href="?channel=call"' in _html(response)  # back to the first page
        assert 'rel="next"' not in _html(response)

    @pytest.mark.parametrize("cursor", ["abc", "", "x" * 5000, "WzIsMCxbXV0:1abc:bad"])
    def test_a_tampered_cursor_shows_the_first_page(self, client_for, cast, thirty, cursor):
        response = client_for(cast.rep).get("/conversations/", {"cursor": cursor})
        assert _summaries(response)[0] == "Talk 30"


class TestListQueries:
    def test_query_count_does_not_grow_with_conversations(
        self, client_for, cast, version, django_assert_num_queries
    ):
        story = make_story(author=cast.marketer, version=version, status=Story.Status.PUBLISHED)
        clients = [make_client(person) for person in (cast.rep, cast.teammate, cast.sales_lead)]

        def add(count):
            for n in range(count):
                client = clients[n % 3]
                make_conversation(
                    rep=client.owner,
                    client=client,
                    version=version,
                    summary=f"Conversation {n}",
                    pillars=("lifetime-value", "local-experts")[: n % 2 + 1],
                    tco=("warranty", "price", "support")[: n % 3 + 1],
                    stories=[story] if n % 2 else [],
                )

        add(3)
        client = client_for(cast.sales_lead)
        # The filters panel is closed and unbuilt: the session, the user, memberships (the
        # lead's team with them), the page and its count.
        with django_assert_num_queries(with_tags(5, 2)) as small:
            client.get("/conversations/")
        add(27)
        assert Conversation.objects.count() == 30
        with django_assert_num_queries(len(small.captured_queries)):
            response = client.get("/conversations/")
        assert len(_summaries(response)) == 25


# --- Logging a conversation -----------------------------------------------------------------------


class TestCreate:
    def test_it_works(self, client_for, cast, world, version):
        draft = make_story(author=cast.marketer, version=version, title="Draft tale")
        used = make_story(
            author=cast.marketer, version=version, status="published", title="Used tale"
        )
        world.conversation.stories_used.add(used)
        content = _html(client_for(cast.rep).get("/conversations/new/"))
        assert "Log a conversation" in content
        assert re.search(r'name="submission_token" value="[0-9a-f-]{36}"', content)
        assert f'name="version" value="{version.number}"' in content
        assert "Value over the whole life" in content
        assert "Warranty" in content
        assert used.title in content  # used lately: offered first
        assert draft.title not in content
        assert "Northgate Cold Store" in content  # talked to lately
        assert "Southmoor" not in content
        assert "Brindle" not in content

    def test_it_offers_recent_clients_and_stories_and_finds_the_others(
        self, client_for, cast, world, version
    ):
        """A company has thousands of clients and stories: the form offers the chosen ones
        and the rep's recent ones; the searches find every other one the rep may use."""
        quiet = make_client(cast.rep, "Quietwater Mills")  # the rep's, never talked to
        live = make_story(
            author=cast.marketer, version=version, status="published", title="Live tale"
        )
        draft = make_story(author=cast.marketer, version=version, title="Live draft")
        http = client_for(cast.rep)
        content = _html(http.get("/conversations/new/"))
        assert "Northgate Cold Store" in content
        assert "Quietwater Mills" not in content and live.title not in content
        assert "Quietwater Mills" in _html(http.get("/clients/search/", {"q": "quiet"}))
        assert "Quietwater Mills" in _html(http.get(f"/conversations/new/?client={quiet.pk}"))
        options = "/conversations/story-options/"
        found = _html(http.get(options, {"q": "live"}))
        assert f'value="{live.pk}" id="story-{live.pk}">' in found  # not ticked
        assert draft.title not in found
        kept = _html(
            http.get("/conversations/story-options/", {"q": "zz", "stories_used": live.pk})
        )
        assert f'value="{live.pk}" id="story-{live.pk}" checked>' in kept
        none = _html(http.get(options, {"q": "zz"}))
        assert "No published story has “zz” in its title." in none
        data = _form(version, client=quiet, stories_used=[live.pk])
        assert http.post("/conversations/new/", data).status_code == 302
        assert Conversation.objects.get(client=quiet).stories_used.get() == live

    @pytest.mark.parametrize(
        "query",
        [
            {"stories_used": "99999999999999999999"},
            {"stories_used": ["x", "-1", ""]},
            {"q": "a" * 5000},
        ],
    )
    def test_tampered_story_searches_change_nothing(self, client_for, cast, version, query):
        make_story(author=cast.marketer, version=version, status="published", title="Roof tale")
        response = client_for(cast.rep).get("/conversations/story-options/", query)
        assert response.status_code == 200
        assert "Roof tale" not in _html(response)  # neither ticked nor found

    def test_each_form_gets_a_new_token(self, client_for, cast, version):
        client = client_for(cast.rep)
        pattern = r'name="submission_token" value="([0-9a-f-]{36})"'
        first = re.search(pattern, _html(client.get("/conversations/new/"))).group(1)
        second = re.search(pattern, _html(client.get("/conversations/new/"))).group(1)
        assert first != second

    def test_log_with_an_existing_client(self, client_for, cast, world, version):
        live = make_story(author=cast.marketer, version=version, status="published")
        warranty = TcoTopic.objects.get(key="warranty")
        data = _form(
            version,
            client=world.client,
            contacts=[world.contact.pk],
            tco_topics=[warranty.pk],
            stories_used=[live.pk],
        )
        response = client_for(cast.rep).post("/conversations/new/", data)
        conversation = Conversation.objects.get(summary="Met the finance team about the roof.")
        assert response.status_code == 302
        assert response["Location"] == f"/conversations/{conversation.pk}/"
        assert conversation.rep == cast.rep
        assert conversation.client == world.client
        assert conversation.plumbline_version == version
        assert conversation.channel == "meeting"
        assert str(conversation.submission_token) == data["submission_token"]
        assert list(conversation.contacts.all()) == [world.contact]
        assert list(conversation.tco_topics.all()) == [warranty]
        assert list(conversation.stories_used.all()) == [live]
        assert [p.key for p in conversation.pillars.all()] == ["lifetime-value"]
        assert conversation.score == 100
        assert conversation.band == "on_message"

    def test_the_client_can_be_chosen_in_advance(self, client_for, cast, world):
        content = _html(client_for(cast.rep).get(f"/conversations/new/?client={world.client.pk}"))
        assert f'<option value="{world.client.pk}" selected>' in content
        assert "Amara Osei" in content

    def test_another_teams_client_cannot_be_chosen_in_advance(self, client_for, cast, world):
        url = f"/conversations/new/?client={world.other_client.pk}"
        response = client_for(cast.rep).get(url)
        assert response.status_code == 200
        assert "Gareth Lowe" not in _html(response)
        assert "Southmoor" not in _html(response)

    def test_inline_new_client(self, client_for, cast, version):
        data = _form(version, new_client="  Acme   Robotics ")
        response = client_for(cast.rep).post("/conversations/new/", data)
        new = Client.objects.get(name="Acme Robotics")
        conversation = Conversation.objects.get()
        assert response.status_code == 302
        assert new.owner == cast.rep
        assert new.name_key == "acme robotics"
        assert conversation.client == new

    def test_inline_new_client_with_its_people(self, client_for, cast, version):
        people = "Amara Osei, Owner\n\n   Sam   Reed  \nLi Wei ,  Head of facilities\n"
        data = _form(version, new_client="Acme Robotics", new_contacts=people)
        response = client_for(cast.rep).post("/conversations/new/", data)
        assert response.status_code == 302
        new = Client.objects.get(name="Acme Robotics")
        expected = ["Amara Osei (Owner)", "Li Wei (Head of facilities)", "Sam Reed"]
        assert [str(contact) for contact in new.contacts.all()] == expected
        conversation = Conversation.objects.get()
        assert [str(contact) for contact in conversation.contacts.all()] == expected  # were there

    def test_the_new_people_field_is_offered_with_the_new_client(self, client_for, cast, version):
        content = _html(client_for(cast.rep).get("/conversations/new/"))
        assert 'name="new_contacts"' in content

    def test_the_new_people_field_is_not_offered_on_edit(self, client_for, cast, world, version):
        url = f"/conversations/{world.conversation.pk}/edit/"
        assert 'name="new_contacts"' not in _html(client_for(cast.rep).get(url))

    def test_without_a_plumb_line(self, client_for, cast):
        response = client_for(cast.rep).get("/conversations/new/", follow=True)
        assert response.redirect_chain == [("/conversations/", 302)]
        assert "Publish a plumb line first" in _html(response)

    def test_the_page_reports_the_check_after_an_error(self, client_for, cast, world, version):
        data = _form(version, client=world.client, summary="", notes="Ask for a discount.")
        content = _html(client_for(cast.rep).post("/conversations/new/", data))
        assert "added value" in content


class TestValidation:
    def _post(self, client_for, cast, version, **overrides):
        before = Conversation.objects.count(), Client.objects.count()
        response = client_for(cast.rep).post("/conversations/new/", _form(version, **overrides))
        assert response.status_code == 200
        assert (Conversation.objects.count(), Client.objects.count()) == before
        return response

    def test_when_in_the_future(self, client_for, cast, world, version):
        future = timezone.now() + timedelta(days=1)
        response = self._post(client_for, cast, version, client=world.client, when=future)
        assert response.context["form"].errors["occurred_at"] == [
            "A conversation cannot be in the future."
        ]
        assert "A conversation cannot be in the future." in _html(response)

    def test_contacts_of_another_client(self, client_for, cast, world, version):
        hartley = make_client(cast.rep, "Hartley's Bakery", contacts=["Ellen Hartley"])
        response = self._post(
            client_for,
            cast,
            version,
            client=world.client,
            contacts=[hartley.contacts.get().pk],
        )
        assert response.context["form"].errors["contacts"]
        assert "invalid-feedback" in _html(response)

    def test_contacts_of_another_teams_client(self, client_for, cast, world, version):
        response = self._post(
            client_for, cast, version, client=world.client, contacts=[world.other_contact.pk]
        )
        assert response.context["form"].errors["contacts"]
        assert "Gareth Lowe" not in _html(response)

    def test_contacts_with_a_new_client(self, client_for, cast, world, version):
        response = self._post(
            client_for, cast, version, new_client="Acme Robotics", contacts=[world.contact.pk]
        )
        assert response.context["form"].errors["contacts"]

    @pytest.mark.parametrize("status", ["draft", "in_review", "archived"])
    def test_only_published_stories(self, client_for, cast, world, version, status):
        make_story(author=cast.marketer, version=version, status="published", title="Live")
        story = make_story(author=cast.marketer, version=version, status=status)
        response = self._post(
            client_for, cast, version, client=world.client, stories_used=[story.pk]
        )
        message = "Only published stories can be used with a client."
        assert response.context["form"].errors["stories_used"] == [message]
        assert message in _html(response)

    def test_the_story_error_shows_when_no_story_is_published(
        self, client_for, cast, world, version
    ):
        """The rep ticked the only published story; marketing archived it before the rep
        pressed Save. The form comes back: it must say why."""
        story = make_story(author=cast.marketer, version=version, status="published")
        services.story_archive(story=story)
        response = self._post(
            client_for, cast, version, client=world.client, stories_used=[story.pk]
        )
        assert response.context["form"].errors["stories_used"]
        assert "Only published stories can be used with a client." in _html(response)

    def test_no_pillars(self, client_for, cast, world, version):
        response = self._post(client_for, cast, version, client=world.client, pillars=())
        assert response.context["form"].errors["pillars"] == ["Tag at least one pillar."]
        assert "Tag at least one pillar." in _html(response)

    def test_pillar_of_another_version(self, client_for, cast, world, version):
        old = list(version.pillars.values_list("pk", flat=True))
        newer = make_published(by=cast.manager)
        data = _form(newer, client=world.client)
        data["pillars"] = old
        response = client_for(cast.rep).post("/conversations/new/", data)
        assert response.status_code == 200
        assert response.context["form"].errors["pillars"]
        assert Conversation.objects.count() == 3

    def test_neither_client_nor_new_client(self, client_for, cast, version):
        response = self._post(client_for, cast, version)
        message = "Choose the client, or name a new one below."
        assert response.context["form"].errors["client"] == [message]
        assert message in _html(response)

    def test_new_people_without_a_new_client(self, client_for, cast, world, version):
        before = Contact.objects.count()
        response = self._post(
            client_for, cast, version, client=world.client, new_contacts="Sam Reed"
        )
        assert response.context["form"].errors["new_contacts"] == [
            "People can be added here only with a new client; add them on the client's page."
        ]
        assert Contact.objects.count() == before

    @pytest.mark.parametrize(
        ("people", "error"),
        [
            ("x" * 161, "Line 1: a name has at most 160 characters."),
            ("Sam Reed\nAmara, " + "r" * 121, "Line 2: a role has at most 120 characters."),
            ("Sam Reed\n, Owner", "Line 2: write the name before the comma."),
            ("Sam Reed\nsam  REED", "Line 2: the same person as line 1."),
            ("\n".join(f"Person {n}" for n in range(31)), "Add at most 30 people here."),
        ],
    )
    def test_bad_new_people(self, client_for, cast, version, people, error):
        before = Contact.objects.count()
        response = self._post(
            client_for, cast, version, new_client="Acme Robotics", new_contacts=people
        )
        assert response.context["form"].errors["new_contacts"] == [error]
        assert error in unescape(_html(response))
        assert Contact.objects.count() == before

    def test_both_client_and_new_client(self, client_for, cast, world, version):
        response = self._post(
            client_for, cast, version, client=world.client, new_client="Acme Robotics"
        )
        assert response.context["form"].errors["new_client"] == [
            "Choose an existing client or name a new one, not both."
        ]

    def test_new_client_that_exists(self, client_for, cast, version):
        make_client(cast.rep, "Hartley's Bakery")
        response = self._post(client_for, cast, version, new_client="  hartley's   BAKERY ")
        [error] = response.context["form"].errors["new_client"]
        assert "already exists" in error
        assert "already exists" in _html(response)

    def test_new_client_that_exists_in_another_team(self, client_for, cast, world, version):
        response = self._post(client_for, cast, version, new_client="SOUTHMOOR dairy")
        [error] = response.context["form"].errors["new_client"]
        assert "another team" in error
        # The error does not spell out the other team's client as it is stored.
        assert "Southmoor Dairy" not in _html(response)

    def test_another_teams_client(self, client_for, cast, world, version):
        response = self._post(client_for, cast, version, client=world.other_client)
        assert response.context["form"].errors["client"]

    @pytest.mark.parametrize("channel", ["", "fax", "<script>"])
    def test_tampered_channel(self, client_for, cast, world, version, channel):
        response = self._post(client_for, cast, version, client=world.client, channel=channel)
        assert response.context["form"].errors["channel"]

    def test_missing_summary(self, client_for, cast, world, version):
        response = self._post(client_for, cast, version, client=world.client, summary="")
        assert response.context["form"].errors["summary"]

    def test_tampered_tco_topic(self, client_for, cast, world, version):
        response = self._post(client_for, cast, version, client=world.client, tco_topics=["999999"])
        assert response.context["form"].errors["tco_topics"]


class TestPhoneForm:
    """The form is filled in on a phone: the usual channel chosen, the optional parts folded."""

    @staticmethod
    def _folds(response) -> dict[str, bool]:
        """Each folded part's summary → whether it shows open."""
        found = re.findall(
            r'<details class="form-section[^"]*"( open)?>\s*<summary>([^<]+)', _html(response)
        )
        return {unescape(summary).strip(): bool(is_open) for is_open, summary in found}

    def test_the_channel_is_the_reps_usual_one(self, client_for, cast, world, version):
        for channel in ("visit", "visit", "email"):
            make_conversation(rep=cast.rep, client=world.client, version=version, channel=channel)
        form = client_for(cast.rep).get("/conversations/new/").context["form"]
        assert form["channel"].value() == "visit"

    def test_a_first_conversation_is_a_call(self, client_for, cast, version):
        form = client_for(cast.rep).get("/conversations/new/").context["form"]
        assert form["channel"].value() == "call"

    def test_editing_keeps_the_channel(self, client_for, cast, world, version):
        make_conversation(rep=cast.rep, client=world.client, version=version, channel="visit")
        make_conversation(rep=cast.rep, client=world.client, version=version, channel="visit")
        url = f"/conversations/{world.conversation.pk}/edit/"
        assert client_for(cast.rep).get(url).context["form"]["channel"].value() == "call"

    def test_the_usual_channel_costs_one_query_however_many_conversations(
        self, client_for, cast, world, version, django_assert_num_queries
    ):
        browser = client_for(cast.rep)
        browser.get("/conversations/new/")  # the session and caches warm
        with CaptureQueriesContext(connection) as few:
            browser.get("/conversations/new/")
        for channel in ("visit", "email", "visit", "chat"):
            make_conversation(rep=cast.rep, client=world.client, version=version, channel=channel)
        with django_assert_num_queries(len(few.captured_queries)):
            browser.get("/conversations/new/")
        usual = [q["sql"] for q in few.captured_queries if "COUNT(" in q["sql"].upper()]
        assert len(usual) == 1

    def test_the_optional_parts_are_folded(self, client_for, cast, world, version):
        folds = self._folds(client_for(cast.rep).get("/conversations/new/"))
        assert folds == {
            "A client you have not logged before?": False,
            "Goals, risks, cost of ownership": False,
            "Stories you used": False,
            "Outcome and next step": False,
        }

    def test_a_part_with_a_value_is_open(self, client_for, cast, world, version):
        conversation = make_conversation(
            rep=cast.rep, client=world.client, version=version, next_step="Send the quote"
        )
        folds = self._folds(client_for(cast.rep).get(f"/conversations/{conversation.pk}/edit/"))
        assert folds == {
            "Goals, risks, cost of ownership": False,
            "Stories you used": False,
            "Outcome and next step": True,
        }

    def test_a_part_with_an_error_is_open(self, client_for, cast, world, version):
        data = _form(version, new_client="Acme Robotics", client_goals="", next_step_due="soon")
        response = client_for(cast.rep).post("/conversations/new/", data)
        assert response.status_code == 200
        assert response.context["form"].errors["next_step_due"]
        folds = self._folds(response)
        assert folds["A client you have not logged before?"] is True  # it holds a value
        assert folds["Goals, risks, cost of ownership"] is False
        assert folds["Outcome and next step"] is True  # the error
        assert folds["Stories you used"] is False


class TestDoubleSubmit:
    def test_the_same_form_twice_saves_once(self, client_for, cast, world, version):
        client = client_for(cast.rep)
        data = _form(version, client=world.client)
        first = client.post("/conversations/new/", data)
        second = client.post("/conversations/new/", data, follow=True)
        conversation = Conversation.objects.get(summary=data["summary"])
        assert first["Location"] == f"/conversations/{conversation.pk}/"
        assert second.redirect_chain == [(f"/conversations/{conversation.pk}/", 302)]
        assert "already saved" in _html(second)
        assert Conversation.objects.filter(rep=cast.rep).count() == 2  # world's and this one

    def test_the_same_form_with_a_new_client_twice_saves_once(self, client_for, cast, version):
        """A double click on a form that names a new client: the second submit finds the
        conversation the first one saved, instead of complaining the client exists."""
        client = client_for(cast.rep)
        data = _form(version, new_client="Acme Robotics")
        first = client.post("/conversations/new/", data)
        second = client.post("/conversations/new/", data, follow=True)
        conversation = Conversation.objects.get()
        assert first["Location"] == f"/conversations/{conversation.pk}/"
        assert Client.objects.filter(name="Acme Robotics").count() == 1
        assert "already exists" not in _html(second)
        assert second.redirect_chain == [(f"/conversations/{conversation.pk}/", 302)]
        assert "already saved" in _html(second)

    def test_two_forms_save_two(self, client_for, cast, world, version):
        client = client_for(cast.rep)
        client.post("/conversations/new/", _form(version, client=world.client))
        client.post("/conversations/new/", _form(version, client=world.client))
        assert Conversation.objects.filter(rep=cast.rep).count() == 3

    def test_the_service_with_the_same_token(self, cast, world, version):
        token = uuid.uuid4()
        first = make_conversation(
            rep=cast.rep, client=world.client, version=version, summary="Once", token=token
        )
        data = _cleaned(version, client=world.client, summary="Twice")
        again, created = services.conversation_log(
            rep=cast.rep, version=version, data=data, token=token
        )
        assert (again, created) == (first, False)
        assert Conversation.objects.filter(submission_token=token).count() == 1
        assert again.summary == "Once"

    def test_a_token_is_only_the_reps_own(self, cast, world, version):
        """Another rep sending the same token gets their own conversation, never rep's."""
        token = uuid.uuid4()
        mine = make_conversation(rep=cast.rep, client=world.client, version=version, token=token)
        data = _cleaned(version, client=world.other_client, summary="Theirs")
        theirs, created = services.conversation_log(
            rep=cast.other_rep, version=version, data=data, token=token
        )
        assert created
        assert theirs != mine
        assert theirs.rep == cast.other_rep

    def test_the_service_makes_the_people_with_the_client_or_nothing(self, cast, version):
        data = {
            "new_client": "Acme Robotics",
            "occurred_at": timezone.now(),
            "channel": "call",
            "summary": "First call.",
            "pillars": list(version.pillars.all()[:1]),
            "new_contacts": [("Amara Osei", "Owner"), ("x" * 161, "")],
        }
        with pytest.raises(ValidationError):
            services.conversation_log(rep=cast.rep, version=version, data=data)
        assert not Client.objects.filter(name="Acme Robotics").exists()
        assert not Contact.objects.filter(name="Amara Osei").exists()
        data["new_contacts"] = [("Amara Osei", "Owner")]
        conversation, _ = services.conversation_log(rep=cast.rep, version=version, data=data)
        assert [str(c) for c in conversation.client.contacts.all()] == ["Amara Osei (Owner)"]

    def test_without_a_token_each_call_saves(self, cast, world, version):
        make_conversation(rep=cast.rep, client=world.client, version=version, summary="Same")
        make_conversation(rep=cast.rep, client=world.client, version=version, summary="Same")
        assert Conversation.objects.filter(summary="Same").count() == 2


# --- Reading one ----------------------------------------------------------------------------------


class TestDetail:
    def test_it_shows_the_conversation(self, client_for, cast, world, version):
        story = make_story(
            author=cast.marketer, version=version, status="published", title="Roof tale"
        )
        conversation = make_conversation(
            rep=cast.rep,
            client=world.client,
            version=version,
            summary="Board follow-up.",
            notes="They asked for a **discount**.",
            contacts=[world.contact],
            stories=[story],
            tco=("financing",),
            client_goals="Lower bills",
        )
        content = _html(client_for(cast.rep).get(f"/conversations/{conversation.pk}/"))
        assert "Board follow-up." in content
        assert "<strong>discount</strong>" in content
        assert "Amara Osei (Owner)" in content
        assert f'<a href="/stories/{story.pk}/">Roof tale</a>' in content
        assert "Financing" in content
        assert "Lower bills" in content
        assert f'<a href="/clients/{world.client.pk}/">Northgate Cold Store</a>' in content
        assert "added value" in content  # the stored check's report
        assert f"plumb line version {version.number}" in content

    def test_query_count(self, client_for, cast, world, version, django_assert_num_queries):
        """Pillars, topics, contacts, stories and whether there are verdicts come with the
        conversation; its verdicts in one more query once it has some."""
        stories = [
            make_story(author=cast.marketer, version=version, status="published", title=title)
            for title in ("Roof tale", "Barn tale")
        ]
        sam = Contact.objects.create(client=world.client, name="Sam Reed", role="")
        conversation = make_conversation(
            rep=cast.rep,
            client=world.client,
            version=version,
            pillars=("lifetime-value", "local-experts"),
            tco=("financing", "warranty"),
            contacts=[world.contact, sam],
            stories=stories,
        )
        browser = client_for(cast.rep)
        # The session, the user, their memberships, the conversation; its pillars, topics,
        # contacts, stories used and verdicts.
        with django_assert_num_queries(with_tags(4, 5)):
            content = _html(browser.get(f"/conversations/{conversation.pk}/"))
        assert content.index("Value over the whole life") < content.index("Local people who")
        assert "Financing" in content
        assert "Warranty" in content
        assert "with Amara Osei (Owner), Sam Reed</p>" in content
        barn, roof = (f'<a href="/stories/{story.pk}/">' for story in reversed(stories))
        assert content.index(f"{barn}Barn tale</a>") < content.index(f"{roof}Roof tale</a>")
        assert "Verdicts" not in content
        services.review_create(
            entry=conversation,
            reviewer=cast.manager,
            verdict="needs_work",
            comment="",
            version=version,
        )
        with django_assert_num_queries(with_tags(5, 4)):
            content = _html(browser.get(f"/conversations/{conversation.pk}/"))
        assert "Verdicts" in content

    @pytest.mark.parametrize("payload", PAYLOADS[:12] + PAYLOADS[24:36])
    def test_text_cannot_inject_markup(self, client_for, cast, world, version, payload):
        hostile = make_client(cast.rep, f"Client {payload}")
        conversation = make_conversation(
            rep=cast.rep,
            client=hostile,
            version=version,
            summary=payload[:300],
            notes=payload,
            client_goals=payload,
            outcome=payload[:300],
        )
        client = client_for(cast.rep)
        for url in (
            f"/conversations/{conversation.pk}/",
            "/conversations/",
            f"/clients/{hostile.pk}/",
            "/clients/",
            f"/conversations/{conversation.pk}/edit/",
            "/clients/search/?q=Client",
        ):
            content = _html(client.get(url))
            if "<" in payload:
                assert payload not in content, url
            main = _MAIN.search(content)
            assert_no_xss(_OWN_FORMS.sub("", main.group(1) if main else content))


# Where each page's own content is, and the page's own forms (which assert_no_xss would flag).
_MAIN = re.compile(r'<main id="main"[^>]*>(.*)</main>', re.DOTALL)
_OWN_FORMS = re.compile(r"<form .*?</form>", re.DOTALL)


# --- Editing --------------------------------------------------------------------------------------


class TestEdit:
    def test_it_works(self, client_for, cast, world, version):
        client = client_for(cast.rep)
        url = f"/conversations/{world.conversation.pk}/edit/"
        response = client.get(url)
        assert _lock_version(response) == "1"
        assert "Rep walked the cold store." in _html(response)
        assert 'name="new_client"' not in _html(response)

        data = _form(
            version,
            client=world.client,
            summary="Edited summary.",
            notes="They asked for a discount.",
            lock_version=1,
        )
        response = client.post(url, data)
        assert response.status_code == 302
        assert response["Location"] == f"/conversations/{world.conversation.pk}/"
        world.conversation.refresh_from_db()
        assert world.conversation.summary == "Edited summary."
        assert world.conversation.lock_version == 2
        assert world.conversation.band != "on_message"  # checked again
        assert world.conversation.rep == cast.rep

    @pytest.mark.parametrize("lock_version", [None, "", "abc", "0", "-1"])
    def test_a_missing_or_tampered_lock_version_changes_nothing(
        self, client_for, cast, world, version, lock_version
    ):
        url = f"/conversations/{world.conversation.pk}/edit/"
        data = _form(version, client=world.client, summary="Overwritten blindly.")
        if lock_version is not None:
            data["lock_version"] = lock_version
        response = client_for(cast.rep).post(url, data)
        assert response.status_code == 400
        assert "reload the page" in response.content.decode()
        world.conversation.refresh_from_db()
        assert world.conversation.summary != "Overwritten blindly."
        assert world.conversation.lock_version == 1

    def test_validation_on_edit(self, client_for, cast, world, version):
        url = f"/conversations/{world.conversation.pk}/edit/"
        future = timezone.now() + timedelta(days=2)
        data = _form(version, client=world.client, when=future, lock_version=1)
        response = client_for(cast.rep).post(url, data)
        assert response.status_code == 200
        assert "A conversation cannot be in the future." in _html(response)
        world.conversation.refresh_from_db()
        assert world.conversation.lock_version == 1

    def test_new_client_on_edit_is_refused(self, client_for, cast, world, version):
        url = f"/conversations/{world.conversation.pk}/edit/"
        data = _form(version, new_client="Acme Robotics", lock_version=1)
        response = client_for(cast.rep).post(url, data)
        assert response.status_code == 200
        assert response.context["form"].errors["new_client"]
        assert not Client.objects.filter(name="Acme Robotics").exists()

    def test_cannot_move_it_to_another_teams_client(self, client_for, cast, world, version):
        url = f"/conversations/{world.conversation.pk}/edit/"
        data = _form(version, client=world.other_client, lock_version=1)
        response = client_for(cast.rep).post(url, data)
        assert response.status_code == 200
        assert response.context["form"].errors["client"]
        world.conversation.refresh_from_db()
        assert world.conversation.client == world.client

    def test_edit_conflict(self, client_for, cast, world, version):
        client = client_for(cast.rep)
        url = f"/conversations/{world.conversation.pk}/edit/"
        first = _form(version, client=world.client, summary="Saved from the phone.", lock_version=1)
        second = _form(
            version, client=world.client, summary="Saved from the laptop.", lock_version=1
        )
        assert client.post(url, first).status_code == 302

        response = client.post(url, second)
        assert response.status_code == 200
        assert "was saved elsewhere" in _html(response)
        assert "Saved from the laptop." in _html(response)  # the user's text is kept
        assert _lock_version(response) == "2"
        world.conversation.refresh_from_db()
        assert world.conversation.summary == "Saved from the phone."
        assert world.conversation.lock_version == 2

        second["lock_version"] = _lock_version(response)
        assert client.post(url, second).status_code == 302
        world.conversation.refresh_from_db()
        assert world.conversation.summary == "Saved from the laptop."
        assert world.conversation.lock_version == 3

    def test_editing_keeps_stories_used_that_were_archived_since(
        self, client_for, cast, world, version
    ):
        """A story used with a client and archived (or replaced by a revision) later stays in
        the conversation's history when the rep fixes a typo in it."""
        story = make_story(author=cast.marketer, version=version, status="published")
        conversation = make_conversation(
            rep=cast.rep, client=world.client, version=version, stories=[story]
        )
        services.story_archive(story=story)
        url = f"/conversations/{conversation.pk}/edit/"
        http = client_for(cast.rep)
        # The edit form still offers the archived story, ticked, so a save keeps it.
        page = http.get(url).content.decode()
        inputs = re.findall(r'<input[^>]*name="stories_used"[^>]*>', page)
        ticked = [tag for tag in inputs if f'value="{story.pk}"' in tag]
        assert len(ticked) == 1 and "checked" in ticked[0]
        data = _form(version, client=world.client, summary="Typo fixed.", lock_version=1)
        data["stories_used"] = [story.pk]
        assert http.post(url, data).status_code == 302
        conversation.refresh_from_db()
        assert conversation.summary == "Typo fixed."
        assert list(conversation.stories_used.all()) == [story]


# --- Stories used with clients --------------------------------------------------------------------


class TestStoryUsage:
    @pytest.fixture
    def story(self, cast, version, world):
        story = make_story(
            author=cast.marketer, version=version, status="published", title="Roof tale"
        )
        make_conversation(rep=cast.rep, client=world.client, version=version, stories=[story])
        make_conversation(
            rep=cast.other_rep, client=world.other_client, version=version, stories=[story]
        )
        return story

    @pytest.mark.parametrize("name", ["marketer", "marketing_lead", "outsider"])
    def test_marketing_sees_how_many_but_not_with_whom(self, client_for, cast, story, name):
        content = _html(client_for(getattr(cast, name)).get(f"/stories/{story.pk}/"))
        assert "Used in 2 conversations." in content
        assert "Northgate" not in content
        assert "Southmoor" not in content
        assert "/conversations/" not in content

    def test_rep_sees_their_own_uses(self, client_for, cast, story, world):
        content = _html(client_for(cast.rep).get(f"/stories/{story.pk}/"))
        mine = Conversation.objects.get(rep=cast.rep, stories_used=story)
        theirs = Conversation.objects.get(rep=cast.other_rep, stories_used=story)
        assert "Used in 2 conversations." in content
        assert f'href="/conversations/{mine.pk}/">{mine.label}</a>' in content
        assert f"/conversations/{theirs.pk}/" not in content
        assert "Southmoor" not in content

    def test_manager_sees_every_use(self, client_for, cast, story):
        content = _html(client_for(cast.manager).get(f"/stories/{story.pk}/"))
        assert "Northgate Cold Store" in content
        assert "Southmoor Dairy" in content

    def test_unused_story(self, client_for, cast, version, story):
        """Beside a story the rep has used, whose uses its page must not borrow."""
        unused = make_story(author=cast.marketer, version=version, status="published")
        client = client_for(cast.rep)
        assert "Northgate Cold Store" in _html(client.get(f"/stories/{story.pk}/"))
        content = _html(client.get(f"/stories/{unused.pk}/"))
        assert "Used in 0 conversations." in content
        assert "Northgate" not in content

    def test_query_count(self, client_for, cast, version, world, django_assert_num_queries):
        """Audiences, pillars, the count of uses and whether there are verdicts come with
        the story; its uses (a rep's) in one more query, its verdicts once it has some."""
        audiences = [make_audience(name="Farmers"), make_audience(name="Dairies")]
        story = make_story(
            author=cast.marketer,
            version=version,
            status="published",
            audiences=audiences,
            pillars=("lifetime-value", "local-experts"),
            reason="Tagged with two pillars.",
        )
        for client in (world.client, world.other_client):
            make_conversation(rep=cast.rep, client=client, version=version, stories=[story])
        browser = client_for(cast.rep)
        # The session, the user, their memberships, the story, its uses; its audiences,
        # pillars and verdicts.
        with django_assert_num_queries(with_tags(5, 3)):
            content = _html(browser.get(f"/stories/{story.pk}/"))
        assert "for Dairies, Farmers" in content
        assert "Used in 2 conversations." in content
        assert content.index("Value over the whole life") < content.index("Local people who stay")
        assert "Verdicts" not in content
        services.review_create(
            entry=story, reviewer=cast.manager, verdict="on_message", comment="", version=version
        )
        with django_assert_num_queries(with_tags(6, 2)):
            content = _html(browser.get(f"/stories/{story.pk}/"))
        assert "Verdicts" in content


def test_the_rep_filter_lists_every_rep_however_busy_the_others_are(client_for, cast, version):
    """The dropdown once came from the newest 500 conversations only."""
    quiet_client = make_client(cast.other_rep, name="Quiet Client")
    busy_client = make_client(cast.rep, name="Busy Client")
    make_conversation(
        rep=cast.other_rep,
        client=quiet_client,
        version=version,
        when=timezone.now() - timedelta(days=30),
    )
    now = timezone.now()
    Conversation.objects.bulk_create(
        Conversation(
            rep=cast.rep,
            client=busy_client,
            plumbline_version=version,
            occurred_at=now - timedelta(minutes=i),
            channel="call",
            summary="Busy",
        )
        for i in range(510)
    )
    page = client_for(cast.manager).get("/conversations/?filters=open").content.decode()
    select = page[page.index('name="rep"') : page.index("</select>", page.index('name="rep"'))]
    assert f'value="{cast.other_rep.pk}"' in select
    assert f'value="{cast.rep.pk}"' in select
