"""Notifications: on the home page ("For you") and by email, sent only once committed."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from plumbline import services as plumbline_services
from stories import notifications
from stories.models import Notification, Story
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.plumbline.factories import make_draft
from tests.stories.factories import make_story

pytestmark = pytest.mark.django_db

WITH_A_TEAM = [
    "marketer",
    "marketing_lead",
    "rep",
    "teammate",
    "sales_lead",
    "other_rep",
    "manager",
]


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def _publish(by):
    draft = make_draft(by=by)
    return plumbline_services.draft_publish(draft=draft, by=by, expected_revision=draft.revision)


def _stale_story(cast, version, title="Stale story", days=3):
    story = make_story(author=cast.marketer, version=version, title=title, status="published")
    Story.objects.filter(pk=story.pk).update(review_by=timezone.localdate() - timedelta(days=days))
    story.refresh_from_db()
    return story


# --- A new plumb-line version ---------------------------------------------------------------


class TestNewVersion:
    def test_everyone_with_a_team_is_told_and_emailed_after_commit(
        self, cast, django_capture_on_commit_callbacks, mailoutbox, task_queue
    ):
        inactive = UserFactory(username="gone", is_active=False)
        MembershipFactory(user=inactive, team=TeamFactory(slug="sales-north"))

        with django_capture_on_commit_callbacks(execute=True):
            version = _publish(cast.manager)

        told = Notification.objects.filter(kind="new_version")
        assert sorted(n.user.username for n in told) == sorted(WITH_A_TEAM)
        for note in told:
            assert note.message == f"Version {version.number} of the plumb line is published."
            assert note.url == version.get_absolute_url()
        assert mailoutbox == []  # the worker sends them, not the request
        assert task_queue.queued(notifications.new_version_email) == [[version.pk]]

        assert task_queue.run(notifications.new_version_email) == [len(WITH_A_TEAM)]
        assert sorted(address for m in mailoutbox for address in m.to) == sorted(
            getattr(cast, name).email for name in WITH_A_TEAM
        )
        assert all(len(m.to) == 1 for m in mailoutbox)  # nobody sees the others' addresses
        assert all(version.statement in m.body for m in mailoutbox)
        assert {m.subject for m in mailoutbox} == {
            f"Version {version.number} of the plumb line is published."
        }

    def test_publishing_from_the_page_leaves_the_email_to_the_worker(
        self, cast, client_for, django_capture_on_commit_callbacks, mailoutbox, task_queue
    ):
        draft = make_draft(by=cast.manager)
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(cast.manager).post(
                "/plumb-line/draft/publish/", {"revision": draft.revision}
            )
        assert response.status_code == 302
        assert mailoutbox == []
        task_queue.run(notifications.new_version_email)
        assert len(mailoutbox) == len(WITH_A_TEAM)

    def test_people_without_an_address_are_passed_over(self, cast, version, mailoutbox, task_queue):
        User = type(cast.rep)
        User.objects.filter(pk=cast.rep.pk).update(email="")
        assert notifications.new_version_email.call(version.pk) == len(WITH_A_TEAM) - 1
        assert cast.rep.email not in {address for m in mailoutbox for address in m.to}

    def test_nothing_is_told_before_the_commit(self, cast, mailoutbox, task_queue):
        _publish(cast.manager)  # the test's transaction never commits
        assert not Notification.objects.exists()
        assert task_queue.queued(notifications.new_version_email) == []
        assert mailoutbox == []

    def test_nothing_is_told_when_publishing_rolls_back(
        self, cast, rolled_back, mailoutbox, task_queue
    ):
        with rolled_back() as callbacks:
            _publish(cast.manager)
        assert callbacks == []
        assert not Notification.objects.exists()
        assert task_queue.queued(notifications.new_version_email) == []
        assert mailoutbox == []

    def test_the_email_is_queued_once_committed(
        self, cast, version, django_capture_on_commit_callbacks, mailoutbox, task_queue
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            told = notifications.notify_new_version(version, by=cast.manager)
        assert told == len(WITH_A_TEAM)
        assert Notification.objects.count() == told
        assert task_queue.queued(notifications.new_version_email) == []
        for callback in callbacks:
            callback()
        assert task_queue.queued(notifications.new_version_email) == [[version.pk]]
        assert mailoutbox == []
        task_queue.run(notifications.new_version_email)
        assert len(mailoutbox) == told

    def test_the_home_page_tells_them(self, cast, client_for, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            version = _publish(cast.manager)
        text = _text(client_for(cast.rep).get("/"))
        assert "For you" in text
        assert f"Version {version.number} of the plumb line is published." in text
        assert "For you" not in _text(client_for(cast.outsider).get("/"))


# --- Stories past their review-by date ------------------------------------------------------


class TestStaleStories:
    def test_the_author_is_told_once_per_stale_story(
        self, cast, version, django_capture_on_commit_callbacks, mailoutbox
    ):
        first = _stale_story(cast, version, "First stale")
        second = _stale_story(cast, version, "Second stale", days=40)
        make_story(author=cast.marketer, version=version, title="Fresh", status="published")
        archived = _stale_story(cast, version, "Archived stale")
        Story.objects.filter(pk=archived.pk).update(status="archived")

        with django_capture_on_commit_callbacks(execute=True):
            assert notifications.notify_stale_stories() == 2
        with django_capture_on_commit_callbacks(execute=True):
            assert notifications.notify_stale_stories() == 0

        told = Notification.objects.filter(kind="stale_story")
        assert sorted(n.url for n in told) == sorted(
            [first.get_absolute_url(), second.get_absolute_url()]
        )
        assert {n.user for n in told} == {cast.marketer}
        assert any("First stale" in n.message for n in told)
        assert len(mailoutbox) == 2
        assert all(m.to == [cast.marketer.email] for m in mailoutbox)
        assert sorted(m.body for m in mailoutbox) == sorted(n.message for n in told)

    def test_each_story_counts_on_its_own(self, cast, version, django_capture_on_commit_callbacks):
        _stale_story(cast, version, "One")
        notifications.notify_stale_stories()
        _stale_story(cast, version, "Two")
        assert notifications.notify_stale_stories() == 1
        assert Notification.objects.filter(kind="stale_story").count() == 2

    def test_the_email_waits_for_the_commit(
        self, cast, version, django_capture_on_commit_callbacks, mailoutbox
    ):
        _stale_story(cast, version)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            notifications.notify_stale_stories()
        assert mailoutbox == []
        assert len(callbacks) == 1
        callbacks[0]()
        assert len(mailoutbox) == 1

    def test_the_command(self, cast, version, django_capture_on_commit_callbacks, mailoutbox):
        _stale_story(cast, version, "One")
        _stale_story(cast, version, "Two")
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("notify_stale_stories", stdout=out)
        assert out.getvalue().strip() == "2 author notices sent."
        assert Notification.objects.filter(user=cast.marketer, kind="stale_story").count() == 2
        assert len(mailoutbox) == 2

        out = io.StringIO()
        call_command("notify_stale_stories", stdout=out)
        assert out.getvalue().strip() == "0 author notices sent."
        assert Notification.objects.filter(kind="stale_story").count() == 2

    def test_the_author_sees_it_on_the_home_page(self, cast, version, client_for):
        story = _stale_story(cast, version, "Old news")
        notifications.notify_stale_stories()
        response = client_for(cast.marketer).get("/")
        text = _text(response)
        assert "For you" in text
        assert "Story due for review" in text
        assert "“Old news” passed its review-by date" in text
        assert f'href="{story.get_absolute_url()}"' in response.content.decode()


# --- Marking as read ------------------------------------------------------------------------


class TestMarkAsRead:
    def test_marking_all_as_read_empties_for_you(self, cast, client_for, version):
        notifications.notify_new_version(version)
        client = client_for(cast.rep)
        assert "For you" in _text(client.get("/"))

        response = client.post("/notifications/read/")
        assert response.status_code == 302
        assert response["Location"] == "/"
        assert not Notification.objects.filter(user=cast.rep, read_at__isnull=True).exists()
        assert "For you" not in _text(client.get("/"))
        # Only their own: everyone else still has theirs to read.
        assert Notification.objects.filter(user=cast.teammate, read_at__isnull=True).exists()
        assert "For you" in _text(client_for(cast.teammate).get("/"))

    def test_only_by_post(self, cast, client_for, version):
        notifications.notify_new_version(version)
        client = client_for(cast.rep)
        assert client.get("/notifications/read/").status_code == 405
        assert Notification.objects.filter(user=cast.rep, read_at__isnull=True).exists()

    def test_anonymous_people_are_sent_to_sign_in(self, client_for, cast, version):
        notifications.notify_new_version(version)
        response = client_for(None).post("/notifications/read/")
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
        assert not Notification.objects.filter(read_at__isnull=False).exists()

    def test_a_read_notification_keeps_its_first_read_time(self, cast, client_for, version):
        notifications.notify_new_version(version)
        client = client_for(cast.rep)
        client.post("/notifications/read/")
        first = Notification.objects.get(user=cast.rep).read_at
        client.post("/notifications/read/")
        assert Notification.objects.get(user=cast.rep).read_at == first
