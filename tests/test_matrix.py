"""The role × URL matrix: every route, visited by every role, against a table kept here.

The test walks Django's URL resolver, so a new route that is missing from ROUTES fails
`test_every_route_is_in_the_table`. Each row says how to reach the route (method and
a path built from the test's objects) and the status code each role must get. Each role
starts from the same objects: its request runs in a savepoint that is rolled back.

Every route that takes a POST is visited with one (`test_every_post_endpoint_is_in_the_table`),
with someone else's object where its URL names one (a "#foreign" row), and with the draft
version where its form names a version or pillars (a "#draft" row):
`test_post_endpoints_are_tried_with_foreign_objects_and_the_draft`.
"""

from types import SimpleNamespace

import pytest
from django.db import transaction
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


def pks(objects):
    return [obj.pk for obj in objects]


def story_data(o, *, story=None, version=None):
    """A complete story form: new, or an edit of `story`; pillars from `version`."""
    version = version or o.version
    data = {
        "title": "A story, retold",
        "summary": "Told to many.",
        "body": "Our local engineer talks about the total cost of ownership.",
        "channel": "web",
        "audiences": [o.audience.pk],
        "pillars": pks(version.pillars.all()),
    }
    return {**data, "lock_version": story.lock_version} if story else data


def conversation_data(o, *, conversation=None, client=None, version=None):
    """A complete conversation form: new, or an edit of `conversation`."""
    version = version or o.version
    data = {
        "client": (client or o.client).pk,
        "occurred_at": "2026-12-01T10:00",
        "channel": "call",
        "summary": "Talked about the total cost of ownership again.",
        "pillars": pks(version.pillars.all()),
    }
    return {**data, "lock_version": conversation.lock_version} if conversation else data


