"""Clients and contacts: who sees them, the list, a client's timeline, adding and editing."""

import re
from datetime import timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from stories import services
from stories.models import Client, Contact
from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import make_story
from tests.stories.query_counts import with_tags

pytestmark = pytest.mark.django_db

MARKETING_AND_OUTSIDERS = ["marketer", "marketing_lead", "outsider"]


@pytest.fixture
def world(cast, version):
    """A client each for rep, teammate (same team) and other_rep, with a contact and a talk."""
    o = SimpleNamespace()
    o.client = make_client(
        cast.rep, "Northgate Cold Store", contacts=[("Amara Osei", "Operations director")]
    )
    o.contact = o.client.contacts.get()
    o.conversation = make_conversation(
        rep=cast.rep, client=o.client, version=version, summary="Rep at the cold store."
    )
    o.team_client = make_client(cast.teammate, "Brindle Brewing Co.", contacts=["Sam Brindle"])
    o.team_contact = o.team_client.contacts.get()
    make_conversation(
        rep=cast.teammate, client=o.team_client, version=version, summary="At the brewery."
    )
    o.other_client = make_client(cast.other_rep, "Northgate Freight", contacts=["Gareth Lowe"])
    o.other_contact = o.other_client.contacts.get()
    make_conversation(
        rep=cast.other_rep, client=o.other_client, version=version, summary="South at freight."
    )
    return o


def _html(response) -> str:
    return response.content.decode()


def _names(response) -> list[str]:
    """The client names the client list shows, in order."""
    assert response.status_code == 200
    return re.findall(r'<tr><td><a href="/clients/\d+/">(.*?)</a></td>', _html(response))


def _next(response) -> str:
    """The query string of the link to the next page."""
    [href] = re.findall(r'href="(\?[^"]*cursor=[^"]*)" rel="next"', _html(response))
    return unescape(href)


def _options(response) -> list[str]:
    """The client names the type-ahead offers."""
    assert response.status_code == 200
    return re.findall(r'<option value="\d+">(.*?)</option>', _html(response))


def _a_second_page_of_talks(cast, world, version, *, oldest_used=(), used=()):
    """Talks 0 (the oldest) to 20 with the rep's client: with the world's, 22 on a timeline
    that shows 20 a page. Talk 0 used the stories `oldest_used`, the others `used`."""
    now = timezone.now()
    for n in range(21):
        make_conversation(
            rep=cast.rep,
            client=world.client,
            version=version,
            summary=f"Talk {n}.",
            when=now - timedelta(days=100 - n),
            stories=oldest_used if n == 0 else used,
        )


def _client_routes(client, contact) -> list[tuple[str, str, dict]]:
    """(method, url, data) for every route about one client and its people."""
    pk = client.pk
    edit = {"name": "Renamed", "industry": "", "size": "", "notes": ""}
    person = {"name": "New Person", "role": "", "email": "", "phone": ""}
    return [
        ("get", f"/clients/{pk}/", {}),
        ("get", f"/clients/{pk}/edit/", {}),
        ("post", f"/clients/{pk}/edit/", edit),
        ("get", f"/clients/{pk}/contacts/new/", {}),
        ("post", f"/clients/{pk}/contacts/new/", person),
        ("get", f"/clients/{pk}/contacts/{contact.pk}/", {}),
        ("post", f"/clients/{pk}/contacts/{contact.pk}/", person),
        ("get", f"/clients/contact-options/?client={pk}", {}),
    ]


def _unchanged(world) -> tuple:
    return (
        sorted(Client.objects.values_list("name", flat=True)),
        sorted(Contact.objects.values_list("name", flat=True)),
    )


# --- Access ---------------------------------------------------------------------------------------


