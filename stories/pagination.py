"""Keyset ("cursor") pagination for the long lists: stories, conversations, clients, the queue.

A page is the N rows that follow a cursor in a fixed order, read with
`WHERE (sort keys) after cursor ORDER BY sort keys LIMIT N + 1`: an index serving that
order reads N + 1 rows on any page, where OFFSET would read every row before the page.
The cursor is the sort keys of the row at the page's edge, signed, so a tampered or
foreign cursor is refused (the first page is shown instead) and never reaches the
database as a half-trusted value.

A list shows "1,000+" instead of a count when it holds more: counting a sliced queryset
(`COUNT(*) FROM (SELECT ... LIMIT cap + 1)`) stops reading at the cap. The count is made
on the first page, and the cursor carries it to the next ones.

Previous pages are read the same way in the reverse order, then put back in order; one
that turns out to be the first page is read as the first page, so that it is a full one.

The one entry point is `paginate(request, rows, ordering, size=..., salt=...)`.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from django.core import signing
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils.dateparse import parse_date, parse_datetime

CURSOR = "cursor"
COUNT_CAP = 1000


class Ordering:
    """A list's sort order, as order_by() names ("-occurred_at", "-pk"), the last one unique.

    `nullable` names the keys that may be NULL. A NULL sorts as the largest value, as in
    PostgreSQL by default, so that plain indexes serve the order in both directions; on
    SQLite, which puts NULLs first, the ORDER BY says NULLS FIRST/LAST for those keys.
    """

    def __init__(self, *keys: str, nullable: Sequence[str] = ()):
        self.keys = [(key.lstrip("-"), key.startswith("-")) for key in keys]
        self.nullable = frozenset(nullable)

    def order_by(self, *, backward: bool = False) -> list[OrderBy]:
        """The ORDER BY, reversed for reading backwards."""
        ordering = []
        for name, descending in self.keys:
            nullable = name in self.nullable
            if descending != backward:
                ordering.append(F(name).desc(nulls_first=nullable or None))
            else:
                ordering.append(F(name).asc(nulls_last=nullable or None))
        return ordering

    def values_of(self, row) -> list:
        if isinstance(row, dict):
            return [row[name] for name, _ in self.keys]
        return [getattr(row, name) for name, _ in self.keys]

    def seek(self, values: Sequence, *, backward: bool = False) -> list[Q]:
        """Conditions for the rows after `values` (before them, reading backwards), to be
        read one after the other until a page is full.

        The first condition bounds the first key (`occurred_at <= ...`), which lets
        PostgreSQL start the index scan at the cursor. Where NULLs of the first key follow
        the cursor, "or NULL" would undo that, so they are a second condition, read only
        when the first one falls short of a page.
        """
        condition = NOTHING
        equal = Q()
        for position, ((name, descending), value) in enumerate(zip(self.keys, values, strict=True)):
            upward = descending == backward
            beyond = self._beyond(name, upward, value, with_nulls=position > 0)
            condition |= equal & beyond
            equal &= Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
        name, descending = self.keys[0]
        value, upward = values[0], descending == backward
        if value is None:
            return [Q(**{f"{name}__isnull": True}) & condition] if upward else [condition]
        conditions = [Q(**{f"{name}__{'gte' if upward else 'lte'}": value}) & condition]
        if upward and name in self.nullable:
            conditions.append(Q(**{f"{name}__isnull": True}))
        return conditions

    def _beyond(self, name: str, upward: bool, value, *, with_nulls: bool) -> Q:
        """Rows strictly beyond `value` on one key, reading upward (ASC) or downward."""
        if value is None:
            # NULL is the largest value: nothing is above it, every value is below it.
            return NOTHING if upward else Q(**{f"{name}__isnull": False})
        beyond = Q(**{f"{name}__{'gt' if upward else 'lt'}": value})
        if upward and with_nulls and name in self.nullable:
            beyond |= Q(**{f"{name}__isnull": True})
        return beyond


NOTHING = Q(pk__in=[])  # matches no row: the OR of no alternatives


@dataclass
class Page:
    object_list: list
    number: int
    has_next: bool
    has_previous: bool
    count: int | None  # None when the list is not counted
    count_capped: bool
    next_url: str = ""
    previous_url: str = ""
    first_url: str = ""

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def count_label(self) -> str:
        """ "25", "1,000+": the count as shown."""
        if self.count is None:
            return ""
        return f"{self.count:,}+" if self.count_capped else f"{self.count:,}"


# A list that is not one queryset (the review queue's union of two): a function of the
# cursor's condition (None on the first page) and the direction, returning the rows so
# filtered, in the ordering (reversed when reading backwards), ready to be sliced.
Rows = Callable[[Q | None, bool], QuerySet]


def paginate(
    request,
    rows: QuerySet | Rows,
    ordering: Ordering,
    *,
    size: int,
    salt: str,
    count_cap: int | None = COUNT_CAP,
) -> Page:
    """The page the request's cursor names (or the first page) of a list: `rows`, a
    queryset, or a function (see Rows) for a list a cursor cannot simply filter. The first
    page counts the list up to `count_cap` rows (None: not counted); the cursor carries the
    count to the next pages. `salt` names the list, so that no list takes another's cursor."""
    if isinstance(rows, QuerySet):
        queryset = rows

        def rows(condition, backward):
            found = queryset if condition is None else queryset.filter(condition)
            return found.order_by(*ordering.order_by(backward=backward))

        def count(limit):
            # The ids alone (no joins for what the rows show), read in the list's order: an
            # index serving that order stops at the limit, where an unordered LIMIT leaves
            # the planner free to pick a plan that reads most of the table first.
            return rows(None, False).values("pk")[:limit].count()
    else:

        def count(limit):
            return rows(None, False)[:limit].count()

    cursor = _read_cursor(request.GET.get(CURSOR, ""), salt, len(ordering.keys))
    found = None
    if cursor is not None:
        number, backward, values, counted = cursor
        found = []
        for condition in ordering.seek(values, backward=backward):
            found += rows(condition, backward)[: size + 1 - len(found)]
            if len(found) > size:
                break
        if (backward and len(found) <= size) or not found:
            # Back at the start (read as the first page, so that it is a full one), or past
            # the end of a list that has shrunk since the link was made.
            found = None
    if found is None:
        number, backward, counted = 1, False, None
        found = list(rows(None, False)[: size + 1])
        if count_cap is not None:
            total = count(count_cap + 1)
            counted = [min(total, count_cap), total > count_cap]
    more = len(found) > size
    found = found[:size]
    if backward:
        found.reverse()
        has_next, has_previous = True, more
    else:
        has_next, has_previous = more, number > 1
    total, capped = counted or (None, False)
    page = Page(found, number, has_next and bool(found), has_previous, total, capped)
    query = request.GET.copy()
    query.pop(CURSOR, None)
    page.first_url = f"?{query.urlencode()}" if query else request.path
    if page.has_next:
        values = ordering.values_of(found[-1])
        page.next_url = _url(query, salt, [number + 1, False, values, counted])
    if page.has_previous:
        page.previous_url = (
            page.first_url
            if number == 2
            else _url(query, salt, [number - 1, True, ordering.values_of(found[0]), counted])
        )
    return page