def part_writes(kind):
    """The POSTs to a draft's pillar or guardrail pages; "#foreign" names a part of the
    published version, which no page may change."""

    def path(action, part=kind):
        return lambda o: f"/plumb-line/draft/{kind}s/{getattr(o, part).pk}/{action}"

    def revision(o):
        return {"direction": "down", "revision": o.draft.revision}

    published = f"published_{kind}"
    return {
        f"plumbline:{kind}_create#post": (
            "POST",
            lambda o: f"/plumb-line/draft/{kind}s/new/",
            managers_only(200),
        ),
        f"plumbline:{kind}_edit#post": ("POST", path(""), managers_only(200)),
        f"plumbline:{kind}_edit#foreign": ("POST", path("", published), managers_only(404)),
        f"plumbline:{kind}_delete#post": ("POST", path("delete/"), managers_only(200)),
        f"plumbline:{kind}_delete#foreign": (
            "POST",
            path("delete/", published),
            managers_only(404),
            revision,
        ),
        f"plumbline:{kind}_move#foreign": (
            "POST",
            path("move/", published),
            managers_only(404),
            revision,
        ),
    }


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
    # --- The writes: every route that takes a POST, posted to ----------------------------
    # "#post" posts to a route whose row above shows its page; "#foreign" names someone
    # else's object (another rep's conversation, a pillar of a published version, a contact
    # of another client); "#draft" names the draft version or its pillars.
    "login#post": (
        "POST",
        lambda o: "/accounts/login/",
        everyone(200),
        lambda o: {"username": "nobody", "password": "wrong"},
    ),
    "password_change#post": ("POST", lambda o: "/accounts/password_change/", signed_in(200)),
    "password_reset#post": (
        "POST",
        lambda o: "/accounts/password_reset/",
        everyone(302),
        lambda o: {"email": "nobody@example.com"},
    ),
    "password_reset_confirm#post": (
        "POST",
        lambda o: "/accounts/reset/MQ/bad-token/",
        everyone(200),
    ),
    "teams:person_create#post": ("POST", lambda o: "/people/new/", admins_only(200)),
    "teams:person_detail#post": (
        "POST",
        lambda o: f"/people/{o.cast.rep.pk}/",
        admins_only(302),
        lambda o: {"first_name": "Rea", "last_name": "Pérez", "email": "rea@example.com"},
    ),
    "teams:person_deactivate#post": (
        "POST",
        lambda o: f"/people/{o.cast.rep.pk}/deactivate/",
        admins_only(302),
    ),
    "teams:membership_remove#foreign": (
        "POST",
        lambda o: f"/people/{o.cast.rep.pk}/teams/{o.cast.other_rep.memberships.get().pk}/remove/",
        admins_only(404),
    ),
    "plumbline:draft_edit#post": (
        "POST",
        lambda o: "/plumb-line/draft/statement/",
        managers_only(200),
    ),
    "plumbline:draft_publish#post": (
        "POST",
        lambda o: "/plumb-line/draft/publish/",
        managers_only(200),
    ),
    "plumbline:draft_discard#post": (
        "POST",
        lambda o: "/plumb-line/draft/discard/",
        managers_only(302),
    ),
    "plumbline:version_import#post": ("POST", lambda o: "/plumb-line/import/", managers_only(200)),
    "plumbline:check#post": (
        "POST",
        lambda o: "/plumb-line/check/",
        signed_in(200),
        lambda o: {"text": "A discount?", "version": o.version.number},
    ),
    "plumbline:check#draft": (
        "POST",
        lambda o: "/plumb-line/check/",
        roles(302, 404, 404, 404, 404, 200, 200),
        lambda o: {"text": "A discount?", "version": o.draft.number},
    ),
    **part_writes("pillar"),
    **part_writes("guardrail"),
    "stories:story_create#post": (
        "POST",
        lambda o: "/stories/new/",
        roles(302, 302, 302, 403, 403, 302, 302),
        story_data,
    ),
    "stories:story_create#draft": (
        "POST",
        lambda o: "/stories/new/",
        WRITERS,
        lambda o: story_data(o, version=o.draft),
    ),
    "stories:story_edit#post": (
        "POST",
        lambda o: f"/stories/{o.draft_story.pk}/edit/",
        roles(302, 302, 302, 404, 404, 302, 302),
        lambda o: story_data(o, story=o.draft_story),
    ),
    "stories:story_edit#foreign": (
        "POST",
        lambda o: f"/stories/{o.others_draft.pk}/edit/",
        roles(302, 403, 302, 404, 404, 302, 302),
        lambda o: story_data(o, story=o.others_draft),
    ),
    "stories:story_edit#draft": (
        "POST",
        lambda o: f"/stories/{o.draft_story.pk}/edit/",
        roles(302, 200, 200, 404, 404, 200, 200),
        lambda o: story_data(o, story=o.draft_story, version=o.draft),
    ),
    "stories:story_submit#foreign": (
        "POST",
        lambda o: f"/stories/{o.others_draft.pk}/submit/",
        roles(302, 403, 302, 404, 404, 302, 302),
    ),
    "stories:story_publish#post": (
        "POST",
        lambda o: f"/stories/{o.in_review.pk}/publish/",
        roles(302, 403, 302, 404, 404, 302, 302),
        lambda o: {"reason": "Ready."},
    ),
    "stories:story_send_back#post": (
        "POST",
        lambda o: f"/stories/{o.in_review.pk}/send-back/",
        roles(302, 403, 302, 404, 404, 302, 302),
        lambda o: {"comment": "Shorter, please."},
    ),
    "stories:story_archive#post": (
        "POST",
        lambda o: f"/stories/{o.published.pk}/archive/",
        roles(302, 403, 302, 403, 403, 302, 302),
    ),
    "stories:story_revise#foreign": (
        "POST",
        lambda o: f"/stories/{o.others_published.pk}/revise/",
        roles(302, 403, 302, 403, 403, 302, 302),
    ),
    "stories:audience_create#post": (
        "POST",
        lambda o: "/stories/audiences/new/",
        roles(302, 403, 302, 403, 403, 302, 302),
        lambda o: {"name": "Ports", "kind": "target_market"},
    ),
    "stories:audience_edit#post": (
        "POST",
        lambda o: f"/stories/audiences/{o.audience.pk}/",
        roles(302, 403, 302, 403, 403, 302, 302),
        lambda o: {"name": "Cold stores", "kind": "target_market"},
    ),
    "stories:conversation_create#post": (
        "POST",
        lambda o: "/conversations/new/",
        roles(302, 404, 404, 302, 302, 404, 302),
        conversation_data,
    ),
    "stories:conversation_create#foreign": (
        "POST",
        lambda o: "/conversations/new/",
        roles(302, 404, 404, 200, 200, 404, 302),
        lambda o: conversation_data(o, client=o.foreign_client),
    ),
    "stories:conversation_create#draft": (
        "POST",
        lambda o: "/conversations/new/",
        LOGGERS,
        lambda o: conversation_data(o, version=o.draft),
    ),
    "stories:conversation_edit#post": (
        "POST",
        lambda o: f"/conversations/{o.conversation.pk}/edit/",
        roles(302, 404, 404, 302, 403, 403, 403),
        lambda o: conversation_data(o, conversation=o.conversation),
    ),
    "stories:conversation_edit#foreign": (
        "POST",
        lambda o: f"/conversations/{o.foreign_conversation.pk}/edit/",
        roles(302, 404, 404, 404, 404, 403, 403),
        lambda o: conversation_data(o, conversation=o.foreign_conversation),
    ),
    "stories:conversation_edit#draft": (
        "POST",
        lambda o: f"/conversations/{o.conversation.pk}/edit/",
        roles(302, 404, 404, 200, 403, 403, 403),
        lambda o: conversation_data(o, conversation=o.conversation, version=o.draft),
    ),
    "stories:conversation_delete#post": (
        "POST",
        lambda o: f"/conversations/{o.conversation.pk}/delete/",
        roles(302, 404, 404, 302, 403, 403, 403),
    ),
    "stories:conversation_delete#foreign": (
        "POST",
        lambda o: f"/conversations/{o.foreign_conversation.pk}/delete/",
        roles(302, 404, 404, 404, 404, 403, 403),
    ),
    "stories:client_create#post": (
        "POST",
        lambda o: "/clients/new/",
        roles(302, 404, 404, 302, 302, 404, 302),
        lambda o: {"name": "Harbour Freight"},
    ),
    "stories:client_edit#post": (
        "POST",
        lambda o: f"/clients/{o.client.pk}/edit/",
        roles(302, 404, 404, 302, 302, 302, 302),
        lambda o: {"name": "Northgate Cold Store Ltd"},
    ),
    "stories:client_edit#foreign": (
        "POST",
        lambda o: f"/clients/{o.foreign_client.pk}/edit/",
        roles(302, 404, 404, 404, 404, 302, 302),
        lambda o: {"name": "Southgate Cold Store Ltd"},
    ),
    "stories:contact_create#post": (
        "POST",
        lambda o: f"/clients/{o.client.pk}/contacts/new/",
        roles(302, 404, 404, 302, 302, 302, 302),
        lambda o: {"name": "Jo Park"},
    ),
    "stories:contact_create#foreign": (
        "POST",
        lambda o: f"/clients/{o.foreign_client.pk}/contacts/new/",
        roles(302, 404, 404, 404, 404, 302, 302),
        lambda o: {"name": "Jo Park"},
    ),
    "stories:contact_edit#post": (
        "POST",
        lambda o: f"/clients/{o.client.pk}/contacts/{o.contact.pk}/",
        roles(302, 404, 404, 302, 302, 302, 302),
        lambda o: {"name": "Amara Osei-Bonsu"},
    ),
    "stories:contact_edit#foreign": (
        "POST",
        lambda o: f"/clients/{o.client.pk}/contacts/{o.foreign_contact.pk}/",
        roles(302, 404, 404, 404, 404, 404, 404),
        lambda o: {"name": "Amara Osei-Bonsu"},
    ),
    "stories:review_entry#post": (
        "POST",
        lambda o: f"/review/conversation/{o.conversation.pk}/",
        roles(302, 404, 404, 403, 302, 302, 302),
        lambda o: {"verdict": "on_message", "comment": "Well told."},
    ),
    "stories:review_entry#foreign": (
        "POST",
        lambda o: f"/review/conversation/{o.foreign_conversation.pk}/",
        roles(302, 404, 404, 404, 404, 302, 302),
        lambda o: {"verdict": "on_message", "comment": "Well told."},
    ),
    # Django admin: one row for the whole site; its own login page sends people to ours.
    "admin/login/": ("GET", lambda o: "/admin/login/", everyone(302)),
    "admin": ("GET", lambda o: "/admin/", {**signed_in(302), "admin": 200}),
}


