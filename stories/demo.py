"""The demo company's audiences, stories (a dozen, in every state) and sales conversations."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from stories import services
from stories.models import Audience, Contact, Conversation, Story, TcoTopic

AUDIENCES = [
    ("Food and drink makers", Audience.Kind.TARGET_MARKET, "Plants with big daytime loads."),
    ("Cold-storage warehouses", Audience.Kind.TARGET_MARKET, "Refrigeration around the clock."),
    ("Family-owned retailers", Audience.Kind.CONSUMER_CLUSTER, "Owners who decide for decades."),
    ("Facilities managers network", Audience.Kind.ONLINE_GROUP, "A busy professional forum."),
    ("Sustainability leads", Audience.Kind.CONSUMER_CLUSTER, "People who must report emissions."),
]

# title, summary, body, offer, channel, audience indexes, pillar keys, final state, author
STORIES = [
    (
        "What a roof earns over twenty-five years",
        "A bakery's panels paid for themselves in six years and keep paying.",
        "When a family bakery looked at solar, the first question was the invoice. "
        "We walked them through the **total cost of ownership** instead: delivery, "
        "installation, warranty, support and training, set against the running cost of the "
        "ovens.\n\n- Payback came in year six\n- Lifetime savings pass half a million\n\n"
        "Our live monitoring shows the measured savings every month.",
        "A monitoring portal and yearly service visit included for the whole life of the system.",
        "web",
        [0, 2],
        ["lifetime-value", "measured-results"],
        "published",
        "marketer",
    ),
    (
        "The install that never stopped the line",
        "How we fitted a frozen-food plant without a minute of downtime.",
        "Switching power sounds risky for a plant that never sleeps. Our own team planned "
        "the work around shift changes, so there was **no disruption**, and the "
        "performance guarantee meant the client carried none of the risk.",
        "",
        "press",
        [1],
        ["risk-free-switch", "local-experts"],
        "published",
        "marketing_lead",
    ),
    (
        "Meet the engineers who stay",
        "The people who design your system are the ones who come back to service it.",
        "Every client has a local engineer within an hour. The same team that installs "
        "your system comes back for every service visit, and on-site support is a call away.",
        "",
        "video",
        [2, 3],
        ["local-experts"],
        "published",
        "marketer",
    ),
    (
        "Your carbon statement, ready for the board",
        "Clean energy you can report on, site by site.",
        "Sustainability leads need numbers they can defend. Every Tidewell site gets an "
        "annual sustainability report showing emissions avoided and renewable share, drawn "
        "from verified output rather than estimates.",
        "",
        "email",
        [4],
        ["cleaner-operations", "measured-results"],
        "published",
        "marketing_lead",
    ),
    (
        "Spring offer: the cheapest solar in the region",
        "Our biggest discount ever, for a limited time only.",
        "For a limited time only we are offering our lowest price yet: a 20% discount on "
        "every installation. It's a no-brainer!",
        "Discounted installs until the end of May.",
        "social",
        [3],
        ["lifetime-value"],
        "in_review",
        "marketer",
    ),
    (
        "Warehouses that keep cool for less",
        "Cold storage is where solar and batteries pay back fastest.",
        "Refrigeration runs day and night. Pairing panels with storage cuts the running "
        "cost and the payback comes sooner. Our performance guarantee covers the output.",
        "",
        "web",
        [1],
        ["lifetime-value", "risk-free-switch"],
        "in_review",
        "marketing_lead",
    ),
    (
        "Five questions to ask any installer",
        "A checklist for facilities managers comparing quotes.",
        "Ask who services the system, what the warranty covers, how output is measured, "
        "and what happens if it under-performs. Compare the value over time, not the "
        "sticker.",
        "",
        "social",
        [3],
        ["lifetime-value", "local-experts"],
        "draft",
        "marketer",
    ),
    (
        "Behind the monthly report",
        "What our live monitoring tells clients, and what they do with it.",
        "A short tour of the monthly report: verified output, measured savings, and "
        "the alerts our own team acts on before the client notices.",
        "",
        "email",
        [0, 4],
        ["measured-results"],
        "draft",
        "marketing_lead",
    ),
    (
        "Family firms, thirty-year decisions",
        "Why owners who plan in decades choose clean power.",
        "Family businesses think about the next generation. A system that keeps saving "
        "for twenty-five years, with a lower carbon footprint, fits how they already "
        "decide. A bargain it is not; a good investment it is.",
        "",
        "event",
        [2],
        ["lifetime-value", "cleaner-operations"],
        "draft",
        "marketer",
    ),
    (
        "Summer open day at our workshop",
        "Meet the team and see a battery system up close.",
        "Come and meet the engineers, see a live monitoring screen and ask anything.",
        "",
        "event",
        [2, 3],
        ["local-experts"],
        "archived",
        "marketer",
    ),
    (
        "Cost plus is over",
        "Why we stopped pricing like our competitors.",
        "Cost plus pricing made sense once. Today clients compare the value over time, "
        "so that is what we show them.",
        "",
        "press",
        [3],
        ["lifetime-value"],
        "archived",
        "marketing_lead",
    ),
    (
        "Solar for breweries",
        "Brewing is energy-hungry; the sun helps.",
        "Mash tuns and chillers draw power all day. Our own team sized the system for a "
        "craft brewery so that payback arrives early and the renewable share tops 60%.",
        "",
        "web",
        [0],
        ["lifetime-value", "cleaner-operations"],
        "published",
        "marketer",
    ),
]


@transaction.atomic
def seed_stories(*, people, version) -> int:
    audiences = []
    for name, kind, description in AUDIENCES:
        audience, _ = Audience.objects.get_or_create(
            name=name, defaults={"kind": kind, "description": description}
        )
        audiences.append(audience)
    if Story.objects.exists():
        return Story.objects.count()
    pillars = {p.key: p for p in version.pillars.all()}
    decider = people["marketing_lead"]
    for index, row in enumerate(STORIES):
        title, summary, body, offer, channel, audience_ix, keys, state, author = row
        story = services.story_create(
            author=people[author],
            version=version,
            content=services.StoryContent(
                title=title,
                summary=summary,
                body=body,
                offer=offer,
                channel=channel,
                audiences=[audiences[i] for i in audience_ix],
                pillars=[pillars[key] for key in keys],
            ),
        )
        if state in ("in_review", "published", "archived"):
            story = services.story_submit(story=story)
        if state in ("published", "archived"):
            story = services.story_publish(
                story=story, by=decider, reason="Demo story kept for contrast."
            )
            # Spread publishing over the past months; the oldest are past review-by.
            published = timezone.now() - timedelta(days=20 * (len(STORIES) - index))
            Story.objects.filter(pk=story.pk).update(
                published_at=published, review_by=(published + timedelta(days=90)).date()
            )
        if state == "archived":
            services.story_archive(story=story)
    return Story.objects.count()


# --- Clients and conversations ---------------------------------------------------------------

# name, industry, size, owner, contacts (name, role)
CLIENTS = [
    (
        "Hartley's Bakery",
        "Food production",
        "medium",
        "rep",
        [("Ellen Hartley", "Managing director"), ("Joe Pike", "Plant manager")],
    ),
    ("Northgate Cold Store", "Logistics", "large", "rep", [("Amara Osei", "Operations director")]),
    (
        "Brindle Brewing Co.",
        "Drinks",
        "small",
        "rep3",
        [("Sam Brindle", "Founder"), ("Kit Moreau", "Head brewer")],
    ),
    ("Fenwick & Daughters", "Retail", "medium", "rep3", [("Lucy Fenwick", "Owner")]),
    (
        "Southmoor Dairy",
        "Food production",
        "large",
        "rep2",
        [("Gareth Lowe", "Finance director"), ("Ines Duarte", "Sustainability lead")],
    ),
    (
        "Harbour Freight Park",
        "Logistics",
        "enterprise",
        "rep2",
        [("Victor Adeyemi", "Facilities manager")],
    ),
    ("Meadow Lane Garden Centre", "Retail", "small", "rep4", [("Olive Grant", "Owner")]),
    (
        "Cask & Barrel Distillery",
        "Drinks",
        "medium",
        "rep4",
        [("Hamish Reid", "Operations manager"), ("Nadia Kerr", "Buyer")],
    ),
]

OPENINGS = [
    "Walked the site with the client and looked at the roof and the meter data.",
    "Follow-up call after they read our proposal.",
    "Met the finance team to go through the numbers.",
    "Quick chat after their board meeting.",
    "Visited with our engineer to look at the switchgear.",
]
TOLD = {
    "lifetime-value": "We went through the total cost of ownership, not just the price, and "
    "showed the lifetime savings.",
    "risk-free-switch": "They worried about downtime; I explained the performance guarantee "
    "and that there is no disruption to their shifts.",
    "local-experts": "They liked that a local engineer from our own team does every service visit.",
    "measured-results": "Showed the live monitoring and a sample monthly report.",
    "cleaner-operations": "Their customers ask about emissions, so the sustainability report "
    "matters to them.",
}
SLIPS = [
    "They pushed for a discount and I said I would see what I can do.",
    "I mentioned we are not the cheapest but close.",
    "Told them this is a no-brainer.",
]
GOALS = [
    "Cut energy bills before the next price rise.",
    "Show customers a lower footprint.",
    "Keep the line running through the summer peak.",
]
RISKS = [
    "Disruption during install: answered with our shift-planned installs.",
    "Output lower than promised: answered with the performance guarantee.",
    "Upfront spend: answered with financing and the payback period.",
]


@transaction.atomic
def seed_conversations(*, people, version, count: int = 50) -> int:
    """About fifty conversations, spread over reps, clients and the past six months."""
    if Conversation.objects.exists():
        return Conversation.objects.count()
    clients = []
    for name, industry, size, owner, contacts in CLIENTS:
        client = services.client_create(
            owner=people[owner], name=name, industry=industry, size=size
        )
        for contact_name, role in contacts:
            slug = contact_name.split()[0].lower()
            Contact.objects.create(
                client=client, name=contact_name, role=role, email=f"{slug}@client.example"
            )
        clients.append(client)
    pillars = list(version.pillars.all())
    published = list(Story.objects.live())
    topics = list(TcoTopic.objects.all())
    rng = random.Random(7)  # the same demo every time
    now = timezone.now()
    for index in range(count):
        client = clients[index % len(clients)]
        told = rng.sample(pillars, k=rng.choice([1, 1, 2, 3]))
        lines = [rng.choice(OPENINGS)] + [TOLD[p.key] for p in told]
        if rng.random() < 0.25:
            lines.append(rng.choice(SLIPS))
        contacts = list(client.contacts.all())
        data = {
            "client": client,
            "occurred_at": now - timedelta(days=rng.randint(0, 180), hours=rng.randint(0, 8)),
            "channel": rng.choice(Conversation.Channel.values),
            "summary": lines[0],
            "notes": " ".join(lines[1:]),
            "client_goals": rng.choice(GOALS),
            "risks": rng.choice(RISKS),
            "outcome": rng.choice(["Proposal requested", "Site survey booked", "Thinking it over"]),
            "next_step": "Send the revised proposal",
            "next_step_due": (now + timedelta(days=rng.randint(3, 30))).date(),
            "contacts": rng.sample(contacts, k=min(len(contacts), rng.choice([1, 2]))),
            "tco_topics": rng.sample(topics, k=rng.randint(1, 4)),
            "stories_used": rng.sample(published, k=rng.randint(0, min(2, len(published)))),
            # Now and then a rep tags a pillar they did not get to.
            "pillars": told + (rng.sample(pillars, k=1) if rng.random() < 0.2 else []),
        }
        services.conversation_log(rep=client.owner, version=version, data=data)
    return Conversation.objects.count()
