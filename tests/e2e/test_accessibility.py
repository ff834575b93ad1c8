"""The main pages (tests/main_pages.py), each as the person who sees it, have no serious or
critical accessibility violation that axe-core finds in Chromium, and none scrolls sideways
on a phone. axe comes from npm (package.json) and is injected by the test: users never
load it."""

import pytest
from django.conf import settings
from django.test import Client

from tests.main_pages import AXE, MAIN_PAGES, build_world, require_tool

SEVERE = {"serious", "critical"}
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def open_as(browser, live_server, console_errors):
    """open_as(user, path[, viewport]) → a page at `path`, signed in as `user` (None: nobody).
    A context of its own that bypasses the Content Security Policy, which would block
    the injected axe script; the pages' own errors are still collected."""
    contexts = {}

    def go(user, path, viewport=None):
        key = (user.username if user else None, str(viewport))
        if key not in contexts:
            context = browser.new_context(bypass_csp=True, viewport=viewport)
            if user:
                client = Client()
                client.force_login(user)
                session = client.cookies[settings.SESSION_COOKIE_NAME].value
                context.add_cookies(
                    [
                        {
                            "name": settings.SESSION_COOKIE_NAME,
                            "value": session,
                            "url": live_server.url,
                        }
                    ]
                )
            page = context.new_page()
            console_errors.watch(page)
            contexts[key] = page
        page = contexts[key]
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, f"{path} as {key}: {response.status}"
        return page

    yield go
    for page in contexts.values():
        page.context.close()


def test_the_main_pages_have_no_serious_accessibility_violations(cast, open_as):
    require_tool(AXE.exists(), f"axe-core ({AXE})")
    world = build_world(cast)
    found = []
    for name, role, path in MAIN_PAGES:
        url = path(world)
        page = open_as(getattr(cast, role) if role else None, url)
        page.add_script_tag(path=str(AXE))
        results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        for violation in results["violations"]:
            if violation["impact"] in SEVERE:
                nodes = violation["nodes"]
                targets = ", ".join(str(node["target"]) for node in nodes[:3])
                found.append(
                    f"  {name} ({url}) as {role or 'anonymous'}: {violation['impact']} "
                    f"{violation['id']}: {violation['help']} ({len(nodes)}×: {targets})"
                )
    assert not found, f"{len(found)} serious or critical violation(s):\n" + "\n".join(found)


def test_no_main_page_scrolls_sideways_on_a_phone(cast, open_as):
    world = build_world(cast)
    wide = []
    for name, role, path in MAIN_PAGES:
        url = path(world)
        page = open_as(getattr(cast, role) if role else None, url, viewport=PHONE)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide.append(f"  {name} ({url}) as {role or 'anonymous'}: {width} px")
    assert not wide, f"{len(wide)} page(s) wider than {PHONE['width']} px:\n" + "\n".join(wide)
