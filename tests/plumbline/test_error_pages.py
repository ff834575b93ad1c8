"""The error pages (400, 403, 404, 500; 503 in test_database_outage.py) are the site's own,
in its layout, with DEBUG off as in production: they say what happened and the way back,
and nothing about the code; under /api/ they answer JSON."""

import pytest
from django.test import Client, RequestFactory, override_settings

from plumbline.errors import server_error

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_debug")]

LAYOUT = 'href="/static/css/plumbline.css"'
FOOTER = "Plumbline — one story, told by marketing and sales alike."


@pytest.fixture
def no_debug():
    with override_settings(DEBUG=False):
        yield


@pytest.fixture
def web(client):
    client.raise_request_exception = False
    return client


def assert_in_layout(response, status, heading):
    assert response.status_code == status
    page = response.content.decode()
    assert LAYOUT in page
    assert FOOTER in page
    assert heading in page
    assert 'href="/"' in page  # the way back
    assert "Traceback" not in page
    return page


class TestNotFound:
    def test_anonymous(self, web):
        page = assert_in_layout(web.get("/no-such-page/"), 404, "Page not found")
        assert 'aria-label="Main"' not in page  # no menu for who is not signed in
        assert "/no-such-page/" not in page

    def test_signed_in_with_the_menu_and_without_the_reason(self, web, cast, version):
        web.force_login(cast.rep)
        page = assert_in_layout(web.get("/stories/999999/"), 404, "Page not found")
        assert 'aria-label="Main"' in page
        assert "No such story." not in page  # the exception's message stays in the log

    def test_under_the_api_it_is_json(self, web, cast):
        response = web.get("/api/v1/no-such-thing/")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


class TestForbidden:
    def test_signed_in(self, web, cast, version):
        web.force_login(cast.rep)
        page = assert_in_layout(web.get("/stories/new/"), 403, "Not allowed")
        assert 'aria-label="Main"' in page

    def test_anonymous_without_a_csrf_token(self):
        browser = Client(enforce_csrf_checks=True)
        response = browser.post("/accounts/login/", {"username": "x", "password": "y"})
        page = assert_in_layout(response, 403, "Not allowed")
        assert "CSRF" not in page  # no jargon, no reason from the code
        assert "cookies" in page  # what the person can do about it


class TestBadRequest:
    def test_anonymous(self, web):
        assert_in_layout(web.get("/accounts/login/?next=%00"), 400, "could not read that")


class TestServerError:
    def _response(self, path):
        request = RequestFactory().get(path)
        try:
            raise ValueError("a bug with a secret in it")
        except ValueError:
            return server_error(request)

    def test_it_is_in_the_layout_without_detail(self):
        page = assert_in_layout(self._response("/conversations/"), 500, "Something went wrong")
        assert "secret" not in page
        assert "ValueError" not in page

    def test_under_the_api_it_is_json(self):
        response = self._response("/api/v1/clients/")
        assert response.status_code == 500
        assert response["Content-Type"] == "application/json"
        assert "secret" not in response.content.decode()
