"""Building a list page's rows cheaply, as plain dicts: their tags, links, people and dates.

The list views read their rows with `.values()` and hand their templates dicts of text:
a page of 25 model rows with prefetched pillars builds a model per row and per tag and a
related manager per `.all` in the template, {% url %} resolves the same pattern once per
row, and |date parses its format for every value; together they cost more than the page's
queries. These read each kind of tag with the rows themselves (a subquery per row joining
the names, where the database can order an aggregate) or in one query per kind, reverse a
row's link once per page, and write names and dates as User.__str__ and |date do.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.db import connection
from django.db.models import OuterRef, QuerySet, StringAgg, Subquery, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3

from plumbline.templatetags.plumbline_tags import band_label, band_style
from stories.models import Conversation

_PK = 2147483647  # a stand-in primary key, replaced by each row's own


# Joins a row's names in SQL and splits them again here: a control character no name holds.
SEPARATOR = "\x1f"


@dataclass(frozen=True)
class Names:
    """What the many-to-many `relation` (Conversation.pillars) links a row to, as the
    `text` (a lookup from the through model, "pillar__title") of each, in `order`."""

    relation: object
    text: str
    order: str


def _in_rows() -> bool:
    """Whether the rows' own query can join their names: it needs an ordered aggregate
    (PostgreSQL; SQLite from 3.44)."""
    return connection.features.supports_aggregate_order_by_clause


def with_names(queryset: QuerySet, **names: Names) -> QuerySet:
    """The queryset, each row with its names (joined) under the given keys, where the
    database can do that; fill_names() completes the rows either way."""
    if not _in_rows():
        return queryset
    return queryset.annotate(**{to: _joined(spec) for to, spec in names.items()})


@lru_cache
def _joined(spec: Names) -> Subquery:
    """The subquery joining a row's names; built once (annotate() resolves a copy)."""
    owner = spec.relation.field.m2m_field_name()
    links = spec.relation.through.objects.filter(**{owner: OuterRef("pk")})
    joined = StringAgg(spec.text, Value(SEPARATOR), order_by=spec.order)
    return Subquery(links.order_by().values(owner).annotate(joined=joined).values("joined"))


def fill_names(rows: list[dict], **names: Names) -> None:
    """Set row[to] to the list of names: as read with the rows (with_names), or read now,
    in one query per kind."""
    if _in_rows():
        for row in rows:
            for to in names:
                row[to] = row[to].split(SEPARATOR) if row[to] else []
        return
    for to, spec in names.items():
        attach_names(rows, spec.relation, spec.text, spec.order, to=to)


def attach_names(rows: list[dict], relation, text: str, *order: str, to: str) -> None:
    """Set row[to]: the `text` (a lookup from the through model, "pillar__title") of what
    the many-to-many `relation` (Conversation.pillars) links each row to, in `order`."""
    owner = f"{relation.field.m2m_field_name()}_id"
    found = defaultdict(list)
    ids = [row["pk"] for row in rows]
    if ids:
        pairs = (
            relation.through.objects.filter(**{f"{owner}__in": ids})
            .order_by(*order)
            .values_list(owner, text)
        )
        for pk, name in pairs:
            found[pk].append(name)
    for row in rows:
        row[to] = found[row["pk"]]


def link_rows(rows: list[dict], view_name: str, *args, to: str = "url") -> list[dict]:
    """Set row[to]: reverse(view_name, args=[*args, row["pk"]]), reversed once. Returns
    the rows."""
    before, _, after = reverse(view_name, args=[*args, _PK]).rpartition(str(_PK))
    for row in rows:
        row[to] = f"{before}{row['pk']}{after}"
    return rows


def person(first_name: str, last_name: str, username: str) -> str:
    """A person's name as User.__str__ gives it."""
    return f"{first_name} {last_name}".strip() or username


def day(value) -> str:
    """ "3 Feb 2026" in the site's time zone, as |date:"j M Y" writes it."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return f"{value.day} {MONTHS_3[value.month].title()} {value.year}"


def day_and_time(value) -> str:
    """ "3 Feb 2026, 14:05", as |date:"j M Y, H:i" writes it."""
    if not value:
        return ""
    value = timezone.localtime(value)
    return f"{day(value)}, {value:%H:%M}"


CHANNELS = dict(Conversation.Channel.choices)
# What conversation_row reads, for every list of conversations to ask for (with .values()).
CONVERSATION_COLUMNS = [
    "pk",
    "occurred_at",
    "channel",
    "summary",
    "score",
    "band",
    "rep__first_name",
    "rep__last_name",
    "rep__username",
]
PILLAR_NAMES = Names(Conversation.pillars, "pillar__title", "pillar__position")


def conversation_row(row: dict, title: str) -> dict:
    """What every list of conversations shows of one, as text; `title` is the list's own.
    The row holds CONVERSATION_COLUMNS, its "url" (link_rows) and its "pillar_names"
    (PILLAR_NAMES)."""
    return {
        "url": row["url"],
        "title": f"{title} — {CHANNELS.get(row['channel'], '').lower()}",
        "score": row["score"],
        "band_style": band_style(row["band"]),
        "band_label": band_label(row["band"]),
        "summary": row["summary"],
        "rep": person(row["rep__first_name"], row["rep__last_name"], row["rep__username"]),
        "pillars": ", ".join(row["pillar_names"]),
    }
