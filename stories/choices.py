"""What the list filters offer: pillars, TCO topics, audiences, teams and people, cached.

Every list page offers these lists and they change seldom (a new plumb line, someone joins
a team), so each is cached under the CHOICES generation (stories/generations.py), which
every change to them moves on: a page reads one number instead of three or four lists,
and a manager's 500 names are read once per process rather than once per page view.

`PLUMBLINE_CHOICES_CACHE_SECONDS=0` turns the cache off (the test settings do).
"""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from plumbline.models import Pillar
from stories import generations
from stories.list_rows import person
from stories.models import Audience, TcoTopic

type Offered = list[tuple]  # (value, label) pairs, as a select offers them


def names(people) -> Offered:
    """(pk, name as User.__str__ gives it) of each person, by name."""
    rows = people.order_by("first_name", "last_name", "username").values_list(
        "pk", "first_name", "last_name", "username"
    )
    return [(pk, person(first, last, username)) for pk, first, last, username in rows]


class Choices:
    """The filter choices of one request. The generation is read once, on first use."""

    def __init__(self, number: int | None = None):
        self._number = number

    def _cached(self, key: str, build: Callable[[], Offered]) -> Offered:
        seconds = settings.PLUMBLINE_CHOICES_CACHE_SECONDS
        if not seconds:
            return build()
        if self._number is None:
            self._number = generations.numbers()[generations.CHOICES]
        full_key = f"choices:{self._number}:{key}"
        found = cache.get(full_key)
        if found is None:
            found = build()
            cache.set(full_key, found, seconds)
        return found

    def pillars(self, version=None) -> Offered:
        """(key, title) of the pillars of `version`, or of the current plumb line."""
        if version is not None:
            pillars = Pillar.objects.filter(version=version)
        else:
            pillars = Pillar.objects.filter(version__is_current=True)
        key = f"pillars:{version.pk if version is not None else 'current'}"
        return self._cached(key, lambda: list(pillars.values_list("key", "title")))

    def topics(self) -> Offered:
        """(key, label) of the TCO topics."""
        return self._cached("topics", lambda: list(TcoTopic.objects.values_list("key", "label")))

    def audiences(self) -> Offered:
        return self._cached("audiences", lambda: list(Audience.objects.values_list("pk", "name")))

    def teams(self, teams, key: str) -> Offered:
        """(pk, name) of `teams`, a queryset (or a function building it, called on a cache
        miss only) that `key` names uniquely."""
        return self._cached(f"teams:{key}", lambda: list(_built(teams).values_list("pk", "name")))

    def people(self, people, key: str) -> Offered:
        """(pk, name) of `people`, a queryset (or a function building it, called on a cache
        miss only) that `key` names uniquely, by name."""
        return self._cached(f"people:{key}", lambda: names(_built(people)))


def _built(queryset):
    return queryset() if callable(queryset) else queryset
