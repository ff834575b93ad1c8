import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

# What each role must see in the main navigation, and must not.
NAVIGATION = {
    "marketer": (["Home"], ["People", "Admin"]),
    "rep": (["Home"], ["People", "Admin"]),
    "sales_lead": (["Home"], ["People", "Admin"]),
    "manager": (["Home"], ["People", "Admin"]),
    "admin": (["Home", "People", "Admin"], []),
}
ROLE_LABELS = {
    "marketer": "Marketing",
    "rep": "Sales",
    "sales_lead": "Sales lead",
    "manager": "Manager",
    "admin": "Admin",
}


@pytest.mark.parametrize("username", list(NAVIGATION))
def test_each_role_signs_in_sees_its_navigation_and_signs_out(sign_in, cast, username):
    page = sign_in(username, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    nav = page.get_by_role("navigation", name="Main")
    shown, hidden = NAVIGATION[username]
    for label in shown:
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    for label in hidden:
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_count(0)
    expect(nav.locator(".role-badge")).to_have_text(ROLE_LABELS[username])

    nav.get_by_role("button", name=re.compile(r"Admin|Manager|Sales|Marketing")).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.goto(page.url.replace("/accounts/login/", "/"))
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


def test_wrong_password_shows_an_error(sign_in, cast):
    page = sign_in("rep", "not-my-password")
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def test_narrow_screen_menu_opens_with_the_keyboard(sign_in, cast, page):
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in("admin", PASSWORD)
    toggle = page.get_by_role("button", name="Show navigation")
    expect(toggle).to_be_visible()
    toggle.focus()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="People", exact=True)).to_be_hidden()
    page.keyboard.press("Enter")
    expect(nav.get_by_role("link", name="People", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_no_content_security_policy_violations(sign_in, cast, page):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in("admin", PASSWORD)
    page.goto(page.url.rstrip("/") + "/people/")
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    assert violations == []


def test_a_failed_sign_in_puts_the_focus_on_what_to_fix(cast, page, live_server):
    """The error summary takes the focus, not the username field's autofocus."""
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_label("Username")).to_be_focused()
    page.get_by_label("Username").fill("rep")
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="This field is required.").click()
    expect(page.get_by_label("Password")).to_be_focused()
