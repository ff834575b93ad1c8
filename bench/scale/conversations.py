"""Conversations with their many-to-many rows, composed, checked and written batch by batch."""

import bisect
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from django.db import connection, connections, transaction
from django.utils import timezone

from bench.scale.bulk import CONVERSATION_M2M, BulkCreateWriter, CopyWriter, on_postgresql
from bench.scale.draws import DAY, Weighted, weighted_keys
from bench.scale.progress import Progress
from bench.scale.texts import checked
from bench.scale.vocabulary import CHANNEL_WEIGHTS
from stories.models import Conversation, TcoTopic


class Conversations:
    """Seeder's conversations (the state it shares is described in seeder.py)."""

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
            parts = tuple(fields[name] for name in Conversation.CHECKED_FIELDS)
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
