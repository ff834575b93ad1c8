import re

from playwright.sync_api import expect

from plumbline.models import PlumbLineVersion
from tests.factories import PASSWORD
from tests.plumbline.factories import make_published


def test_manager_drafts_and_publishes_and_a_rep_reads_it(
    sign_in, cast, page, live_server, console_errors
):
    first = make_published(by=cast.manager)
    page = sign_in("manager", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Plumb line").click()
    page.get_by_role("button", name="Start a new draft").click()
    expect(page.get_by_text("Draft started from the current version.")).to_be_visible()

    page.get_by_role("link", name="Add a guardrail").click()
    page.get_by_label("Phrase").fill("price war")
    page.get_by_label("Preferred").fill("a clear case on value")
    page.get_by_label("Severity").select_option("error")
    page.get_by_role("button", name="Save guardrail").click()
    expect(page.get_by_role("cell", name="price war", exact=True)).to_be_visible()

    page.get_by_role("link", name="Add a pillar").click()
    page.get_by_role("textbox", name="Key*", exact=True).fill("measured-results")
    page.get_by_label("Title").fill("Results you can measure")
    page.get_by_label("Message").fill("Savings are shown, not promised.")
    page.get_by_label("Key phrases").fill("live monitoring\nmonthly report")
    page.get_by_role("button", name="Save pillar").click()
    expect(page.get_by_role("heading", name=re.compile("Results you can measure"))).to_be_visible()

    page.get_by_role("link", name="Review and publish…").click()
    expect(page.get_by_role("heading", name=f"Publish version {first.number + 1}?")).to_be_visible()
    expect(page.get_by_text("avoid “price war”")).to_be_visible()
    page.get_by_role("button", name=f"Publish version {first.number + 1}").click()
    expect(
        page.get_by_text(f"Version {first.number + 1} is published and current.")
    ).to_be_visible()

    page.get_by_role("link", name="History").click()
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_text("Results you can measure")).to_be_visible()
    expect(page.get_by_text("avoid “price war”")).to_be_visible()
    assert PlumbLineVersion.objects.current().number == first.number + 1

    # A sales rep sees the new version and has no way to change it.
    page.context.clear_cookies()
    page = sign_in("rep", PASSWORD)
    page.goto(f"{live_server.url}/plumb-line/")
    expect(page.get_by_text("Results you can measure")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("draft", re.I))).to_have_count(0)
    expect(page.get_by_role("link", name="Draft")).to_have_count(0)
    console_errors.allow("status of 403 (Forbidden)")
    response = page.goto(f"{live_server.url}/plumb-line/draft/")
    assert response.status == 403