class TestAccess:
    def test_it_works(self, client_for, cast, world):
        client = client_for(cast.rep)
        for method, url, _data in _client_routes(world.client, world.contact):
            if method == "get":
                response = client.get(url)
                assert response.status_code == 200, url
                content = _html(response)
                assert world.client.name in content or world.contact.name in content, url

    @pytest.mark.parametrize("name", MARKETING_AND_OUTSIDERS)
    def test_outsider_gets_404(self, client_for, cast, world, name):
        client = client_for(getattr(cast, name))
        before = _unchanged(world)
        routes = [
            ("get", "/clients/", {}),
            ("get", "/clients/?q=North", {}),
            ("get", "/clients/new/", {}),
            ("post", "/clients/new/", {"name": "Acme Robotics"}),
            ("get", "/clients/search/?q=North", {}),
            ("get", "/clients/search/", {}),
            ("get", "/clients/contact-options/", {}),
            *_client_routes(world.client, world.contact),
            *_client_routes(world.other_client, world.other_contact),
        ]
        for method, url, data in routes:
            response = getattr(client, method)(url, data)
            assert response.status_code == 404, (name, method, url)
            assert "Northgate" not in _html(response)
            assert "Amara" not in _html(response)
        assert _unchanged(world) == before

    @pytest.mark.parametrize("name", ["rep", "teammate", "sales_lead"])
    def test_other_team_gets_404(self, client_for, cast, world, name):
        client = client_for(getattr(cast, name))
        before = _unchanged(world)
        for method, url, data in _client_routes(world.other_client, world.other_contact):
            assert getattr(client, method)(url, data).status_code == 404, (name, method, url)
        assert _unchanged(world) == before

    def test_a_teammates_client_is_not_the_reps(self, client_for, cast, world):
        client = client_for(cast.rep)
        before = _unchanged(world)
        for method, url, data in _client_routes(world.team_client, world.team_contact):
            response = getattr(client, method)(url, data)
            assert response.status_code == 404, (method, url)
            assert world.team_contact.name not in _html(response), (method, url)
        assert _unchanged(world) == before

    def test_lead_works_on_the_teams_clients(self, client_for, cast, world):
        client = client_for(cast.sales_lead)
        for method, url, _data in _client_routes(world.team_client, world.team_contact):
            assert client.get(url).status_code == 200, (method, url)
        response = client.post(
            f"/clients/{world.team_client.pk}/edit/",
            {"name": "Brindle Brewing Company", "industry": "Drinks", "size": "", "notes": ""},
        )
        assert response.status_code == 302
        world.team_client.refresh_from_db()
        assert world.team_client.name == "Brindle Brewing Company"

    @pytest.mark.parametrize("name", ["manager", "admin"])
    def test_managers_see_every_client(self, client_for, cast, world, name):
        client = client_for(getattr(cast, name))
        for method, url, _data in _client_routes(world.other_client, world.other_contact):
            response = client.get(url)
            assert response.status_code == 200, (name, method, url)
            shown = (world.other_client.name, world.other_contact.name)
            assert any(text in _html(response) for text in shown), (name, method, url)

    def test_managers_do_not_add_clients(self, client_for, cast, world):
        response = client_for(cast.manager).get("/clients/new/")
        assert response.status_code == 404
        assert 'name="name"' not in _html(response)
        response = client_for(cast.admin).get("/clients/new/")
        assert response.status_code == 200
        assert 'name="name"' in _html(response)

    def test_read_only_gets_403(self, client_for, cast, world, version):
        """rep talked to other_rep's client: rep reads it, but only its owner's side edits it."""
        make_conversation(
            rep=cast.rep, client=world.other_client, version=version, summary="Joint visit."
        )
        client = client_for(cast.rep)
        before = _unchanged(world)
        for method, url, data in _client_routes(world.other_client, world.other_contact):
            expected = 403 if "/edit/" in url or "/contacts/" in url else 200
            assert getattr(client, method)(url, data).status_code == expected, (method, url)
        assert _unchanged(world) == before
        content = _html(client.get(f"/clients/{world.other_client.pk}/"))
        assert "/edit/" not in content
        assert "Add a contact" not in content

    def test_bad_id_gets_404(self, client_for, cast, world):
        client = client_for(cast.rep)
        pk = world.client.pk
        for url in (
            "/clients/999999/",
            "/clients/999999/edit/",
            f"/clients/{pk}/contacts/999999/",
            "/clients/contact-options/?client=999999",
        ):
            response = client.get(url)
            assert response.status_code == 404, url
            assert world.contact.name not in _html(response), url

    def test_a_contact_only_under_its_own_client(self, client_for, cast, world, version):
        """Rep's own client URL with another client's contact id: 404, nothing changes."""
        client = client_for(cast.rep)
        for contact in (world.other_contact, world.team_contact):
            url = f"/clients/{world.client.pk}/contacts/{contact.pk}/"
            assert client.get(url).status_code == 404
            assert client.post(url, {"name": "Moved"}).status_code == 404
        assert not Contact.objects.filter(name="Moved").exists()


