from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from stories.models import Conversation
from tests.factories import PASSWORD
from tests.plumbline.factories import make_published
from tests.stories.factories import make_story


def test_a_rep_logs_a_conversation_on_a_phone(sign_in, cast, page, live_server):
    version = make_published(by=cast.manager)
    story = make_story(
        author=cast.marketer,
        version=version,
        status="published",
        title="What a roof earns over twenty-five years",
    )
    make_story(author=cast.marketer, version=version, title="A draft nobody tells yet")
    when = timezone.localtime(timezone.now() - timedelta(days=1)).replace(hour=10, minute=30)

    page.set_viewport_size({"width": 375, "height": 812})
    page = sign_in("rep", PASSWORD)
    page.get_by_role("button", name="Show navigation").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Conversations").click()
    page.get_by_role("link", name="Log a conversation").click()
    expect(page.get_by_role("heading", name="Log a conversation")).to_be_visible()
    expect(page.get_by_label("A draft nobody tells yet")).to_have_count(0)

    page.get_by_label("…or a new client").fill("Acme Robotics")
    page.get_by_label("When").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Channel").select_option(label="Call")
    page.get_by_label("Summary").fill("Walked the roof with the owner.")
    # Each step waits for the requests it sends: the test server shares one SQLite
    # connection between its threads, so two requests at once can fail there.
    with page.expect_response("**/conversations/check/"):
        page.get_by_label("Notes").fill(
            "We went through the total cost of ownership. They asked for a discount."
        )
    # Not used lately, so not offered: found by its title, then ticked. A search sends no
    # live check of its own ("consume"); ticking a box does.
    expect(page.get_by_label(story.title)).to_have_count(0)
    with page.expect_response("**/conversations/check/"):  # leaving Notes: a "change"
        page.get_by_label("Find a story").focus()
    # Checks queue behind the one in flight: the response awaited may be an earlier one's.
    page.wait_for_timeout(700)  # longer than the live check's delay
    expect(page.locator("form.htmx-request")).to_have_count(0)
    checks = []
    page.on("request", lambda request: "/conversations/check/" in request.url and checks.append(1))
    with page.expect_response("**/conversations/story-options/**"):
        page.get_by_label("Find a story").fill("roof earns")
    page.wait_for_timeout(800)  # longer than the live check's 600 ms delay
    assert checks == []
    with page.expect_response("**/conversations/check/"):
        page.get_by_label(story.title).check()
    with page.expect_response("**/conversations/story-options/**"):
        page.get_by_label("Find a story").fill("draft nobody")  # the ticked one stays
    expect(page.get_by_text("No published story has “draft nobody” in its title.")).to_have_count(0)
    expect(page.get_by_label(story.title)).to_be_checked()
    page.get_by_label("Value over the whole life").check()

    report = page.locator("#check-report")
    expect(report.get_by_text("added value")).to_be_visible()  # the preferred wording
    expect(report.locator(".badge", has_text="Error")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_role("button", name="Save conversation").click()
    expect(page.get_by_text("Conversation logged.")).to_be_visible()
    conversation = Conversation.objects.get(summary="Walked the roof with the owner.")
    assert conversation.rep == cast.rep
    assert conversation.client.name == "Acme Robotics"
    assert conversation.client.owner == cast.rep
    assert list(conversation.stories_used.all()) == [story]
    assert conversation.channel == "call"
    assert timezone.localtime(conversation.occurred_at).strftime("%Y-%m-%dT%H:%M") == (
        when.strftime("%Y-%m-%dT%H:%M")
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Call with Acme Robotics")
    heading.get_by_role("link", name="Acme Robotics").click()
    expect(page.get_by_role("heading", name="Acme Robotics", level=1)).to_be_visible()
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline.get_by_text("Walked the roof with the owner.")).to_be_visible()
    expect(timeline.get_by_text(story.title)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
