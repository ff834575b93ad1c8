"""Entry texts composed from the vocabulary and the plumb line, and their stored checks."""

import random
import re

from bench.scale.draws import Weighted, zipf_weights
from bench.scale.vocabulary import (
    GOALS,
    NEXT_STEPS,
    OFFERS,
    OPENINGS,
    OUTCOMES,
    RISKS,
    ROLES,
    SECTORS,
    SLIPS,
    STORY_FILLER,
    STORY_TOLD,
    SUBJECTS,
    SUMMARIES,
    TAILS,
    THINGS,
    TITLES,
    TOLD,
    TOPICS,
    VERBS,
)
from plumbline.consistency import check
from plumbline.models import PlumbLineVersion
from stories.models import AlignedEntry

GUARDRAIL_SHARE = 0.15  # entries with a guardrail phrase in them


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


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
    values = AlignedEntry.report_values(check(text, spec, tagged))
    return (
        values["check_report"],
        values["score"],
        values["band"],
        now,
        version.pk,
        values["told_keys"],
        values["hit_phrases"],
    )
