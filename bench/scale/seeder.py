"""The seeder: writes one dataset in order, people to conversations, then what depends on them.

Seeder's parts live by topic beside it (people, clients, stories, conversations) and share
its state: `o` (the Options), `write` (one line of output), `rng` (the one seeded
generator every draw comes from), `now`, `timeline`, and what earlier steps leave for later
ones (`version`, `spec`, `writer`, `pillar_ids`, the people by role, the client plan, the
usable stories).
"""

import random
import time
from collections.abc import Callable
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from bench.scale.bulk import CONVERSATION_M2M, on_postgresql
from bench.scale.clients import Clients
from bench.scale.conversations import Conversations
from bench.scale.draws import Timeline
from bench.scale.options import Options, ScaleError
from bench.scale.people import People, team_plan
from bench.scale.progress import duration
from bench.scale.stories import Stories
from bench.scale.texts import Writer
from plumbline.models import Pillar
from stories import rollups
from stories.models import (
    Audience,
    Client,
    Contact,
    Conversation,
    ConversationRollup,
    Story,
    StoryRevision,
    StoryUseRollup,
    StoryUseTotal,
)
from teams.models import Membership, Team, User


class Seeder(People, Stories, Clients, Conversations):
    """Writes one dataset (see the package docstring); `run` returns the rows added per kind."""

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
        team_plan(self.o.users)  # refuses too few people before anything is written
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
        self.summarize()
        self.analyze()
        return self.counts

    def summarize(self) -> None:
        """Recount the dashboard's summary tables, now that every conversation is written."""
        self.write("Rebuilding the dashboard's summaries ...")
        started = time.monotonic()
        rollups.rebuild()
        self.write(f"Dashboard summaries rebuilt in {duration(time.monotonic() - started)}.")

    def analyze(self) -> None:
        """Fresh planner statistics on PostgreSQL, so queries right after see the new rows.

        The teams' tables too: analyzed while they held only the demo's people, they led the
        planner to take 509 people for 56 and twelve sales teams for one (docs/performance.md).
        """
        if not on_postgresql():
            return
        started = time.monotonic()
        models = [Client, Contact, Audience, Story, StoryRevision, Conversation]
        models += [ConversationRollup, StoryUseRollup, StoryUseTotal, User, Membership, Team]
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
