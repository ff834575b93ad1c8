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
from django.db.models import Exists, Expression, OuterRef, QuerySet, TextField
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3

from stories.models import Conversation

_PK = 2147483647  # a stand-in primary key, replaced by each row's own


# Joins a row's names in SQL and splits them again here: control characters no name holds,
# one between names and one between the fields of a name (Names.also).
SEPARATOR = "\x1f"
FIELD_SEPARATOR = "\x1e"


@dataclass(frozen=True)
class Names:
    """What the many-to-many `relation` (Conversation.pillars) links a row to, as the
    `text` of each in `order`: lookups through the link table's one relation to them
    ("pillar__title", "pillar__position"); ties go by primary key. With `also` (more such
    lookups, of columns that are never NULL), each name is a tuple of text: the text, then
    those ("story__title", also=("story__id",) gives ("Roof tale", "42"))."""

    relation: object
    text: str
    order: str
    also: tuple[str, ...] = ()

    @property
    def link(self) -> str:
        """The link table's relation to what is named ("pillar")."""
        return self.text.split("__")[0]


def _in_rows() -> bool:
    """Whether the rows' own query can join their names: it needs an ordered aggregate
    (PostgreSQL; SQLite from 3.44)."""
    return connection.features.supports_aggregate_order_by_clause


def linked(relation, **lookups) -> Exists:
    """A list filter: the row is linked through the many-to-many `relation`
    (Conversation.pillars) to what `lookups` name on the link table (pillar__key="value").
    EXISTS rather than a join, which could repeat a row and need DISTINCT."""
    owner = relation.field.m2m_field_name()
    return Exists(relation.through.objects.filter(**{owner: OuterRef("pk")}, **lookups))


def with_names(queryset: QuerySet, **names: Names) -> QuerySet:
    """The queryset, each row with its names (joined) under the given keys, where the
    database can do that; fill_names() completes the rows either way."""
    if not _in_rows():
        return queryset
    return queryset.annotate(**{to: JoinedNames(spec) for to, spec in names.items()})


class JoinedNames(Expression):
    """A row's names joined in one string: a correlated subquery over the link table.

    Written as SQL from the models' metadata, once per kind of name and database: as a
    Subquery of the ORM, resolving and compiling it for every page cost a list as much as
    the database's whole work on the rows. The outer reference is the query's own first
    table, whatever its alias (it is relabeled inside another query).
    """

    output_field = TextField()

    def __init__(self, spec: Names):
        super().__init__()
        self.spec = spec

    def as_sql(self, compiler, connection):
        outer = compiler.quote_name(compiler.query.get_initial_alias())
        sql = _joined_sql(self.spec, connection.ops.quote_name)
        return sql % {"outer": outer}, (FIELD_SEPARATOR,) * len(self.spec.also) + (SEPARATOR,)

    def get_group_by_cols(self):
        return []


@lru_cache
def _joined_sql(spec: Names, quote) -> str:
    """`(SELECT STRING_AGG(name, %s ORDER BY ...) FROM link JOIN target WHERE link.owner =
    %(outer)s.pk)` for this Names; "%(outer)s" is filled in per query."""
    through = spec.relation.through._meta
    owner = through.get_field(spec.relation.field.m2m_field_name())
    fields = []
    for lookup in (spec.text, spec.order, *spec.also):
        link_name, field = lookup.split("__")
        if link_name != spec.link:
            raise ValueError(f"{spec}: every lookup must go through {spec.link}")
        fields.append(field)
    text, order, *also = fields
    link = through.get_field(spec.link)
    target = link.related_model._meta
    columns = [f"t.{quote(target.get_field(field).column)}" for field in (text, *also)]
    if also:  # one text of the fields, between field separators
        columns = [f"CAST({column} AS TEXT)" for column in columns]
    joined = " || %%s || ".join(columns)
    order_columns = [quote(target.get_field(order).column), quote(target.pk.column)]
    ordering = ", ".join(f"t.{column}" for column in order_columns)
    # Only quoted names from the models' metadata; the separators are parameters.
    return (
        f"(SELECT STRING_AGG({joined}, %%s ORDER BY {ordering})"  # noqa: S608
        f" FROM {quote(through.db_table)} l INNER JOIN {quote(target.db_table)} t"
        f" ON t.{quote(target.pk.column)} = l.{quote(link.column)}"
        f" WHERE l.{quote(owner.column)} = %(outer)s.{quote(owner.target_field.column)})"
    )


def fill_names(rows: list[dict], **names: Names) -> None:
    """Set row[to] to the list of names: as read with the rows (with_names), or read now,
    in one query per kind."""
    if _in_rows():
        for row in rows:
            for to, spec in names.items():
                found = row[to].split(SEPARATOR) if row[to] else []
                if spec.also:
                    found = [tuple(name.split(FIELD_SEPARATOR)) for name in found]
                row[to] = found
        return
    for to, spec in names.items():
        attach_names(rows, spec, to=to)


def fill_instance_names(instance, **names: Names) -> None:
    """fill_names() for one model instance read with_names(): instance.<key> becomes the
    list of its names."""
    row = {"pk": instance.pk, **{to: getattr(instance, to, None) for to in names}}
    fill_names([row], **names)
    for to in names:
        setattr(instance, to, row[to])


def attach_names(rows: list[dict], spec: Names, *, to: str) -> None:
    """Set row[to]: the names `spec` gives each row, read in one query."""
    relation = spec.relation
    owner = f"{relation.field.m2m_field_name()}_id"
    found = defaultdict(list)
    ids = [row["pk"] for row in rows]
    if ids:
        links = (
            relation.through.objects.filter(**{f"{owner}__in": ids})
            .order_by(spec.order, f"{spec.link}_id")
            .values_list(owner, spec.text, *spec.also)
        )
        for pk, name, *also in links:
            found[pk].append((name, *map(str, also)) if spec.also else name)
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


@lru_cache(maxsize=1024)
def score_badge(score: int | None, band: str) -> str:
    """An entry's score as a badge (stories/_score.html), rendered once per process for
    each score and band, a few hundred at most. In each row's template it was a tag and
    four lookups; made here, with the row's line of details (with_dots), a page of 25
    conversations renders its rows in 0.8 ms instead of 2 (docs/performance.md)."""
    return render_to_string("stories/_score.html", {"entry": {"score": score, "band": band}})


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
        "badge": score_badge(row["score"], row["band"]),
        "summary": row["summary"],
        "rep": person(row["rep__first_name"], row["rep__last_name"], row["rep__username"]),
        "pillars": ", ".join(row["pillar_names"]),
    }


def with_dots(*parts: str) -> str:
    """The parts that are not empty, joined as a row's line of details ("3 Feb 2026 · Ann")."""
    return " · ".join(part for part in parts if part)
