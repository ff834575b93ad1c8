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
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, DateField, F, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from stories.filters import start_of_day, start_of_next_day
from stories.models import CompanyRollup, ConversationRollup, Story, StoryUseRollup
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
        return start_of_day(self.since)

    @property
    def end(self) -> datetime:
        """The first moment after the range."""
        return start_of_next_day(self.until)

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


def _summaries(model, user, filters: DashboardFilters):
    """The summary rows of the conversations this user's sales figures count."""
    rows = model.objects.filter(day__gte=filters.since, day__lte=filters.until)
    people = _people(user)
    if people is not None:
        rows = rows.filter(rep_id__in=people)
    if filters.narrows(SALES):
        rows = rows.filter(rep_id__in=_members(filters.team))
    return rows


def conversation_summaries(
    user, filters: DashboardFilters, kind=ConversationRollup.Kind.ALL, *, per_rep=False
):
    """Summary rows (stories.rollups keeps them) of the scoped conversations, per day and
    rep; or, for those who see every conversation, per day for the company when the rep
    does not matter (`per_rep=False`): one row a day instead of one per rep."""
    if not per_rep and _people(user) is None and not filters.narrows(SALES):
        days = CompanyRollup.objects.filter(day__gte=filters.since, day__lte=filters.until)
        return days.filter(kind=kind)
    return _summaries(ConversationRollup, user, filters).filter(kind=kind)


def story_use_summaries(user, filters: DashboardFilters):
    return _summaries(StoryUseRollup, user, filters)


SUMMED = {"n": Sum("entries"), "scored": Sum("scored"), "score_sum": Sum("score_sum")}


def _average(row) -> float | None:
    """What Avg("score") over the summarized conversations would give."""
    return row["score_sum"] / row["scored"] if row.get("scored") else None


def _week(field: str):
    return TruncWeek(field, output_field=DateField())


def monday(day: date) -> date:
    """The week a day belongs to, as TruncWeek names it."""
    return day - timedelta(days=day.weekday())


# --- 1. Pillar coverage --------------------------------------------------------------------


def pillar_coverage(user, filters: DashboardFilters, version) -> dict:
    """How many stories and conversations tell each pillar of `version`, and the shares."""
    pillars = list(version.pillars.values_list("key", "title")) if version else []
    counts = {
        f"p{i}": Count("pk", filter=Q(told_keys__includes=key))
        for i, (key, _title) in enumerate(pillars)
    }
    stories = published_stories(filters).aggregate(total=Count("pk"), **counts)
    told = dict(
        conversation_summaries(user, filters, ConversationRollup.Kind.PILLAR)
        .filter(key__in=[key for key, _title in pillars])
        .values("key")
        .annotate(n=Sum("entries"))
        .values_list("key", "n")
    )
    conversations = {
        "total": conversation_summaries(user, filters).aggregate(n=Sum("entries"))["n"] or 0,
        **{f"p{i}": told.get(key, 0) for i, (key, _title) in enumerate(pillars)},
    }
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
        .annotate(avg=Avg("score"), n=Count("pk"), scored=Count("score"), score_sum=Sum("score"))
        .order_by("week")
    }
    conversations = defaultdict(lambda: {"n": 0, "scored": 0, "score_sum": 0})
    for row in conversation_summaries(user, filters).values("day").annotate(**SUMMED):
        week = conversations[monday(row["day"])]
        for name in week:
            week[name] += row[name]
    empty = {"avg": None, "n": 0, "scored": 0, "score_sum": 0}
    rows = []
    for week in filters.weeks():
        story = stories.get(week, empty)
        conversation = conversations.get(week, empty)
        rows.append(
            {
                "week": week,
                "story_avg": rounded(story["avg"]),
                "stories": story["n"],
                "conversation_avg": rounded(_average(conversation)),
                "conversations": conversation["n"],
                # The sums behind the averages, for the averages over the whole range.
                "story_scored": story["scored"],
                "story_score_sum": story["score_sum"] or 0,
                "conversation_scored": conversation["scored"],
                "conversation_score_sum": conversation["score_sum"],
            }
        )
    return rows


# --- At a glance ---------------------------------------------------------------------------