# --- The list -------------------------------------------------------------------------------------


class TestList:
    def test_rep_sees_their_clients(self, client_for, cast, world):
        assert _names(client_for(cast.rep).get("/clients/")) == ["Northgate Cold Store"]

    def test_lead_sees_the_team(self, client_for, cast, world):
        names = _names(client_for(cast.sales_lead).get("/clients/"))
        assert names == ["Brindle Brewing Co.", "Northgate Cold Store"]

    def test_manager_sees_everyone(self, client_for, cast, world):
        names = _names(client_for(cast.manager).get("/clients/"))
        assert names == ["Brindle Brewing Co.", "Northgate Cold Store", "Northgate Freight"]

    def test_a_client_talked_to_is_listed(self, client_for, cast, world, version):
        make_conversation(rep=cast.rep, client=world.other_client, version=version)
        names = _names(client_for(cast.rep).get("/clients/"))
        assert names == ["Northgate Cold Store", "Northgate Freight"]

    def test_search(self, client_for, cast, world):
        make_client(cast.rep, "Hartley's Bakery", industry="Food production")
        client = client_for(cast.manager)
        assert _names(client.get("/clients/?q=north")) == [
            "Northgate Cold Store",
            "Northgate Freight",
        ]
        assert _names(client.get("/clients/?q=FOOD")) == ["Hartley&#x27;s Bakery"]
        assert _names(client_for(cast.rep).get("/clients/?q=north")) == ["Northgate Cold Store"]

    def test_conversation_count_counts_only_what_the_viewer_sees(
        self, client_for, cast, world, version
    ):
        # other_rep also talked to rep's client; rep's count is rep's own.
        make_conversation(rep=cast.other_rep, client=world.client, version=version)
        row = r"Northgate Cold Store</a></td><td></td><td>[^<]*</td><td>(\d+)</td>"
        assert re.search(row, _html(client_for(cast.rep).get("/clients/"))).group(1) == "1"
        assert re.search(row, _html(client_for(cast.manager).get("/clients/"))).group(1) == "2"

    def test_add_button_only_for_loggers(self, client_for, cast, world):
        assert "Add a client" in _html(client_for(cast.rep).get("/clients/"))
        assert "Add a client" not in _html(client_for(cast.manager).get("/clients/"))

    def test_pages(self, client_for, cast):
        for n in range(30):
            make_client(cast.rep, f"Client {n:02}")
        client = client_for(cast.rep)
        first = client.get("/clients/")
        assert _names(first) == [f"Client {n:02}" for n in range(25)]
        assert _names(client.get("/clients/" + _next(first))) == [
            f"Client {n:02}" for n in range(25, 30)
        ]
        assert 'href="?q=Client&amp;cursor=' in _html(client.get("/clients/?q=Client"))

    def test_page_links_keep_a_search_with_an_ampersand(self, client_for, cast):
        """“Sons & Daughters” must stay one search on page 2, not become q=“Sons”."""
        for n in range(1, 31):
            make_client(cast.rep, f"Sons & Daughters {n:02}")
        for n in range(1, 6):
            make_client(cast.rep, f"Sons Ltd {n:02}")
        client = client_for(cast.rep)
        first = client.get("/clients/", {"q": "Sons & Daughters"})
        assert _names(first) == [f"Sons &amp; Daughters {n:02}" for n in range(1, 26)]
        second = client.get("/clients/" + _next(first))
        assert _names(second) == [f"Sons &amp; Daughters {n:02}" for n in range(26, 31)]

    def test_query_count_does_not_grow_with_clients(
        self, client_for, cast, version, django_assert_num_queries
    ):
        def add(count):
            for _ in range(count):
                client = make_client(cast.rep, contacts=["Someone"])
                make_conversation(rep=cast.rep, client=client, version=version)
                make_conversation(rep=cast.teammate, client=client, version=version)

        add(3)
        client = client_for(cast.rep)
        with django_assert_num_queries(5) as small:
            client.get("/clients/")
        add(27)
        with django_assert_num_queries(len(small.captured_queries)):
            response = client.get("/clients/")
        assert len(_names(response)) == 25


