import re
from html import unescape

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teams import services
from teams.models import Membership, Session, Team, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


class TestPersonList:
    def test_it_works(self, client_for, cast):
        response = client_for(cast.admin).get("/people/")
        assert response.status_code == 200
        assert cast.rep.username in response.content.decode()

    def test_search(self, client_for, cast):
        response = client_for(cast.admin).get("/people/", {"q": "teammate"})
        content = response.content.decode()
        assert "teammate" in content
        assert ">other_rep<" not in content

    def test_deactivated_people_are_hidden_until_asked_for(self, client_for, cast):
        UserFactory(username="gone", is_active=False)
        client = client_for(cast.admin)
        assert ">gone<" not in client.get("/people/").content.decode()
        assert ">gone<" in client.get("/people/", {"status": "inactive"}).content.decode()

    def test_empty_state(self, client_for, cast):
        response = client_for(cast.admin).get("/people/", {"q": "zzz-nobody"})
        assert "Nobody matches these filters." in response.content.decode()
        assert '<a href="/people/">Clear the filters</a>' in response.content.decode()

    def test_team(self, client_for, cast):
        north = Team.objects.get(slug="sales-north")
        content = client_for(cast.admin).get("/people/", {"team": north.pk}).content.decode()
        for name in ("rep", "teammate", "sales_lead"):
            assert f">{name}<" in content
        assert ">other_rep<" not in content
        assert ">marketer<" not in content

    def test_everyone(self, client_for, cast):
        UserFactory(username="gone", is_active=False)
        content = client_for(cast.admin).get("/people/", {"status": "all"}).content.decode()
        assert ">gone<" in content
        assert ">rep<" in content

    def test_tampered_filter_is_ignored_not_an_error(self, client_for, cast):
        UserFactory(username="gone", is_active=False)
        response = client_for(cast.admin).get(
            "/people/", {"team": "abc", "status": "evil", "q": "other_r"}
        )
        assert response.status_code == 200
        content = response.content.decode()
        assert ">other_rep<" in content
        assert ">rep<" not in content  # the search still applies
        assert ">gone<" not in content  # a tampered status means active people only

    def test_pagination(self, client_for, cast):
        UserFactory.create_batch(30)
        client = client_for(cast.admin)
        assert "Page 1 of 2" in client.get("/people/").content.decode()
        assert client.get("/people/", {"page": "2"}).status_code == 200
        assert client.get("/people/", {"page": "999"}).status_code == 200

    def test_page_links_keep_the_filters_and_only_them(self, client_for, cast):
        for n in range(60):
            UserFactory(username=f"pager{n:02}", first_name="Pager")
        content = client_for(cast.admin).get("/people/", {"q": "pager", "page": "2"})
        links = re.findall(r'href="\?([^"]*)" rel="(?:prev|next)"', content.content.decode())
        assert [unescape(link) for link in links] == ["q=pager&page=1", "q=pager&page=3"]

    def test_query_count_does_not_grow_with_people(
        self, client_for, cast, django_assert_num_queries
    ):
        client = client_for(cast.admin)
        with CaptureQueriesContext(connection) as small:
            client.get("/people/")
        UserFactory.create_batch(15)
        with django_assert_num_queries(len(small.captured_queries)):
            client.get("/people/")

    @pytest.mark.parametrize("name", ["manager", "marketer", "rep", "sales_lead", "outsider"])
    def test_only_admins_get_in(self, client_for, cast, name):
        response = client_for(getattr(cast, name)).get("/people/")
        assert response.status_code == 403
        assert cast.outsider.email not in response.content.decode()


class TestDisplayName:
    def test_first_and_last_name_or_the_username(self):
        assert User(username="ada", first_name="Ada", last_name="King").display_name == "Ada King"
        assert User(username="ada", first_name="Ada").display_name == "Ada"
        assert User(username="ada", last_name="King").display_name == "King"
        assert User(username="ada").display_name == "ada"
        assert str(User(username="ada", first_name="Ada")) == "Ada"
        assert User.name_from("Ada", "King", "ada") == "Ada King"
        assert User.name_from("", "", "ada") == "ada"

    def test_pages_show_it(self, client_for, cast):
        named = UserFactory(username="lovelace", first_name="Ada", last_name="King")
        unnamed = UserFactory(username="nameless", first_name="", last_name="")
        client = client_for(cast.admin)
        listing = client.get("/people/").content.decode()
        assert f'{named.pk}/">Ada King</a>' in listing
        assert f'{unnamed.pk}/">nameless</a>' in listing
        assert "<title>Ada King" in client.get(f"/people/{named.pk}/").content.decode()


