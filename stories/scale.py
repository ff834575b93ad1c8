"""A large, realistic company written in bulk, for load tests: `manage.py seed_scale`.

Everything is drawn from one seeded random generator:

* People: sales teams (~80% of users, each with a lead), marketing teams (~15%) and one
  management team, all with the password "plumbline-scale" (hashed once).
* Clients owned by sales people (busy reps own more), 1-4 contacts each, each created
  shortly before its first conversation. A rep's conversations go to their own clients; how
  busy a rep is follows log-normal weights (a few busy reps, many quiet ones) and how often
  each of their clients is talked to Zipf weights (a few key accounts).
* Stories in every status (mostly published), published over the last three years; the
  ones used in conversations follow Zipf weights and ~30% of published stories are never
  used. A conversation only uses stories published before it took place. Every story has
  its first revision.
* Dates: three years, on working days in working hours, three times as busy at the end as
  at the start. Conversation ids follow their dates.
* Every entry is written under the current plumb-line version and checked against it
  (checked_version is that version; nothing is in previous_*).
* Texts are short sentences composed from a small vocabulary and the current plumb line's
  key phrases (pillars told unevenly), with a guardrail phrase in ~15% of entries. Every
  stored check is real: `plumbline.consistency.check` against the current version, stored
  as `AlignedEntry.run_check` stores it.

Rows are written in bulk: bulk_create everywhere, and on PostgreSQL COPY for conversations
and their many-to-many rows (ids come from the table's sequence first, so the many-to-many
rows can point at them). One batch of conversations is one transaction.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import random
import re
import time
from array import array
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, connections, transaction
from django.utils import timezone

from plumbline.consistency import check
from plumbline.demo import seed_plumbline
from plumbline.models import Pillar, PlumbLineVersion
from stories.models import (
    Audience,
    Client,
    Contact,
    Conversation,
    Story,
    StoryRevision,
    TcoTopic,
    normalized_name,
)
from stories.models.entries import flatten
from stories.scale_vocabulary import (
    AUDIENCE_NAMES,
    CHANNEL_WEIGHTS,
    FIRST_NAMES,
    FORMS,
    GOALS,
    LAST_NAMES,
    MARKETING_CRAFTS,
    NEXT_STEPS,
    OFFERS,
    OPENINGS,
    OUTCOMES,
    PLACES,
    QUALIFIERS,
    REVIEWER_COMMENTS,
    RISKS,
    ROLES,
    SALES_REGIONS,
    SECTORS,
    SIZE_WEIGHTS,
    SLIPS,
    STATUS_SHARES,
    STORY_CHANNEL_WEIGHTS,
    STORY_FILLER,
    STORY_TOLD,
    SUBJECTS,
    SUMMARIES,
    TAILS,
    THINGS,
    TITLES,
    TOLD,
    TOPICS,
    TRADES,
    VERBS,
)
from teams.models import Membership, Team, User

PASSWORD = "plumbline-scale"  # noqa: S105 — generated load-test people only
YEARS = 3
GROWTH = 3.0  # how much busier the last day of the window is than the first
DAY = 86400.0
GUARDRAIL_SHARE = 0.15  # entries with a guardrail phrase in them
# Published stories nobody will use; with those published too late or too unpopular to be
# drawn, ~30% of published stories end up unused.
NEVER_USED_SHARE = 0.25


class ScaleError(Exception):
    """The dataset cannot be built as asked (explained in the message)."""


# --- Vocabulary ---------------------------------------------------------------------------


# --- Helpers ------------------------------------------------------------------------------


def zipf_weights(count: int, exponent: float, rng: random.Random) -> list[float]:
    """Weights 1/rank**exponent, in random order: a few heavy items and a long tail."""
    weights = [1.0 / rank**exponent for rank in range(1, count + 1)]
    rng.shuffle(weights)
    return weights


class Weighted:
    """Draws indexes in proportion to weights, one bisect per draw.

    ``upto`` restricts a draw to the first items (e.g. stories published by then).
    """

    def __init__(self, weights: Sequence[float]):
        self.cumulative = list(itertools.accumulate(weights))

    def __len__(self) -> int:
        return len(self.cumulative)

    def draw(self, rng: random.Random, upto: int | None = None) -> int:
        upto = len(self.cumulative) if upto is None else upto
        limit = self.cumulative[upto - 1]
        return min(bisect.bisect_right(self.cumulative, rng.random() * limit, 0, upto), upto - 1)

    def draw_distinct(self, rng: random.Random, count: int, upto: int | None = None) -> set:
        upto = len(self.cumulative) if upto is None else upto
        if not upto or count <= 0 or not self.cumulative[upto - 1]:
            return set()
        chosen: set[int] = set()
        for _ in range(4 * count):
            chosen.add(self.draw(rng, upto))
            if len(chosen) == count:
                break
        return chosen


def weighted_keys(table: dict) -> tuple[list, list]:
    return list(table), list(itertools.accumulate(table.values()))


class Timeline:
    """Moments in the last three years: more of them lately, on working days and hours."""

    def __init__(self, end: datetime, years: int = YEARS, growth: float = GROWTH):
        self.end = end.timestamp()
        self.start = self.end - years * 365 * DAY
        self.growth = growth
        self.rate = math.log(growth)

    def moment(self, rng: random.Random, working: bool = True) -> float:
        # Inverse of the distribution function of a density growing like exp(rate * u).
        u = math.log1p(rng.random() * (self.growth - 1)) / self.rate
        stamp = self.start + u * (self.end - self.start)
        if not working:
            return stamp
        day = math.floor(stamp / DAY)
        weekday = (day + 3) % 7  # 1 January 1970 was a Thursday
        if weekday >= 5 and rng.random() < 0.9:
            day += -1 if weekday == 5 else 1
        return min(day * DAY + 7.5 * 3600 + rng.random() * 10.5 * 3600, self.end)

    @staticmethod
    def at(stamp: float) -> datetime:
        return datetime.fromtimestamp(stamp, UTC)


class Progress:
    """One line per batch: a bar, done/total, rate and the time left."""

    def __init__(self, label: str, total: int, write: Callable[[str], None], width: int = 30):
        self.label, self.total, self.write, self.width = label, total, write, width
        self.started = time.monotonic()

    def update(self, done: int) -> None:
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate if rate else 0.0
        share = done / self.total if self.total else 1.0
        filled = round(self.width * share)
        bar = "#" * filled + "-" * (self.width - filled)
        self.write(
            f"{self.label:<13} [{bar}] {done:>10,}/{self.total:,} {100 * share:5.1f}%  "
            f"{rate:>8,.0f}/s  elapsed {duration(elapsed)}  ETA {duration(left)}"
        )


def duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


@contextmanager
def explicit_timestamps(*models):
    """Let bulk_create keep the created_at/updated_at values given, instead of "now".

    auto_now(_add) fields set themselves in pre_save; for back-dated rows that is switched
    off on the field objects for the duration, and switched back on afterwards.
    """
    fields = [
        field
        for model in models
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


# --- Texts --------------------------------------------------------------------------------


class Writer:
    """Composes entry texts from the vocabulary and one plumb-line version's phrases."""

    def __init__(self, spec, rng: random.Random):
        self.rng = rng
        self.pillars = [p for p in spec.pillars if p.key_phrases]
        self.all_keys = [p.key for p in spec.pillars]
        # Pillars are told unevenly: the most told one about five times the least.
        self.pillar_weights = Weighted(zipf_weights(len(self.pillars), 1.0, rng))
        self.guardrails = [g.phrase for g in spec.guardrails]
        self.fillers = [
            f"{subject} {verb} the {thing}{tail}."
            for subject in SUBJECTS
            for verb in VERBS
            for thing in THINGS
            for tail in TAILS
        ]

    def _told(self, count: int) -> list:
        indexes = self.pillar_weights.draw_distinct(self.rng, count) if self.pillars else ()
        return [self.pillars[i] for i in sorted(indexes)]

    def _phrases(self, pillar) -> list[str]:
        depth = self.rng.choices((1, 2, 3), (60, 30, 10))[0]
        return self.rng.sample(pillar.key_phrases, min(depth, len(pillar.key_phrases)))

    def _slips(self) -> list[str]:
        if not self.guardrails or self.rng.random() >= GUARDRAIL_SHARE:
            return []
        count = 1 if self.rng.random() < 0.8 else 2
        return [
            self.rng.choice(SLIPS).format(g=phrase)
            for phrase in self.rng.sample(self.guardrails, min(count, len(self.guardrails)))
        ]

    def _tagged(self, told: list) -> list[str]:
        """What the author tags: mostly what they told, now and then more or less."""
        rng = self.rng
        keys = [p.key for p in told]
        if keys and rng.random() < 0.1:
            keys.remove(rng.choice(keys))
        if self.all_keys and rng.random() < 0.15:
            keys.append(rng.choice(self.all_keys))
        return sorted(set(keys))

    def conversation(self) -> tuple[dict, list[str]]:
        """The text fields of one conversation and the pillar keys it is tagged with."""
        rng = self.rng
        told = self._told(rng.choices((0, 1, 2, 3), (10, 45, 30, 15))[0])
        sentences = [
            rng.choice(TOLD).format(p=phrase, P=capitalized(phrase))
            for pillar in told
            for phrase in self._phrases(pillar)
        ]
        filler = min(40, int(rng.expovariate(0.35)))  # mostly short, now and then long
        sentences += [
            rng.choice(self.fillers).format(role=rng.choice(ROLES)) for _ in range(filler)
        ]
        sentences += self._slips()
        rng.shuffle(sentences)
        paragraphs = [" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)]
        fields = {
            "summary": rng.choice(OPENINGS).format(
                role=rng.choice(ROLES), thing=rng.choice(THINGS)
            ),
            "notes": "\n\n".join(paragraphs),
            "client_goals": rng.choice(GOALS) if rng.random() < 0.7 else "",
            "risks": rng.choice(RISKS) if rng.random() < 0.5 else "",
            "outcome": rng.choice(OUTCOMES) if rng.random() < 0.8 else "",
            "next_step": rng.choice(NEXT_STEPS) if rng.random() < 0.7 else "",
        }
        return fields, self._tagged(told)

    def story(self) -> tuple[dict, list[str]]:
        """Title, summary, body and offer of one story, and the pillar keys it is tagged with."""
        rng = self.rng
        told = self._told(rng.choices((1, 2, 3), (40, 45, 15))[0])
        words = {
            "sector": rng.choice(SECTORS),
            "sector_one": rng.choice(SECTORS).rstrip("s"),
            "topic": rng.choice(TOPICS),
            "n": rng.choice(("Three", "Five", "Seven")),
        }
        words["Sector"], words["Topic"] = capitalized(words["sector"]), capitalized(words["topic"])
        told_sentences = []
        for pillar in told:
            for phrase in self._phrases(pillar):
                shown = f"**{phrase}**" if rng.random() < 0.2 else phrase
                told_sentences.append(rng.choice(STORY_TOLD).format(p=shown, P=capitalized(shown)))
        sentences = told_sentences + [
            rng.choice(STORY_FILLER).format(**words) for _ in range(rng.randint(2, 12))
        ]
        sentences += self._slips()
        rng.shuffle(sentences)
        paragraphs = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
        if rng.random() < 0.3 and len(paragraphs) > 1:
            paragraphs[-1] = "\n".join(f"- {s}" for s in re.split(r"(?<=\.) ", paragraphs[-1]))
        fields = {
            "title": rng.choice(TITLES).format(**words),
            "summary": rng.choice(SUMMARIES).format(**words),
            "body": "\n\n".join(paragraphs),
            "offer": rng.choice(OFFERS) if rng.random() < 0.3 else "",
        }
        return fields, self._tagged(told)


def checked(text: str, version: PlumbLineVersion, spec, tagged, now) -> tuple:
    """What AlignedEntry.run_check stores, for a row written without a model instance.

    (check_report, score, band, checked_at, checked_version_id, told_keys, hit_phrases)
    """
    report = check(text, spec, tagged)
    return (
        report.to_dict(),
        report.score,
        report.band,
        now,
        version.pk,
        flatten(report.evidence),
        flatten(hit.phrase.casefold() for hit in report.guardrail_hits),
    )


# --- Writing conversations ----------------------------------------------------------------

# Conversation columns in the order rows are built; any other column gets its default.
CONVERSATION_FIELDS = (
    "plumbline_version_id",
    "check_report",
    "score",
    "band",
    "checked_at",
    "checked_version_id",
    "told_keys",
    "hit_phrases",
    "previous_report",
    "previous_score",
    "previous_band",
    "client_id",
    "rep_id",
    "occurred_at",
    "channel",
    "summary",
    "notes",
    "client_goals",
    "risks",
    "outcome",
    "next_step",
    "next_step_due",
    "submission_token",
    "lock_version",
    "created_at",
    "updated_at",
)
CONVERSATION_M2M = ("pillars", "contacts", "tco_topics", "stories_used")


def _through(model, name: str):
    """The through model of a many-to-many field, and its two foreign-key attnames."""
    field = model._meta.get_field(name)
    through = field.remote_field.through
    return (
        through,
        through._meta.get_field(field.m2m_field_name()).attname,
        through._meta.get_field(field.m2m_reverse_field_name()).attname,
    )


class BulkCreateWriter:
    """Any database: batched bulk_create (SQLite returns the new ids)."""

    def __init__(self, batch: int):
        self.batch = batch
        self.throughs = {name: _through(Conversation, name) for name in CONVERSATION_M2M}

    def write(self, rows: list[tuple], links: dict[str, list[tuple[int, int]]]) -> None:
        names = CONVERSATION_FIELDS
        objects = [Conversation(**dict(zip(names, row, strict=True))) for row in rows]
        with explicit_timestamps(Conversation):
            Conversation.objects.bulk_create(objects, batch_size=self.batch)
        ids = [obj.pk for obj in objects]
        for name, pairs in links.items():
            through, own, other = self.throughs[name]
            through.objects.bulk_create(
                [through(**{own: ids[at], other: target}) for at, target in pairs],
                batch_size=self.batch,
            )


class CopyWriter:
    """PostgreSQL: ids from the sequence first, then COPY for every row (psycopg 3)."""

    def __init__(self, batch: int):
        quote = connection.ops.quote_name
        meta = Conversation._meta
        known = {meta.get_field(name.removesuffix("_id")).attname for name in CONVERSATION_FIELDS}
        others = [f for f in meta.concrete_fields if f.attname not in known and not f.primary_key]
        self.defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in others)
        columns = [meta.pk.column]
        columns += [meta.get_field(name.removesuffix("_id")).column for name in CONVERSATION_FIELDS]
        columns += [f.column for f in others]
        self.table = meta.db_table
        self.pk_column = meta.pk.column
        self.copy_sql = f"COPY {quote(self.table)} ({', '.join(map(quote, columns))}) FROM STDIN"
        self.link_sql = {}
        for name in CONVERSATION_M2M:
            field = meta.get_field(name)
            through_table = field.remote_field.through._meta.db_table
            cols = ", ".join(map(quote, (field.m2m_column_name(), field.m2m_reverse_name())))
            self.link_sql[name] = f"COPY {quote(through_table)} ({cols}) FROM STDIN"
        self.json_columns = [
            i for i, name in enumerate(CONVERSATION_FIELDS) if name.endswith("report")
        ]

    def allocate(self, count: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [self.table, self.pk_column, count],
            )
            return [row[0] for row in cursor.fetchall()]

    def write(self, rows: list[tuple], links: dict[str, list[tuple[int, int]]]) -> None:
        ids = self.allocate(len(rows))
        dumps = json.JSONEncoder(separators=(",", ":")).encode
        json_columns, defaults = self.json_columns, self.defaults
        with connection.cursor() as cursor, cursor.connection.cursor() as raw:
            with raw.copy(self.copy_sql) as copy:
                for pk, row in zip(ids, rows, strict=True):
                    row = list(row)
                    for i in json_columns:
                        row[i] = dumps(row[i])
                    copy.write_row((pk, *row, *defaults))
            for name, pairs in links.items():
                with raw.copy(self.link_sql[name]) as copy:
                    for at, target in pairs:
                        copy.write_row((ids[at], target))


