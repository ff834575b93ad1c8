"""The consistency dashboard: exact figures, filters, who sees what, query count, markup."""

import csv
import html
import io
import re
from datetime import datetime, time, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stories.dashboard import DashboardFilters, rounded
from stories.models import Story
from teams.models import Team
from tests.stories.conversation_factories import make_client, make_conversation
from tests.stories.factories import OFF_MESSAGE_BODY, ON_MESSAGE_BODY, make_story

pytestmark = pytest.mark.django_db

TABLES = ["coverage", "trend", "guardrails", "usage", "teams", "people"]
TELLS_NOTHING = "They asked about the weather and the car park."


def at(days_ago: int, hour: int = 12) -> datetime:
    """Noon (local time) `days_ago` days before today."""
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def monday(when: datetime):
    day = timezone.localdate(when)
    return day - timedelta(days=day.weekday())


def published(version, author, title, body, when, **kwargs) -> Story:
    story = make_story(
        author=author,
        version=version,
        status=Story.Status.PUBLISHED,
        title=title,
        body=body,
        reason="Published for the test.",
        **kwargs,
    )
    Story.objects.filter(pk=story.pk).update(published_at=when)
    story.refresh_from_db()
    return story


@pytest.fixture
def world(cast, version):
    """3 published stories (2 tell lifetime-value, 1 hits "discount") and 3 conversations
    (rep's tells lifetime-value; teammate's hits "discount" and "cheap"; other_rep's "cheap")."""
    for person, (first, last) in {
        cast.rep: ("Zebulon", "Quillfeather"),
        cast.teammate: ("Ottoline", "Brackwater"),
        cast.other_rep: ("Peregrine", "Fallowmere"),
    }.items():
        person.first_name, person.last_name = first, last
        person.save()
    o = SimpleNamespace(version=version)
    o.week_a, o.week_b = at(15), at(1)  # two different weeks, both in the default range
    o.s1 = published(version, cast.marketer, "Lifetime one", ON_MESSAGE_BODY, o.week_a)
    o.s2 = published(
        version, cast.marketer, "Lifetime two", ON_MESSAGE_BODY + " We never discount.", o.week_b
    )
    o.s3 = published(version, cast.marketer, "Weather", OFF_MESSAGE_BODY, o.week_b)
    make_story(author=cast.marketer, version=version, title="Draft only")  # never counts
    o.client = make_client(cast.rep, "Vandermolen Cold Store")
    o.team_client = make_client(cast.teammate, "Kestrelbrook Brewing")
    o.other_client = make_client(cast.other_rep, "Southmoor Dairy")
    o.c1 = make_conversation(
        rep=cast.rep,
        client=o.client,
        version=version,
        summary="Zebulon walked the freezer aisles.",
        notes="Quartermaine heard about the total cost of ownership and the lifetime savings.",
        stories=[o.s1],
        when=o.week_a,
    )
    o.c2 = make_conversation(
        rep=cast.teammate,
        client=o.team_client,
        version=version,
        summary="Brewhouse tour with the owners.",
        notes="Offered a discount on the cheap model.",
        pillars=(),
        stories=[o.s1],
        when=o.week_b,
    )
    o.c3 = make_conversation(
        rep=cast.other_rep,
        client=o.other_client,
        version=version,
        summary="Milking parlour visit.",
        notes="They only want it cheap.",
        pillars=(),
        stories=[o.s2],
        when=o.week_b,
    )
    o.private = [
        "Vandermolen Cold Store",
        "Kestrelbrook Brewing",
        "Southmoor Dairy",
        *(text for c in (o.c1, o.c2, o.c3) for text in (c.summary, c.notes)),
        *(
            n
            for p in (cast.rep, cast.teammate, cast.other_rep)
            for n in (p.first_name, p.last_name)
        ),
    ]
    return o


def page(client_for, user, query=""):
    response = client_for(user).get(f"/dashboard/{query}")
    assert response.status_code == 200
    return response


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


# --- Exact figures -------------------------------------------------------------------------


def test_the_stored_checks_are_what_the_dataset_says(world):
    assert [s.told_keys for s in (world.s1, world.s2, world.s3)] == [
        ["lifetime-value"],
        ["lifetime-value"],
        [],
    ]
    assert world.s2.hit_phrases == ["discount"]
    assert world.c1.told_keys == ["lifetime-value"]
    assert world.c2.hit_phrases == ["cheap", "discount"]
    assert world.c3.hit_phrases == ["cheap"]