class TestPersonCreate:
    @pytest.mark.parametrize(
        "referer", ["javascript:alert(1)", "https://evil.example/people/", "//evil.example/"]
    )
    def test_cancel_never_follows_the_referer(self, client_for, cast, referer):
        response = client_for(cast.admin).get("/people/new/", HTTP_REFERER=referer)
        content = response.content.decode()
        assert 'href="/people/">Cancel</a>' in content
        assert "evil.example" not in content
        assert "javascript:" not in content

    def test_invite_by_email(self, client_for, cast, django_capture_on_commit_callbacks):
        sales = Team.objects.get(slug="sales-north")
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(cast.admin).post(
                "/people/new/",
                {
                    "username": "newbie",
                    "first_name": "Nia",
                    "last_name": "Novak",
                    "email": "nia@example.com",
                    "team": sales.pk,
                    "role": "member",
                    "password": "",
                },
            )
        person = User.objects.get(username="newbie")
        assert response.status_code == 302
        assert response["Location"] == reverse("teams:person_detail", args=[person.pk])
        assert Membership.objects.filter(user=person, team=sales, role="member").exists()
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["nia@example.com"]
        assert "/accounts/reset/" in mail.outbox[0].body

    def test_with_a_password_sends_no_email(self, client_for, cast):
        client_for(cast.admin).post(
            "/people/new/",
            {
                "username": "direct",
                "email": "direct@example.com",
                "role": "member",
                "password": "a-decent-long-passphrase",
            },
        )
        assert User.objects.get(username="direct").check_password("a-decent-long-passphrase")
        assert mail.outbox == []

    def test_duplicate_username_and_email_get_errors(self, client_for, cast):
        response = client_for(cast.admin).post(
            "/people/new/",
            {"username": "rep", "email": cast.teammate.email.upper(), "role": "member"},
        )
        content = response.content.decode()
        assert response.status_code == 200
        assert "A user with that username already exists." in content
        assert "Someone already uses this email address." in content

    def test_weak_password_is_refused(self, client_for, cast):
        response = client_for(cast.admin).post(
            "/people/new/",
            {"username": "weak", "email": "weak@example.com", "role": "member", "password": "123"},
        )
        assert response.status_code == 200
        assert not User.objects.filter(username="weak").exists()

    def test_tampered_role_is_a_form_error(self, client_for, cast):
        response = client_for(cast.admin).post(
            "/people/new/",
            {"username": "x1", "email": "x1@example.com", "role": "emperor"},
        )
        assert response.status_code == 200
        assert not User.objects.filter(username="x1").exists()

    def test_read_only_gets_403(self, client_for, cast):
        response = client_for(cast.manager).post(
            "/people/new/", {"username": "x2", "email": "x2@example.com", "role": "member"}
        )
        assert response.status_code == 403
        assert not User.objects.filter(username="x2").exists()


