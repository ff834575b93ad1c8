"""Clients and their contacts, and which client each conversation will be with, and when."""

import itertools
import random
import re
from array import array

from django.db import transaction

from bench.scale.bulk import explicit_timestamps
from bench.scale.draws import DAY, Weighted, weighted_keys, zipf_weights
from bench.scale.progress import Progress
from bench.scale.vocabulary import (
    FIRST_NAMES,
    FORMS,
    GOALS,
    LAST_NAMES,
    PLACES,
    QUALIFIERS,
    ROLES,
    SIZE_WEIGHTS,
    TRADES,
)
from stories.models import Client, Contact, normalized_name


class Clients:
    """Seeder's clients (the state it shares is described in seeder.py)."""

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