# --- One client -----------------------------------------------------------------------------------


class TestDetail:
    def test_it_shows_the_client(self, client_for, cast, world, version):
        Contact.objects.create(
            client=world.client, name="Joe Pike", role="Plant manager", phone="+44 1 2345"
        )
        story = make_story(
            author=cast.marketer, version=version, status="published", title="Roof tale"
        )
        make_conversation(
            rep=cast.rep,
            client=world.client,
            version=version,
            pillars=("local-experts",),
            stories=[story],
            contacts=[world.contact],
        )
        content = _html(client_for(cast.rep).get(f"/clients/{world.client.pk}/"))
        assert '<h1 class="h2">Northgate Cold Store</h1>' in content
        assert "Amara Osei" in content
        assert 'href="tel:+44 1 2345"' in content
        assert f'href="/conversations/new/?client={world.client.pk}"' in content
        assert f'href="/clients/{world.client.pk}/contacts/new/"' in content
        assert "Local people who stay" in content  # pillars that reached them
        assert f'<li><a href="/stories/{story.pk}/">Roof tale</a></li>' in content

    def test_the_pillars_that_reached_them_are_those_the_check_found_told(
        self, client_for, cast, world, version
    ):
        make_conversation(  # tagged local-experts; its notes tell lifetime-value only
            rep=cast.rep, client=world.client, version=version, pillars=("local-experts",)
        )
        html = _html(client_for(cast.rep).get(f"/clients/{world.client.pk}/"))
        reached = re.search(r'<section[^>]*id="reached".*?</section>', html, re.S).group(0)
        assert "Pillars that reached them" in reached
        assert "Value over the whole life" in reached
        assert "Local people who stay" not in reached

    def test_no_pillar_told_no_pillars_section(self, client_for, cast, world, version):
        quiet = make_client(cast.rep, "Quiet Farm")
        make_conversation(  # tagged, never told
            rep=cast.rep,
            client=quiet,
            version=version,
            summary="Talked about the weather.",
            notes="The weather again.",
            pillars=("local-experts",),
        )
        html = _html(client_for(cast.rep).get(f"/clients/{quiet.pk}/"))
        assert "Talked about the weather." in html
        assert "Pillars that reached them" not in html

    def test_timeline_newest_first(self, client_for, cast, world, version):
        now = timezone.now()
        for days, summary in [(30, "A month ago."), (1, "Yesterday."), (7, "Last week.")]:
            make_conversation(
                rep=cast.rep,
                client=world.client,
                version=version,
                summary=summary,
                when=now - timedelta(days=days),
            )
        content = _html(client_for(cast.rep).get(f"/clients/{world.client.pk}/"))
        timeline = re.findall(r'<p class="mb-1">(.*?)</p>', content)
        assert timeline == ["Rep at the cold store.", "Yesterday.", "Last week.", "A month ago."]

    def test_timeline_shows_only_what_the_viewer_may_see(self, client_for, cast, world, version):
        story = make_story(
            author=cast.marketer, version=version, status="published", title="Dairy tale"
        )
        theirs = make_conversation(
            rep=cast.other_rep,
            client=world.client,
            version=version,
            summary="South was here.",
            stories=[story],
        )
        content = _html(client_for(cast.rep).get(f"/clients/{world.client.pk}/"))
        assert "Rep at the cold store." in content
        assert "South was here." not in content
        assert f"/conversations/{theirs.pk}/" not in content
        assert "Dairy tale" not in content  # told in a conversation the rep may not see

        # other_rep sees the client they talked to, with only their own conversation.
        content = _html(client_for(cast.other_rep).get(f"/clients/{world.client.pk}/"))
        assert "South was here." in content
        assert "Dairy tale" in content
        assert "Rep at the cold store." not in content

        content = _html(client_for(cast.manager).get(f"/clients/{world.client.pk}/"))
        assert "South was here." in content
        assert "Rep at the cold store." in content

    def test_the_timeline_pages_by_20(self, client_for, cast, world, version):
        _a_second_page_of_talks(cast, world, version)
        client = client_for(cast.rep)
        first = _html(client.get(f"/clients/{world.client.pk}/"))
        summaries = re.findall(r'<p class="mb-1">(.*?)</p>', first)
        assert summaries[:2] == ["Rep at the cold store.", "Talk 20."]
        assert len(summaries) == 20
        next_url = re.search(r'href="(\?cursor=[^"]+)"', first).group(1)
        second = _html(client.get(f"/clients/{world.client.pk}/{unescape(next_url)}"))
        assert re.findall(r'<p class="mb-1">(.*?)</p>', second) == ["Talk 1.", "Talk 0."]
        # The other client's page shows none of them.
        other = _html(client.get(f"/clients/{world.team_client.pk}/"))
        assert "Talk 0." not in other

    def test_stories_heard_span_the_whole_timeline(self, client_for, cast, world, version):
        old_tale, new_tale = (
            make_story(author=cast.marketer, version=version, status="published", title=title)
            for title in ("Old tale", "New tale")
        )
        _a_second_page_of_talks(cast, world, version, oldest_used=[old_tale], used=[new_tale])
        content = _html(client_for(cast.rep).get(f"/clients/{world.client.pk}/"))
        assert "Talk 0." not in content
        heard = re.findall(r'<li><a href="/stories/(\d+)/">(.*?)</a></li>', content)
        assert heard == [(str(new_tale.pk), "New tale"), (str(old_tale.pk), "Old tale")]

    def test_contacts_by_name_and_none(self, client_for, cast, world):
        Contact.objects.create(client=world.client, name="Aaron Bell", role="Buyer")
        content = _html(client_for(cast.rep).get(f"/clients/{world.client.pk}/"))
        assert content.index("Aaron Bell") < content.index("Amara Osei")
        assert "No contacts yet." not in content
        Contact.objects.filter(client=world.client).delete()
        content = _html(client_for(cast.rep).get(f"/clients/{world.client.pk}/"))
        assert "No contacts yet." in content
        assert '<h1 class="h2">Northgate Cold Store</h1>' in content

    def test_query_count_does_not_grow_with_the_timeline(
        self, client_for, cast, world, version, django_assert_num_queries
    ):
        story = make_story(author=cast.marketer, version=version, status="published")

        def add(count):
            for n in range(count):
                make_conversation(
                    rep=cast.rep,
                    client=world.client,
                    version=version,
                    pillars=("lifetime-value", "local-experts")[: n % 2 + 1],
                    stories=[story],
                    contacts=[world.contact],
                )

        add(2)
        client = client_for(cast.rep)
        # The timeline's pillars, topics, contacts and stories used; the titles of the
        # pillars told.
        with django_assert_num_queries(with_tags(8, 4)) as small:
            client.get(f"/clients/{world.client.pk}/")
        add(15)
        with django_assert_num_queries(len(small.captured_queries)):
            client.get(f"/clients/{world.client.pk}/")


