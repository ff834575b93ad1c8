"""Browser tests: Debian's Chromium driven by Playwright against a live server.

Playwright cannot download its own browsers here, so the system's `chromium` is used.
Without it the tests skip and say how to install it; CI sets PLUMBLINE_REQUIRE_BROWSER=1
so a missing browser fails the run instead of skipping it.
"""

import os
import shutil

import pytest

# The live server runs in a thread while Playwright's sync API keeps an event loop open.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    message = (
        "Chromium is not installed: run `sudo apt-get install -y chromium` to run browser tests"
    )
    if os.environ.get("PLUMBLINE_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(message + " (PLUMBLINE_REQUIRE_BROWSER=1 is set)")
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=message))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class ConsoleErrors:
    """What the page logged as errors or threw; `allow(text)` expects the errors that
    contain `text` (a test that opens a 403 page on purpose expects the browser to say so)."""

    def __init__(self):
        self.errors, self.allowed = [], []

    def watch(self, page):
        """Collect what `page` logs (the `page` fixture's page is watched already)."""

        def on_console(message):
            if message.type == "error":
                self.errors.append(f"console error on {page.url}: {message.text}")

        page.on("console", on_console)
        page.on(
            "pageerror", lambda error: self.errors.append(f"uncaught error on {page.url}: {error}")
        )

    def allow(self, text):
        self.allowed.append(text)

    def unexpected(self):
        return [e for e in self.errors if not any(text in e for text in self.allowed)]


@pytest.fixture(autouse=True)
def console_errors(request):
    """Fail a browser test whose page logged an error or threw: what users would find in
    their console is a bug, even when the test's own assertions pass."""
    log = ConsoleErrors()
    if "page" in request.fixturenames:
        log.watch(request.getfixturevalue("page"))
    yield log
    if unexpected := log.unexpected():
        listed = "\n".join(f"  {error}" for error in unexpected)
        pytest.fail(f"The page logged {len(unexpected)} error(s):\n{listed}", pytrace=False)


@pytest.fixture
def sign_in(page, live_server):
    """sign_in(username) → the page, signed in through the real login form."""

    def go(username, password):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        return page

    return go
