import re

from playwright.sync_api import expect

from stories.models import Audience, Story
from tests.factories import PASSWORD
from tests.plumbline.factories import make_published


def test_a_story_from_draft_to_the_sales_library(sign_in, cast, page, live_server, console_errors):
    make_published(by=cast.manager)
    Audience.objects.create(name="Cold-storage warehouses", kind="target_market")

    page = sign_in("marketer", PASSWORD)
    page.goto(f"{live_server.url}/stories/new/")
    page.get_by_label("Title").fill("Cool warehouses, lower bills")
    page.get_by_label("Summary").fill("Refrigeration runs all day; the sun helps.")
    page.get_by_label("Channel").select_option("web")
    page.get_by_label("Cold-storage warehouses").check()
    page.get_by_label("Value over the whole life").check()
    body = page.get_by_label("Body")
    body.fill("Big discount this month on the total cost of ownership.")

    report = page.locator("#check-report")
    expect(report.get_by_text("added value")).to_be_visible()  # the preferred wording
    expect(report.locator(".badge", has_text="Error")).to_be_visible()

    body.fill("More included this month: we talk about the total cost of ownership.")
    expect(report.get_by_text("No words to avoid.")).to_be_visible()
    page.get_by_role("button", name="Save and submit").click()
    expect(page.get_by_text("Saved and submitted for review.")).to_be_visible()
    story = Story.objects.get(title="Cool warehouses, lower bills")
    assert story.status == "in_review"

    page.context.clear_cookies()
    page = sign_in("marketing_lead", PASSWORD)
    page.goto(f"{live_server.url}/stories/{story.pk}/")
    page.get_by_role("link", name="Publish…").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published. Everyone can find it in the library now.")).to_be_visible()

    page.context.clear_cookies()
    page = sign_in("rep", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Stories").click()
    page.get_by_role("link", name="Cool warehouses, lower bills").click()
    expect(page.get_by_role("heading", name="Cool warehouses, lower bills")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Edit"))).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("revision", re.I))).to_have_count(0)
    console_errors.allow("status of 403 (Forbidden)")
    response = page.goto(f"{live_server.url}/stories/{story.pk}/edit/")
    assert response.status == 403
