"""The consistency dashboard's figures: marketing's averages and sales' people, side by side.

Every function here takes the user (for scoping) and the filters and returns plain lists and
dicts built by aggregate queries only, so the number of queries never grows with the number
of stories or conversations. The rules, from stories.permissions:

- story-side figures are company-wide (published stories, by the day they were published);
- conversation-side figures cover `dashboard_people(user)`: everyone for managers and
  marketing, a rep's own conversations, a sales lead's team;
- the team filter narrows the side the team works on: a marketing team its authors' stories,
  a sales team its reps' conversations; the other side stays whole for the comparison;
- per-person figures only for `sees_people_on_dashboard(user)`: managers see everyone, a lead
  the people of the teams they lead, with conversation figures only for managers and sales.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, DateField, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from stories.models import Conversation, Story
from stories.permissions import dashboard_people, sees_people_on_dashboard
from teams.models import Membership, Team, User
from teams.permissions import MARKETING, SALES, is_manager, is_sales, led_member_ids

DEFAULT_DAYS = 90
TOP_TERMS = 10
TRENDED_TERMS = 3
TOP_STORIES = 10
UNUSED_SHOWN = 25


@dataclass(frozen=True)
class DashboardFilters:
    """The dashboard's date range (both days included) and the team it is narrowed to."""

    since: date
    until: date
    team: Team | None = None

    @classmethod
    def default(cls, today: date | None = None) -> "DashboardFilters":
        today = today or timezone.localdate()
        return cls(since=today - timedelta(days=DEFAULT_DAYS), until=today)

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.since, time.min))

    @property
    def end(self) -> datetime:
        """The first moment after the range."""
        return timezone.make_aware(datetime.combine(self.until + timedelta(days=1), time.min))

    def weeks(self) -> list[date]:
        """The Mondays of every week the range touches, oldest first."""
        monday = self.since - timedelta(days=self.since.weekday())
        weeks = []
        while monday <= self.until:
            weeks.append(monday)
            monday += timedelta(days=7)
        return weeks

    def narrows(self, function: str) -> bool:
        return self.team is not None and self.team.function == function


def percent(part, whole) -> int | None:
    """A share in whole percent, rounded half up; None when there is nothing to share."""
    return math.floor(100 * part / whole + 0.5) if whole else None


def rounded(value) -> int | None:
    return None if value is None else math.floor(value + 0.5)


def _members(team):
    return Membership.objects.filter(team=team).values("user_id")


def _people(user) -> set[int] | None:
    """dashboard_people(user), asked once per request."""
    if not hasattr(user, "_dashboard_people"):
        user._dashboard_people = dashboard_people(user)
    return user._dashboard_people


def published_stories(filters: DashboardFilters, *, dated: bool = True):
    """Published stories (published within the range unless dated=False), company-wide."""
    stories = Story.objects.live()
    if dated:
        stories = stories.filter(published_at__gte=filters.start, published_at__lt=filters.end)
    if filters.narrows(MARKETING):
        stories = stories.filter(author_id__in=_members(filters.team))
    return stories


def conversation_scope(user, filters: DashboardFilters, prefix: str = "") -> Q:
    """The conversations this user's sales figures count, as a Q (on `prefix`, if given)."""
    q = Q(**{f"{prefix}occurred_at__gte": filters.start, f"{prefix}occurred_at__lt": filters.end})
    people = _people(user)
    if people is not None:
        q &= Q(**{f"{prefix}rep_id__in": people})
    if filters.narrows(SALES):
        q &= Q(**{f"{prefix}rep_id__in": _members(filters.team)})
    return q


def scoped_conversations(user, filters: DashboardFilters):
    return Conversation.objects.filter(conversation_scope(user, filters))


def _week(field: str):
    return TruncWeek(field, output_field=DateField())


# --- 1. Pillar coverage --------------------------------------------------------------------