# --- Adding and editing ---------------------------------------------------------------------------


def _client_form(**overrides) -> dict:
    data = {"name": "Acme Robotics", "industry": "Machinery", "size": "medium", "notes": ""}
    data.update(overrides)
    return data


class TestCreate:
    def test_it_works(self, client_for, cast):
        response = client_for(cast.rep).post(
            "/clients/new/", _client_form(name="  Acme   Robotics "), follow=True
        )
        new = Client.objects.get()
        assert response.redirect_chain == [(f"/clients/{new.pk}/", 302)]
        assert "Client “Acme Robotics” added." in _html(response)
        assert new.name == "Acme Robotics"
        assert new.owner == cast.rep
        assert new.size == "medium"

    @pytest.mark.parametrize("name", ["Northgate Cold Store", "  northgate   COLD store "])
    def test_duplicate_name(self, client_for, cast, world, name):
        response = client_for(cast.rep).post("/clients/new/", _client_form(name=name))
        assert response.status_code == 200
        [error] = response.context["form"].errors["name"]
        assert "already exists" in error
        assert Client.objects.filter(name_key="northgate cold store").count() == 1

    def test_duplicate_of_another_teams_client(self, client_for, cast, world):
        response = client_for(cast.rep).post(
            "/clients/new/", _client_form(name="northgate FREIGHT")
        )
        assert response.status_code == 200
        assert "already exists" in response.context["form"].errors["name"][0]
        assert "Northgate Freight" not in _html(response)
        assert Client.objects.count() == 3

    def test_did_you_mean(self, client_for, cast, world):
        """A name like one the rep can see asks before adding it."""
        response = client_for(cast.rep).post(
            "/clients/new/", _client_form(name="Northgate Storage")
        )
        assert response.status_code == 200
        content = _html(response)
        assert "Did you mean" in content
        assert f'<a href="/clients/{world.client.pk}/">Northgate Cold Store</a>' in content
        assert "Northgate Freight" not in content

    def test_did_you_mean_lists_only_visible_clients(self, client_for, cast, world):
        # An error keeps the form open; the suggestions are the rep's clients only.
        response = client_for(cast.rep).post(
            "/clients/new/", _client_form(name="Northgate Storage", size="huge")
        )
        assert response.status_code == 200
        assert response.context["form"].errors["size"]
        content = _html(response)
        assert "Did you mean" in content
        assert "Northgate Cold Store" in content
        assert "Northgate Freight" not in content
        assert not Client.objects.filter(name="Northgate Storage").exists()

    @pytest.mark.parametrize(
        "overrides", [{"name": ""}, {"name": "   "}, {"size": "huge"}, {"name": "x" * 201}]
    )
    def test_invalid(self, client_for, cast, overrides):
        response = client_for(cast.rep).post("/clients/new/", _client_form(**overrides))
        assert response.status_code == 200
        assert response.context["form"].errors
        assert not Client.objects.exists()