def test_pillar_coverage_is_exact(cast, client_for, world):
    coverage = page(client_for, cast.manager).context["coverage"]
    assert (coverage["stories"], coverage["conversations"]) == (3, 3)
    lifetime, local = coverage["rows"]
    assert lifetime == {
        "key": "lifetime-value",
        "title": "Value over the whole life",
        "stories": 2,
        "story_share": 67,
        "conversations": 1,
        "conversation_share": 33,
        "gap": 33,
    }
    assert (local["stories"], local["conversations"], local["gap"]) == (0, 0, 0)


def test_guardrail_counts_are_exact(cast, client_for, world):
    response = page(client_for, cast.manager)
    counts = [
        (row["phrase"], row["stories"], row["conversations"])
        for row in response.context["guardrails"]
    ]
    assert counts == [("cheap", 0, 2), ("discount", 1, 1)]
    trend = {term["phrase"]: term["weeks"] for term in response.context["guardrail_trends"]}
    assert set(trend) == {"cheap", "discount"}
    by_week = {w["week"]: (w["stories"], w["conversations"]) for w in trend["discount"]}
    assert by_week[monday(world.week_b)] == (1, 1)
    assert sum(s + c for s, c in by_week.values()) == 2


def test_score_trend_buckets_by_week(cast, client_for, world):
    trend = {row["week"]: row for row in page(client_for, cast.manager).context["trend"]}
    first, second = trend[monday(world.week_a)], trend[monday(world.week_b)]
    assert (first["stories"], first["story_avg"]) == (1, world.s1.score)
    assert (first["conversations"], first["conversation_avg"]) == (1, world.c1.score)
    assert second["stories"] == 2
    assert second["story_avg"] == round((world.s2.score + world.s3.score) / 2)
    assert (second["conversations"], second["conversation_avg"]) == (
        2,
        round((world.c2.score + world.c3.score) / 2),
    )
    others = [
        row
        for week, row in trend.items()
        if week not in (monday(world.week_a), monday(world.week_b))
    ]
    assert all(row["stories"] == row["conversations"] == 0 for row in others)
    assert all(row["story_avg"] is None for row in others)
    assert len(trend) >= 13  # the default 90 days


def test_the_headline_figures_come_first(cast, client_for, world):
    """The few figures a manager acts on lead the page; the sections follow, folded."""
    response = page(client_for, cast.manager)
    glance = response.context["glance"]
    stories, conversations = (world.s1, world.s2, world.s3), (world.c1, world.c2, world.c3)
    assert glance["stories"] == glance["conversations"] == 3
    assert glance["story_avg"] == rounded(sum(s.score for s in stories) / 3)
    assert glance["conversation_avg"] == rounded(sum(c.score for c in conversations) / 3)
    assert glance["widest_gap"]["key"] == "lifetime-value"
    assert glance["top_term"]["phrase"] == "cheap"
    assert glance["unused"] == 1
    content = response.content.decode()
    assert content.index(">At a glance<") < content.index(">Pillar coverage<")
    for heading in ("coverage", "trend", "guardrails", "usage", "teams", "people"):
        assert re.search(
            rf'<details class="dashboard-detail">\s*<summary><h2 [^>]*id="{heading}-heading"',
            content,
        ), heading


def test_the_headline_without_entries(cast, client_for, version):
    glance = page(client_for, cast.manager).context["glance"]
    assert glance["story_avg"] is glance["conversation_avg"] is None
    assert glance["widest_gap"] is glance["top_term"] is None
    assert "no data" in page(client_for, cast.manager).content.decode()


def test_the_period_is_said_as_the_date_inputs_hold_it(cast, client_for, version):
    content = page(client_for, cast.manager, "?since=2026-09-07&until=2026-10-05").content
    assert "Showing 2026-09-07 to 2026-10-05" in content.decode()
    assert 'value="2026-09-07"' in content.decode()


def test_story_usage_counts_and_the_unused(cast, client_for, world):
    usage = page(client_for, cast.manager).context["usage"]
    assert [(s["title"], s["uses"]) for s in usage["top"]] == [
        ("Lifetime one", 2),
        ("Lifetime two", 1),
    ]
    assert [s["title"] for s in usage["unused"]] == ["Weather"]
    assert usage["unused_count"] == 1