# Routes whose URL names an object, and why no "#foreign" row is needed: there is no one
# else's object to name.
NOTHING_FOREIGN = {
    **dict.fromkeys(
        [
            "teams:person_detail",
            "teams:person_deactivate",
            "teams:person_reactivate",
            "teams:membership_add",
        ],
        "admins manage every person, and nobody else reaches anyone's page",
    ),
    **dict.fromkeys(
        ["stories:story_publish", "stories:story_send_back", "stories:story_archive"],
        "deciders decide on every author's story, and authors on none, their own included",
    ),
    "password_reset_confirm": "the token in the link is made for the person it names",
    "stories:audience_edit": "audiences belong to the company, not to a person",
    "stories:recheck_resume": "a re-check belongs to the company, not to a person",
}
# Fields that name a plumb-line version or its parts: a POST with one is also tried with
# the draft's.
VERSIONED_FIELDS = {"version", "pillars"}
# Django's own admin: one row stands for the whole site.
NOT_OURS = {"admin"}


def walk(patterns, prefix="", namespace=""):
    """(name, route) for every URL: its name with namespace, or its path if it has none."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                yield "admin", prefix + str(entry.pattern)
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            yield (f"{namespace}{entry.name}" if entry.name else route), route


ALL_ROUTES = dict(walk(get_resolver().url_patterns))


def base(row):
    """The route a row visits: "route#variant" rows visit a route again with other objects."""
    return row.partition("#")[0]


def test_every_route_is_in_the_table():
    rows = {base(row) for row in ROUTES}
    assert set(ALL_ROUTES) - rows == set(), "add these routes to ROUTES with their expected codes"
    assert rows - set(ALL_ROUTES) == set(), "these rows name routes that no longer exist"


@pytest.fixture
def o(cast):
    """The objects every row's paths and data are built from (see ROUTES)."""
    o = SimpleNamespace(cast=cast)
    o.inactive = UserFactory(username="deactivated", is_active=False)
    o.earlier = make_published(by=cast.manager)
    o.version = make_published(by=cast.manager, statement="The current statement.")
    o.published_pillar = o.version.pillars.first()
    o.published_guardrail = o.version.guardrails.first()
    o.draft = make_draft(by=cast.manager)
    o.pillar, o.guardrail = o.draft.pillars.first(), o.draft.guardrails.first()
    o.audience = Audience.objects.create(name="Warehouses", kind="target_market")
    o.published = make_story(o, status="published", author=cast.marketer)
    o.in_review = make_story(o, status="in_review", author=cast.marketer)
    o.draft_story = make_story(o, status="draft", author=cast.marketer)
    o.others_draft = make_story(o, status="draft", author=cast.manager)
    o.others_published = make_story(o, status="published", author=cast.manager)
    o.client = services.client_create(owner=cast.rep, name="Northgate Cold Store")
    o.contact = Contact.objects.create(client=o.client, name="Amara Osei")
    o.foreign_client = services.client_create(owner=cast.other_rep, name="Southgate Cold Store")
    o.foreign_contact = Contact.objects.create(client=o.foreign_client, name="Ines Duarte")
    o.run = recheck_start(version=o.version, by=cast.manager)
    o.conversation = log_conversation(o, rep=cast.rep, client=o.client)
    o.foreign_conversation = log_conversation(o, rep=cast.other_rep, client=o.foreign_client)
    return o


