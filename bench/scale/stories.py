"""Audiences and stories in every status, with their tags, audiences and first revision."""

from array import array
from datetime import timedelta

from django.db import transaction

from bench.scale.bulk import explicit_timestamps, m2m_through
from bench.scale.draws import DAY, Weighted, weighted_keys, zipf_weights
from bench.scale.progress import Progress
from bench.scale.texts import capitalized
from bench.scale.vocabulary import (
    AUDIENCE_NAMES,
    REVIEWER_COMMENTS,
    SECTORS,
    STATUS_SHARES,
    STORY_CHANNEL_WEIGHTS,
)
from stories.models import Audience, Story, StoryRevision

# Published stories nobody will use; with those published too late or too unpopular to be
# drawn, ~30% of published stories end up unused.
NEVER_USED_SHARE = 0.25


class Stories:
    """Seeder's audiences and stories (the state it shares is described in seeder.py)."""

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
        through, own, other = m2m_through(model, name)
        through.objects.bulk_create(
            [through(**{own: a, other: b}) for a, b in pairs], batch_size=self.o.batch
        )
        self.count(f"{model.__name__.lower()} {name}", len(pairs))
