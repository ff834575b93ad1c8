"""Text that is not text: a NUL character or bytes that are not UTF-8, anywhere in a query,
a form, a cookie or the address, answers 400 with the site's page (JSON under /api/) and
changes nothing, on PostgreSQL (which cannot store a NUL) and SQLite alike."""

import pytest
from django.utils.html import escape

from stories.models import Client
from tests.plumbline.factories import make_published
from tests.stories.conversation_factories import make_client

pytestmark = pytest.mark.django_db

NUL = "holds a NUL character"
NOT_UTF8 = "holds bytes that are not UTF-8 text"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def company(cast):
    make_published(by=cast.manager)
    make_client(cast.rep, "Northgate Cold Store")


def assert_refused(response, words):
    assert response.status_code == 400
    page = response.content.decode()
    assert words in page
    assert "Nothing was changed." in page
    assert 'href="/static/css/plumbline.css"' in page  # the site's own page, not Django's


class TestQueryParameters:
    @pytest.mark.parametrize(
        "url",
        [
            "/clients/?q=%00",
            "/clients/?cursor=%00",
            "/clients/search/?q=%00",
            "/conversations/story-options/?q=%00",
            "/stories/?q=%00",
            "/people/?q=a%00b",
            "/conversations/?since=%00",
            "/clients/?%00=1",
            "/clients/?q=North&q=%00",
        ],
    )
    def test_a_nul_gets_400(self, client_for, cast, url):
        assert_refused(client_for(cast.admin).get(url), NUL)

    @pytest.mark.parametrize(
        "url",
        [
            "/clients/?q=%ff%fe",
            "/clients/search/?q=caf%e9",  # Latin-1, not UTF-8
            "/conversations/story-options/?q=%ed%a0%80",  # an encoded surrogate
            "/review/?pillar=%c3",  # cut off in the middle of a character
            "/clients/?%ff=1",
        ],
    )
    def test_invalid_utf8_gets_400(self, client_for, cast, url):
        assert_refused(client_for(cast.admin).get(url), NOT_UTF8)

    def test_it_names_the_field(self, client_for, cast):
        response = client_for(cast.rep).get("/clients/search/?q=%00")
        assert "The field “q” holds a NUL character" in response.content.decode()

    @pytest.mark.parametrize("q", ["Zürich", "北京", "%00", "a+b", "🙂"])
    def test_any_real_text_is_fine(self, client_for, cast, q):
        response = client_for(cast.rep).get("/clients/search/", {"q": q})
        assert response.status_code == 200
        assert escape(q) in response.content.decode()  # the search says what it looked for

    def test_it_answers_before_sign_in(self, client):
        assert_refused(client.get("/clients/?q=%00"), NUL)

    def test_the_page_carries_the_security_policy(self, client_for, cast):
        response = client_for(cast.rep).get("/clients/?q=%00")
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"


class TestForms:
    def test_a_nul_in_a_field_stores_nothing(self, client_for, cast):
        response = client_for(cast.rep).post("/clients/new/", {"name": "Acme\x00 Ltd"})
        assert_refused(response, "The field “name” holds a NUL character")
        assert not Client.objects.filter(name__startswith="Acme").exists()

    def test_a_nul_in_an_encoded_form(self, client_for, cast):
        response = client_for(cast.rep).post("/clients/new/", "name=Acme%00", content_type=FORM)
        assert_refused(response, NUL)
        assert not Client.objects.filter(name__startswith="Acme").exists()

    def test_invalid_utf8_stores_nothing(self, client_for, cast):
        # Django would decode these bytes as two U+FFFD and the client be named "Acme��".
        response = client_for(cast.rep).post(
            "/clients/new/", "name=Acme%ff%fe&industry=x", content_type=FORM
        )
        assert_refused(response, "The field “name” holds bytes that are not UTF-8 text")
        assert not Client.objects.filter(name__startswith="Acme").exists()

    def test_raw_bytes_that_are_not_utf8(self, client_for, cast):
        response = client_for(cast.rep).post("/clients/new/", b"name=Acme\xe9", content_type=FORM)
        assert_refused(response, NOT_UTF8)
        assert not Client.objects.filter(name__startswith="Acme").exists()

    def test_real_text_is_saved(self, client_for, cast):
        response = client_for(cast.rep).post(
            "/clients/new/", {"name": "Müller & Söhne 北京", "confirmed": "1"}
        )
        assert response.status_code == 302
        assert Client.objects.filter(name="Müller & Söhne 北京").exists()

    def test_the_live_check(self, client_for, cast):
        response = client_for(cast.rep).post("/conversations/check/", {"summary": "a\x00b"})
        assert_refused(response, NUL)


class TestCookiesAndAddress:
    def test_a_nul_in_the_session_cookie(self, client):
        # A quoted cookie may spell a NUL as \000; the session would be looked up with it.
        response = client.get("/", HTTP_COOKIE='sessionid="abcdefgh\\000ijklmnop"')
        assert_refused(response, "A cookie")

    def test_a_nul_in_the_address(self, client_for, cast):
        assert_refused(client_for(cast.rep).get("/clients/%00/"), NUL)


class TestApi:
    def test_it_answers_json(self, client_for, cast):
        response = client_for(cast.rep).get("/api/v1/clients/?q=%00")
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert "The field “q” holds a NUL character" in response.json()["detail"]


class TestDjangosOwnBadRequests:
    TOO_MANY = "&".join(f"f{i}=1" for i in range(1001))  # DATA_UPLOAD_MAX_NUMBER_FIELDS

    def test_they_get_the_sites_page(self, client_for, cast):
        response = client_for(cast.rep).get(f"/clients/?{self.TOO_MANY}")
        assert_refused(response, "Something in what your browser sent could not be read.")

    def test_and_json_under_the_api(self, client):
        response = client.get("/api/v1/clients/", HTTP_HOST="evil.example")  # not allowed
        assert response.status_code == 400
        assert response.json() == {
            "detail": "Something in what your browser sent could not be read."
        }
