"""The main pages of each kind, as the people who see them: one list that the
accessibility test (tests/e2e/test_accessibility.py, axe in Chromium) and the HTML test
(tests/test_valid_html.py, the Nu checker) both walk. A new kind of page is one more row.

Also where the two test-only tools are found (installed by `npm ci`, see package.json)
and what to do when they are missing: skip locally, fail with PLUMBLINE_REQUIRE_BROWSER=1.
"""

import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

from stories import services
from stories.models import Audience, Contact
from stories.recheck import recheck_start
from tests.plumbline.factories import make_draft, make_published

NODE_MODULES = Path(__file__).resolve().parent.parent / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
JAVA = shutil.which("java")

# (name, who signs in (None: nobody), path built from the world's objects)
MAIN_PAGES = [
    ("sign-in", None, lambda w: "/accounts/login/"),
    ("home", "marketer", lambda w: "/"),
    ("home", "rep", lambda w: "/"),
    ("library", "marketer", lambda w: "/stories/"),
    ("library, filters open", "marketer", lambda w: "/stories/?filters=open"),
    ("story detail, in review", "marketing_lead", lambda w: f"/stories/{w.in_review.pk}/"),
    ("story detail, published", "rep", lambda w: f"/stories/{w.published.pk}/"),
    ("story editor, new", "marketer", lambda w: "/stories/new/"),
    ("story editor, draft", "marketer", lambda w: f"/stories/{w.draft_story.pk}/edit/"),
    ("conversation list", "rep", lambda w: "/conversations/"),
    ("conversation list, filters open", "rep", lambda w: "/conversations/?filters=open"),
    ("conversation form", "rep", lambda w: "/conversations/new/"),
    ("conversation detail", "rep", lambda w: f"/conversations/{w.conversation.pk}/"),
    ("clients list", "rep", lambda w: "/clients/"),
    ("client detail", "rep", lambda w: f"/clients/{w.client.pk}/"),
    ("review queue", "manager", lambda w: "/review/"),
    ("review queue, filters open", "manager", lambda w: "/review/?filters=open"),
    ("review entry", "manager", lambda w: f"/review/conversation/{w.conversation.pk}/"),
    ("dashboard", "manager", lambda w: "/dashboard/"),
    ("plumb line, current", "rep", lambda w: "/plumb-line/"),
    ("plumb line, history", "rep", lambda w: "/plumb-line/history/"),
    (
        "plumb line, compare",
        "rep",
        lambda w: f"/plumb-line/compare/?old={w.earlier.number}&new={w.version.number}",
    ),
    ("plumb line, draft", "manager", lambda w: "/plumb-line/draft/"),
    ("plumb line, check a text", "marketer", lambda w: "/plumb-line/check/"),
    ("people list", "admin", lambda w: "/people/"),
    ("re-check status", "manager", lambda w: "/review/recheck/"),
]


def build_world(cast) -> SimpleNamespace:
    """Something on every main page: two published versions and a draft, stories in each
    state, a client with a contact, a conversation and a re-check run."""
    w = SimpleNamespace()
    w.earlier = make_published(by=cast.manager)
    w.version = make_published(by=cast.manager, statement="The current statement.")
    make_draft(by=cast.manager)
    audience = Audience.objects.create(name="Warehouses", kind="target_market")

    def story(status):
        content = services.StoryContent(
            title=f"A story, {status.replace('_', ' ')}",
            summary="Told to many.",
            body="Our local engineer talks about the total cost of ownership. A discount.",
            offer="",
            channel="web",
            audiences=[audience],
            pillars=list(w.version.pillars.all()[:1]),
        )
        made = services.story_create(author=cast.marketer, version=w.version, content=content)
        if status != "draft":
            made = services.story_submit(story=made)
        if status == "published":
            made = services.story_publish(story=made, by=cast.manager)
        return made

    w.published, w.in_review, w.draft_story = (
        story(status) for status in ("published", "in_review", "draft")
    )
    w.client = services.client_create(owner=cast.rep, name="Northgate Cold Store")
    Contact.objects.create(client=w.client, name="Amara Osei")
    w.conversation, _ = services.conversation_log(
        rep=cast.rep,
        version=w.version,
        data={
            "client": w.client,
            "occurred_at": timezone.now(),
            "channel": "call",
            "summary": "Talked about the total cost of ownership.",
            "notes": "They asked for a discount.",
            "stories_used": [w.published],
            "pillars": list(w.version.pillars.all()[:1]),
        },
    )
    recheck_start(version=w.version, by=cast.manager)
    return w


def require_tool(present: bool, what: str) -> None:
    """Skip (locally) or fail (PLUMBLINE_REQUIRE_BROWSER=1, as in CI) without a tool."""
    if present:
        return
    message = f"{what} is missing: run `make install` (npm ci) to get it"
    if os.environ.get("PLUMBLINE_REQUIRE_BROWSER") == "1":
        pytest.fail(message + " (PLUMBLINE_REQUIRE_BROWSER=1 is set)", pytrace=False)
    pytest.skip(message)
