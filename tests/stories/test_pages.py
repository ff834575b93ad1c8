"""The stories' pages: the library, writing and editing, the workflow, revisions, audiences."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from stories import services
from stories.models import Audience, Story
from teams.models import Membership, Team, User
from tests.conftest import build_cast
from tests.factories import UserFactory
from tests.plumbline.factories import make_published
from tests.stories.factories import (
    OFF_MESSAGE_BODY,
    ON_MESSAGE_BODY,
    content_for,
    make_audience,
    make_story,
)
from tests.stories.query_counts import with_tags
from tests.xss_corpus import PAYLOADS, assert_no_xss

pytestmark = pytest.mark.django_db

EVERYONE = ["marketer", "marketing_lead", "rep", "teammate", "sales_lead", "other_rep"]
EVERYONE += ["manager", "admin", "outsider"]


@pytest.fixture
def audience():
    return make_audience(name="Cold-storage warehouses")


@pytest.fixture
def other_marketer():
    person = UserFactory(username="second_marketer")
    Membership.objects.create(
        user=person, team=Team.objects.get(slug="marketing"), role=Membership.Role.MEMBER
    )
    return person


def _titles(response) -> list[str]:
    """The story titles the library shows, in order."""
    assert response.status_code == 200
    html = response.content.decode()
    return re.findall(r'<h2 class="h5 mb-1"><a href="/stories/\d+/">(.*?)</a></h2>', html, re.S)


def _link(response, text: str) -> str:
    """The query string of a pagination link ("Next", "First")."""
    [href] = re.findall(rf'href="([^"]*)"[^>]*>{text}</a>', _html(response))
    return unescape(href)


def _next(response) -> str:
    return _link(response, "Next")


def _form(version, audiences, *, pillars=("lifetime-value",), **overrides) -> dict:
    data = {
        "title": "Twenty-five years of savings",
        "summary": "What a roof earns.",
        "body": ON_MESSAGE_BODY,
        "offer": "",
        "channel": "web",
        "audiences": [a.pk for a in audiences],
        "pillars": [p.pk for p in version.pillars.filter(key__in=pillars)],
    }
    data.update(overrides)
    return data


def _lock_version(response) -> str:
    """The lock version the page's form will send back (however many times it is rendered)."""
    values = set(
        re.findall(r'<input type="hidden" name="lock_version" value="(\d+)"', _html(response))
    )
    [value] = values
    return value


def _html(response) -> str:
    return response.content.decode()


def _main(response) -> str:
    html = _html(response)
    return html[html.index("<main") : html.index("</main>")]


def _signed_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def _browser(user) -> Client:
    """A client that, like a browser, must send the CSRF token its forms carry."""
    return _signed_in(user, enforce_csrf_checks=True)


def _submit(client, url, data=None, **kwargs):
    """POST what the form on `url` sends: its fields and the CSRF token (nothing else)."""
    if "csrftoken" not in client.cookies:
        assert client.get(url).status_code == 200
    token = client.cookies["csrftoken"].value
    return client.post(url, {"csrfmiddlewaretoken": token, **(data or {})}, **kwargs)


# --- The library -----------------------------------------------------------------------------


@pytest.fixture
def library(cast, version):
    """Stories in every state, each with something to filter by."""
    web = make_audience(name="Food and drink makers")
    press = make_audience(name="Sustainability leads")
    stories = {
        "alpha": make_story(
            author=cast.marketer,
            version=version,
            status="published",
            title="Alpha roofs",
            summary="Panels that pay back.",
            channel="web",
            audiences=[web],
        ),
        "bravo": make_story(
            author=cast.marketing_lead,
            version=version,
            status="published",
            title="Bravo engineers",
            summary="People who stay.",
            body="A local engineer comes on every service visit, at a discount.",
            channel="press",
            audiences=[press],
            pillars=("local-experts",),
        ),
        "charlie": make_story(
            author=cast.marketer,
            version=version,
            status="published",
            title="Charlie weather",
            summary="Rain or shine.",
            body=OFF_MESSAGE_BODY,
            channel="email",
            audiences=[web, press],
            reason="For contrast.",
        ),
        "delta": make_story(
            author=cast.marketer, version=version, title="Delta draft", audiences=[web]
        ),
        "echo": make_story(
            author=cast.marketing_lead,
            version=version,
            status="in_review",
            title="Echo in review",
            audiences=[press],
        ),
        "foxtrot": make_story(
            author=cast.marketer,
            version=version,
            status="archived",
            title="Foxtrot archived",
            audiences=[web],
        ),
    }
    assert [stories[k].score for k in ("alpha", "bravo", "charlie")] == [100, 75, 0]
    return stories


PUBLISHED = {"Alpha roofs", "Bravo engineers", "Charlie weather"}
UNPUBLISHED = {"Delta draft", "Echo in review", "Foxtrot archived"}


