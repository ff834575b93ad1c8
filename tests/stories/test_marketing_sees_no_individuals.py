"""Sales works with individuals, marketing with averages: a crawl of the demo company.

The demo is loaded as `make run` loads it; then a marketer follows every link the site shows
them (and opens every story's history and the plumb-line pages) and no client, contact or
conversation of the demo may appear on any page. A rep's crawl of the same site must show
their own clients, or the test could not fail.
"""

import io
import re
from collections import deque
from html import escape, unescape
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command

from plumbline.models import PlumbLineVersion
from stories.demo import CLIENTS, GOALS, OPENINGS, RISKS, SLIPS, TOLD
from stories.models import Client, Contact, Conversation, Story, StoryRevision
from teams.models import Team, User

pytestmark = pytest.mark.django_db

LIMIT = 400
SKIP = ("/static/", "/accounts/logout/", "/admin/")
HREF = re.compile(r'\bhref="([^"]*)"')
STORY_PAGE = re.compile(r"^/stories/(\d+)/")

CLIENT_NAMES = [name for name, *_ in CLIENTS]
CONTACT_NAMES = [person for *_, contacts in CLIENTS for person, _role in contacts]
CONVERSATION_TEXTS = [*OPENINGS, *TOLD.values(), *SLIPS, *GOALS, *RISKS]
# Every client of the demo is owned by someone; these belong to people outside rep's reach
# (rep3 is in rep's team but rep is no lead; rep2 and rep4 are in the other team).
NOT_REPS = [name for name, _industry, _size, owner, _ in CLIENTS if owner != "rep"]


@pytest.fixture
def demo(settings):
    """The demo company, in an empty database (the tests' cast is removed first)."""
    User.objects.all().delete()
    Team.objects.all().delete()
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False  # pages are served as in production: no debug 404 pages
    assert Conversation.objects.count() >= 40
    return {user.username: user for user in User.objects.all()}


def _forms(text: str) -> set[str]:
    """The ways a text can reach a page: as Django escapes it, and as Markdown leaves it."""
    return {escape(text), text}


def crawl(client, seeds) -> dict[str, str]:
    """GET every same-site page reachable from the seeds: url → body (text)."""
    pages: dict[str, str] = {}
    queue = deque(seeds)
    while queue and len(pages) < LIMIT:
        url = queue.popleft()
        if url in pages:
            continue
        response = client.get(url)
        body = response.content.decode(errors="replace")
        pages[url] = body
        links = []
        if response.status_code in (301, 302):
            links.append(response["Location"])
        if "html" in response.get("Content-Type", ""):
            links += [unescape(href) for href in HREF.findall(body)]
        for link in links:
            target = urljoin(url, link.split("#", 1)[0])
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not target.startswith("/"):
                continue  # another site, mailto:, tel: …
            if target.startswith(SKIP) or target in pages:
                continue
            queue.append(target)
    assert len(pages) < LIMIT, "the crawl stopped at its limit: raise LIMIT"
    return pages


def _story_seeds() -> list[str]:
    seeds = []
    for pk in Story.objects.values_list("pk", flat=True):
        seeds += [f"/stories/{pk}/", f"/stories/{pk}/revisions/"]
    for number in PlumbLineVersion.objects.values_list("number", flat=True):
        seeds.append(f"/plumb-line/versions/{number}/")
    return ["/", "/stories/", "/plumb-line/", "/plumb-line/history/", *seeds]


def _written_into_stories(text: str) -> set[int]:
    """The stories whose own words (any revision) contain `text`: marketing's material."""
    pks = set()
    for story in Story.objects.all():
        if text in story.text_for_check():
            pks.add(story.pk)
    for revision in StoryRevision.objects.all():
        if text in "\n".join([revision.title, revision.summary, revision.body, revision.offer]):
            pks.add(revision.story_id)
    return pks