class TestEdit:
    def test_it_works(self, client_for, cast, world):
        url = f"/clients/{world.client.pk}/edit/"
        client = client_for(cast.rep)
        assert 'value="Northgate Cold Store"' in _html(client.get(url))
        response = client.post(url, _client_form(name="Northgate  Cold Stores", industry="Cold"))
        assert response.status_code == 302
        world.client.refresh_from_db()
        assert world.client.name == "Northgate Cold Stores"
        assert world.client.name_key == "northgate cold stores"
        assert world.client.owner == cast.rep

    def test_its_own_name_in_other_letters(self, client_for, cast, world):
        url = f"/clients/{world.client.pk}/edit/"
        response = client_for(cast.rep).post(url, _client_form(name="NORTHGATE cold store"))
        assert response.status_code == 302
        world.client.refresh_from_db()
        assert world.client.name == "NORTHGATE cold store"

    def test_renaming_to_an_existing_name(self, client_for, cast, world):
        url = f"/clients/{world.client.pk}/edit/"
        response = client_for(cast.rep).post(url, _client_form(name=" northgate freight"))
        assert response.status_code == 200
        assert "already exists" in response.context["form"].errors["name"][0]
        world.client.refresh_from_db()
        assert world.client.name == "Northgate Cold Store"

    def test_the_service_refuses_bad_values_and_changes_nothing(self, cast, world):
        with pytest.raises(ValidationError) as error:
            services.client_update(
                client=world.client, name="Renamed", industry="", size="huge", notes=""
            )
        assert "size" in error.value.message_dict
        world.client.refresh_from_db()
        assert world.client.name == "Northgate Cold Store"