class TestLibrary:
    @pytest.mark.parametrize("name", EVERYONE)
    def test_it_works(self, client_for, cast, library, name):
        titles = _titles(client_for(getattr(cast, name)).get("/stories/"))
        assert set(titles) >= PUBLISHED

    def test_newest_first(self, client_for, cast, library):
        titles = _titles(client_for(cast.rep).get("/stories/"))
        assert titles == ["Charlie weather", "Bravo engineers", "Alpha roofs"]

    def test_sales_sees_only_published_stories(self, client_for, cast, library):
        client = client_for(cast.rep)
        assert set(_titles(client.get("/stories/"))) == PUBLISHED
        # Asking for another status does not help: the filter is not there for sales.
        assert set(_titles(client.get("/stories/?status=draft"))) == PUBLISHED
        assert "Any status" not in _html(client.get("/stories/"))

    @pytest.mark.parametrize("key", ["delta", "echo", "foxtrot"])
    def test_sales_gets_404_on_unpublished_stories(self, client_for, cast, library, key):
        client = client_for(cast.rep)
        story = library[key]
        for url in (f"/stories/{story.pk}/", f"/stories/{story.pk}/revisions/"):
            response = client.get(url)
            assert response.status_code == 404, url
            assert story.title not in _html(response), url
        response = client.get(f"/stories/{library['alpha'].pk}/")
        assert response.status_code == 200
        assert library["alpha"].title in _html(response)

    @pytest.mark.parametrize("name", ["marketer", "marketing_lead", "manager", "admin"])
    def test_marketing_and_managers_see_every_status(self, client_for, cast, library, name):
        client = client_for(getattr(cast, name))
        assert set(_titles(client.get("/stories/"))) == PUBLISHED | UNPUBLISHED
        for key in ("delta", "echo", "foxtrot"):
            assert client.get(f"/stories/{library[key].pk}/").status_code == 200

    def test_bad_id_gets_404(self, client_for, cast, library):
        response = client_for(cast.marketer).get("/stories/999999/")
        assert response.status_code == 404
        assert library["alpha"].title not in _html(response)

    def test_anonymous_is_sent_to_sign_in(self, client_for, library):
        response = client_for(None).get("/stories/")
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]

    def test_filter_by_audience(self, client_for, cast, library):
        press = Audience.objects.get(name="Sustainability leads")
        titles = _titles(client_for(cast.rep).get(f"/stories/?audience={press.pk}"))
        assert titles == ["Charlie weather", "Bravo engineers"]

    def test_filter_by_channel(self, client_for, cast, library):
        assert _titles(client_for(cast.rep).get("/stories/?channel=press")) == ["Bravo engineers"]

    def test_filter_by_pillar(self, client_for, cast, library):
        client = client_for(cast.rep)
        assert _titles(client.get("/stories/?pillar=local-experts")) == ["Bravo engineers"]
        assert _titles(client.get("/stories/?pillar=lifetime-value")) == [
            "Charlie weather",
            "Alpha roofs",
        ]

    def test_filter_by_status(self, client_for, cast, library):
        client = client_for(cast.marketer)
        assert _titles(client.get("/stories/?status=draft")) == ["Delta draft"]
        assert _titles(client.get("/stories/?status=in_review")) == ["Echo in review"]
        assert _titles(client.get("/stories/?status=archived")) == ["Foxtrot archived"]

    def test_filter_by_band(self, client_for, cast, library):
        client = client_for(cast.rep)
        assert _titles(client.get("/stories/?band=needs_attention")) == ["Bravo engineers"]
        assert _titles(client.get("/stories/?band=off_message")) == ["Charlie weather"]
        assert _titles(client.get("/stories/?band=on_message")) == ["Alpha roofs"]

    def test_filter_by_author(self, client_for, cast, library):
        client = client_for(cast.rep)
        titles = _titles(client.get(f"/stories/?author={cast.marketing_lead.pk}"))
        assert titles == ["Bravo engineers"]

    def test_search(self, client_for, cast, library):
        client = client_for(cast.rep)
        assert _titles(client.get("/stories/?q=ALPHA")) == ["Alpha roofs"]
        # The summary is searched too.
        assert _titles(client.get("/stories/?q=rain or shine")) == ["Charlie weather"]
        # Drafts are not found by sales, whatever they search for.
        assert _titles(client.get("/stories/?q=Delta")) == []

    def test_sort_by_score(self, client_for, cast, library):
        client = client_for(cast.rep)
        assert _titles(client.get("/stories/?sort=score")) == [
            "Charlie weather",
            "Bravo engineers",
            "Alpha roofs",
        ]
        assert _titles(client.get("/stories/?sort=-score")) == [
            "Alpha roofs",
            "Bravo engineers",
            "Charlie weather",
        ]

    def test_filters_combine(self, client_for, cast, library):
        web = Audience.objects.get(name="Food and drink makers")
        query = f"/stories/?audience={web.pk}&band=off_message"
        assert _titles(client_for(cast.rep).get(query)) == ["Charlie weather"]

    @pytest.mark.parametrize(
        "query",
        [
            "audience=abc",
            "audience=999999",
            "channel=fax",
            "pillar=<script>",
            "pillar=no-such-pillar",
            "status=lost",
            "band=purple",
            "author=x",
            "author=999999",
            "sort=password",
            "q=" + "x" * 500,
            "page=abc",
            "page=-1",
            "audience=1&audience=2",
        ],
    )
    def test_tampered_filters_get_200(self, client_for, cast, library, query):
        response = client_for(cast.marketer).get(f"/stories/?{query}")
        assert response.status_code == 200
        assert set(_titles(response)) <= PUBLISHED | UNPUBLISHED
        assert "<script>" not in _html(response)

    def test_unknown_pillar_finds_nothing(self, client_for, cast, library):
        assert _titles(client_for(cast.rep).get("/stories/?pillar=no-such-pillar")) == []

    def test_empty_state(self, client_for, cast, library):
        content = _html(client_for(cast.rep).get("/stories/?q=nothing-like-this"))
        assert "No stories match these filters." in content
        assert "story-list" not in content

    def test_empty_library(self, client_for, cast, version):
        assert "No stories yet." in _html(client_for(cast.rep).get("/stories/"))

    def test_only_writers_see_write_links(self, client_for, cast, library):
        assert "Write a story" in _html(client_for(cast.marketer).get("/stories/"))
        assert "Write a story" not in _html(client_for(cast.rep).get("/stories/"))