def _leaks(pages: dict[str, str], texts) -> list[tuple[str, str]]:
    """(url, text) for every text found on a page, except on the pages of a story that was
    written with it (a case study naming a client is marketing's own words, not a record)."""
    found = []
    for text in texts:
        own_stories = _written_into_stories(text)
        for url, body in pages.items():
            if not any(form in body for form in _forms(text)):
                continue
            story = STORY_PAGE.match(url)
            if story and int(story.group(1)) in own_stories:
                continue
            found.append((url, text))
    return found


def _sales_urls(rep_pages) -> set[str]:
    """Every conversation, client and contact URL: those a rep reaches, and one per record."""
    urls = {url for url in rep_pages if url.startswith(("/conversations/", "/clients/"))}
    urls |= {"/conversations/", "/conversations/new/", "/conversations/check/", "/clients/"}
    urls |= {"/clients/new/", "/clients/search/?q=a", "/clients/search/"}
    for pk in Conversation.objects.values_list("pk", flat=True):
        urls |= {f"/conversations/{pk}/", f"/conversations/{pk}/edit/"}
    for pk in Client.objects.values_list("pk", flat=True):
        urls |= {
            f"/clients/{pk}/",
            f"/clients/{pk}/edit/",
            f"/clients/{pk}/contacts/new/",
            f"/clients/contact-options/?client={pk}",
        }
    for pk, client_id in Contact.objects.values_list("pk", "client_id"):
        urls.add(f"/clients/{client_id}/contacts/{pk}/")
    return urls


def test_marketing_sees_no_individuals(client, demo):
    client.force_login(demo["rep"])
    rep_pages = crawl(client, ["/", "/conversations/", "/clients/"])

    client.logout()
    client.force_login(demo["marketer"])
    pages = crawl(client, _story_seeds())

    # The crawl really went round the site.
    assert len(pages) > 30
    for pk in Story.objects.values_list("pk", flat=True):
        assert f"/stories/{pk}/revisions/" in pages
    assert "/plumb-line/how-the-score-works/" in pages
    assert not [url for url in pages if url.startswith(("/conversations/", "/clients/"))], (
        "marketing is shown links to sales records"
    )

    assert _leaks(pages, CLIENT_NAMES) == []
    assert _leaks(pages, CONTACT_NAMES) == []
    assert _leaks(pages, ["@client.example"]) == []
    assert _leaks(pages, CONVERSATION_TEXTS) == []

    # The story pages still say how often a story was used (an average, not a person).
    used = Story.objects.filter(conversations__isnull=False).distinct().first()
    assert re.search(r"Used in [1-9]\d* conversations?\.", pages[f"/stories/{used.pk}/"])

    # Every sales URL there is answers 404 to marketing, as if it did not exist.
    sales_urls = _sales_urls(rep_pages)
    assert len(sales_urls) > 100
    for name in ("marketer", "marketing_lead"):
        client.logout()
        client.force_login(demo[name])
        for url in sorted(sales_urls):
            assert client.get(url).status_code == 404, (name, url)
        response = client.post("/conversations/check/", {"version": 1, "summary": "discount"})
        assert response.status_code == 404, name


def test_a_rep_sees_their_own_clients_and_no_one_elses(client, demo):
    """The same crawl as a rep finds their clients: the marketing crawl could fail."""
    client.force_login(demo["rep"])
    pages = crawl(client, _story_seeds())
    everything = "\n".join(pages.values())

    assert escape("Hartley's Bakery") in everything
    assert "Northgate Cold Store" in everything
    assert "Amara Osei" in everything
    assert any(text in everything for text in map(escape, CONVERSATION_TEXTS))
    assert any(url.startswith("/conversations/") for url in pages)

    # Only their own: not their teammate's (they are no lead), not the other team's.
    assert _leaks(pages, NOT_REPS) == []
    others = Contact.objects.exclude(client__owner=demo["rep"]).values_list("name", flat=True)
    assert _leaks(pages, others) == []