# --- Cursors --------------------------------------------------------------------------------


def _url(query, salt: str, cursor: list) -> str:
    number, backward, values, counted = cursor
    token = signing.dumps([number, int(backward), [_dump(v) for v in values], counted], salt=salt)
    prefix = query.urlencode()
    return f"?{prefix}&{urlencode({CURSOR: token})}" if prefix else f"?{urlencode({CURSOR: token})}"


def _read_cursor(token: str, salt: str, keys: int):
    """(page number, backward, values, [count, capped] or None), or None for a missing,
    tampered or foreign cursor."""
    if not token or len(token) > 1000:
        return None
    try:
        number, backward, values, counted = signing.loads(token, salt=salt)
        values = [_load(v) for v in values]
        if counted is not None:
            total, capped = counted
            if not isinstance(total, int) or not isinstance(capped, bool):
                return None
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if not isinstance(number, int) or number < 2 or len(values) != keys:
        return None
    return number, bool(backward), values, counted


def _dump(value):
    if isinstance(value, datetime):
        return ["t", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    return ["v", value]


def _load(item):
    kind, value = item
    if kind == "t":
        parsed = parse_datetime(value)
    elif kind == "d":
        parsed = parse_date(value)
    elif kind == "v" and (value is None or isinstance(value, int | str)):
        return value
    else:
        raise ValueError(kind)
    if parsed is None:
        raise ValueError(value)
    return parsed