class TestLibraryPages:
    @pytest.fixture
    def many(self, cast, version):
        audience = make_audience()
        for n in range(1, 26):
            make_story(
                author=cast.marketer,
                version=version,
                status="published",
                title=f"Story {n:02}",
                audiences=[audience],
            )

    def test_first_page(self, client_for, cast, many):
        response = client_for(cast.rep).get("/stories/")
        assert _titles(response) == [f"Story {n:02}" for n in range(25, 5, -1)]
        assert "Page 1" in _html(response)
        assert "25 stories" in _html(response)

    def test_page_two(self, client_for, cast, many):
        client = client_for(cast.rep)
        response = client.get("/stories/" + _next(client.get("/stories/")))
        assert _titles(response) == [f"Story {n:02}" for n in range(5, 0, -1)]
        assert "Page 2" in _html(response)

    @pytest.mark.parametrize("sort", ["-published", "published", "score", "-score"])
    def test_pages_follow_each_sort(self, client_for, cast, many, sort):
        client = client_for(cast.marketer)
        first = client.get("/stories/", {"sort": sort})
        second = client.get("/stories/" + _next(first))
        titles = _titles(first) + _titles(second)
        assert sorted(titles) == [f"Story {n:02}" for n in range(1, 26)]
        back = client.get("/stories/" + _link(second, "First"))
        assert _titles(back) == _titles(first)

    def test_page_links_keep_the_filters(self, client_for, cast, many):
        content = _html(client_for(cast.rep).get("/stories/?channel=web"))
        assert 'href="?channel=web&amp;cursor=' in content


class TestLibraryQueries:
    def test_query_count_does_not_grow_with_stories(
        self, client_for, cast, version, django_assert_num_queries
    ):
        authors = [cast.marketer, cast.marketing_lead, cast.manager]
        audiences = [make_audience() for _ in range(3)]

        def add(count):
            for n in range(count):
                make_story(
                    author=authors[n % 3],
                    version=version,
                    status=["published", "draft", "in_review"][n % 3],
                    audiences=audiences[: n % 3 + 1],
                    pillars=("lifetime-value", "local-experts")[: n % 2 + 1],
                    reason="Scores 50 when tagged with both pillars.",
                )

        add(3)
        client = client_for(cast.marketer)
        with django_assert_num_queries(with_tags(5, 1)) as small:  # the filters unbuilt
            client.get("/stories/")
        add(22)
        assert Story.objects.count() == 25
        with django_assert_num_queries(len(small.captured_queries)):
            response = client.get("/stories/")
        assert len(_titles(response)) == 20


# --- Writing ---------------------------------------------------------------------------------


class TestCreate:
    def test_it_works(self, client_for, cast, version, audience):
        client = client_for(cast.marketer)
        content = _html(client.get("/stories/new/"))
        assert "Write a story" in content
        assert "Value over the whole life" in content
        assert f'name="version" value="{version.number}"' in content

        response = client.post("/stories/new/", _form(version, [audience]))
        story = Story.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/stories/{story.pk}/"
        assert story.status == Story.Status.DRAFT
        assert story.author == cast.marketer
        assert story.plumbline_version == version
        assert story.score == 100
        assert story.check_report["score"] == 100
        assert list(story.audiences.all()) == [audience]
        assert [(r.number, r.saved_by) for r in story.revisions.all()] == [(1, cast.marketer)]

        content = _html(client.get(response["Location"]))
        assert "Story saved as a draft." in content
        assert "Twenty-five years of savings" in content

    def test_missing_pillars(self, client_for, cast, version, audience):
        response = client_for(cast.marketer).post(
            "/stories/new/", _form(version, [audience], pillars=())
        )
        assert response.status_code == 200
        assert "Tag at least one pillar." in _html(response)
        assert not Story.objects.exists()

    def test_missing_audience(self, client_for, cast, version, audience):
        response = client_for(cast.marketer).post("/stories/new/", _form(version, []))
        assert response.status_code == 200
        assert "Choose at least one audience." in _html(response)
        assert not Story.objects.exists()

    def test_tampered_channel(self, client_for, cast, version, audience):
        response = client_for(cast.marketer).post(
            "/stories/new/", _form(version, [audience], channel="fax")
        )
        assert response.status_code == 200
        assert "Select a valid choice" in _html(response)
        assert not Story.objects.exists()

    def test_pillar_of_another_version_is_refused(self, client_for, cast, version, audience):
        make_published(by=cast.manager)  # now current; `version`'s pillars are old
        response = client_for(cast.marketer).post("/stories/new/", _form(version, [audience]))
        assert response.status_code == 200
        assert "Select a valid choice" in _html(response)
        assert not Story.objects.exists()

    @pytest.mark.parametrize("name", ["rep", "sales_lead", "outsider"])
    def test_read_only_gets_403(self, client_for, cast, version, audience, name):
        client = client_for(getattr(cast, name))
        assert client.get("/stories/new/").status_code == 403
        assert client.post("/stories/new/", _form(version, [audience])).status_code == 403
        assert not Story.objects.exists()

    def test_without_a_plumb_line(self, client_for, cast, audience):
        response = client_for(cast.marketer).get("/stories/new/", follow=True)
        assert response.redirect_chain == [("/stories/", 302)]
        assert "Publish a plumb line first" in _html(response)

    def test_the_editor_offers_save_and_save_and_submit(self, client_for, cast, version):
        content = _html(client_for(cast.marketer).get("/stories/new/"))
        assert ">Save</button>" in content
        assert 'name="then" value="submit"' in content
        assert ">Save and submit</button>" in content

    def test_save_and_submit_puts_the_new_story_in_review(
        self, client_for, cast, version, audience
    ):
        client = client_for(cast.marketer)
        data = _form(version, [audience], then="submit")
        response = client.post("/stories/new/", data, follow=True)
        story = Story.objects.get()
        assert response.redirect_chain == [(f"/stories/{story.pk}/", 302)]
        assert story.status == Story.Status.IN_REVIEW
        assert [r.number for r in story.revisions.all()] == [1]
        assert "Saved and submitted for review." in _html(response)

    def test_an_invalid_save_and_submit_submits_nothing(self, client_for, cast, version, audience):
        data = _form(version, [], then="submit")
        response = client_for(cast.marketer).post("/stories/new/", data)
        assert response.status_code == 200
        assert "Choose at least one audience." in _html(response)
        assert not Story.objects.exists()


