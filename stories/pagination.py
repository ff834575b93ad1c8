"""Keyset ("cursor") pagination for the long lists: conversations, clients, stories, the queue.

A page is the N rows that follow a cursor in a fixed order, read with
`WHERE (sort keys) after cursor ORDER BY sort keys LIMIT N + 1`: an index serving that
order reads N + 1 rows on any page, where OFFSET would read every row before the page and
a paginator's COUNT(*) every row of the list. The cursor is the sort keys of the row at
the page's edge, signed, so a tampered or foreign cursor is refused (the first page is
shown instead) and never reaches the database as a half-trusted value.

A list shows "1,000+" instead of a count when it holds more: the count is
`COUNT(*) FROM (SELECT ... LIMIT cap + 1)`, which stops reading at the cap. It is made on
the first page, and the cursor carries it to the next ones.

Previous pages are read the same way in the reverse order, then put back in order; one
that turns out to be the first page is read as the first page, so that it is a full one.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from django.core import signing
from django.db.models import F, IntegerField, Q, QuerySet, Subquery
from django.db.models.expressions import OrderBy
from django.utils.dateparse import parse_date, parse_datetime

from stories.list_rows import Names, fill_names, with_names

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


Fetch = Callable[[Q | None, bool, int], list]
# count= for lists whose rows are cheap to read: the first page reads `cap + 1` rows, and
# counts those, in place of a count query of its own.
FROM_ROWS = "from rows"
# count= for a fetch that counts the list itself: on the first page (no condition) each
# row it returns carries the capped count under this key, and an empty page none.
IN_ROWS = "list_count"


def paginate(
    request,
    *,
    ordering: Ordering,
    fetch: Fetch,
    count: Callable[[int], int] | str | None,
    size: int,
    salt: str,
    cap: int | None = None,
) -> Page:
    """The page the request's cursor names (or the first page) of a list.

    `fetch(condition, backward, limit)` returns up to `limit` rows matching `condition`
    (None: no cursor) in `ordering`, or in reverse when `backward`; `count(limit)` counts
    the list's rows, stopping at `limit` (or FROM_ROWS, or None: not counted). The count is
    made on the first page and carried by the cursor to the next ones.
    """
    cap = COUNT_CAP if cap is None else cap
    cursor = _read_cursor(request.GET.get(CURSOR, ""), salt, len(ordering.keys))
    rows = None
    if cursor is not None:
        number, backward, values, counted = cursor
        rows = []
        for condition in ordering.seek(values, backward=backward):
            rows += fetch(condition, backward, size + 1 - len(rows))
            if len(rows) > size:
                break
        if (backward and len(rows) <= size) or not rows:
            # Back at the start (read as the first page, so that it is a full one), or past
            # the end of a list that has shrunk since the link was made.
            rows = None
    if rows is None:
        number, backward, counted = 1, False, None
        if count == FROM_ROWS:
            rows = fetch(None, False, max(size, cap) + 1)
            counted = [min(len(rows), cap), len(rows) > cap]
            rows = rows[: size + 1]
        elif count == IN_ROWS:
            rows = fetch(None, False, size + 1)
            total = rows[0][IN_ROWS] if rows else 0
            counted = [min(total, cap), total > cap]
        else:
            rows = fetch(None, False, size + 1)
            if count is not None:
                total = count(cap + 1)
                counted = [min(total, cap), total > cap]
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
        has_next, has_previous = True, more
    else:
        has_next, has_previous = more, number > 1
    total, capped = counted or (None, False)
    page = Page(rows, number, has_next and bool(rows), has_previous, total, capped)
    query = request.GET.copy()
    query.pop(CURSOR, None)
    page.first_url = f"?{query.urlencode()}" if query else request.path
    if page.has_next:
        values = ordering.values_of(rows[-1])
        page.next_url = _url(query, salt, [number + 1, False, values, counted])
    if page.has_previous:
        page.previous_url = (
            page.first_url
            if number == 2
            else _url(query, salt, [number - 1, True, ordering.values_of(rows[0]), counted])
        )
    return page


def paginate_queryset(
    request,
    queryset: QuerySet | Callable[[], QuerySet],
    ordering: Ordering,
    *,
    columns: Sequence[str],
    size: int,
    salt: str,
    counted: bool = True,
    cap: int | None = None,
    names: dict[str, Names] | None = None,
    first_rows: Callable[[], list[dict]] | None = None,
) -> Page:
    """paginate() for a queryset: filtered by the cursor, ordered, sliced, its rows read as
    dicts of `columns` (which must include the ordering's keys), and each given its
    `names` (list_rows.Names: row[key] = the names of what a relation links it to).

    `first_rows`, when given, reads the first page's rows in place of the queryset: the
    rows of first_page_query() for the same arguments, compiled once (stories.compiled).
    The queryset may then be a function that builds it, called only for other pages.

    The first page's query also counts the list: a subquery, `(SELECT COUNT(*) FROM (SELECT
    id ... LIMIT cap + 1))`, which joins none of the tables the columns may need and which
    the database runs once, not per row; a query of its own would cost the page more."""
    names = names or {}

    def fetch(condition, backward, limit):
        if condition is None and first_rows is not None:
            return first_rows()
        rows = _page_query(
            queryset() if callable(queryset) else queryset,
            ordering,
            columns,
            names,
            condition,
            backward,
            counted=counted,
            cap=cap,
        )
        return list(rows[:limit])

    page = paginate(
        request,
        ordering=ordering,
        fetch=fetch,
        count=IN_ROWS if counted else None,
        size=size,
        salt=salt,
        cap=cap,
    )
    fill_names(page.object_list, **names)
    return page


def first_page_query(
    queryset: QuerySet,
    ordering: Ordering,
    *,
    columns: Sequence[str],
    size: int,
    counted: bool = True,
    cap: int | None = None,
    names: dict[str, Names] | None = None,
) -> QuerySet:
    """The query paginate_queryset() reads a first page with, for the same arguments."""
    rows = _page_query(queryset, ordering, columns, names or {}, None, False, counted, cap)
    return rows[: size + 1]


def _page_query(queryset, ordering, columns, names, condition, backward, counted, cap):
    """The rows after the cursor's `condition` (None: from the start), as values(), read
    in `ordering` (backward: reversed), with their names and, on the first page, the count."""
    rows = with_names(queryset, **names)
    if condition is not None:
        rows = rows.filter(condition)
    read = [*columns, *(key for key in names if key in rows.query.annotations)]
    if condition is None and counted:
        limit = (COUNT_CAP if cap is None else cap) + 1
        rows = rows.annotate(**{IN_ROWS: capped_count(queryset, limit)})
        read.append(IN_ROWS)
    return rows.order_by(*ordering.order_by(backward=backward)).values(*read)


class CappedCount(Subquery):
    """How many rows a queryset has, counting no further than its LIMIT."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS capped)"
    output_field = IntegerField()


def capped_count(queryset: QuerySet, limit: int) -> CappedCount:
    return CappedCount(queryset.order_by().values("pk")[:limit])


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
