"""Expected query counts of list pages, which depend on the database.

Where the database orders an aggregate (PostgreSQL), each row's tags (pillars, topics,
audiences …) are read with the rows; elsewhere (SQLite before 3.44) in one more query per
kind of tag (stories.list_rows).
"""

from django.db import connection


def with_tags(queries: int, kinds_of_tags: int) -> int:
    """A page's query count: `queries` where tags come with the rows."""
    if connection.features.supports_aggregate_order_by_clause:
        return queries
    return queries + kinds_of_tags