class TestEdit:
    def test_it_works(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version, title="Before")
        client = client_for(cast.marketer)
        response = client.get(f"/stories/{story.pk}/edit/")
        assert "Edit the story" in _html(response)
        assert _lock_version(response) == "1"

        data = _form(version, story.audiences.all(), title="After", lock_version=1)
        response = client.post(f"/stories/{story.pk}/edit/", data)
        assert response.status_code == 302
        assert response["Location"] == f"/stories/{story.pk}/"
        story.refresh_from_db()
        assert story.title == "After"
        assert story.lock_version == 2
        assert [r.number for r in story.revisions.all()] == [2, 1]

    @pytest.mark.parametrize("lock_version", [None, "", "abc", "0"])
    def test_a_missing_or_tampered_lock_version_changes_nothing(
        self, client_for, cast, version, lock_version
    ):
        story = make_story(author=cast.marketer, version=version, title="Before")
        data = _form(version, story.audiences.all(), title="Overwritten blindly")
        if lock_version is not None:
            data["lock_version"] = lock_version
        response = client_for(cast.marketer).post(f"/stories/{story.pk}/edit/", data)
        assert response.status_code == 400
        assert "reload the page" in response.content.decode()
        story.refresh_from_db()
        assert (story.title, story.lock_version) == ("Before", 1)

    def test_a_lead_edits_someone_elses_draft(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version, title="Before")
        data = _form(version, story.audiences.all(), title="Tidied", lock_version=1)
        client_for(cast.marketing_lead).post(f"/stories/{story.pk}/edit/", data)
        story.refresh_from_db()
        assert story.title == "Tidied"

    def test_another_marketer_gets_403(self, client_for, cast, version, other_marketer):
        story = make_story(author=other_marketer, version=version, title="Not yours")
        client = client_for(cast.marketer)
        assert client.get(f"/stories/{story.pk}/").status_code == 200
        assert client.get(f"/stories/{story.pk}/edit/").status_code == 403
        data = _form(version, story.audiences.all(), title="Hijacked", lock_version=1)
        assert client.post(f"/stories/{story.pk}/edit/", data).status_code == 403
        story.refresh_from_db()
        assert story.title == "Not yours"

    def test_outsider_gets_404(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version, title="Not theirs")
        client = client_for(cast.rep)
        response = client.get(f"/stories/{story.pk}/edit/")
        assert response.status_code == 404
        assert "Not theirs" not in _html(response)
        data = _form(version, story.audiences.all(), title="Hijacked", lock_version=1)
        assert client.post(f"/stories/{story.pk}/edit/", data).status_code == 404
        story.refresh_from_db()
        assert story.title == "Not theirs"

    @pytest.mark.parametrize("status", ["in_review", "published", "archived"])
    def test_only_drafts_are_edited(self, client_for, cast, version, status):
        story = make_story(author=cast.marketer, version=version, status=status, title="Fixed")
        client = client_for(cast.marketer)
        assert client.get(f"/stories/{story.pk}/edit/").status_code == 403
        data = _form(version, story.audiences.all(), title="Changed", lock_version=1)
        assert client.post(f"/stories/{story.pk}/edit/", data).status_code == 403
        story.refresh_from_db()
        assert story.title == "Fixed"

    def test_bad_id_gets_404(self, client_for, cast, version):
        response = client_for(cast.marketer).get("/stories/999999/edit/")
        assert response.status_code == 404
        assert 'name="lock_version"' not in _html(response)

    def test_save_and_submit_a_draft(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version, title="Before")
        client = client_for(cast.marketer)
        assert ">Save and submit</button>" in _html(client.get(f"/stories/{story.pk}/edit/"))
        data = _form(version, story.audiences.all(), title="After", lock_version=1, then="submit")
        response = client.post(f"/stories/{story.pk}/edit/", data, follow=True)
        assert response.redirect_chain == [(f"/stories/{story.pk}/", 302)]
        assert "Saved and submitted for review." in _html(response)
        story.refresh_from_db()
        assert (story.title, story.status) == ("After", Story.Status.IN_REVIEW)

    def test_a_plain_save_keeps_the_draft(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version)
        data = _form(version, story.audiences.all(), lock_version=1)
        client_for(cast.marketer).post(f"/stories/{story.pk}/edit/", data)
        story.refresh_from_db()
        assert story.status == Story.Status.DRAFT

    def _conflict(self, cast, version):
        """Two editors open the same draft; the first saves; the second's save conflicts."""
        story = make_story(author=cast.marketer, version=version, title="Opening title")
        first, second = _signed_in(cast.marketer), _signed_in(cast.marketing_lead)
        url = f"/stories/{story.pk}/edit/"
        first_lock, second_lock = _lock_version(first.get(url)), _lock_version(second.get(url))
        assert first_lock == second_lock == "1"
        audiences = story.audiences.all()
        response = first.post(
            url,
            _form(
                version,
                audiences,
                title="Saved first",
                body="The first body, with lifetime savings.",
                lock_version=first_lock,
            ),
        )
        assert response.status_code == 302
        response = second.post(
            url,
            _form(
                version,
                audiences,
                title="Mine not saved",
                body="Another body entirely.",
                lock_version=second_lock,
            ),
        )
        return story, second, response

    def test_edit_conflict(self, cast, version):
        story, second, response = self._conflict(cast, version)
        assert response.status_code == 409
        content = _html(response)
        assert "Someone else saved" in content
        mine = content[: content.index("Saved meanwhile")]
        assert 'value="Mine not saved"' in mine
        assert "Another body entirely." in mine
        story.refresh_from_db()
        assert story.title == "Saved first"
        assert story.lock_version == 2
        assert story.revisions.count() == 2

        # The conflict page carries the new lock version: saving from it wins.
        lock_version = _lock_version(response)
        assert lock_version == "2"
        data = _form(
            version, story.audiences.all(), title="Mine not saved", lock_version=lock_version
        )
        response = second.post(f"/stories/{story.pk}/edit/", data)
        assert response.status_code == 302
        story.refresh_from_db()
        assert story.title == "Mine not saved"
        assert story.lock_version == 3

    def test_edit_conflict_shows_the_version_saved_meanwhile(self, cast, version):
        _, _, response = self._conflict(cast, version)
        content = _html(response)
        assert '<h1 class="h2">Someone else saved “Saved first” while you were editing</h1>' in (
            content
        )
        theirs = content[content.index("Saved meanwhile") : content.index("</main>")]
        assert "<dd>Saved first</dd>" in theirs
        assert "The first body, with lifetime savings." in theirs
        assert "Mine not saved" not in theirs
        assert "Another body entirely." not in theirs