def pillar_coverage(user, filters: DashboardFilters, version) -> dict:
    """How many stories and conversations tell each pillar of `version`, and the shares."""
    pillars = list(version.pillars.values_list("key", "title")) if version else []
    counts = {
        f"p{i}": Count("pk", filter=Q(told_keys__contains=f",{key},"))
        for i, (key, _title) in enumerate(pillars)
    }
    stories = published_stories(filters).aggregate(total=Count("pk"), **counts)
    conversations = scoped_conversations(user, filters).aggregate(total=Count("pk"), **counts)
    rows = []
    for i, (key, title) in enumerate(pillars):
        told_s, told_c = stories[f"p{i}"], conversations[f"p{i}"]
        exact_gap = (
            100 * told_s / stories["total"] - 100 * told_c / conversations["total"]
            if stories["total"] and conversations["total"]
            else None
        )
        rows.append(
            {
                "key": key,
                "title": title,
                "stories": told_s,
                "story_share": percent(told_s, stories["total"]),
                "conversations": told_c,
                "conversation_share": percent(told_c, conversations["total"]),
                "gap": rounded(exact_gap),
            }
        )
    return {"rows": rows, "stories": stories["total"], "conversations": conversations["total"]}


# --- 2. Score trend ------------------------------------------------------------------------


def score_trend(user, filters: DashboardFilters) -> list[dict]:
    """Average score and count per week: stories by publication, conversations by date."""
    stories = {
        row["week"]: row
        for row in published_stories(filters)
        .annotate(week=_week("published_at"))
        .values("week")
        .annotate(avg=Avg("score"), n=Count("pk"))
        .order_by("week")
    }
    conversations = {
        row["week"]: row
        for row in scoped_conversations(user, filters)
        .annotate(week=_week("occurred_at"))
        .values("week")
        .annotate(avg=Avg("score"), n=Count("pk"))
        .order_by("week")
    }
    empty = {"avg": None, "n": 0}
    rows = []
    for week in filters.weeks():
        story, conversation = stories.get(week, empty), conversations.get(week, empty)
        rows.append(
            {
                "week": week,
                "story_avg": rounded(story["avg"]),
                "stories": story["n"],
                "conversation_avg": rounded(conversation["avg"]),
                "conversations": conversation["n"],
            }
        )
    return rows


# --- 3. Guardrail terms --------------------------------------------------------------------


def _hit(phrase: str) -> Q:
    return Q(hit_phrases__contains=f",{phrase.casefold()},")


def guardrail_hits(user, filters: DashboardFilters, version, limit=TOP_TERMS) -> list[dict]:
    """The guardrail terms of `version` hit most (stories and conversations together)."""
    guardrails = list(version.guardrails.values_list("phrase", "preferred")) if version else []
    counts = {f"g{i}": Count("pk", filter=_hit(phrase)) for i, (phrase, _) in enumerate(guardrails)}
    stories = published_stories(filters).aggregate(**counts) if counts else {}
    conversations = scoped_conversations(user, filters).aggregate(**counts) if counts else {}
    rows = [
        {
            "phrase": phrase,
            "preferred": preferred,
            "stories": stories[f"g{i}"],
            "conversations": conversations[f"g{i}"],
            "total": stories[f"g{i}"] + conversations[f"g{i}"],
        }
        for i, (phrase, preferred) in enumerate(guardrails)
    ]
    rows = [row for row in rows if row["total"]]
    rows.sort(key=lambda row: (-row["total"], row["phrase"].casefold()))
    return rows if limit is None else rows[:limit]


def guardrail_trend(user, filters: DashboardFilters, phrases: list[str]) -> list[dict]:
    """Hits per week of each phrase: [{"phrase", "weeks": [{"week", "stories", ...}]}]."""
    if not phrases:
        return []
    counts = {f"g{i}": Count("pk", filter=_hit(phrase)) for i, phrase in enumerate(phrases)}

    def per_week(entries, field):
        return {
            row["week"]: row
            for row in entries.annotate(week=_week(field)).values("week").annotate(**counts)
        }

    stories = per_week(published_stories(filters), "published_at")
    conversations = per_week(scoped_conversations(user, filters), "occurred_at")
    return [
        {
            "phrase": phrase,
            "weeks": [
                {
                    "week": week,
                    "stories": stories.get(week, {}).get(f"g{i}", 0),
                    "conversations": conversations.get(week, {}).get(f"g{i}", 0),
                }
                for week in filters.weeks()
            ],
        }
        for i, phrase in enumerate(phrases)
    ]


# --- 4. Story usage ------------------------------------------------------------------------


def _stories_with_uses(user, filters: DashboardFilters):
    """Every published story, with how many of the scoped conversations used it."""
    used = Count("conversations", filter=conversation_scope(user, filters, "conversations__"))
    return published_stories(filters, dated=False).annotate(uses=used)