# --- The seeder ---------------------------------------------------------------------------


@dataclass
class Options:
    """What to add: how many of each, the random seed, and rows per batch (transaction)."""

    conversations: int = 1_000_000
    stories: int = 50_000
    clients: int = 20_000
    users: int = 500
    seed: int = 1
    batch: int = 20_000


class Seeder:
    """Writes one dataset (see the module docstring); `run` returns the rows added per kind."""

    def __init__(self, options: Options, write: Callable[[str], None] = print):
        self.o = options
        self.write = write
        self.rng = random.Random(options.seed)
        self.now = timezone.now().replace(microsecond=0) - timedelta(hours=1)
        self.timeline = Timeline(self.now)
        self.counts: dict[str, int] = {}

    def run(self) -> dict[str, int]:
        if self.o.batch < 1:
            raise ScaleError("--batch must be at least 1.")
        if self.o.conversations and self.o.clients < 1:
            raise ScaleError("Conversations need at least one client (--clients).")
        _team_plan(self.o.users)  # refuses too few people before anything is written
        with transaction.atomic():
            self.people()
            self.version = self.current_version()
            self.audiences()
        self.spec = self.version.cached_spec()
        self.writer = Writer(self.spec, self.rng)
        self.pillar_ids = dict(Pillar.objects.filter(version=self.version).values_list("key", "pk"))
        self.plan_clients()
        self.stories()
        self.clients()
        self.conversations()
        self.analyze()
        return self.counts

    def analyze(self) -> None:
        """Fresh planner statistics on PostgreSQL, so queries right after see the new rows."""
        if not on_postgresql():
            return
        started = time.monotonic()
        models = [Client, Contact, Story, StoryRevision, Conversation]
        models += [
            getattr(model, name).through
            for model, names in (
                (Story, ("pillars", "audiences")),
                (Conversation, CONVERSATION_M2M),
            )
            for name in names
        ]
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.write(f"Analyzed {len(models)} tables in {duration(time.monotonic() - started)}.")

    def count(self, name: str, added: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + added

    # People ----------------------------------------------------------------------------

    def people(self) -> None:
        """Sales, marketing and management teams; people already there are kept as they are."""
        rng, timeline = self.rng, self.timeline
        teams = _team_plan(self.o.users)
        width = max(4, len(str(self.o.users)))
        numbers = {prefix: itertools.count(1) for *_, prefix in teams}
        plan = []  # (username, team index, role): the first of a sales or marketing team leads
        for index, (_, _, function, size, prefix) in enumerate(teams):
            for member in range(size):
                lead = member == 0 and function != Team.Function.MANAGEMENT
                role = Membership.Role.LEAD if lead else Membership.Role.MEMBER
                plan.append((f"scale-{prefix}-{next(numbers[prefix]):0{width}d}", index, role))
        team_rows = [
            Team.objects.get_or_create(slug=slug, defaults={"name": name, "function": function})[0]
            for name, slug, function, _, _ in teams
        ]
        usernames = [username for username, _, _ in plan]
        existing = set(
            User.objects.filter(username__in=usernames).values_list("username", flat=True)
        )
        password = make_password(PASSWORD)  # once: hashing is slow on purpose
        new = [
            User(
                username=username,
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                email=f"{username}@scale.example",
                password=password,
                date_joined=timeline.at(timeline.start - rng.uniform(30, 1500) * DAY),
            )
            for username in usernames
            if username not in existing
        ]
        User.objects.bulk_create(new, batch_size=self.o.batch)
        self.count("users", len(new))
        users = User.objects.in_bulk(usernames, field_name="username")
        members = set(
            Membership.objects.filter(team__in=team_rows).values_list("user_id", "team_id")
        )
        missing = [
            Membership(user=users[name], team=team_rows[index], role=role)
            for name, index, role in plan
            if (users[name].pk, team_rows[index].pk) not in members
        ]
        for membership in missing:
            membership.joined_at = membership.user.date_joined
        with explicit_timestamps(Membership):
            Membership.objects.bulk_create(missing, batch_size=self.o.batch)
        self.count("memberships", len(missing))
        self.sellers, self.marketers, self.managers, self.leads = [], [], [], []
        groups = {
            Team.Function.SALES: self.sellers,
            Team.Function.MARKETING: self.marketers,
            Team.Function.MANAGEMENT: self.managers,
        }
        for name, index, role in plan:
            function = teams[index][2]
            groups[function].append(users[name])
            if function == Team.Function.MARKETING and role == Membership.Role.LEAD:
                self.leads.append(users[name])  # who publishes stories

    def current_version(self) -> PlumbLineVersion:
        version = PlumbLineVersion.objects.current()
        if version is not None:
            return version
        if PlumbLineVersion.objects.exists():
            raise ScaleError("No plumb-line version is current: publish one first.")
        version = seed_plumbline(manager=self.managers[0])
        self.write(f"Created the demo plumb line: version {version.number} is current.")
        return version

    def audiences(self) -> None:
        taken = set(Audience.objects.values_list("name", flat=True))
        new = []
        for kind, pattern in AUDIENCE_NAMES:
            for sector in SECTORS:
                name = pattern.format(sector=sector, Sector=capitalized(sector))
                if name not in taken:
                    new.append(Audience(name=name, kind=kind, description="Load-test audience."))
        Audience.objects.bulk_create(new)
        self.count("audiences", len(new))
        rows = list(Audience.objects.order_by("pk").values_list("pk", "name"))
        self.audience_ids = [pk for pk, _ in rows]
        self.audience_names = [name for _, name in rows]
        self.audience_weights = Weighted(zipf_weights(len(rows), 1.0, self.rng))

    # Clients and when conversations happen ----------------------------------------------

    def plan_clients(self) -> None:
        """Owners of the clients to be, and for every conversation its moment and client."""
        rng, count = self.rng, self.o.clients
        # A few busy reps, many quiet ones: the busiest about ten times the median.
        rep_weights = [rng.lognormvariate(0, 0.8) for _ in self.sellers]
        # Every rep owns a client while there are enough; busy reps own more of the rest.
        owners = list(range(len(self.sellers)))[:count]
        owner_pick = Weighted([w**0.5 for w in rep_weights])
        owners += [owner_pick.draw(rng) for _ in range(count - len(owners))]
        rng.shuffle(owners)
        self.client_owner = owners
        # A client's share of its rep's conversations: a few key accounts per rep.
        per_rep: dict[int, list[int]] = {}
        for index, owner in enumerate(owners):
            per_rep.setdefault(owner, []).append(index)
        weights = [0.0] * count
        for owner, indexes in per_rep.items():
            shares = zipf_weights(len(indexes), 1.0, rng)
            total = sum(shares)
            for index, share in zip(indexes, shares, strict=True):
                weights[index] = rep_weights[owner] * share / total
        pick = Weighted(weights)
        n = self.o.conversations
        moments = sorted(self.timeline.moment(rng) for _ in range(n))
        self.moments = array("d", moments)
        self.conversation_client = array("l", (pick.draw(rng) for _ in range(n)))
        first: dict[int, float] = {}
        for moment, client in zip(self.moments, self.conversation_client, strict=True):
            if client not in first:
                first[client] = moment
        self.client_created = [
            first[i] - rng.uniform(1, 90) * DAY if i in first else self.timeline.moment(rng)
            for i in range(count)
        ]

    def clients(self) -> None:
        rng, count = self.rng, self.o.clients
        taken = set(Client.objects.values_list("name_key", flat=True))
        names = _client_names(rng, taken)
        sizes, size_cum = weighted_keys(SIZE_WEIGHTS)
        objects = []
        for index in range(count):
            name, industry = next(names)
            objects.append(
                Client(
                    name=name,
                    name_key=normalized_name(name),
                    industry=industry,
                    size=rng.choices(sizes, cum_weights=size_cum)[0],
                    notes=rng.choice(GOALS) if rng.random() < 0.3 else "",
                    owner=self.sellers[self.client_owner[index]],
                    created_at=self.timeline.at(self.client_created[index]),
                )
            )
        progress = Progress("clients", count, self.write)
        self.client_ids: list[int] = []
        self.client_contacts: list[list[int]] = []
        for start in range(0, count, self.o.batch):
            chunk = objects[start : start + self.o.batch]
            contacts = []
            with transaction.atomic(), explicit_timestamps(Client):
                Client.objects.bulk_create(chunk, batch_size=self.o.batch)
                for client in chunk:
                    domain = re.sub(r"[^a-z0-9]+", "", client.name_key)[:30] or "client"
                    for _ in range(rng.choices((1, 2, 3, 4), (35, 35, 20, 10))[0]):
                        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                        contacts.append(
                            Contact(
                                client_id=client.pk,
                                name=f"{first} {last}",
                                role=rng.choice(ROLES),
                                email=f"{first}.{last}@{domain}.example".lower(),
                                phone=f"+44 20 7946 {rng.randint(0, 9999):04d}"
                                if rng.random() < 0.6
                                else "",
                            )
                        )
                Contact.objects.bulk_create(contacts, batch_size=self.o.batch)
            by_client: dict[int, list[int]] = {}
            for contact in contacts:
                by_client.setdefault(contact.client_id, []).append(contact.pk)
            self.client_ids += [client.pk for client in chunk]
            self.client_contacts += [by_client.get(client.pk, []) for client in chunk]
            self.count("clients", len(chunk))
            self.count("contacts", len(contacts))
            progress.update(start + len(chunk))

    # Stories ---------------------------------------------------------------------------

    def stories(self) -> None:
        rng, count = self.rng, self.o.stories
        self.story_choices = (
            weighted_keys(STATUS_SHARES),
            weighted_keys(STORY_CHANNEL_WEIGHTS),
            Weighted(zipf_weights(len(self.marketers), 0.8, rng)),  # some write a lot
        )
        progress = Progress("stories", count, self.write)
        usable = []  # (published, pk, still published) of stories a conversation can use
        for start in range(0, count, self.o.batch):
            size = min(self.o.batch, count - start)
            drafted = [self.story() for _ in range(size)]
            self.write_stories(drafted)
            usable += [
                (story.published_at.timestamp(), story.pk, story.status == "published")
                for story, _, _ in drafted
                if story.published_at
            ]
            self.count("stories", size)
            progress.update(start + size)
        usable.sort()
        self.usable_moments = array("d", (moment for moment, _, _ in usable))
        self.usable_ids = [pk for _, pk, _ in usable]
        weights = zipf_weights(len(usable), 0.8, rng)
        for index, (_, _, live) in enumerate(usable):
            if live and rng.random() < NEVER_USED_SHARE:
                weights[index] = 0.0
        self.story_pick = Weighted(weights)

    def story(self) -> tuple[Story, list[str], set[int]]:
        rng, timeline = self.rng, self.timeline
        (statuses, status_cum), (channels, channel_cum), author_pick = self.story_choices
        fields, tagged = self.writer.story()
        status = rng.choices(statuses, cum_weights=status_cum)[0]
        story = Story(
            plumbline_version=self.version,
            channel=rng.choices(channels, cum_weights=channel_cum)[0],
            status=status,
            author=self.marketers[author_pick.draw(rng)],
            **fields,
        )
        if status in (Story.Status.PUBLISHED, Story.Status.ARCHIVED):
            published = timeline.moment(rng)
            story.published_at = timeline.at(published)
            story.published_by = rng.choice(self.leads or self.marketers)
            created = published - rng.uniform(2, 40) * DAY
            if status == Story.Status.PUBLISHED:
                story.review_by = self.now.date() + timedelta(days=rng.randint(-45, 90))
        else:
            created = timeline.end - rng.uniform(0, 120) * DAY
            if status == Story.Status.DRAFT and rng.random() < 0.3:
                story.reviewer_comment = rng.choice(REVIEWER_COMMENTS)
        story.created_at = timeline.at(created)
        story.updated_at = story.published_at or story.created_at
        story.run_check(tagged, self.version)  # exactly what the app stores
        if status == Story.Status.PUBLISHED and story.score < 60:
            story.low_score_reason = "Kept for contrast with the newer stories."
        audiences = self.audience_weights.draw_distinct(
            rng, rng.choices((1, 2, 3), (50, 35, 15))[0]
        )
        return story, tagged, audiences

    def write_stories(self, drafted: list[tuple[Story, list[str], set[int]]]) -> None:
        batch = self.o.batch
        with transaction.atomic(), explicit_timestamps(Story, StoryRevision):
            Story.objects.bulk_create([story for story, _, _ in drafted], batch_size=batch)
            self.link(
                Story,
                "pillars",
                [(s.pk, self.pillar_ids[k]) for s, keys, _ in drafted for k in keys],
            )
            self.link(
                Story,
                "audiences",
                [(s.pk, self.audience_ids[i]) for s, _, chosen in drafted for i in chosen],
            )
            revisions = [
                StoryRevision(
                    story=story,
                    number=1,
                    title=story.title,
                    summary=story.summary,
                    body=story.body,
                    offer=story.offer,
                    channel=story.channel,
                    audience_names=sorted(self.audience_names[i] for i in chosen),
                    pillar_keys=keys,
                    score=story.score,
                    saved_by=story.author,
                    saved_at=story.created_at,
                )
                for story, keys, chosen in drafted
            ]
            StoryRevision.objects.bulk_create(revisions, batch_size=batch)
            self.count("story revisions", len(revisions))

    def link(self, model, name: str, pairs: list[tuple[int, int]]) -> None:
        through, own, other = _through(model, name)
        through.objects.bulk_create(
            [through(**{own: a, other: b}) for a, b in pairs], batch_size=self.o.batch
        )
        self.count(f"{model.__name__.lower()} {name}", len(pairs))

    # Conversations -----------------------------------------------------------------------

    def conversations(self) -> None:
        total, batch = self.o.conversations, self.o.batch
        writer = CopyWriter(batch) if on_postgresql() else BulkCreateWriter(batch)
        self.topic_ids = list(TcoTopic.objects.values_list("pk", flat=True))
        # Price comes up most, disposal least (topics are ordered by position).
        self.topic_pick = Weighted([1.0 / rank for rank in range(1, len(self.topic_ids) + 1)])
        self.client_rep = [self.sellers[owner].pk for owner in self.client_owner]
        progress = Progress("conversations", total, self.write)
        # On PostgreSQL a second thread (with its own connection) writes one batch while the
        # next one is composed and checked; that needs what was written so far committed,
        # so not inside a transaction (tests): there, batches are written in turn.
        overlap = on_postgresql() and not connection.in_atomic_block
        pool = ThreadPoolExecutor(max_workers=1) if overlap else None
        pending: Future | None = None
        try:
            for start in range(0, total, batch):
                stop = min(total, start + batch)
                rows, links = self.conversation_rows(start, stop)
                if pending is not None:
                    progress.update(pending.result())
                if pool is not None:
                    pending = pool.submit(self.write_conversations, writer, rows, links, stop)
                else:
                    progress.update(self.write_conversations(writer, rows, links, stop))
            if pending is not None:
                progress.update(pending.result())
        finally:
            if pool is not None:
                pool.submit(connections.close_all).result()  # the writing thread's connection
                pool.shutdown()

    def write_conversations(self, writer, rows: list[tuple], links: dict, done: int) -> int:
        with transaction.atomic():
            writer.write(rows, links)
        self.count("conversations", len(rows))
        for name, pairs in links.items():
            self.count(f"conversation {name}", len(pairs))
        return done

    def conversation_rows(self, start: int, stop: int):
        rng, writer, spec, version = self.rng, self.writer, self.spec, self.version
        now = timezone.now()
        end = self.timeline.end + 3600  # self.now is an hour ago
        channels, channel_cum = weighted_keys(CHANNEL_WEIGHTS)
        links: dict[str, list[tuple[int, int]]] = {name: [] for name in CONVERSATION_M2M}
        add_pillar, add_contact = links["pillars"].append, links["contacts"].append
        add_topic, add_story = links["tco_topics"].append, links["stories_used"].append
        pillar_ids, topic_ids, story_ids = self.pillar_ids, self.topic_ids, self.usable_ids
        topic_pick, story_pick, published = self.topic_pick, self.story_pick, self.usable_moments
        rows = []
        for at, index in enumerate(range(start, stop)):
            moment, client = self.moments[index], self.conversation_client[index]
            fields, tagged = writer.conversation()
            parts = (
                fields["summary"],
                fields["notes"],
                fields["client_goals"],
                fields["risks"],
                fields["outcome"],
                fields["next_step"],
            )  # the order of Conversation.text_for_check
            text = "\n\n".join(part for part in parts if part)
            stored = checked(text, version, spec, tagged, now)
            occurred = datetime.fromtimestamp(moment, UTC)
            created = min(moment + rng.uniform(600, 6 * 3600), end)
            edited = rng.random() < 0.1
            updated = min(created + rng.uniform(0, 5) * DAY, end) if edited else created
            due = None
            if fields["next_step"]:
                due = (occurred + timedelta(days=rng.randint(3, 30))).date()
            rows.append(
                (
                    version.pk,
                    *stored,
                    {},  # previous_report
                    None,  # previous_score
                    "",  # previous_band
                    self.client_ids[client],
                    self.client_rep[client],
                    occurred,
                    rng.choices(channels, cum_weights=channel_cum)[0],
                    *parts,
                    due,
                    None,  # submission_token: not logged through the form
                    2 if edited else 1,
                    datetime.fromtimestamp(created, UTC),
                    datetime.fromtimestamp(updated, UTC),
                )
            )
            for key in tagged:
                add_pillar((at, pillar_ids[key]))
            contacts = self.client_contacts[client]
            wanted = rng.choices((0, 1, 2), (5, 80, 15))[0]
            for contact in rng.sample(contacts, min(wanted, len(contacts))):
                add_contact((at, contact))
            for topic in topic_pick.draw_distinct(
                rng, rng.choices((0, 1, 2, 3, 4), (20, 35, 25, 15, 5))[0]
            ):
                add_topic((at, topic_ids[topic]))
            used = rng.choices((0, 1, 2, 3), (45, 35, 15, 5))[0]
            if used:
                upto = bisect.bisect_right(published, moment)
                for story in story_pick.draw_distinct(rng, used, upto):
                    add_story((at, story_ids[story]))
        return rows, links


def _team_plan(users: int) -> list[tuple[str, str, str, int, str]]:
    """(name, slug, function, size, username prefix) of every team, for `users` people."""
    managers = max(1, round(users * 0.05))
    marketers = max(1, round(users * 0.15))
    sellers = users - managers - marketers
    if sellers < 1:
        raise ScaleError("--users must be at least 3: sales, marketing and management.")
    teams = []
    for kind, function, count, size, names, prefix in (
        ("Sales", Team.Function.SALES, sellers, 40, SALES_REGIONS, "rep"),
        ("Marketing", Team.Function.MARKETING, marketers, 25, MARKETING_CRAFTS, "marketer"),
    ):
        for index, members in enumerate(_split(count, max(1, round(count / size)))):
            label = names[index % len(names)]
            if index >= len(names):
                label += f" {index // len(names) + 1}"
            name = f"{kind} {label}"
            slug = "scale-" + re.sub(r"[^a-z0-9]+", "-", name.lower())
            teams.append((f"{name} (scale)", slug, function, members, prefix))
    teams.append(
        ("Leadership (scale)", "scale-leadership", Team.Function.MANAGEMENT, managers, "manager")
    )
    return teams


def _split(total: int, parts: int) -> list[int]:
    """`total` people in `parts` teams of nearly equal size."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _client_names(rng: random.Random, taken: set[str]):
    """(name, industry) pairs not yet taken, ~84,000 of them; numbered once used up."""
    places = sorted({place + qualifier for place in PLACES for qualifier in QUALIFIERS})
    combos = [(p, t, f) for p in places for t in range(len(TRADES)) for f in FORMS]
    rng.shuffle(combos)
    for round_ in itertools.count(1):
        for place, trade, form in combos:
            name = f"{place} {TRADES[trade][0]}{form}" + (f" {round_}" if round_ > 1 else "")
            key = normalized_name(name)
            if key not in taken:
                taken.add(key)
                yield name, TRADES[trade][1]