class TestMemberships:
    def test_add_and_change_role(self, client_for, cast):
        client = client_for(cast.admin)
        team = Team.objects.get(slug="sales-south")
        url = reverse("teams:membership_add", args=[cast.outsider.pk])
        client.post(url, {"team": team.pk, "role": "member"})
        client.post(url, {"team": team.pk, "role": "lead"})
        memberships = Membership.objects.filter(user=cast.outsider)
        assert [(m.team_id, m.role) for m in memberships] == [(team.pk, "lead")]

    def test_tampered_team_changes_nothing(self, client_for, cast):
        client = client_for(cast.admin)
        url = reverse("teams:membership_add", args=[cast.outsider.pk])
        response = client.post(url, {"team": "999999", "role": "member"}, follow=True)
        assert "Choose a team and a role from the lists." in response.content.decode()
        assert not Membership.objects.filter(user=cast.outsider).exists()

    def test_remove(self, client_for, cast):
        membership = cast.rep.memberships.get()
        url = reverse("teams:membership_remove", args=[cast.rep.pk, membership.pk])
        assert client_for(cast.admin).post(url).status_code == 302
        assert not Membership.objects.filter(pk=membership.pk).exists()

    def test_remove_with_someone_elses_membership_gets_404(self, client_for, cast):
        membership = cast.rep.memberships.get()
        url = reverse("teams:membership_remove", args=[cast.teammate.pk, membership.pk])
        assert client_for(cast.admin).post(url).status_code == 404
        assert Membership.objects.filter(pk=membership.pk).exists()

    def test_it_requires_post(self, client_for, cast):
        membership = cast.rep.memberships.get()
        url = reverse("teams:membership_remove", args=[cast.rep.pk, membership.pk])
        assert client_for(cast.admin).get(url).status_code == 405
        assert Membership.objects.filter(pk=membership.pk).exists()


class TestDeactivate:
    def test_it_ends_every_session_at_once(self, client, client_for, cast):
        from django.test import Client

        phone, laptop = Client(), Client()
        for device in (phone, laptop):
            device.post("/accounts/login/", {"username": "rep", "password": PASSWORD})
            assert device.get("/").status_code == 200
        assert Session.objects.filter(user=cast.rep).count() == 2

        admin = client_for(cast.admin)
        assert (
            "Deactivate"
            in admin.get(reverse("teams:person_deactivate", args=[cast.rep.pk])).content.decode()
        )
        response = admin.post(reverse("teams:person_deactivate", args=[cast.rep.pk]))
        assert response.status_code == 302

        cast.rep.refresh_from_db()
        assert not cast.rep.is_active
        assert not Session.objects.filter(user=cast.rep).exists()
        for device in (phone, laptop):
            assert device.get("/").status_code == 302

    def test_admin_cannot_deactivate_themselves(self, client_for, cast):
        client_for(cast.admin).post(reverse("teams:person_deactivate", args=[cast.admin.pk]))
        cast.admin.refresh_from_db()
        assert cast.admin.is_active

    def test_reactivate(self, client_for, cast):
        cast.rep.is_active = False
        cast.rep.save()
        client_for(cast.admin).post(reverse("teams:person_reactivate", args=[cast.rep.pk]))
        cast.rep.refresh_from_db()
        assert cast.rep.is_active

    def test_read_only_gets_403(self, client_for, cast):
        response = client_for(cast.manager).post(
            reverse("teams:person_deactivate", args=[cast.rep.pk])
        )
        assert response.status_code == 403
        cast.rep.refresh_from_db()
        assert cast.rep.is_active

    def test_bad_id_gets_404(self, client_for, cast):
        response = client_for(cast.admin).get("/people/999999/deactivate/")
        assert response.status_code == 404
        assert "Deactivate" not in response.content.decode()


class TestPersonDetail:
    def test_edit_profile(self, client_for, cast):
        url = reverse("teams:person_detail", args=[cast.rep.pk])
        client_for(cast.admin).post(
            url, {"first_name": "Renamed", "last_name": "Rep", "email": "renamed@example.com"}
        )
        cast.rep.refresh_from_db()
        assert cast.rep.first_name == "Renamed"
        assert cast.rep.email == "renamed@example.com"
        page = client_for(cast.admin).get(url).content.decode()
        assert "Renamed Rep" in page

    def test_the_service_refuses_a_bad_email_and_changes_nothing(self, cast):
        with pytest.raises(ValidationError):
            services.person_update(
                person=cast.rep, first_name="Renamed", last_name="", email="not-an-email"
            )
        cast.rep.refresh_from_db()
        assert cast.rep.first_name != "Renamed"

    def test_bad_id_gets_404(self, client_for, cast):
        for url in ("/people/999999/", "/people/abc/"):
            response = client_for(cast.admin).get(url)
            assert response.status_code == 404, url
            assert 'name="first_name"' not in response.content.decode(), url