# --- The workflow ----------------------------------------------------------------------------


class TestSubmit:
    def test_it_works(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version)
        response = client_for(cast.marketer).post(f"/stories/{story.pk}/submit/", follow=True)
        assert response.redirect_chain == [(f"/stories/{story.pk}/", 302)]
        assert "Submitted for review." in _html(response)
        story.refresh_from_db()
        assert story.status == Story.Status.IN_REVIEW

    def test_it_requires_post(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version)
        assert client_for(cast.marketer).get(f"/stories/{story.pk}/submit/").status_code == 405
        story.refresh_from_db()
        assert story.status == Story.Status.DRAFT

    def test_another_marketer_gets_403(self, client_for, cast, version, other_marketer):
        story = make_story(author=other_marketer, version=version)
        assert client_for(cast.marketer).post(f"/stories/{story.pk}/submit/").status_code == 403
        story.refresh_from_db()
        assert story.status == Story.Status.DRAFT

    def test_outsider_gets_404(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version)
        assert client_for(cast.rep).post(f"/stories/{story.pk}/submit/").status_code == 404
        story.refresh_from_db()
        assert story.status == Story.Status.DRAFT

    def test_submitting_a_published_story_is_refused(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version, status="published")
        response = client_for(cast.marketer).post(f"/stories/{story.pk}/submit/", follow=True)
        assert (
            "Only a story that is draft can be submitted for review; this one is published."
            in _html(response)
        )
        story.refresh_from_db()
        assert story.status == Story.Status.PUBLISHED


class TestPublish:
    def test_it_works(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version, status="in_review", title="Ready")
        client = _browser(cast.marketing_lead)
        content = _html(client.get(f"/stories/{story.pk}/publish/"))
        assert "Publish “Ready”?" in content
        assert "It scores <strong>100</strong>." in content
        assert 'name="reason"' not in content
        story.refresh_from_db()
        assert story.status == Story.Status.IN_REVIEW

        response = _submit(client, f"/stories/{story.pk}/publish/", follow=True)
        assert response.redirect_chain == [(f"/stories/{story.pk}/", 302)]
        assert "Published. Everyone can find it in the library now." in _html(response)
        story.refresh_from_db()
        assert story.status == Story.Status.PUBLISHED
        assert story.published_by == cast.marketing_lead
        assert story.review_by == timezone.localdate() + timedelta(days=90)

    def test_a_low_score_needs_a_reason(self, client_for, cast, version):
        story = make_story(
            author=cast.marketer, version=version, status="in_review", body=OFF_MESSAGE_BODY
        )
        client = client_for(cast.marketing_lead)
        assert 'name="reason"' in _html(client.get(f"/stories/{story.pk}/publish/"))

        response = client.post(f"/stories/{story.pk}/publish/", {"reason": " "})
        assert response.status_code == 200
        assert "say why it should go out" in _html(response)
        story.refresh_from_db()
        assert story.status == Story.Status.IN_REVIEW

        response = client.post(f"/stories/{story.pk}/publish/", {"reason": "Contrast piece."})
        assert response.status_code == 302
        story.refresh_from_db()
        assert story.status == Story.Status.PUBLISHED
        assert story.low_score_reason == "Contrast piece."
        content = _html(client_for(cast.rep).get(f"/stories/{story.pk}/"))
        assert "Published despite its score because:" in content
        assert "Contrast piece." in content

    def test_read_only_gets_403(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version, status="in_review")
        client = client_for(cast.marketer)
        assert client.get(f"/stories/{story.pk}/publish/").status_code == 403
        assert client.post(f"/stories/{story.pk}/publish/").status_code == 403
        story.refresh_from_db()
        assert story.status == Story.Status.IN_REVIEW

    def test_outsider_gets_404(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version, status="in_review")
        client = client_for(cast.rep)
        response = client.get(f"/stories/{story.pk}/publish/")
        assert response.status_code == 404
        assert story.title not in _html(response)
        assert client.post(f"/stories/{story.pk}/publish/").status_code == 404
        story.refresh_from_db()
        assert story.status == Story.Status.IN_REVIEW

    def test_a_post_without_form_fields_publishes(self, client_for, cast, version):
        # Nothing to fill in for a story that scores 60 or more, and a POST need not carry
        # any field (the CSRF token may come as a header, e.g. from htmx).
        story = make_story(author=cast.marketer, version=version, status="in_review")
        response = client_for(cast.marketing_lead).post(f"/stories/{story.pk}/publish/")
        assert response.status_code == 302
        story.refresh_from_db()
        assert story.status == Story.Status.PUBLISHED

    def test_publishing_a_draft_is_refused(self, cast, version):
        story = make_story(author=cast.marketer, version=version)
        response = _submit(_browser(cast.manager), f"/stories/{story.pk}/publish/", follow=True)
        assert "Only a story that is in review can be published; this one is draft." in _html(
            response
        )
        story.refresh_from_db()
        assert story.status == Story.Status.DRAFT
        assert story.published_at is None


