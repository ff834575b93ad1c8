"""The role × URL matrix: every route, visited by every role, against a table kept here.

The test walks Django's URL resolver, so a new route that is missing from ROUTES fails
`test_every_route_is_in_the_table`. Each row says how to reach the route (method and
a path built from the test's objects) and the status code each role must get.
"""

from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from stories import services
from stories.models import Audience, Contact
from stories.recheck import recheck_start
from tests.factories import UserFactory
from tests.plumbline.factories import make_draft, make_published

ROLES = ["anonymous", "marketer", "marketing_lead", "rep", "sales_lead", "manager", "admin"]
SIGNED_IN = ROLES[1:]


def everyone(status):
    return dict.fromkeys(ROLES, status)


def signed_in(status):
    return {"anonymous": 302, **dict.fromkeys(SIGNED_IN, status)}


def admins_only(status):
    return {**signed_in(403), "admin": status}


def managers_only(status):
    return {**signed_in(403), "manager": status, "admin": status}


def roles(anonymous, marketer, marketing_lead, rep, sales_lead, manager, admin):
    return dict(
        zip(
            ROLES,
            [anonymous, marketer, marketing_lead, rep, sales_lead, manager, admin],
            strict=True,
        )
    )


WRITERS = roles(302, 200, 200, 403, 403, 200, 200)  # marketing, managers, admins
DECIDERS_ON_UNPUBLISHED = roles(302, 403, 200, 404, 404, 200, 200)
DECIDERS_ON_PUBLISHED = roles(302, 403, 200, 403, 403, 200, 200)
# Marketing never learns that a client or conversation exists: 404, not 403.
SALES_RECORDS = roles(302, 404, 404, 200, 200, 200, 200)
LOGGERS = roles(302, 404, 404, 200, 200, 404, 200)  # sales (and admins) log conversations
REVIEWERS = roles(302, 403, 200, 403, 200, 200, 200)  # managers, and leads as coaches


def make_story(o, *, status, author):
    content = services.StoryContent(
        title="A story",
        summary="Told to many.",
        body="Our local engineer talks about the total cost of ownership.",
        offer="",
        channel="web",
        audiences=[o.audience],
        pillars=list(o.version.pillars.all()),
    )
    story = services.story_create(author=author, version=o.version, content=content)
    if status in ("in_review", "published"):
        story = services.story_submit(story=story)
    if status == "published":
        story = services.story_publish(story=story, by=o.cast.manager)
    return story


