"""Writes that meet: the same new client named at once. Each parallel test runs real
transactions, one thread and connection each, on PostgreSQL; the service tests below them
hold on every database."""

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client as BrowserClient
from django.utils import timezone

from stories import services
from stories.models import Client, Conversation
from tests.parallel import in_parallel, needs_postgresql, saves_meet
from tests.plumbline.factories import make_published
from tests.stories.conversation_factories import make_client

JUST_ADDED = "A client of that name was just added"


def _browser(user) -> BrowserClient:
    """A signed-in browser of its own (one per thread): a 500 comes back as a response."""
    browser = BrowserClient(raise_request_exception=False)
    browser.force_login(user)
    return browser


def _conversation_form(version, **overrides) -> dict:
    data = {
        "submission_token": str(uuid.uuid4()),
        "client": "",
        "new_client": "",
        "occurred_at": timezone.localtime(timezone.now() - timedelta(hours=1)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "channel": "meeting",
        "summary": "Met the finance team about the roof.",
        "notes": "We went through the total cost of ownership.",
        "pillars": [p.pk for p in version.pillars.filter(key="lifetime-value")],
    }
    data.update(overrides)
    return data


def _client_form(name: str) -> dict:
    return {"name": name, "industry": "", "size": "", "notes": ""}


def _html(response) -> str:
    return response.content.decode()


# --- A new client named by several people at once ---------------------------------------------


@needs_postgresql
@pytest.mark.django_db(transaction=True)
class TestANewClientNamedAtOnce:
    @pytest.fixture
    def version(self, cast):
        return make_published(by=cast.manager)

    def test_twenty_conversations_naming_it_are_all_logged_with_one_client(self, cast, version):
        browsers = [_browser(cast.rep) for _ in range(20)]
        forms = [_conversation_form(version, new_client="Acme  Robotics") for _ in browsers]
        with saves_meet(Client, parties=len(browsers)):
            responses = in_parallel(
                *(
                    lambda b=b, f=f: b.post("/conversations/new/", f)
                    for b, f in zip(browsers, forms, strict=True)
                )
            )
        assert [r.status_code for r in responses] == [302] * 20
        [client] = Client.objects.all()
        assert client.name == "Acme Robotics"
        assert client.owner == cast.rep
        assert Conversation.objects.filter(client=client, rep=cast.rep).count() == 20

    def test_another_team_naming_it_at_once_is_told_it_was_just_added(self, cast, version):
        north, south = _browser(cast.rep), _browser(cast.other_rep)
        form = _conversation_form(version, new_client="Acme Robotics")
        with saves_meet(Client, parties=2):
            responses = in_parallel(
                lambda: north.post("/conversations/new/", form),
                lambda: south.post(
                    "/conversations/new/", {**form, "submission_token": uuid.uuid4()}
                ),
            )
        assert sorted(r.status_code for r in responses) == [200, 302]
        [refused] = [r for r in responses if r.status_code == 200]
        assert JUST_ADDED in _html(refused)
        [client] = Client.objects.all()
        # The one who was told has nothing saved; the other logged the conversation.
        assert list(Conversation.objects.values_list("rep", "client")) == [
            (client.owner_id, client.pk)
        ]

    def test_two_people_adding_it_at_once_get_one_client_and_a_form_error(self, cast):
        rep, teammate = _browser(cast.rep), _browser(cast.teammate)
        form = {**_client_form("Acme Robotics"), "confirmed": "1"}
        with saves_meet(Client, parties=2):
            responses = in_parallel(
                lambda: rep.post("/clients/new/", form),
                lambda: teammate.post("/clients/new/", form),
            )
        assert sorted(r.status_code for r in responses) == [200, 302]
        [refused] = [r for r in responses if r.status_code == 200]
        assert JUST_ADDED in _html(refused)
        assert Client.objects.filter(name="Acme Robotics").count() == 1

    def test_two_renames_to_one_name_at_once_keep_one(self, cast):
        ours = make_client(cast.rep, "Northgate Cold Store")
        theirs = make_client(cast.teammate, "Brindle Brewing Co.")
        rep, teammate = _browser(cast.rep), _browser(cast.teammate)
        with saves_meet(Client, parties=2):
            responses = in_parallel(
                lambda: rep.post(f"/clients/{ours.pk}/edit/", _client_form("Acme Robotics")),
                lambda: teammate.post(f"/clients/{theirs.pk}/edit/", _client_form("Acme Robotics")),
            )
        assert sorted(r.status_code for r in responses) == [200, 302]
        [refused] = [r for r in responses if r.status_code == 200]
        assert JUST_ADDED in _html(refused)
        names = sorted(Client.objects.values_list("name", flat=True))
        assert names in (
            ["Acme Robotics", "Brindle Brewing Co."],
            ["Acme Robotics", "Northgate Cold Store"],
        )


# The same outcome, without threads: the form's look-up passed, then the name was taken.


@pytest.mark.django_db
class TestANameTakenAfterTheFormChecked:
    @pytest.fixture
    def version(self, cast):
        return make_published(by=cast.manager)

    def _data(self, version, new_client) -> dict:
        return {
            "client": None,
            "new_client": new_client,
            "occurred_at": timezone.now() - timedelta(hours=1),
            "channel": "call",
            "summary": "Talked it through.",
            "pillars": list(version.pillars.filter(key="lifetime-value")),
        }

    def test_logging_uses_the_client_when_the_rep_may_see_it(self, cast, version):
        own = make_client(cast.rep, "Acme Robotics")
        conversation, created = services.conversation_log(
            rep=cast.rep, version=version, data=self._data(version, " acme ROBOTICS")
        )
        assert created
        assert conversation.client == own
        assert Client.objects.count() == 1

    def test_logging_refuses_a_client_the_rep_may_not_see(self, cast, version):
        make_client(cast.other_rep, "Acme Robotics")
        with pytest.raises(services.ClientNameTaken):
            services.conversation_log(
                rep=cast.rep, version=version, data=self._data(version, "Acme Robotics")
            )
        assert not Conversation.objects.exists()
        assert Client.objects.count() == 1

    def test_adding_it_leaves_the_surrounding_transaction_usable(self, cast):
        existing = make_client(cast.other_rep, "Acme Robotics")
        with transaction.atomic():
            with pytest.raises(services.ClientNameTaken) as taken:
                services.client_create(owner=cast.rep, name="ACME robotics")
            assert taken.value.existing == existing
            assert Client.objects.count() == 1  # on PostgreSQL: not an aborted transaction