class TestSendBack:
    def test_it_works(self, client_for, cast, version):
        story = make_story(
            author=cast.marketer, version=version, status="in_review", title="Rough cut"
        )
        client = client_for(cast.marketing_lead)
        content = _html(client.get(f"/stories/{story.pk}/send-back/"))
        assert "Send “Rough cut” back to" in content

        response = client.post(f"/stories/{story.pk}/send-back/", {"comment": ""})
        assert response.status_code == 200
        assert "This field is required." in _html(response)
        story.refresh_from_db()
        assert story.status == Story.Status.IN_REVIEW

        response = client.post(
            f"/stories/{story.pk}/send-back/", {"comment": "Lead with the service visit."}
        )
        assert response.status_code == 302
        story.refresh_from_db()
        assert story.status == Story.Status.DRAFT
        assert story.reviewer_comment == "Lead with the service visit."

        content = _html(client_for(cast.marketer).get(f"/stories/{story.pk}/"))
        assert "Sent back:" in content
        assert "Lead with the service visit." in content

    def test_the_author_sees_the_comment_on_their_home_page(self, client_for, cast, version):
        story = make_story(
            author=cast.marketer, version=version, status="in_review", title="Rough cut"
        )
        client_for(cast.marketing_lead).post(
            f"/stories/{story.pk}/send-back/", {"comment": "Lead with the service visit."}
        )
        content = _html(client_for(cast.marketer).get("/"))
        drafts = content[content.index("My drafts") :]
        assert "Rough cut" in drafts
        assert "Sent back" in drafts
        assert "Lead with the service visit." in drafts

    def test_read_only_gets_403(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version, status="in_review")
        client = client_for(cast.marketer)
        assert client.get(f"/stories/{story.pk}/send-back/").status_code == 403
        response = client.post(f"/stories/{story.pk}/send-back/", {"comment": "Mine"})
        assert response.status_code == 403
        story.refresh_from_db()
        assert story.status == Story.Status.IN_REVIEW

    def test_sending_back_a_published_story_is_refused(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version, status="published")
        response = client_for(cast.marketing_lead).post(
            f"/stories/{story.pk}/send-back/", {"comment": "Too late"}, follow=True
        )
        assert "can be sent back; this one is published." in _html(response)
        story.refresh_from_db()
        assert story.status == Story.Status.PUBLISHED
        assert story.reviewer_comment == ""


class TestArchive:
    def test_it_works(self, client_for, cast, version):
        story = make_story(
            author=cast.marketer, version=version, status="published", title="Old news"
        )
        client = client_for(cast.marketing_lead)
        assert "Archive “Old news”?" in _html(client.get(f"/stories/{story.pk}/archive/"))
        story.refresh_from_db()
        assert story.status == Story.Status.PUBLISHED

        response = client.post(f"/stories/{story.pk}/archive/", follow=True)
        assert "Archived. It no longer appears to sales." in _html(response)
        story.refresh_from_db()
        assert story.status == Story.Status.ARCHIVED
        assert client_for(cast.rep).get(f"/stories/{story.pk}/").status_code == 404

    def test_read_only_gets_403(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version, status="published")
        client = client_for(cast.marketer)
        assert client.get(f"/stories/{story.pk}/archive/").status_code == 403
        assert client.post(f"/stories/{story.pk}/archive/").status_code == 403
        story.refresh_from_db()
        assert story.status == Story.Status.PUBLISHED

    def test_sales_lead_gets_403(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version, status="published")
        assert client_for(cast.sales_lead).post(f"/stories/{story.pk}/archive/").status_code == 403
        story.refresh_from_db()
        assert story.status == Story.Status.PUBLISHED

    def test_archiving_twice_is_refused(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version, status="archived")
        response = client_for(cast.manager).post(f"/stories/{story.pk}/archive/", follow=True)
        assert "this one is archived." in _html(response)
        story.refresh_from_db()
        assert story.status == Story.Status.ARCHIVED


