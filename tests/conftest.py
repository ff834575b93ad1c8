"""Shared fixtures: the cast of named people every test can rely on.

The cast is created once per test session inside the test database; tests that run in a
transaction see it for free. Live-server (browser) tests empty the database after
themselves, so the `cast` fixture re-creates it whenever it is missing.
"""

from contextlib import contextmanager, suppress
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import transaction
from django.tasks import task_backends
from django.test import override_settings

from teams.models import Membership, Team, User
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.plumbline.factories import make_published

# name → (team slug, team function, role); None for people without a team.
CAST = {
    "marketer": ("marketing", Team.Function.MARKETING, Membership.Role.MEMBER),
    "marketing_lead": ("marketing", Team.Function.MARKETING, Membership.Role.LEAD),
    "rep": ("sales-north", Team.Function.SALES, Membership.Role.MEMBER),
    "teammate": ("sales-north", Team.Function.SALES, Membership.Role.MEMBER),
    "sales_lead": ("sales-north", Team.Function.SALES, Membership.Role.LEAD),
    "other_rep": ("sales-south", Team.Function.SALES, Membership.Role.MEMBER),
    "manager": ("leadership", Team.Function.MANAGEMENT, Membership.Role.MEMBER),
    "admin": None,
    "outsider": None,
}


def build_cast() -> None:
    for name, placement in CAST.items():
        user = UserFactory(username=name, is_superuser=name == "admin", is_staff=name == "admin")
        if placement:
            slug, function, role = placement
            team = TeamFactory(slug=slug, name=slug.replace("-", " ").title(), function=function)
            MembershipFactory(user=user, team=team, role=role)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        build_cast()


@pytest.fixture
def cast(request):
    """The named people, by name: cast.marketer, cast.rep, cast.admin …"""
    live = "live_server" in request.fixturenames
    request.getfixturevalue("transactional_db" if live else "db")
    people = {user.username: user for user in User.objects.filter(username__in=CAST)}
    if len(people) != len(CAST):
        build_cast()
        people = {user.username: user for user in User.objects.filter(username__in=CAST)}
    return SimpleNamespace(**people)


@pytest.fixture
def version(cast):
    """A published plumb-line version, current, with the factories' pillars and guardrails."""
    return make_published(by=cast.manager)


@pytest.fixture
def client_for(client):
    """client_for(user) → a test client signed in as that user (None: anonymous)."""

    def sign_in(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def caches_on():
    """The dashboard's cache on (tests/settings.py turns it off), empty before and after.
    For tests that commit (transaction=True): the cache hears of a change only once it is
    committed."""
    cache.clear()
    with override_settings(PLUMBLINE_DASHBOARD_CACHE_SECONDS=60):
        yield
    cache.clear()


class RolledBack(Exception):
    """What a request that fails after writing raises: its transaction rolls back."""


@pytest.fixture
def rolled_back(django_capture_on_commit_callbacks):
    """`with rolled_back() as callbacks:` runs the block in a transaction that then fails and
    rolls back; `callbacks` holds the on-commit callbacks that ran (a commit would run them)."""

    @contextmanager
    def block():
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            suppress(RolledBack),
            transaction.atomic(),
        ):
            yield callbacks
            raise RolledBack

    return block


class TaskQueue:
    """What the code enqueued on Django's dummy task backend (tests/settings.py), which
    records tasks and never runs them: a test runs them as the worker would."""

    def __init__(self, backend):
        self.backend = backend

    def queued(self, task) -> list:
        """The arguments of each queued call of `task`, in order."""
        return [r.args for r in self.backend.results if r.task.module_path == task.module_path]

    def run(self, task) -> list:
        """Run every queued call of `task` (nothing else); their return values."""
        return [task.call(*args) for args in self.queued(task)]


@pytest.fixture
def task_queue():
    """The task queue, empty before and after the test."""
    backend = task_backends["default"]
    backend.clear()
    yield TaskQueue(backend)
    backend.clear()