def test_team_table(cast, client_for, world):
    teams = {row["team"]: row for row in page(client_for, cast.manager).context["teams"]}
    assert teams["Marketing"]["side"] == "marketing"
    assert teams["Marketing"]["entries"] == 3
    scores = [world.s1.score, world.s2.score, world.s3.score]
    assert teams["Marketing"]["avg"] == round(sum(scores) / 3)
    assert (teams["Sales North"]["entries"], teams["Sales North"]["avg"]) == (
        2,
        round((world.c1.score + world.c2.score) / 2),
    )
    assert (teams["Sales South"]["entries"], teams["Sales South"]["avg"]) == (1, world.c3.score)
    assert "Leadership" not in teams  # management teams write neither


def test_manager_sees_everyone_per_person(cast, client_for, world):
    people = page(client_for, cast.manager).context["people"]
    names = {row["name"]: row for row in people["rows"]}
    assert {"Zebulon Quillfeather", "Ottoline Brackwater", "Peregrine Fallowmere"} <= set(names)
    assert names[cast.marketer.display_name]["stories"] == 3
    assert names["Zebulon Quillfeather"]["conversations"] == 1
    assert names["Zebulon Quillfeather"]["conversation_avg"] == world.c1.score


def test_sales_lead_sees_only_their_team_per_person(cast, client_for, world):
    response = page(client_for, cast.sales_lead)
    names = {row["name"]: row for row in response.context["people"]["rows"]}
    assert set(names) == {
        "Zebulon Quillfeather",
        "Ottoline Brackwater",
        cast.sales_lead.display_name,
    }
    assert names["Ottoline Brackwater"]["conversations"] == 1
    html = response.content.decode()
    assert "Peregrine" not in html and "Fallowmere" not in html
    export = client_for(cast.sales_lead).get("/dashboard/export/people.csv")
    assert "Fallowmere" not in export.content.decode()
    assert "Quillfeather" in export.content.decode()


def test_rep_sees_only_their_own_conversation_figures(cast, client_for, world):
    context = page(client_for, cast.rep).context
    assert context["coverage"]["conversations"] == 1
    assert context["coverage"]["rows"][0]["conversation_share"] == 100
    assert context["coverage"]["stories"] == 3  # the story side is company-wide
    assert context["people"] is None
    assert [(s["title"], s["uses"]) for s in context["usage"]["top"]] == [("Lifetime one", 1)]
    assert [row["phrase"] for row in context["guardrails"]] == ["discount"]  # s2 only
    # Another rep's conversations do not move rep's numbers.
    make_conversation(
        rep=cast.other_rep,
        client=world.other_client,
        version=world.version,
        notes="The total cost of ownership, and a discount.",
        stories=[world.s1],
    )
    again = page(client_for, cast.rep).context
    assert again["coverage"] == context["coverage"]
    assert again["guardrails"] == context["guardrails"]
    assert again["usage"]["top"] == context["usage"]["top"]
    assert again["teams"] == context["teams"]


# --- Filters -------------------------------------------------------------------------------


def test_the_date_range_excludes_older_entries(cast, client_for, world):
    published(world.version, cast.marketer, "Old", ON_MESSAGE_BODY, at(120))
    make_conversation(rep=cast.rep, client=world.client, version=world.version, when=at(120))
    default = page(client_for, cast.manager).context
    assert (default["coverage"]["stories"], default["coverage"]["conversations"]) == (3, 3)
    since = (timezone.localdate() - timedelta(days=130)).isoformat()
    wider = page(client_for, cast.manager, f"?since={since}").context
    assert (wider["coverage"]["stories"], wider["coverage"]["conversations"]) == (4, 4)
    until = (timezone.localdate() - timedelta(days=7)).isoformat()
    earlier = page(client_for, cast.manager, f"?since={since}&until={until}").context
    assert (earlier["coverage"]["stories"], earlier["coverage"]["conversations"]) == (2, 2)


def test_team_filter_narrows_its_side(cast, client_for, world):
    published(world.version, cast.manager, "By a manager", ON_MESSAGE_BODY, at(2))
    everyone = page(client_for, cast.manager).context
    assert everyone["coverage"]["stories"] == 4
    south = Team.objects.get(slug="sales-south")
    context = page(client_for, cast.manager, f"?team={south.pk}").context
    assert context["coverage"]["conversations"] == 1  # other_rep's only
    assert context["coverage"]["stories"] == 4  # the other side stays whole
    assert [row["team"] for row in context["teams"] if row["side"] == "sales"] == ["Sales South"]
    marketing = Team.objects.get(slug="marketing")
    context = page(client_for, cast.manager, f"?team={marketing.pk}").context
    assert context["coverage"]["stories"] == 3  # not the manager's story
    assert context["coverage"]["conversations"] == 3