class TestContacts:
    def test_add_a_contact(self, client_for, cast, world):
        url = f"/clients/{world.client.pk}/contacts/new/"
        client = client_for(cast.rep)
        assert "Add a contact at Northgate Cold Store" in _html(client.get(url))
        response = client.post(
            url, {"name": "Joe Pike", "role": "Plant manager", "email": "joe@example.com"}
        )
        assert response.status_code == 302
        assert response["Location"] == f"/clients/{world.client.pk}/"
        contact = Contact.objects.get(name="Joe Pike")
        assert contact.client == world.client
        assert contact.email == "joe@example.com"

    def test_edit_a_contact(self, client_for, cast, world):
        url = f"/clients/{world.client.pk}/contacts/{world.contact.pk}/"
        client = client_for(cast.rep)
        assert 'value="Amara Osei"' in _html(client.get(url))
        response = client.post(url, {"name": "Amara Osei", "role": "CEO"})
        assert response.status_code == 302
        world.contact.refresh_from_db()
        assert world.contact.role == "CEO"
        assert world.contact.client == world.client

    @pytest.mark.parametrize("data", [{"name": ""}, {"name": "Joe", "email": "not-an-email"}])
    def test_invalid(self, client_for, cast, world, data):
        url = f"/clients/{world.client.pk}/contacts/new/"
        response = client_for(cast.rep).post(url, data)
        assert response.status_code == 200
        assert response.context["form"].errors
        assert world.client.contacts.count() == 1

    def test_the_service_refuses_a_bad_email_and_saves_nothing(self, cast, world):
        contact = Contact(client=world.client)
        with pytest.raises(ValidationError):
            services.contact_save(
                contact=contact, name="Joe", role="", email="not-an-email", phone=""
            )
        assert world.client.contacts.count() == 1


# --- Type-ahead and contact options ---------------------------------------------------------------


class TestSearch:
    def test_it_works(self, client_for, cast, world):
        make_client(cast.rep, "Hartley's Bakery")
        assert _options(client_for(cast.rep).get("/clients/search/?q=north")) == [
            "Northgate Cold Store"
        ]

    def test_without_q_it_offers_every_visible_client(self, client_for, cast, world):
        names = _options(client_for(cast.sales_lead).get("/clients/search/"))
        assert names == ["Brindle Brewing Co.", "Northgate Cold Store"]

    def test_no_match(self, client_for, cast, world):
        content = _html(client_for(cast.rep).get("/clients/search/?q=freight"))
        assert "No client matches “freight”" in content
        assert "Northgate Freight" not in content

    def test_at_most_twenty(self, client_for, cast):
        for n in range(25):
            make_client(cast.rep, f"Client {n:02}")
        assert len(_options(client_for(cast.rep).get("/clients/search/?q=client"))) == 20

    def test_it_requires_get(self, client_for, cast, world):
        response = client_for(cast.rep).post("/clients/search/", {"q": "north"})
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD"
        assert world.client.name not in _html(response)

    def test_the_query_is_escaped(self, client_for, cast, world):
        content = _html(client_for(cast.rep).get("/clients/search/?q=<script>x"))
        assert "<script>x" not in content
        assert "&lt;script&gt;x" in content


class TestContactOptions:
    def test_it_works(self, client_for, cast, world):
        Contact.objects.create(client=world.client, name="Joe Pike", role="Plant manager")
        url = f"/clients/contact-options/?client={world.client.pk}"
        content = _html(client_for(cast.rep).get(url))
        assert re.findall(r'<label class="form-check-label"[^>]*>(.*?)</label>', content) == [
            "Amara Osei (Operations director)",
            "Joe Pike (Plant manager)",
        ]
        assert f'name="contacts" value="{world.contact.pk}"' in content
        assert "<html" not in content

    def test_a_client_without_contacts(self, client_for, cast, world):
        bare = make_client(cast.rep, "Bare Ltd")
        content = _html(client_for(cast.rep).get(f"/clients/contact-options/?client={bare.pk}"))
        assert "No contacts for this client yet." in content

    @pytest.mark.parametrize("query", ["", "?client=", "?client=abc", "?client=-1"])
    def test_no_client(self, client_for, cast, world, query):
        response = client_for(cast.rep).get(f"/clients/contact-options/{query}")
        assert response.status_code == 200
        assert 'name="contacts"' not in _html(response)

    def test_another_teams_client_gets_404(self, client_for, cast, world):
        url = f"/clients/contact-options/?client={world.other_client.pk}"
        response = client_for(cast.rep).get(url)
        assert response.status_code == 404
        assert "Gareth" not in _html(response)

    def test_lead_gets_the_teams_contacts(self, client_for, cast, world):
        url = f"/clients/contact-options/?client={world.team_client.pk}"
        assert "Sam Brindle" in _html(client_for(cast.sales_lead).get(url))

    def test_it_requires_get(self, client_for, cast, world):
        url = f"/clients/contact-options/?client={world.client.pk}"
        response = client_for(cast.rep).post(url)
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD"
        assert world.contact.name not in _html(response)
