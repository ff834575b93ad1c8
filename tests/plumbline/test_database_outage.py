"""While the database does not answer, pages answer 503 with the site's own "temporarily
unavailable" page and Retry-After (JSON under /api/), and /healthz says so too.

The outage is real: the request runs in a thread of its own, whose connection is opened
from settings that point at a database that is not there (a closed port on PostgreSQL, a
missing directory for SQLite), so every query it makes fails to connect.
"""

import copy
import threading
from unittest import mock

import pytest
from django.db import connections
from django.http import JsonResponse
from django.test import RequestFactory
from django.urls import path

from plumbline import urls as site_urls
from plumbline.errors import RETRY_AFTER_SECONDS, server_error
from stories.models import Client

pytestmark = pytest.mark.django_db

UNAVAILABLE = "Plumbline is temporarily unavailable"


def during_an_outage(send):
    """The response of `send()`, called while the database cannot be reached."""
    broken = copy.deepcopy(connections.settings["default"])
    if connections["default"].vendor == "sqlite":
        broken["NAME"] = "/nonexistent-directory/plumbline.sqlite3"
    else:
        broken.update(HOST="127.0.0.1", PORT="1")
    answered = {}

    def request():
        try:
            answered["response"] = send()
        finally:
            connections.close_all()  # this thread's connections only

    with mock.patch.dict(connections.settings, {"default": broken}):
        thread = threading.Thread(target=request)
        thread.start()
        thread.join(timeout=60)
    return answered["response"]


@pytest.fixture
def web(client):
    client.raise_request_exception = False  # as a real server: the response, not a raise
    return client


def assert_unavailable_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    page = response.content.decode()
    assert UNAVAILABLE in page
    assert "cannot reach its database" in page
    assert 'href="/static/css/plumbline.css"' in page
    assert "Content-Security-Policy" in response


class TestPages:
    @pytest.mark.parametrize("path", ["/", "/conversations/", "/review/export.csv", "/people/"])
    def test_signed_in_pages_answer_503(self, web, cast, path):
        # The session is the first thing read, before any view: a middleware's query.
        web.force_login(cast.manager)
        assert_unavailable_page(during_an_outage(lambda: web.get(path)))

    def test_a_sign_in_attempt(self, web, cast):
        response = during_an_outage(
            lambda: web.post("/accounts/login/", {"username": "rep", "password": "x"})
        )
        assert_unavailable_page(response)

    def test_a_write_answers_503_and_stores_nothing(self, web, cast):
        web.force_login(cast.rep)
        response = during_an_outage(
            lambda: web.post("/clients/new/", {"name": "Outage Ltd", "confirmed": "1"})
        )
        assert_unavailable_page(response)
        assert not Client.objects.filter(name="Outage Ltd").exists()

    def test_pages_work_again_once_it_is_back(self, web, cast):
        web.force_login(cast.rep)
        during_an_outage(lambda: web.get("/"))
        response = web.get("/")
        assert response.status_code == 200
        assert "Hello" in response.content.decode()


def client_count(request):
    return JsonResponse({"clients": Client.objects.count()})


# The site's URLs and error handlers, and an API endpoint that reads the database (the
# site's API is yet to come; its paths start with /api/).
handler400, handler500 = site_urls.handler400, site_urls.handler500
urlpatterns = [path("api/v1/clients/count/", client_count), *site_urls.urlpatterns]


class TestApiAndHealth:
    @pytest.mark.urls(__name__)
    def test_the_api_answers_json(self, web, cast):
        web.force_login(cast.rep)
        assert web.get("/api/v1/clients/count/").json() == {"clients": 0}
        response = during_an_outage(lambda: web.get("/api/v1/clients/count/"))
        assert response.status_code == 503
        assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert "cannot reach its database" in response.json()["detail"]

    def test_healthz_answers_503(self, web, cast):
        web.force_login(cast.rep)
        response = during_an_outage(lambda: web.get("/healthz"))
        assert response.status_code == 503
        # Without the database nobody can tell how the worker is.
        assert response.json() == {"status": "error", "database": "error", "worker": "unknown"}


def test_other_errors_stay_500():
    request = RequestFactory().get("/conversations/")
    try:
        raise ValueError("a bug, not an outage")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
    assert "Retry-After" not in response
