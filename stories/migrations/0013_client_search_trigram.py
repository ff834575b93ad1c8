"""The client searches as index lookups on PostgreSQL.

The conversation form's client type-ahead (`name__icontains=q`) and the client list's
search (`name__icontains=q | industry__icontains=q`) read every client a manager sees for
letters few clients' names hold: about 21 ms a keystroke at 20,000 clients. A trigram
index on both expressions (`UPPER(name)`, `UPPER(industry)`, what `icontains` compiles
to) answers such a search from the index. Letters most names hold are still served by
the list's own order (client_name), which the planner picks then; one or two letters
make no trigram and stay that way too.

As in 0011: pg_trgm is a trusted extension, SQLite gets no such index, and the index is
not in Client.Meta.indexes, which cannot say "PostgreSQL only".
"""

from django.db import migrations

# Serves views/clients.client_search (the type-ahead) and client_list's `q`.
CREATE = (
    "CREATE INDEX IF NOT EXISTS client_search_trigram ON stories_client"
    " USING gin (UPPER(name) gin_trgm_ops, UPPER(industry) gin_trgm_ops)"
)
DROP = "DROP INDEX IF EXISTS client_search_trigram"


def _on_postgresql(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("stories", "0012_conversation_fk_indexes_redundant")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