def glance(coverage: dict, trend: list[dict], guardrails: list[dict], usage: dict) -> dict:
    """The few figures a manager acts on, taken from the sections' own figures (no query):
    the average scores over the range, the pillar told least alike by the two sides, the
    term to avoid heard most and how many published stories nobody used."""

    def average(side: str) -> int | None:
        scored = sum(row[f"{side}_scored"] for row in trend)
        total = sum(row[f"{side}_score_sum"] for row in trend)
        return rounded(total / scored) if scored else None

    gaps = [row for row in coverage["rows"] if row["gap"]]
    return {
        "stories": coverage["stories"],
        "story_avg": average("story"),
        "conversations": coverage["conversations"],
        "conversation_avg": average("conversation"),
        "widest_gap": max(gaps, key=lambda row: abs(row["gap"]), default=None),
        "top_term": guardrails[0] if guardrails else None,
        "unused": usage["unused_count"],
    }


# --- 3. Guardrail terms --------------------------------------------------------------------


def _hit(phrase: str) -> Q:
    return Q(hit_phrases__includes=phrase.casefold())


def _hits(user, filters: DashboardFilters, phrases):
    keys = [phrase.casefold() for phrase in phrases]
    return conversation_summaries(user, filters, ConversationRollup.Kind.HIT).filter(key__in=keys)