@pytest.mark.parametrize(
    "query",
    [
        "?since=garbage&until=2020-13-45",
        "?since=2030-01-01&until=2020-01-01",
        "?since=1990-01-01",
        "?team=99999",
        "?team=abc&since=",
    ],
)
def test_invalid_filters_show_errors_and_use_defaults(cast, client_for, world, query):
    response = page(client_for, cast.manager, query)
    assert response.context["form"].errors
    assert response.context["filters"] == DashboardFilters.default()
    assert "is-invalid" in response.content.decode() or "alert-danger" in response.content.decode()
    for table in TABLES:
        assert (
            client_for(cast.manager).get(f"/dashboard/export/{table}.csv{query}").status_code == 200
        )


def test_the_filter_form_shows_the_range_and_the_teams(cast, client_for, world):
    content = page(client_for, cast.manager, "").content.decode()
    default = DashboardFilters.default()
    assert f'type="date" name="since" value="{default.since:%Y-%m-%d}"' in content
    assert f'type="date" name="until" value="{default.until:%Y-%m-%d}"' in content
    select = re.search(r'<select[^>]*name="team".*?</select>', content, re.S).group(0)
    teams = Team.objects.filter(function__in=["marketing", "sales"]).order_by("name")
    offered = re.findall(r'<option value="(\d*)"[^>]*>(.*?)</option>', select)
    assert offered == [("", "All teams"), *((str(t.pk), t.name) for t in teams)]
    chosen = page(client_for, cast.manager, f"?team={teams[0].pk}").content.decode()
    assert f'<option value="{teams[0].pk}" selected>' in chosen


# --- Who sees what -------------------------------------------------------------------------


def test_outsider_gets_403_and_anonymous_the_login_page(cast, client_for):
    assert client_for(cast.outsider).get("/dashboard/").status_code == 403
    assert client_for(cast.outsider).get("/dashboard/export/coverage.csv").status_code == 403
    response = client_for(None).get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["marketer", "marketing_lead"])
def test_marketing_never_sees_clients_sales_people_or_conversation_text(
    cast, client_for, world, role
):
    user = getattr(cast, role)
    html = page(client_for, user).content.decode()
    bodies = {"page": html}
    for table in TABLES:
        response = client_for(user).get(f"/dashboard/export/{table}.csv")
        if table == "people" and role == "marketer":
            assert response.status_code == 403
            continue
        assert response.status_code == 200
        bodies[table] = response.content.decode()
    for where, body in bodies.items():
        for text in world.private:
            assert text not in body, f"{text!r} in the {where} for {role}"
        assert not re.search(r"\b(rep|teammate|other_rep)\b", body), where
    assert "Lifetime one" in html  # story titles are not private: the test can fail
    assert "Sales North" in html  # and neither are team averages


def test_the_privacy_test_can_fail(cast, client_for, world):
    """The manager's page does show what marketing must not see."""
    html = page(client_for, cast.manager).content.decode()
    assert "Zebulon Quillfeather" in html


def test_marketer_has_no_per_person_table(cast, client_for, world):
    response = page(client_for, cast.marketer)
    assert response.context["people"] is None
    assert "Per person" not in response.content.decode()
    assert client_for(cast.marketer).get("/dashboard/export/people.csv").status_code == 403
    assert client_for(cast.rep).get("/dashboard/export/people.csv").status_code == 403
    assert client_for(cast.manager).get("/dashboard/export/people.csv").status_code == 200


def test_unknown_table_is_404(cast, client_for):
    response = client_for(cast.manager).get("/dashboard/export/secrets.csv")
    assert response.status_code == 404
    assert not response.has_header("Content-Disposition")


def test_the_dashboard_is_in_the_navigation(cast, client_for):
    assert 'href="/dashboard/"' in client_for(cast.marketer).get("/").content.decode()
    assert 'href="/dashboard/"' not in client_for(cast.outsider).get("/").content.decode()


# --- Exports -------------------------------------------------------------------------------


