"""The library's search as an index lookup on PostgreSQL.

The search (`title__icontains=q | summary__icontains=q`, which PostgreSQL runs as
`UPPER(title) LIKE UPPER('%q%') OR UPPER(summary) LIKE ...`) read every story for a word
that few stories hold: about 300 ms for 50,000 stories, twice per page with its count.
A trigram index on both expressions answers it in under a millisecond. A word most
stories hold is still served better by the library's own order (story_status_published),
and the planner picks that one then.

pg_trgm ships with PostgreSQL and is a trusted extension (PostgreSQL 13 and later): the
app's database user needs only the CREATE privilege on its database. SQLite has no such
index: its search stays a scan, which a company small enough for SQLite does not notice.
The index is not in Story.Meta.indexes, which cannot say "PostgreSQL only".
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# Serves the library's search (views/stories.library, the `q` filter) and its count, and
# the conversation form's story search (views/conversations.story_options, on the title).
CREATE = (
    "CREATE INDEX IF NOT EXISTS story_search_trigram ON stories_story"
    " USING gin (UPPER(title) gin_trgm_ops, UPPER(summary) gin_trgm_ops)"
)
DROP = "DROP INDEX IF EXISTS story_search_trigram"


def _on_postgresql(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("stories", "0010_story_use_total")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
    ]
