from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from stories.models import Conversation, TcoTopic
from tests.factories import PASSWORD
from tests.plumbline.factories import make_published
from tests.stories.conversation_factories import make_client, make_conversation
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

    page.get_by_text("A client you have not logged before?").click()
    page.get_by_label("The new client's name").fill("Acme Robotics")
    page.get_by_label("People you met there").fill("Dana Fox, Facilities manager")
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
        page.locator("summary", has_text="Stories you used").click()  # the optional part, folded
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
    assert [str(c) for c in conversation.client.contacts.all()] == ["Dana Fox (Facilities manager)"]
    assert [c.name for c in conversation.contacts.all()] == ["Dana Fox"]
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


# The demo company's five pillars and the nine TCO topics every company starts with: the
# phone form's length is measured with what a real rep sees.
DEMO_PILLARS = [
    ("lifetime-value", "Value over the whole life", ["total cost of ownership", "running cost"]),
    ("risk-free-switch", "A switch without risk", ["performance guarantee"]),
    ("local-experts", "Local people who stay", ["local engineer"]),
    ("measured-results", "Results you can measure", ["live monitoring", "monthly report"]),
    ("cleaner-operations", "Cleaner operations", ["carbon footprint"]),
]
TOPICS = ["Price", "Delivery", "Installation", "Warranty", "Support", "Training", "Financing"]


def _company(cast):
    """The demo's plumb line and TCO topics (a live-server test empties the database), and
    a client the rep has called before."""
    for position, label in enumerate([*TOPICS, "Upgrades", "Disposal"], start=1):
        TcoTopic.objects.get_or_create(
            key=label.lower(), defaults={"label": label, "position": position}
        )
    version = make_published(by=cast.manager, pillars=DEMO_PILLARS)
    client = make_client(cast.rep, "Northgate Cold Store", contacts=[("Amara Osei", "Owner")])
    for channel in ("meeting", "meeting", "call"):
        make_conversation(rep=cast.rep, client=client, version=version, channel=channel)
    return version


def test_a_typical_call_fits_in_two_phone_screens(sign_in, cast, page, live_server):
    _company(cast)
    page.set_viewport_size({"width": 375, "height": 812})
    page = sign_in("rep", PASSWORD)
    page.goto(f"{live_server.url}/conversations/new/")
    expect(page.get_by_label("Channel")).to_have_value("meeting")  # the rep's usual channel
    with page.expect_response("**/clients/contact-options/**"):
        page.get_by_label("Client", exact=True).select_option(label="Northgate Cold Store")
    page.get_by_label("Amara Osei (Owner)").check()
    page.get_by_label("Channel").select_option(label="Call")
    page.get_by_label("Summary").fill(
        "Called the owner about the second roof. She wants the running cost down before "
        "winter and asked how the warranty works. We agreed to send the monthly report."
    )
    with page.expect_response("**/conversations/check/"):
        page.get_by_label("Value over the whole life").check()
    with page.expect_response("**/conversations/check/"):
        page.get_by_label("Results you can measure").check()
    # The check of both ticks, not an earlier one still arriving: both pillars are told.
    report = page.locator("#check-report")
    expect(report.get_by_text("Pillars told")).to_be_visible()
    expect(report.get_by_text("Told but not tagged")).to_have_count(0)

    # The pillars sit right by the check that talks about them.
    pillars = page.get_by_role("group", name="Pillars this conversation told").bounding_box()
    check = report.bounding_box()
    gap = min(
        abs(check["y"] - (pillars["y"] + pillars["height"])),
        abs(pillars["y"] - (check["y"] + check["height"])),
    )
    assert gap < 40, (pillars, check)

    # The optional parts are folded, and open from the keyboard.
    goals = page.get_by_text("Goals, risks, cost of ownership")
    expect(page.get_by_label("The client's goals")).to_be_hidden()
    goals.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("The client's goals")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.get_by_label("The client's goals")).to_be_hidden()

    height = page.evaluate("document.documentElement.scrollHeight")
    width = page.evaluate("document.documentElement.scrollWidth")
    print(f"conversation form at 375 px: {height} px tall, {width} px wide")
    assert height <= 2 * 812
    assert width <= 375

    page.get_by_role("button", name="Save conversation").click()
    expect(page.get_by_text("Conversation logged.")).to_be_visible()
    conversation = Conversation.objects.get(summary__startswith="Called the owner")
    assert conversation.channel == "call"
    assert [p.key for p in conversation.pillars.order_by("position")] == [
        "lifetime-value",
        "measured-results",
    ]
    assert [c.name for c in conversation.contacts.all()] == ["Amara Osei"]


def test_a_form_sent_back_says_what_to_fix_and_keeps_its_looks(sign_in, cast, page, live_server):
    _company(cast)
    page.set_viewport_size({"width": 375, "height": 812})
    page = sign_in("rep", PASSWORD)
    page.goto(f"{live_server.url}/conversations/new/")
    with page.expect_response("**/clients/contact-options/**"):
        page.get_by_label("Client", exact=True).select_option(label="Northgate Cold Store")
    amara = page.get_by_label("Amara Osei (Owner)")
    amara.check()
    looks = "e => [getComputedStyle(e).appearance, e.getBoundingClientRect().width]"
    loaded = amara.evaluate(looks)
    page.get_by_role("button", name="Save conversation").click()  # no summary, no pillar

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert summary.bounding_box()["y"] < 812  # at the top, on the first screen
    expect(page.get_by_label("Amara Osei (Owner)")).to_be_checked()
    assert page.get_by_label("Amara Osei (Owner)").evaluate(looks) == loaded
    summary.get_by_role("link", name="This field is required.").click()
    expect(page.get_by_label("Summary")).to_be_focused()
    summary.get_by_role("link", name="Tag at least one pillar.").click()
    expect(page.get_by_label("Value over the whole life")).to_be_focused()
