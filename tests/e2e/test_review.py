from playwright.sync_api import expect

from stories.models import Review
from tests.factories import PASSWORD
from tests.plumbline.factories import make_published
from tests.stories.conversation_factories import make_client, make_conversation


def test_a_manager_coaches_a_rep_through_the_review_queue(sign_in, cast, page, live_server):
    version = make_published(by=cast.manager)
    client = make_client(cast.rep, "Northgate Cold Store")
    good = make_conversation(
        rep=cast.rep, client=client, version=version, summary="Walked the cold store."
    )
    weak = make_conversation(
        rep=cast.rep,
        client=client,
        version=version,
        summary="Talked price on the phone.",
        notes="We went through the total cost of ownership. They asked for a discount.",
    )
    assert weak.score < good.score

    page = sign_in("manager", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Talked price on the phone.")
    expect(rows.nth(1)).to_contain_text("Walked the cold store.")

    rows.first.get_by_role("link", name=weak.label).click()
    expect(page.get_by_role("heading", name="Call with Northgate Cold Store")).to_be_visible()
    page.get_by_label("Needs work").check()
    page.get_by_label("Comment").fill("Say what the discount buys them: added value, not price.")
    page.get_by_role("button", name="Save verdict").click()

    expect(page.get_by_text("Verdict saved;")).to_be_visible()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    expect(rows).to_have_count(1)  # the judged conversation left the queue
    expect(rows.first).to_contain_text("Walked the cold store.")
    review = Review.objects.get()
    assert (review.conversation_id, review.verdict) == (weak.pk, "needs_work")
    assert review.plumbline_version == version

    page.context.clear_cookies()
    page = sign_in("rep", PASSWORD)
    feedback = page.get_by_role("region", name="Feedback on my work")
    expect(feedback).to_be_visible()
    expect(feedback).to_contain_text("Needs work")
    expect(feedback).to_contain_text("Say what the discount buys them: added value, not price.")
    expect(page.get_by_role("region", name="For you")).to_contain_text("needs work")

    feedback.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Call with Northgate Cold Store")).to_be_visible()
    expect(page.get_by_text("Say what the discount buys them")).to_be_visible()


def test_the_filters_load_when_opened_and_filter(sign_in, cast, page, live_server):
    version = make_published(by=cast.manager)
    make_conversation(
        rep=cast.rep, client=make_client(cast.rep, "Northgate"), version=version, summary="Rep's."
    )
    make_conversation(
        rep=cast.teammate,
        client=make_client(cast.teammate, "Brindle"),
        version=version,
        summary="Teammate's.",
    )
    page = sign_in("manager", PASSWORD)
    page.goto(f"{live_server.url}/review/")
    expect(page.locator("table tbody tr")).to_have_count(2)
    expect(page.get_by_label("Person")).to_have_count(0)  # not built until opened
    with page.expect_response("**/review/?filters=open"):
        page.get_by_text("Filter", exact=True).click()
    page.get_by_label("Person").select_option(label=cast.teammate.display_name)
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Teammate's.")
    expect(page.get_by_label("Person")).to_have_value(str(cast.teammate.pk))  # open, chosen