def test_exports_carry_the_same_numbers(cast, client_for, world):
    rows = rows_of(client_for(cast.manager).get("/dashboard/export/coverage.csv"))
    assert rows[0][0] == "Pillar"
    assert rows[1][:9] == [
        "Value over the whole life",
        "lifetime-value",
        "2",
        "3",
        "67",
        "1",
        "3",
        "33",
        "33",
    ]
    usage = rows_of(client_for(cast.manager).get("/dashboard/export/usage.csv"))
    assert [(row[0], row[2]) for row in usage[1:]] == [
        ("Lifetime one", "2"),
        ("Lifetime two", "1"),
        ("Weather", "0"),
    ]
    guardrails = rows_of(client_for(cast.manager).get("/dashboard/export/guardrails.csv"))
    assert [row[0] for row in guardrails[1:]] == ["cheap", "discount"]
    teams = rows_of(client_for(cast.manager).get("/dashboard/export/teams.csv"))
    assert ["Sales South", "Sales (conversations)", "1", str(world.c3.score)] in teams
    trend = rows_of(client_for(cast.manager).get("/dashboard/export/trend.csv"))
    assert [
        monday(world.week_a).isoformat(),
        "1",
        str(world.s1.score),
        "1",
        str(world.c1.score),
    ] in trend


def test_export_follows_the_filters(cast, client_for, world):
    until = (timezone.localdate() - timedelta(days=7)).isoformat()
    response = client_for(cast.manager).get(f"/dashboard/export/coverage.csv?until={until}")
    assert rows_of(response)[1][3] == "1"  # only s1 is that old
    assert until.replace("-", "") in response["Content-Disposition"]


def test_a_formula_title_is_neutralized_in_the_usage_export(cast, client_for, world):
    published(world.version, cast.marketer, '=HYPERLINK("http://evil")', ON_MESSAGE_BODY, at(3))
    response = client_for(cast.marketer).get("/dashboard/export/usage.csv")
    titles = [row[0] for row in rows_of(response)]
    assert '\'=HYPERLINK("http://evil")' in titles
    assert '=HYPERLINK("http://evil")' not in titles


# --- Queries and markup --------------------------------------------------------------------


def add_entries(cast, version, n, start=0):
    """n published stories and n conversations, each telling, hitting and using something."""
    client = make_client(cast.rep, f"Bulk client {start}")
    for i in range(start, start + n):
        story = published(
            version, cast.marketer, f"Bulk {i}", ON_MESSAGE_BODY + " A discount.", at(i % 60)
        )
        make_conversation(
            rep=(cast.rep, cast.teammate, cast.other_rep)[i % 3],
            client=client,
            version=version,
            notes="The total cost of ownership, cheap.",
            stories=[story],
            when=at(i % 60),
        )


@pytest.mark.parametrize("role", ["manager", "sales_lead", "marketer"])
def test_query_count_does_not_grow_with_the_entries(
    cast, client_for, version, django_assert_num_queries, role
):
    user = getattr(cast, role)
    add_entries(cast, version, 3)
    browser = client_for(user)
    browser.get("/dashboard/")  # warm up (sessions, content types)
    with CaptureQueriesContext(connection) as small:
        assert browser.get("/dashboard/").status_code == 200
    add_entries(cast, version, 27, start=3)
    with django_assert_num_queries(len(small.captured_queries)):
        response = browser.get("/dashboard/")
    assert response.context["coverage"]["stories"] == 30
    print(f"{role}: {len(small.captured_queries)} queries")


def test_the_page_has_no_inline_style_or_script_and_draws_accessible_charts(
    cast, client_for, world
):
    html = page(client_for, cast.manager).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert "style=" not in html
    assert "<style" not in main and "<script" not in main
    assert main.count("<svg") >= 5
    for svg in re.findall(r"<svg\b[^>]*>", main):
        assert ('role="img"' in svg and "aria-label=" in svg) or 'aria-hidden="true"' in svg
    assert main.count("<caption id=") >= 6
    assert 'fill="#0d6efd"' in main and 'fill="#b45309"' in main
    assert "cdn" not in html.casefold()


def test_story_titles_cannot_inject_markup_into_the_charts(cast, client_for, world):
    published(world.version, cast.marketer, "<script>alert(1)</script>", ON_MESSAGE_BODY, at(2))
    make_conversation(
        rep=cast.rep,
        client=world.client,
        version=world.version,
        stories=[Story.objects.get(title="<script>alert(1)</script>")],
    )
    html = page(client_for, cast.manager).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</text>" in main  # in the chart, as text
    assert "<script" not in main


def test_no_current_plumb_line_still_renders(cast, client_for):
    response = page(client_for, cast.manager)
    assert response.context["coverage"]["rows"] == []
    assert "No plumb line has been published yet" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("manager", "cover every conversation"),
        ("marketer", "the company's averages; no individual is shown"),
        ("sales_lead", "cover the people of the teams you lead"),
        ("rep", "are your own conversations"),
    ],
)
def test_the_page_says_whose_conversations_it_counts(cast, client_for, world, name, note):
    assert note in html.unescape(page(client_for, getattr(cast, name)).content.decode())