class TestRevise:
    def test_it_works(self, client_for, cast, version):
        live = make_story(
            author=cast.marketer, version=version, status="published", title="Live story"
        )
        client = client_for(cast.marketer)
        response = client.post(f"/stories/{live.pk}/revise/")
        draft = Story.objects.get(replaces=live)
        assert response.status_code == 302
        assert response["Location"] == f"/stories/{draft.pk}/edit/"
        assert draft.status == Story.Status.DRAFT
        live.refresh_from_db()
        assert live.status == Story.Status.PUBLISHED

        content = _html(client.get(response["Location"]))
        assert "The published one stays live until this one is published." in content

        content = _html(client.get(f"/stories/{live.pk}/"))
        assert "A new revision is in progress" in content
        assert "Open the new revision" in content

        # A second press opens the same draft.
        assert client.post(f"/stories/{live.pk}/revise/")["Location"] == (
            f"/stories/{draft.pk}/edit/"
        )
        assert Story.objects.filter(replaces=live).count() == 1

    def test_revisions_show_the_change_since_the_live_version(self, client_for, cast, version):
        live = make_story(
            author=cast.marketer,
            version=version,
            status="published",
            title="Live story",
            body="The lifetime savings of a roof.",
        )
        client = client_for(cast.marketer)
        client.post(f"/stories/{live.pk}/revise/")
        draft = Story.objects.get(replaces=live)
        data = _form(
            version,
            live.audiences.all(),
            title="Live story",
            summary=live.summary,
            body="The measured lifetime savings of a roof.",
            lock_version=1,
        )
        assert client.post(f"/stories/{draft.pk}/edit/", data).status_code == 302

        content = _html(client.get(f"/stories/{draft.pk}/revisions/"))
        assert "Live version → This draft" in content
        assert "<ins> measured</ins>" in content
        # Only the body changed.
        assert '<h4 class="h6 mt-2">Body</h4>' in content
        assert '<h4 class="h6 mt-2">Title</h4>' not in content

    def test_publishing_the_revision_replaces_the_live_story(self, client_for, cast, version):
        live = make_story(author=cast.marketer, version=version, status="published")
        client_for(cast.marketer).post(f"/stories/{live.pk}/revise/")
        draft = Story.objects.get(replaces=live)
        client_for(cast.marketer).post(f"/stories/{draft.pk}/submit/")
        client = _browser(cast.marketing_lead)
        assert "It will replace the published version" in _html(
            client.get(f"/stories/{draft.pk}/publish/")
        )
        assert _submit(client, f"/stories/{draft.pk}/publish/").status_code == 302
        live.refresh_from_db()
        draft.refresh_from_db()
        assert (live.status, draft.status) == (Story.Status.ARCHIVED, Story.Status.PUBLISHED)
        assert _titles(client_for(cast.rep).get("/stories/")) == [draft.title]

    def test_it_requires_post(self, client_for, cast, version):
        live = make_story(author=cast.marketer, version=version, status="published")
        assert client_for(cast.marketer).get(f"/stories/{live.pk}/revise/").status_code == 405
        assert not Story.objects.filter(replaces=live).exists()

    def test_read_only_gets_403(self, client_for, cast, version, other_marketer):
        live = make_story(author=other_marketer, version=version, status="published")
        for name in ("marketer", "rep"):
            client = client_for(getattr(cast, name))
            assert client.post(f"/stories/{live.pk}/revise/").status_code == 403
        assert not Story.objects.filter(replaces=live).exists()

    def test_revising_a_draft_is_refused(self, client_for, cast, version):
        story = make_story(author=cast.marketer, version=version)
        response = client_for(cast.marketer).post(f"/stories/{story.pk}/revise/", follow=True)
        assert response.redirect_chain == [(f"/stories/{story.pk}/", 302)]
        assert "Only a published story gets a new revision" in _html(response)
        assert not Story.objects.filter(replaces=story).exists()


class TestRevisions:
    @pytest.fixture
    def story(self, cast, version):
        story = make_story(author=cast.marketer, version=version, title="First title")
        content = content_for(version, title="Second title", audiences=story.audiences.all())
        services.story_save(story=story, content=content, lock_version=1, by=cast.marketer)
        return story

    def test_it_works(self, client_for, cast, story):
        content = _html(client_for(cast.marketer).get(f"/stories/{story.pk}/revisions/"))
        assert "Revision 1 —" in content
        assert "Revision 2 —" in content
        assert "Compare two revisions" in content
        assert "→" not in content  # nothing compared yet

    def test_compare_two_revisions(self, client_for, cast, story):
        response = client_for(cast.marketer).get(f"/stories/{story.pk}/revisions/?old=1&new=2")
        content = _html(response)
        assert "Revision 1 → Revision 2" in content
        assert "<del>First</del>" in content
        assert "<ins>Second</ins>" in content

    @pytest.mark.parametrize("query", ["old=x&new=2", "old=1&new=99", "old=1&new=-1"])
    def test_tampered_revision_numbers(self, client_for, cast, story, query):
        response = client_for(cast.marketer).get(f"/stories/{story.pk}/revisions/?{query}")
        assert response.status_code == 200
        assert "Choose two revisions" in _html(response)

    def test_bad_id_gets_404(self, client_for, cast, version):
        response = client_for(cast.marketer).get("/stories/999999/revisions/")
        assert response.status_code == 404
        assert "Choose two revisions" not in _html(response)


# --- Audiences -------------------------------------------------------------------------------