def story_usage(user, filters: DashboardFilters, limit=TOP_STORIES) -> dict:
    """The published stories sales used most within the range, and those nobody used."""
    stories = _stories_with_uses(user, filters)
    fields = ("pk", "title", "published_at", "uses")
    unused = stories.filter(uses=0)
    return {
        "top": list(stories.filter(uses__gt=0).order_by("-uses", "title").values(*fields)[:limit]),
        "unused": list(unused.order_by("-published_at", "pk").values(*fields)[:UNUSED_SHOWN]),
        "unused_count": unused.count(),
    }


def all_story_usage(user, filters: DashboardFilters) -> list[dict]:
    """Every published story with its uses, most used first (for the export)."""
    stories = _stories_with_uses(user, filters).order_by("-uses", "title", "pk")
    return list(stories.values("pk", "title", "published_at", "uses"))


# --- 5. Per team and per person ------------------------------------------------------------


def team_figures(user, filters: DashboardFilters) -> list[dict]:
    """Average score and number of entries per team: marketing teams by their authors'
    published stories, sales teams by their reps' (scoped) conversations."""
    told = Q(
        members__stories__status=Story.Status.PUBLISHED,
        members__stories__published_at__gte=filters.start,
        members__stories__published_at__lt=filters.end,
    )
    marketing = Team.objects.filter(function=MARKETING)
    if filters.narrows(MARKETING):
        marketing = marketing.filter(pk=filters.team.pk)
    marketing = marketing.annotate(
        n=Count("members__stories", filter=told),
        avg=Avg("members__stories__score", filter=told),
    )
    held = conversation_scope(user, filters, "members__conversations__")
    sales = Team.objects.filter(function=SALES)
    people = _people(user)
    if people is not None:
        sales = sales.filter(pk__in=Membership.objects.filter(user_id__in=people).values("team"))
    if filters.narrows(SALES):
        sales = sales.filter(pk=filters.team.pk)
    sales = sales.annotate(
        n=Count("members__conversations", filter=held),
        avg=Avg("members__conversations__score", filter=held),
    )
    rows = []
    for side, teams in (("marketing", marketing), ("sales", sales)):
        for team in teams.order_by("name").values("pk", "name", "n", "avg"):
            rows.append(
                {
                    "team": team["name"],
                    "side": side,
                    "entries": team["n"],
                    "avg": rounded(team["avg"]),
                }
            )
    return rows


def _name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def person_figures(user, filters: DashboardFilters) -> dict | None:
    """Per person, for those who may see people: {"rows", "conversations_shown"}; else None.

    Managers see everyone with entries in the range; a lead every member of the teams they
    lead. Conversation figures only for managers and sales, whose business individuals are.
    """
    if not sees_people_on_dashboard(user):
        return None
    people = None if is_manager(user) else led_member_ids(user)
    conversations_shown = is_manager(user) or is_sales(user)
    figures: dict[int, dict] = {}

    def person(pk, first, last, username):
        return figures.setdefault(
            pk,
            {
                "name": _name(first, last, username),
                "stories": 0,
                "story_avg": None,
                "conversations": 0,
                "conversation_avg": None,
            },
        )

    if people is not None:
        members = User.objects.filter(pk__in=people)
        for names in members.values_list("pk", "first_name", "last_name", "username"):
            person(*names)
    stories = published_stories(filters)
    if people is not None:
        stories = stories.filter(author_id__in=people)
    author = ("author_id", "author__first_name", "author__last_name", "author__username")
    for row in stories.values(*author).annotate(n=Count("pk"), avg=Avg("score")).order_by():
        entry = person(*(row[field] for field in author))
        entry.update(stories=row["n"], story_avg=rounded(row["avg"]))
    if conversations_shown:
        conversations = scoped_conversations(user, filters)
        if people is not None:
            conversations = conversations.filter(rep_id__in=people)
        rep = ("rep_id", "rep__first_name", "rep__last_name", "rep__username")
        for row in conversations.values(*rep).annotate(n=Count("pk"), avg=Avg("score")).order_by():
            entry = person(*(row[field] for field in rep))
            entry.update(conversations=row["n"], conversation_avg=rounded(row["avg"]))
    rows = sorted(figures.values(), key=lambda row: row["name"].casefold())
    return {"rows": rows, "conversations_shown": conversations_shown}