def log_conversation(o, *, rep, client):
    conversation, _ = services.conversation_log(
        rep=rep,
        version=o.version,
        data={
            "client": client,
            "occurred_at": timezone.now(),
            "channel": "call",
            "summary": "Talked about the total cost of ownership.",
            "pillars": list(o.version.pillars.all()),
        },
    )
    return conversation


def visit(client, row, o):
    method, build_path, _, *data = ROUTES[row]
    path = build_path(o)
    if method == "POST":
        return client.post(path, data[0](o) if data else {})
    return client.get(path)


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_role_can_reach_route(route, o, client_for):
    expected = ROUTES[route][2]
    assert set(expected) == set(ROLES), f"{route}: give a status for every role"
    got = {}
    for role in ROLES:
        # Each role starts from the same objects, whatever the one before it changed.
        with transaction.atomic():
            client = client_for(None if role == "anonymous" else getattr(o.cast, role))
            got[role] = visit(client, route, o).status_code
            transaction.set_rollback(True)
    assert got == expected


POSTED = {base(row) for row, (method, *_) in ROUTES.items() if method == "POST"}


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted({base(row) for row in ROUTES} - POSTED - NOT_OURS))
def test_every_post_endpoint_is_in_the_table(route, o, client_for):
    """A route the table only GETs must refuse a POST (405): a route that takes one is
    visited with one, by every role, in a row of its own."""
    row = next(row for row in ROUTES if base(row) == route)
    path = ROUTES[row][1](o)
    response = client_for(o.cast.admin).post(path, {})
    assert response.status_code == 405, f"{route} takes a POST: add a '{route}#post' row"


@pytest.mark.django_db
def test_post_endpoints_are_tried_with_foreign_objects_and_the_draft(o):
    missing = []
    for route in sorted(POSTED):
        names_an_object = "<" in ALL_ROUTES[route]
        if names_an_object and route not in NOTHING_FOREIGN and f"{route}#foreign" not in ROUTES:
            missing.append(f"{route}#foreign")
        posts = [row for row in ROUTES if base(row) == route and ROUTES[row][0] == "POST"]
        fields = {field for row in posts if ROUTES[row][3:] for field in ROUTES[row][3](o)}
        if fields & VERSIONED_FIELDS and f"{route}#draft" not in ROUTES:
            missing.append(f"{route}#draft")
    assert missing == [], "add these rows to ROUTES"
    assert set(NOTHING_FOREIGN) <= POSTED, "NOTHING_FOREIGN names routes nobody POSTs to"
