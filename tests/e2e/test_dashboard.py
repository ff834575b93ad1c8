"""The dashboard on a phone: no sideways scrolling, the headline figures first, a trend
chart whose week labels stay apart."""

from datetime import timedelta
from itertools import pairwise

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stories.models import Story
from tests.factories import PASSWORD
from tests.plumbline.factories import make_published
from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import OFF_MESSAGE_BODY, ON_MESSAGE_BODY, make_story

PILLARS = [
    ("lifetime-value", "Value over the whole life of the system", ["total cost of ownership"]),
    ("local-experts", "Local people who stay for as long as it runs", ["local engineer"]),
    ("measured-results", "Results you can measure, month after month", ["monthly report"]),
]


def _company(cast):
    """Thirteen weeks of stories and conversations, so that every section has something."""
    version = make_published(by=cast.manager, pillars=PILLARS)
    client = make_client(cast.rep, "Northgate Cold Store")
    now = timezone.now()
    for week in range(13):
        when = now - timedelta(weeks=week, hours=1)
        body = ON_MESSAGE_BODY if week % 2 else OFF_MESSAGE_BODY
        story = make_story(
            author=cast.marketer,
            version=version,
            status=Story.Status.PUBLISHED,
            title=f"What a roof earns in its year number {week + 1}",
            body=body,
            reason="Published for the test.",
        )
        Story.objects.filter(pk=story.pk).update(published_at=when)
        make_conversation(
            rep=cast.rep if week % 3 else cast.teammate,
            client=client,
            version=version,
            when=when,
            notes="They asked for a discount; we talked total cost of ownership.",
            stories=[story] if week % 4 == 0 else [],
        )


@pytest.mark.parametrize("username", ["manager", "rep", "marketer"])
def test_the_dashboard_fits_a_phone(sign_in, cast, page, live_server, username):
    _company(cast)
    page.set_viewport_size({"width": 375, "height": 812})
    page = sign_in(username, PASSWORD)
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()

    width = page.evaluate("document.documentElement.scrollWidth")
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"dashboard at 375 px as {username}: {width} px wide, {height} px tall")
    assert width <= 375

    # Each table scrolls in its own box, which a keyboard can reach and a reader can name.
    for table in page.locator("main table").all():
        box = table.locator("xpath=..")
        assert box.get_attribute("tabindex") == "0"
        assert box.get_attribute("role") == "region"
        assert table.locator("caption").get_attribute("id") == box.get_attribute("aria-labelledby")
        assert box.evaluate("e => getComputedStyle(e).overflowX") == "auto"

    # The figures a manager acts on come first, on the first screen; the details fold.
    glance = page.get_by_role("region", name="At a glance")
    expect(glance).to_be_visible()
    assert glance.bounding_box()["y"] < 812
    assert height <= 3 * 812

    # The week labels under the trend chart never run into one another.
    trend = page.get_by_role("region", name="Score trend by week")
    trend.locator("summary").click()
    labels = [
        label.bounding_box()
        for label in trend.locator("svg text[text-anchor='middle']").all()
        if label.bounding_box()
    ]
    assert len(labels) >= 4
    for left, right in pairwise(labels):
        assert left["x"] + left["width"] < right["x"], (left, right)


def test_the_dates_say_the_period_as_the_inputs_do(sign_in, cast, page, live_server):
    make_published(by=cast.manager, pillars=PILLARS)
    page = sign_in("manager", PASSWORD)
    page.goto(f"{live_server.url}/dashboard/?since=2026-09-07&until=2026-10-05")
    expect(page.get_by_label("From")).to_have_value("2026-09-07")
    expect(page.get_by_text("Showing 2026-09-07 to 2026-10-05")).to_be_visible()