class TestAudiences:
    def test_it_works(self, client_for, cast):
        client = client_for(cast.marketing_lead)
        assert "Add an audience" in _html(client.get("/stories/audiences/new/"))
        response = client.post(
            "/stories/audiences/new/",
            {"name": "Breweries", "kind": "target_market", "description": "Thirsty for power."},
        )
        assert response.status_code == 302
        assert response["Location"] == "/stories/audiences/"
        audience = Audience.objects.get(name="Breweries")
        assert audience.kind == Audience.Kind.TARGET_MARKET
        assert "Breweries" in _html(client.get("/stories/audiences/"))

    def test_edit(self, client_for, cast, audience):
        client = client_for(cast.manager)
        response = client.post(
            f"/stories/audiences/{audience.pk}/",
            {"name": "Cold chains", "kind": "online_group", "description": ""},
        )
        assert response.status_code == 302
        audience.refresh_from_db()
        assert (audience.name, audience.kind) == ("Cold chains", "online_group")

    def test_a_marketer_sees_the_list_but_cannot_change_it(self, client_for, cast, audience):
        client = client_for(cast.marketer)
        content = _html(client.get("/stories/audiences/"))
        assert "Cold-storage warehouses" in content
        assert "Add an audience" not in content
        assert client.get("/stories/audiences/new/").status_code == 403
        response = client.post(
            "/stories/audiences/new/", {"name": "Sneaky", "kind": "target_market"}
        )
        assert response.status_code == 403
        assert client.get(f"/stories/audiences/{audience.pk}/").status_code == 403
        assert not Audience.objects.filter(name="Sneaky").exists()

    @pytest.mark.parametrize("name", ["rep", "sales_lead", "outsider"])
    def test_read_only_gets_403(self, client_for, cast, audience, name):
        response = client_for(getattr(cast, name)).get("/stories/audiences/")
        assert response.status_code == 403
        assert audience.name not in _html(response)

    def test_duplicate_name(self, client_for, cast, audience):
        response = client_for(cast.marketing_lead).post(
            "/stories/audiences/new/", {"name": audience.name, "kind": "online_group"}
        )
        assert response.status_code == 200
        assert "Audience with this Name already exists." in _html(response)
        assert Audience.objects.count() == 1

    def test_tampered_kind(self, client_for, cast):
        response = client_for(cast.marketing_lead).post(
            "/stories/audiences/new/", {"name": "Odd", "kind": "aliens"}
        )
        assert response.status_code == 200
        assert "Select a valid choice" in _html(response)
        assert not Audience.objects.exists()

    def test_bad_id_gets_404(self, client_for, cast):
        response = client_for(cast.marketing_lead).get("/stories/audiences/999999/")
        assert response.status_code == 404
        assert 'name="name"' not in _html(response)


# --- Home ------------------------------------------------------------------------------------


class TestHome:
    def test_it_lists_my_drafts_and_stale_stories(self, client_for, cast, version):
        make_story(author=cast.marketer, version=version, title="My draft")
        stale = make_story(
            author=cast.marketer, version=version, status="published", title="My old story"
        )
        make_story(author=cast.marketer, version=version, status="published", title="My fresh")
        make_story(author=cast.marketing_lead, version=version, title="Someone else's draft")
        Story.objects.filter(pk=stale.pk).update(review_by=timezone.localdate() - timedelta(days=3))

        content = _html(client_for(cast.marketer).get("/"))
        drafts = content[content.index("My drafts") :]
        assert "My draft" in drafts
        stale_part = content[
            content.index("Past their review-by date") : content.index("My drafts")
        ]
        assert "My old story" in stale_part
        assert "My fresh" not in content
        assert "Someone else" not in content

    def test_sales_sees_no_story_work(self, client_for, cast, version):
        make_story(author=cast.marketer, version=version, title="My draft")
        content = _html(client_for(cast.rep).get("/"))
        assert "My drafts" not in content
        assert "Find a story to tell" in content


# --- Hostile text ----------------------------------------------------------------------------


def _payload_id(payload: str) -> str:
    return re.sub(r"\s+", " ", payload)[:60]


# The page's own forms, which assert_no_xss would flag as <form>/<select>/<button>.
_OWN_FORMS = re.compile(
    r'<form\s[^<>]*aria-label="(?:Filter stories|Compare two revisions)"[^<>]*>.*?</form>',
    re.DOTALL,
)


@pytest.fixture(scope="class")
def hostile(django_db_setup, django_db_blocker):
    """One published story per payload, in every text field, built once for the class.

    Built in a transaction of its own that is rolled back after the class; each test's
    own transaction nests inside it.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        if not User.objects.filter(username="marketer").exists():
            build_cast()  # a live-server test emptied the database
        people = {u.username: u for u in User.objects.all()}
        version = make_published(by=people["manager"])
        stories = {}
        for payload in PAYLOADS:
            audience = make_audience()
            story = make_story(
                author=people["marketer"], version=version, title="Before", audiences=[audience]
            )
            hostile = content_for(
                version,
                title=payload,
                summary=payload,
                body=payload,
                offer=payload,
                audiences=[audience],
            )
            services.story_save(story=story, content=hostile, lock_version=1, by=people["marketer"])
            services.story_submit(story=story)
            stories[payload] = services.story_publish(
                story=story, by=people["marketing_lead"], reason="Testing."
            )
        yield stories
        transaction.set_rollback(True)


class TestHostileText:
    @pytest.mark.parametrize("payload", PAYLOADS, ids=[_payload_id(p) for p in PAYLOADS])
    def test_it_is_inert(self, client_for, cast, hostile, payload):
        story = hostile[payload]
        audience = story.audiences.get()
        client = client_for(cast.rep)
        pages = {
            "detail": client.get(f"/stories/{story.pk}/"),
            "library": client.get(f"/stories/?audience={audience.pk}"),
            "revisions": client.get(f"/stories/{story.pk}/revisions/?old=1&new=2"),
        }
        for name, response in pages.items():
            assert response.status_code == 200, name
            html = _html(response)
            title = html[html.index("<title>") + 7 : html.index("</title>")]
            assert "<" not in title, name
            main = _OWN_FORMS.sub("", _main(response))
            assert "<form" not in main, name
            assert_no_xss(main)
        assert len(_titles(pages["library"])) == 1
        assert "Revision 1 → Revision 2" in _html(pages["revisions"])


def test_a_tampered_filter_drops_only_itself(client_for, cast, version):
    make_story(author=cast.marketer, version=version, status="published", title="On the web")
    make_story(
        author=cast.marketer, version=version, status="published", title="In print", channel="press"
    )
    response = client_for(cast.rep).get("/stories/", {"channel": "press", "audience": "abc"})
    assert response.status_code == 200
    assert _titles(response) == ["In print"]
