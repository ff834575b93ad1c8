"""Generation numbers: how caches learn, in every server process, that their data changed.

Each kind of cached data has a row in `Generation` whose number moves on after every
committed change to that data; cache keys hold the number, so an entry made before the
change is never read again and simply expires. Reading the numbers is one primary-key
query per request, which every process shares with every other: no process can miss a
change another one made.

- FIGURES: the dashboard's figures. Entries, the re-check, teams, memberships and names.
- LISTS: the rows of the list pages (stories/list_cache.py). Every saved or deleted row of
  what they show, and the re-check.

The number moves on when the writer's transaction commits, not inside it: one row updated
by every writer would otherwise make them wait for each other.
"""

from functools import partial

from django.db import transaction
from django.db.models import F

from stories.models import Generation

FIGURES = "figures"
LISTS = "lists"


def _bump(name: str) -> None:
    if not Generation.objects.filter(name=name).update(number=F("number") + 1):
        Generation.objects.get_or_create(name=name, defaults={"number": 1})


def changed(*names: str) -> None:
    """What these kinds of cached data were made from changed: stale once this commits."""
    for name in names:
        transaction.on_commit(partial(_bump, name))


def only_a_sign_in(update_fields) -> bool:
    """Whether a save was only a sign-in's (Django saves the user's last_login on each):
    nothing any cache holds changed."""
    return bool(update_fields) and set(update_fields) <= {"last_login"}


def numbers() -> dict[str, int]:
    """Every kind's current number (0 for a kind never changed), in one query."""
    found = dict(Generation.objects.values_list("name", "number"))
    return {name: found.get(name, 0) for name in (FIGURES, LISTS)}
