"""Building a list page's rows cheaply, as plain dicts: their tags, links, people and dates.

The list views read their rows with `.values()` and hand their templates dicts of text:
a page of 25 model rows with prefetched pillars builds a model per row and per tag and a
related manager per `.all` in the template, {% url %} resolves the same pattern once per
row, and |date parses its format for every value; together they cost more than the page's
queries. These read each kind of tag in one query as (row, name) pairs, reverse a row's
link once per page, and write names and dates as User.__str__ and |date do.
"""

from collections import defaultdict
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3

from plumbline.templatetags.plumbline_tags import band_label, band_style
from stories.models import Conversation

_PK = 2147483647  # a stand-in primary key, replaced by each row's own


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


def link_rows(rows: list[dict], view_name: str, *args, to: str = "url") -> None:
    """Set row[to]: reverse(view_name, args=[*args, row["pk"]]), reversed once."""
    before, _, after = reverse(view_name, args=[*args, _PK]).rpartition(str(_PK))
    for row in rows:
        row[to] = f"{before}{row['pk']}{after}"


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


def conversation_row(row: dict, title: str) -> dict:
    """What every list of conversations shows of one, as text; `title` is the list's own."""
    return {
        "url": row["url"],
        "title": f"{title} — {CHANNELS.get(row['channel'], '').lower()}",
        "score": row["score"],
        "band_style": band_style(row["band"]),
        "band_label": band_label(row["band"]),
        "summary": row["summary"],
        "rep": person(row["rep__first_name"], row["rep__last_name"], row["rep__username"]),
        "pillars": ", ".join(row["pillars"]),
    }
