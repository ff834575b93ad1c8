"""Database triggers that refuse changes to published plumb-line versions.

The models refuse them too; these make sure nothing else (raw SQL, bulk updates, the
admin) can rewrite a version once entries have been checked against it. A published
version's row may change only in `is_current` (when a newer version becomes current).
Deleting is refused on PostgreSQL; on SQLite deletes stay allowed because Django's own
test flush empties tables with DELETE.
"""

from django.db import migrations

FROZEN = "published plumb-line versions cannot change"
VERSION_FIELDS = ["number", "statement", "notes", "state", "published_at", "published_by_id"]

POSTGRES_FORWARD = f"""
CREATE FUNCTION plumbline_refuse_version_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION '{FROZEN}';
  END IF;
  IF {" OR ".join(f"NEW.{f} IS DISTINCT FROM OLD.{f}" for f in VERSION_FIELDS)} THEN
    RAISE EXCEPTION '{FROZEN}';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER plumbline_version_frozen
  BEFORE UPDATE OR DELETE ON plumbline_plumblineversion
  FOR EACH ROW WHEN (OLD.state = 'published')
  EXECUTE FUNCTION plumbline_refuse_version_change();

CREATE FUNCTION plumbline_refuse_part_change() RETURNS trigger AS $$
BEGIN
  IF (TG_OP <> 'INSERT' AND EXISTS (
        SELECT 1 FROM plumbline_plumblineversion WHERE id = OLD.version_id AND state = 'published'))
     OR (TG_OP <> 'DELETE' AND EXISTS (
        SELECT 1 FROM plumbline_plumblineversion WHERE id = NEW.version_id AND state = 'published'))
  THEN
    RAISE EXCEPTION '{FROZEN}';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER plumbline_pillar_frozen BEFORE INSERT OR UPDATE OR DELETE ON plumbline_pillar
  FOR EACH ROW EXECUTE FUNCTION plumbline_refuse_part_change();
CREATE TRIGGER plumbline_guardrail_frozen BEFORE INSERT OR UPDATE OR DELETE ON plumbline_guardrail
  FOR EACH ROW EXECUTE FUNCTION plumbline_refuse_part_change();
"""

POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS plumbline_guardrail_frozen ON plumbline_guardrail;
DROP TRIGGER IF EXISTS plumbline_pillar_frozen ON plumbline_pillar;
DROP TRIGGER IF EXISTS plumbline_version_frozen ON plumbline_plumblineversion;
DROP FUNCTION IF EXISTS plumbline_refuse_part_change();
DROP FUNCTION IF EXISTS plumbline_refuse_version_change();
"""


def sqlite_forward():
    changed = " OR ".join(f"NEW.{f} IS NOT OLD.{f}" for f in VERSION_FIELDS)
    statements = [
        f"""CREATE TRIGGER plumbline_version_frozen BEFORE UPDATE ON plumbline_plumblineversion
        WHEN OLD.state = 'published' AND ({changed})
        BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END"""
    ]
    published = "(SELECT state FROM plumbline_plumblineversion WHERE id = {}.version_id) = 'published'"
    for table in ("plumbline_pillar", "plumbline_guardrail"):
        statements += [
            f"""CREATE TRIGGER {table}_frozen_insert BEFORE INSERT ON {table}
            WHEN {published.format("NEW")} BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
            f"""CREATE TRIGGER {table}_frozen_update BEFORE UPDATE ON {table}
            WHEN {published.format("OLD")} OR {published.format("NEW")}
            BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END""",
        ]
    return statements


SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS plumbline_version_frozen",
    "DROP TRIGGER IF EXISTS plumbline_pillar_frozen_insert",
    "DROP TRIGGER IF EXISTS plumbline_pillar_frozen_update",
    "DROP TRIGGER IF EXISTS plumbline_guardrail_frozen_insert",
    "DROP TRIGGER IF EXISTS plumbline_guardrail_frozen_update",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    elif vendor == "sqlite":
        for statement in sqlite_forward():
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("plumbline", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