# route → (method, path builder, expected status per role[, POST data builder]). Builders get
# a namespace of the test's objects (`o`): o.cast (the named people), o.inactive (a
# deactivated person), o.earlier and o.version (published plumb-line versions, the second
# current), o.draft (the draft, with o.pillar and o.guardrail). A key "route#variant" visits
# the route again with other objects.
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
    # The plumb line
    "plumbline:current": ("GET", lambda o: "/plumb-line/", signed_in(200)),
    "plumbline:history": ("GET", lambda o: "/plumb-line/history/", signed_in(200)),
    "plumbline:compare": (
        "GET",
        lambda o: f"/plumb-line/compare/?old={o.earlier.number}&new={o.version.number}",
        signed_in(200),
    ),
    "plumbline:version_detail": (
        "GET",
        lambda o: f"/plumb-line/versions/{o.version.number}/",
        signed_in(200),
    ),
    "plumbline:version_export": (
        "GET",
        lambda o: f"/plumb-line/versions/{o.version.number}/export.json",
        managers_only(200),
    ),
    "plumbline:version_import": ("GET", lambda o: "/plumb-line/import/", managers_only(200)),
    "plumbline:check": ("GET", lambda o: "/plumb-line/check/", signed_in(200)),
    "plumbline:score_help": (
        "GET",
        lambda o: "/plumb-line/how-the-score-works/",
        signed_in(200),
    ),
    "plumbline:draft": ("GET", lambda o: "/plumb-line/draft/", managers_only(200)),
    "plumbline:draft_start": ("POST", lambda o: "/plumb-line/draft/start/", managers_only(302)),
    "plumbline:draft_edit": ("GET", lambda o: "/plumb-line/draft/statement/", managers_only(200)),
    "plumbline:draft_publish": ("GET", lambda o: "/plumb-line/draft/publish/", managers_only(200)),
    "plumbline:draft_discard": ("GET", lambda o: "/plumb-line/draft/discard/", managers_only(200)),
    **{
        f"plumbline:{kind}_{action}": row
        for kind in ("pillar", "guardrail")
        for action, row in {
            "create": ("GET", lambda o, k=kind: f"/plumb-line/draft/{k}s/new/", managers_only(200)),
            "edit": (
                "GET",
                lambda o, k=kind: f"/plumb-line/draft/{k}s/{getattr(o, k).pk}/",
                managers_only(200),
            ),
            "delete": (
                "GET",
                lambda o, k=kind: f"/plumb-line/draft/{k}s/{getattr(o, k).pk}/delete/",
                managers_only(200),
            ),
            "move": (
                "POST",
                lambda o, k=kind: f"/plumb-line/draft/{k}s/{getattr(o, k).pk}/move/",
                managers_only(302),
                lambda o: {"direction": "down", "revision": o.draft.revision},
            ),
        }.items()
    },
    # Stories
    "stories:library": ("GET", lambda o: "/stories/", signed_in(200)),
    "stories:story_create": ("GET", lambda o: "/stories/new/", WRITERS),
    "stories:story_check": (
        "POST",
        lambda o: "/stories/check/",
        WRITERS,
        lambda o: {"version": o.version.number, "title": "A", "body": "discount"},
    ),
    # Checking against the draft shows its guardrails: only those who may see the draft.
    "stories:story_check#draft": (
        "POST",
        lambda o: "/stories/check/",
        roles(302, 404, 404, 403, 403, 200, 200),
        lambda o: {"version": o.draft.number, "title": "A", "body": "discount"},
    ),
    "stories:story_detail": ("GET", lambda o: f"/stories/{o.published.pk}/", signed_in(200)),
    "stories:story_edit": (
        "GET",
        lambda o: f"/stories/{o.draft_story.pk}/edit/",
        roles(302, 200, 200, 404, 404, 200, 200),
    ),
    "stories:story_submit": (
        "POST",
        lambda o: f"/stories/{o.draft_story.pk}/submit/",
        roles(302, 302, 302, 404, 404, 302, 302),
    ),
    "stories:story_publish": (
        "GET",
        lambda o: f"/stories/{o.in_review.pk}/publish/",
        DECIDERS_ON_UNPUBLISHED,
    ),
    "stories:story_send_back": (
        "GET",
        lambda o: f"/stories/{o.in_review.pk}/send-back/",
        DECIDERS_ON_UNPUBLISHED,
    ),
    "stories:story_archive": (
        "GET",
        lambda o: f"/stories/{o.published.pk}/archive/",
        DECIDERS_ON_PUBLISHED,
    ),
    "stories:story_revise": (
        "POST",
        lambda o: f"/stories/{o.published.pk}/revise/",
        roles(302, 302, 302, 403, 403, 302, 302),
    ),
    "stories:story_revisions": (
        "GET",
        lambda o: f"/stories/{o.published.pk}/revisions/",
        signed_in(200),
    ),
    "stories:audience_list": ("GET", lambda o: "/stories/audiences/", WRITERS),
    "stories:audience_create": (
        "GET",
        lambda o: "/stories/audiences/new/",
        roles(302, 403, 200, 403, 403, 200, 200),
    ),
    "stories:audience_edit": (
        "GET",
        lambda o: f"/stories/audiences/{o.audience.pk}/",
        roles(302, 403, 200, 403, 403, 200, 200),
    ),
    # Conversations, clients and contacts (o.conversation is rep's, with rep's o.client)
    "stories:conversation_list": ("GET", lambda o: "/conversations/", SALES_RECORDS),
    "stories:conversation_create": ("GET", lambda o: "/conversations/new/", LOGGERS),
    "stories:conversation_check": (
        "POST",
        lambda o: "/conversations/check/",
        LOGGERS,
        lambda o: {"version": o.version.number, "summary": "A discount?"},
    ),
    "stories:conversation_check#draft": (
        "POST",
        lambda o: "/conversations/check/",
        roles(302, 404, 404, 404, 404, 404, 200),
        lambda o: {"version": o.draft.number, "summary": "A discount?"},
    ),
    "stories:conversation_detail": (
        "GET",
        lambda o: f"/conversations/{o.conversation.pk}/",
        SALES_RECORDS,
    ),
    "stories:conversation_edit": (
        "GET",
        lambda o: f"/conversations/{o.conversation.pk}/edit/",
        roles(302, 404, 404, 200, 403, 403, 403),
    ),
    "stories:conversation_delete": (
        "GET",
        lambda o: f"/conversations/{o.conversation.pk}/delete/",
        roles(302, 404, 404, 200, 403, 403, 403),
    ),
    "stories:story_options": ("GET", lambda o: "/conversations/story-options/?q=a", LOGGERS),
    "stories:client_list": ("GET", lambda o: "/clients/", SALES_RECORDS),
    "stories:client_create": ("GET", lambda o: "/clients/new/", LOGGERS),
    "stories:client_search": ("GET", lambda o: "/clients/search/?q=North", SALES_RECORDS),
    "stories:client_detail": ("GET", lambda o: f"/clients/{o.client.pk}/", SALES_RECORDS),
    "stories:client_edit": ("GET", lambda o: f"/clients/{o.client.pk}/edit/", SALES_RECORDS),
    "stories:contact_create": (
        "GET",
        lambda o: f"/clients/{o.client.pk}/contacts/new/",
        SALES_RECORDS,
    ),
    "stories:contact_edit": (
        "GET",
        lambda o: f"/clients/{o.client.pk}/contacts/{o.contact.pk}/",
        SALES_RECORDS,
    ),
    "stories:contact_options": (
        "GET",
        lambda o: f"/clients/contact-options/?client={o.client.pk}",
        SALES_RECORDS,
    ),
    # The dashboard: everyone in a team (and admins); marketing sees only averages.
    "stories:dashboard": ("GET", lambda o: "/dashboard/", signed_in(200)),
    "stories:dashboard_export": (
        "GET",
        lambda o: "/dashboard/export/coverage.csv",
        signed_in(200),
    ),
    # Review, re-check and notifications
    "stories:review_queue": ("GET", lambda o: "/review/", REVIEWERS),
    "stories:review_queue_export": ("GET", lambda o: "/review/export.csv", REVIEWERS),
    "stories:verdicts_export": ("GET", lambda o: "/review/verdicts.csv", REVIEWERS),
    "stories:review_entry": (
        "GET",
        lambda o: f"/review/conversation/{o.conversation.pk}/",
        roles(302, 404, 404, 403, 200, 200, 200),
    ),
    "stories:recheck_status": ("GET", lambda o: "/review/recheck/", managers_only(200)),
    "stories:recheck_resume": (
        "POST",
        lambda o: f"/review/recheck/{o.run.pk}/resume/",
        managers_only(302),
    ),
    "stories:notifications_read": ("POST", lambda o: "/notifications/read/", signed_in(302)),
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
    # "route#variant" rows visit a route again with other objects (a draft version, say).
    rows = {row.partition("#")[0] for row in ROUTES}
    assert routes - rows == set(), "add these routes to ROUTES with their expected codes"
    assert rows - routes == set(), "these rows name routes that no longer exist"


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_role_can_reach_route(route, cast, client_for):
    method, build_path, expected, *data = ROUTES[route]
    build_data = data[0] if data else lambda o: {}
    assert set(expected) == set(ROLES), f"{route}: give a status for every role"
    o = SimpleNamespace(cast=cast)
    o.inactive = UserFactory(username="deactivated", is_active=False)
    o.earlier = make_published(by=cast.manager)
    o.version = make_published(by=cast.manager, statement="The current statement.")
    o.draft = make_draft(by=cast.manager)
    o.pillar, o.guardrail = o.draft.pillars.first(), o.draft.guardrails.first()
    o.audience = Audience.objects.create(name="Warehouses", kind="target_market")
    o.published = make_story(o, status="published", author=cast.marketer)
    o.in_review = make_story(o, status="in_review", author=cast.marketer)
    o.draft_story = make_story(o, status="draft", author=cast.marketer)
    o.client = services.client_create(owner=cast.rep, name="Northgate Cold Store")
    o.contact = Contact.objects.create(client=o.client, name="Amara Osei")
    o.run = recheck_start(version=o.version, by=cast.manager)
    o.conversation, _ = services.conversation_log(
        rep=cast.rep,
        version=o.version,
        data={
            "client": o.client,
            "occurred_at": timezone.now(),
            "channel": "call",
            "summary": "Talked about the total cost of ownership.",
            "pillars": list(o.version.pillars.all()),
        },
    )
    got = {}
    for role in ROLES:
        client = client_for(None if role == "anonymous" else getattr(cast, role))
        path = build_path(o)
        response = client.post(path, build_data(o)) if method == "POST" else client.get(path)
        got[role] = response.status_code
    assert got == expected
