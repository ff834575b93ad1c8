"""Writes that meet: the same new client named at once, and conversations written while a
new plumb line's re-check runs. Each parallel test runs real transactions, one thread and
connection each, on PostgreSQL; the service tests below them hold on every database."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client as BrowserClient
from django.utils import timezone

from stories import recheck, rollups, services
from stories.models import Client, CompanyRollup, Conversation, RecheckRun
from tests.parallel import WAIT_SECONDS, in_parallel, needs_postgresql, saves_meet
from tests.plumbline.factories import GUARDRAILS, make_published
from tests.stories.conversation_factories import make_client, make_conversation

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


# --- Conversations written while a new plumb line's re-check runs -----------------------------


@needs_postgresql
@pytest.mark.django_db(transaction=True)
class TestWritingWhileARecheckRuns:
    """A re-check batch and a conversation written at the same moment both finish.

    The batch used to lock the run's plumb-line version along with the run; a conversation
    written under that version checks its reference to it at commit, so it waited for the
    batch while holding the dashboard's summary rows the batch was waiting for: a deadlock.
    """

    @pytest.fixture
    def world(self, cast):
        v1 = make_published(by=cast.manager)
        client = make_client(cast.rep, "Northgate Cold Store")
        earlier = make_conversation(rep=cast.rep, client=client, version=v1)
        # Version 2 frowns on a phrase the earlier conversation uses: its score changes, so
        # the batch writes today's summary rows, which a new conversation writes too.
        stricter = [*GUARDRAILS, ("lifetime savings", "savings for decades", "error")]
        v2 = make_published(by=cast.manager, guardrails=stricter)
        return v2, client, earlier, RecheckRun.objects.get(version=v2)

    def _meeting(self, monkeypatch, run, write):
        """Run a batch and `write` (in a transaction of its own) so that the batch holds its
        run while `write` holds what it wrote, then both go on; their results."""
        holding, written = threading.Event(), threading.Event()
        batch_next = recheck._recheck_next

        def held(*args):
            holding.set()
            assert written.wait(WAIT_SECONDS)
            return batch_next(*args)

        def writing():
            with transaction.atomic():
                result = write()
                assert holding.wait(WAIT_SECONDS)
                written.set()
            return result

        monkeypatch.setattr(recheck, "_recheck_next", held)
        return in_parallel(lambda: recheck.recheck_batch(run.pk), writing)

    def test_logging_a_conversation(self, cast, monkeypatch, world):
        version, client, earlier, run = world
        batch, logged = self._meeting(
            monkeypatch,
            run,
            lambda: make_conversation(rep=cast.rep, client=client, version=version, summary="New"),
        )
        assert batch == 1, batch
        assert isinstance(logged, Conversation), logged
        earlier.refresh_from_db()
        assert earlier.checked_version == version
        run.refresh_from_db()
        assert run.done == 1
        scores = [c.score for c in Conversation.objects.all()]
        today = CompanyRollup.objects.get(day=rollups.day_of(earlier.occurred_at), kind="all")
        assert (today.entries, today.score_sum) == (2, sum(scores))

    def test_editing_a_conversation(self, cast, monkeypatch, world):
        version, client, earlier, run = world
        data = {
            "client": client,
            "occurred_at": earlier.occurred_at,
            "channel": earlier.channel,
            "summary": "Edited while the re-check ran.",
            "notes": earlier.notes,
            "pillars": list(version.pillars.filter(key="lifetime-value")),
        }
        batch, edited = self._meeting(
            monkeypatch,
            run,
            lambda: services.conversation_save(
                conversation=earlier, data=data, lock_version=earlier.lock_version
            ),
        )
        assert isinstance(edited, Conversation), edited
        assert batch == 0, batch  # the edit moved it on: nothing left to re-check
        earlier.refresh_from_db()
        assert (earlier.summary, earlier.checked_version) == (data["summary"], version)
        today = CompanyRollup.objects.get(day=rollups.day_of(earlier.occurred_at), kind="all")
        assert (today.entries, today.score_sum) == (1, earlier.score)
