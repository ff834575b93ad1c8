"""The role × URL matrix: every route, visited by every role, against a table kept here.

The test walks Django's URL resolver, so a new route that is missing from ROUTES fails
`test_every_route_is_in_the_table`. Each row says how to reach the route (method and
a path built from the test's objects) and the status code each role must get.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory

ROLES = ["anonymous", "marketer", "marketing_lead", "rep", "sales_lead", "manager", "admin"]
SIGNED_IN = ROLES[1:]


def everyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status):
    return {"anonymous": 302, **dict.fromkeys(SIGNED_IN, status)}


def admins_only(status):
    return {**signed_in(403), "admin": status}


# route → (method, path builder, expected status per role). Path builders get a namespace
# of the test's objects (`o`): o.cast (the named people), o.inactive (a deactivated person).
ROUTES = {
    "healthz": ("GET", lambda o: "/healthz", everyone(200)),
    "home": ("GET", lambda o: "/", signed_in(200)),
    # Sign-in and passwords (django.contrib.auth.urls)
    "login": ("GET", lambda o: "/accounts/login/", everyone(200)),
    "logout": ("POST", lambda o: "/accounts/logout/", everyone(302)),
    "password_change": ("GET", lambda o: "/accounts/password_change/", signed_in(200)),
    "password_change_done": (
        "GET",
        lambda o: "/accounts/password_change/done/",
        signed_in(200),
    ),
    "password_reset": ("GET", lambda o: "/accounts/password_reset/", everyone(200)),
    "password_reset_done": ("GET", lambda o: "/accounts/password_reset/done/", everyone(200)),
    "password_reset_confirm": ("GET", lambda o: "/accounts/reset/MQ/bad-token/", everyone(200)),
    "password_reset_complete": ("GET", lambda o: "/accounts/reset/done/", everyone(200)),
    # People (admins only)
    "teams:person_list": ("GET", lambda o: "/people/", admins_only(200)),
    "teams:person_create": ("GET", lambda o: "/people/new/", admins_only(200)),
    "teams:person_detail": ("GET", lambda o: f"/people/{o.cast.rep.pk}/", admins_only(200)),
    "teams:membership_add": (
        "POST",
        lambda o: f"/people/{o.cast.outsider.pk}/teams/",
        admins_only(302),
    ),
    "teams:membership_remove": (
        "POST",
        lambda o: f"/people/{o.cast.rep.pk}/teams/{o.cast.rep.memberships.get().pk}/remove/",
        admins_only(302),
    ),
    "teams:person_deactivate": (
        "GET",
        lambda o: f"/people/{o.cast.rep.pk}/deactivate/",
        admins_only(200),
    ),
    "teams:person_reactivate": (
        "POST",
        lambda o: f"/people/{o.inactive.pk}/reactivate/",
        admins_only(302),
    ),
    # Django admin: one row for the whole site; its own login page sends people to ours.
    "admin/login/": ("GET", lambda o: "/admin/login/", everyone(302)),
    "admin": ("GET", lambda o: "/admin/", {**signed_in(302), "admin": 200}),
}


def walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                yield "admin"
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}" if entry.name else prefix + str(entry.pattern)


def test_every_route_is_in_the_table():
    routes = set(walk(get_resolver().url_patterns))
    assert routes - ROUTES.keys() == set(), "add these routes to ROUTES with their expected codes"
    assert ROUTES.keys() - routes == set(), "these rows name routes that no longer exist"


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_role_can_reach_route(route, cast, client_for):
    method, build_path, expected = ROUTES[route]
    assert set(expected) == set(ROLES), f"{route}: give a status for every role"
    objects = type("Objects", (), {})()
    objects.cast = cast
    objects.inactive = UserFactory(username="deactivated", is_active=False)
    got = {}
    for role in ROLES:
        client = client_for(None if role == "anonymous" else getattr(cast, role))
        path = build_path(objects)
        response = client.post(path) if method == "POST" else client.get(path)
        got[role] = response.status_code
    assert got == expected
