"""The forms anyone may post without an account, sent over-long, NUL and invalid UTF-8
values: each answers 200 with a form error or 400, never 500, and stores nothing (no
record of a failed sign-in, no email, no new password)."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
RESET = "/accounts/password_reset/"
FORM = "application/x-www-form-urlencoded"
TOO_LONG_NAME = "Ensure this value has at most 150 characters"


def nothing_recorded():
    return not AccessAttempt.objects.exists() and not AccessFailureLog.objects.exists()


class TestSignIn:
    @pytest.mark.parametrize("length", [151, 256, 300, 10_000])
    def test_an_over_long_username_is_a_form_error(self, client, cast, length):
        # axes keeps a failed attempt's username in a varchar(255): 300 was a 500.
        response = client.post(LOGIN, {"username": "x" * length, "password": "wrong"})
        assert response.status_code == 200
        assert TOO_LONG_NAME in response.content.decode()
        assert nothing_recorded()

    def test_the_longest_username_there_can_be_still_counts_as_a_failure(self, client, cast):
        response = client.post(LOGIN, {"username": "x" * 150, "password": "wrong"})
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
        assert AccessAttempt.objects.get().username == "x" * 150

    def test_the_field_says_its_bound(self, client):
        assert 'maxlength="150"' in client.get(LOGIN).content.decode()

    def test_an_over_long_password_is_a_wrong_password(self, client, cast):
        response = client.post(LOGIN, {"username": "rep", "password": "p" * 10_000})
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()

    @pytest.mark.parametrize(
        "body",
        [
            "username=rep%00&password=x",
            "username=rep&password=x%00",
            "username=r%ffp&password=x",
            "username=rep&password=%c3",
        ],
    )
    def test_nul_and_invalid_utf8_get_400(self, client, cast, body):
        response = client.post(LOGIN, body, content_type=FORM)
        assert response.status_code == 400
        assert nothing_recorded()

    def test_the_right_password_still_works(self, client, cast):
        response = client.post(LOGIN, {"username": "rep", "password": PASSWORD})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(cast.rep.pk)


class TestPasswordReset:
    def test_an_over_long_address_is_a_form_error(self, client, cast):
        response = client.post(RESET, {"email": "x" * 300 + "@example.com"})
        assert response.status_code == 200
        assert "Ensure this value has at most 254 characters" in response.content.decode()
        assert mail.outbox == []

    @pytest.mark.parametrize("body", ["email=rep%00@example.com", "email=r%ffp@example.com"])
    def test_nul_and_invalid_utf8_get_400(self, client, cast, body):
        response = client.post(RESET, body, content_type=FORM)
        assert response.status_code == 400
        assert mail.outbox == []


class TestChoosingANewPassword:
    @pytest.fixture
    def form_url(self, client, cast):
        uid = urlsafe_base64_encode(force_bytes(cast.rep.pk))
        token = default_token_generator.make_token(cast.rep)
        response = client.get(f"/accounts/reset/{uid}/{token}/")
        assert response.status_code == 302  # to the form, the token kept in the session
        return response["Location"]

    @pytest.mark.parametrize("password", ["new-pass%00phrase", "new-pass%ffphrase"])
    def test_nul_and_invalid_utf8_get_400(self, client, cast, form_url, password):
        body = f"new_password1={password}&new_password2={password}"
        response = client.post(form_url, body, content_type=FORM)
        assert response.status_code == 400
        cast.rep.refresh_from_db()
        assert cast.rep.check_password(PASSWORD)

    def test_over_long_passwords_that_differ(self, client, cast, form_url):
        response = client.post(
            form_url, {"new_password1": "a" * 10_000, "new_password2": "b" * 10_000}
        )
        assert response.status_code == 200
        assert "The two password fields didn’t match." in response.content.decode()
        cast.rep.refresh_from_db()
        assert cast.rep.check_password(PASSWORD)

    @pytest.mark.parametrize("uid", ["x" * 10_000, "MQ%00", "%ff%fe"])
    def test_a_tampered_link(self, client, cast, uid):
        response = client.get(f"/accounts/reset/{uid}/bad-token/")
        assert response.status_code in (200, 400)
        assert 'name="new_password1"' not in response.content.decode()
