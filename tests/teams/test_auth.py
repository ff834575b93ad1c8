import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


class TestLogin:
    def test_it_works(self, client, cast):
        response = sign_in(client, "rep")
        assert response.status_code == 302
        assert response["Location"] == "/"
        assert "Hello" in client.get("/").content.decode()

    def test_wrong_password_shows_an_error(self, client, cast):
        response = sign_in(client, "rep", "not-the-password")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
        assert client.get("/").status_code == 302

    def test_inactive_person_cannot_sign_in(self, client, cast):
        cast.rep.is_active = False
        cast.rep.save()
        response = sign_in(client, "rep")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
        assert client.get("/").status_code == 302

    def test_session_key_changes_at_login(self, client, cast):
        session = client.session
        session["visited"] = True
        session.save()
        before = client.cookies["sessionid"].value
        sign_in(client, "rep")
        assert client.cookies["sessionid"].value != before

    def test_old_cookie_is_useless_after_logout(self, client, cast):
        sign_in(client, "rep")
        old_cookie = client.cookies["sessionid"].value
        response = client.post("/accounts/logout/")
        assert response.status_code == 302
        client.cookies["sessionid"] = old_cookie
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)

    def test_logout_requires_post(self, client_for, cast):
        client = client_for(cast.rep)
        assert client.get("/accounts/logout/").status_code == 405
        assert client.session["_auth_user_id"] == str(cast.rep.pk)  # still signed in


class TestLockout:
    def test_five_failures_lock_the_username_and_ip_pair(self, client, cast):
        for _ in range(5):
            sign_in(client, "rep", "wrong")
        response = sign_in(client, "rep")  # the right password does not unlock it early
        assert response.status_code == 429
        assert "Too many failed sign-in attempts" in response.content.decode()
        assert client.get("/").status_code == 302

    def test_four_failures_do_not_lock(self, client, cast):
        for _ in range(4):
            sign_in(client, "rep", "wrong")
        assert sign_in(client, "rep").status_code == 302
        assert client.session["_auth_user_id"] == str(cast.rep.pk)

    def test_lock_is_per_username(self, client, cast):
        for _ in range(5):
            sign_in(client, "rep", "wrong")
        assert sign_in(client, "teammate").status_code == 302
        assert client.session["_auth_user_id"] == str(cast.teammate.pk)

    def test_lock_is_per_ip(self, client, cast):
        for _ in range(5):
            sign_in(client, "rep", "wrong")
        response = client.post(
            LOGIN, {"username": "rep", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
        )
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(cast.rep.pk)

    def test_lock_ends_after_fifteen_minutes(self, client, cast, settings):
        from datetime import timedelta

        from axes.models import AccessAttempt

        for _ in range(5):
            sign_in(client, "rep", "wrong")
        assert sign_in(client, "rep").status_code == 429
        attempt = AccessAttempt.objects.get(username="rep")
        AccessAttempt.objects.filter(pk=attempt.pk).update(
            attempt_time=attempt.attempt_time - timedelta(minutes=16)
        )
        assert sign_in(client, "rep").status_code == 302
        assert client.session["_auth_user_id"] == str(cast.rep.pk)


class TestAnonymous:
    @pytest.mark.parametrize(
        "path", ["/", "/people/", "/people/new/", "/accounts/password_change/"]
    )
    def test_is_sent_to_login(self, client, path):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next={path}"

    @pytest.mark.parametrize(
        ("path", "shown"),
        [
            (LOGIN, 'name="password"'),
            ("/accounts/password_reset/", 'name="email"'),
            ("/healthz", '"database": "ok"'),
        ],
    )
    def test_may_see_the_open_pages(self, client, path, shown):
        response = client.get(path)
        assert response.status_code == 200
        assert shown in response.content.decode()

    def test_admin_login_goes_to_the_one_login_page(self, client):
        response = client.get("/admin/login/?next=/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


class TestPasswordReset:
    def test_it_sends_a_working_link(self, client, cast):
        response = client.post("/accounts/password_reset/", {"email": cast.rep.email})
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        body = mail.outbox[0].body
        link = next(line for line in body.splitlines() if "/accounts/reset/" in line)
        path = link.split("testserver", 1)[1]
        response = client.get(path, follow=True)
        assert "Choose a new password" in response.content.decode()
        form_url = response.redirect_chain[-1][0]
        response = client.post(
            form_url,
            {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
        )
        assert response.status_code == 302
        cast.rep.refresh_from_db()
        assert cast.rep.check_password("a-brand-new-passphrase")

    def test_unknown_address_sends_nothing_and_says_the_same(self, client, cast):
        response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
        assert response.status_code == 302
        assert mail.outbox == []


class TestPasswordChange:
    def test_it_works(self, client_for, cast):
        client = client_for(cast.rep)
        response = client.post(
            reverse("password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "another-long-passphrase",
                "new_password2": "another-long-passphrase",
            },
        )
        assert response.status_code == 302
        cast.rep.refresh_from_db()
        assert cast.rep.check_password("another-long-passphrase")
        assert client.get("/").status_code == 200  # still signed in

    def test_wrong_old_password_changes_nothing(self, client_for, cast):
        response = client_for(cast.rep).post(
            reverse("password_change"),
            {
                "old_password": "nope",
                "new_password1": "x-y-z-123456",
                "new_password2": "x-y-z-123456",
            },
        )
        assert response.status_code == 200
        assert "Your old password was entered incorrectly" in response.content.decode()
        cast.rep.refresh_from_db()
        assert cast.rep.check_password(PASSWORD)