def guardrail_hits(user, filters: DashboardFilters, version, limit=TOP_TERMS) -> list[dict]:
    """The guardrail terms of `version` hit most (stories and conversations together)."""
    guardrails = list(version.guardrails.values_list("phrase", "preferred")) if version else []
    counts = {f"g{i}": Count("pk", filter=_hit(phrase)) for i, (phrase, _) in enumerate(guardrails)}
    stories = published_stories(filters).aggregate(**counts) if counts else {}
    conversations = dict(
        _hits(user, filters, [phrase for phrase, _ in guardrails])
        .values("key")
        .annotate(n=Sum("entries"))
        .values_list("key", "n")
    )
    rows = [
        {
            "phrase": phrase,
            "preferred": preferred,
            "stories": stories[f"g{i}"],
            "conversations": conversations.get(phrase.casefold(), 0),
            "total": stories[f"g{i}"] + conversations.get(phrase.casefold(), 0),
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

    stories = {
        row["week"]: row
        for row in published_stories(filters)
        .annotate(week=_week("published_at"))
        .values("week")
        .annotate(**counts)
    }
    conversations = defaultdict(int)  # (week, phrase) -> hits
    for day, key, n in (
        _hits(user, filters, phrases)
        .values("day", "key")
        .annotate(n=Sum("entries"))
        .values_list("day", "key", "n")
    ):
        conversations[(monday(day), key)] += n
    return [
        {
            "phrase": phrase,
            "weeks": [
                {
                    "week": week,
                    "stories": stories.get(week, {}).get(f"g{i}", 0),
                    "conversations": conversations[(week, phrase.casefold())],
                }
                for week in filters.weeks()
            ],
        }
        for i, phrase in enumerate(phrases)
    ]


# --- 4. Story usage ------------------------------------------------------------------------


def _uses(user, filters: DashboardFilters):
    """Uses per story by the scoped conversations within the range, from the summaries."""
    return story_use_summaries(user, filters).values("story").annotate(uses=Sum("uses"))


def story_usage(user, filters: DashboardFilters, limit=TOP_STORIES) -> dict:
    """The published stories sales used most within the range, and those nobody used.

    Queries of ids and counts, joined here: the uses per story within the range (from the
    summaries), which published stories were used, the newest ones; then the titles of only
    the stories shown. Joining stories to uses in SQL first sorts every used story by title.
    """
    uses = dict(_uses(user, filters).values_list("story", "uses"))
    stories = published_stories(filters, dated=False)
    in_range = story_use_summaries(user, filters).values("story")
    used_ids = set(stories.filter(pk__in=in_range).values_list("pk", flat=True))
    # Among the newest len(used_ids) + UNUSED_SHOWN stories, at least UNUSED_SHOWN are unused.
    newest = stories.order_by("-published_at", "pk").values_list("pk", flat=True)
    newest = list(newest[: len(used_ids) + UNUSED_SHOWN])
    unused = [pk for pk in newest if pk not in used_ids][:UNUSED_SHOWN]
    unused_count = stories.count() - len(used_ids)
    used = sorted((-uses[pk], pk) for pk in used_ids)
    # The last story shown has `threshold` uses; of those tied with it, the first by title.
    threshold = -used[limit - 1][0] if len(used) >= limit else 0
    above = [pk for minus, pk in used if -minus > threshold]
    tied = [pk for minus, pk in used if -minus == threshold]
    # One query for every title shown: those above, those tied (by title) and the unused.
    fields = ("pk", "title", "published_at")
    titled = Story.objects.filter(pk__in=above + tied + unused).order_by("title", "pk")
    shown = {story["pk"]: story for story in titled.values(*fields)}
    top = sorted(
        ({**shown[pk], "uses": uses[pk]} for pk in above),
        key=lambda story: (-story["uses"], story["title"]),
    )
    tied = set(tied)
    top += [{**story, "uses": threshold} for pk, story in shown.items() if pk in tied]
    top = top[:limit]
    return {
        "top": top,
        "unused": [{**shown[pk], "uses": 0} for pk in unused],
        "unused_count": unused_count,
    }


def all_story_usage(user, filters: DashboardFilters) -> list[dict]:
    """Every published story with its uses, most used first (for the export)."""
    uses = dict(_uses(user, filters).values_list("story", "uses"))
    stories = [
        {**story, "uses": uses.get(story["pk"], 0)}
        for story in published_stories(filters, dated=False).values("pk", "title", "published_at")
    ]
    stories.sort(key=lambda story: (-story["uses"], story["title"], story["pk"]))
    return stories


# --- 5. Per team and per person ------------------------------------------------------------


def team_figures(user, filters: DashboardFilters) -> list[dict]:
    """Average score and number of entries per team: marketing teams by their authors'
    published stories, sales teams by their reps' (scoped) conversations."""
    marketing = Team.objects.filter(function=MARKETING)
    if filters.narrows(MARKETING):
        marketing = marketing.filter(pk=filters.team.pk)
    # The range in WHERE, so only the range's stories are read (an index scan).
    written = {
        row["team"]: row
        for row in published_stories(filters)
        .filter(author__memberships__team__in=marketing)
        .values(team=F("author__memberships__team"))
        .annotate(n=Count("pk"), avg=Avg("score"))
    }
    marketing = [
        {
            **team,
            "n": written.get(team["pk"], {}).get("n", 0),
            "avg": written.get(team["pk"], {}).get("avg"),
        }
        for team in marketing.order_by("name").values("pk", "name")
    ]
    sales = Team.objects.filter(function=SALES)
    people = _people(user)
    if people is not None:
        sales = sales.filter(pk__in=Membership.objects.filter(user_id__in=people).values("team"))
    if filters.narrows(SALES):
        sales = sales.filter(pk=filters.team.pk)
    held = {
        row["team"]: row
        for row in conversation_summaries(user, filters, per_rep=True)
        .filter(rep__memberships__team__in=sales)
        .values(team=F("rep__memberships__team"))
        .annotate(**SUMMED)
    }
    sales = [
        {
            **team,
            "n": held.get(team["pk"], {}).get("n", 0),
            "avg": _average(held.get(team["pk"], {})),
        }
        for team in sales.order_by("name").values("pk", "name")
    ]
    rows = []
    for side, teams in (
        ("marketing", marketing),
        ("sales", sales),
    ):
        for team in teams:
            rows.append(
                {
                    "team": team["name"],
                    "side": side,
                    "entries": team["n"],
                    "avg": rounded(team["avg"]),
                }
            )
    return rows


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
                "name": User.name_from(first, last, username),
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
        conversations = conversation_summaries(user, filters, per_rep=True)
        if people is not None:
            conversations = conversations.filter(rep_id__in=people)
        rep = ("rep_id", "rep__first_name", "rep__last_name", "rep__username")
        for row in conversations.values(*rep).annotate(**SUMMED):
            entry = person(*(row[field] for field in rep))
            entry.update(conversations=row["n"], conversation_avg=rounded(_average(row)))
    rows = sorted(figures.values(), key=lambda row: row["name"].casefold())
    return {"rows": rows, "conversations_shown": conversations_shown}
