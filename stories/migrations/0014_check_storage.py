"""Storage for whatever a check finds, and for the entries a re-check could not check.

The pillars told and the guardrail phrases hit become lists (JSON) instead of ",a,b," text.

The comma-joined text was cut at 2,000 and 4,000 characters and could not tell the phrase
"cheap, fast" from "cheap" and "fast". Today's values are carried over as they are, except
the hit phrases of entries checked against a version with a comma in a phrase, which are
read again from their check reports. The dashboard's summaries are then recounted, since
they counted such phrases in pieces (and a database migrated from before 0006 has none yet).

Backwards, the lists are joined again; an entry whose lists no longer fit the old columns
stops it, and the summaries keep today's counts (`rollups.rebuild()` recounts them).

Entries a re-check run could not check are recorded in RecheckFailure.
"""

import django.db.models.deletion
from django.db import migrations, models

import stories.models.entries

ENTRIES = ("story", "conversation")
FIELDS = ("told_keys", "hit_phrases")


def _carry_over_in_sql(schema_editor, table):
    quote = schema_editor.quote_name
    assignments = ", ".join(
        f"{quote(field)} = CASE WHEN {quote(f'{field}_flat')} = '' THEN '[]'::jsonb ELSE "
        f"to_jsonb(string_to_array(trim(both ',' from {quote(f'{field}_flat')}), ',')) END"
        for field in FIELDS
    )
    schema_editor.execute(f"UPDATE {quote(table)} SET {assignments}")  # noqa: S608


def _settle(schema_editor):
    """Run PostgreSQL's deferred foreign-key checks of the rows just updated, which must not
    be pending when the next operation alters the table."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def carry_over(apps, schema_editor):
    comma_versions = (
        apps.get_model("plumbline", "Guardrail")
        .objects.filter(phrase__contains=",")
        .values("version")
    )
    for name in ENTRIES:
        model = apps.get_model("stories", name)
        if schema_editor.connection.vendor == "postgresql":
            _carry_over_in_sql(schema_editor, model._meta.db_table)
        else:
            batch = []
            for entry in model.objects.only("pk", *(f"{f}_flat" for f in FIELDS)).iterator(
                chunk_size=2000
            ):
                for field in FIELDS:
                    setattr(
                        entry, field, [p for p in getattr(entry, f"{field}_flat").split(",") if p]
                    )
                batch.append(entry)
            model.objects.bulk_update(batch, FIELDS, batch_size=2000)
        cut = model.objects.filter(checked_version__in=comma_versions).exclude(hit_phrases_flat="")
        batch = []
        for entry in cut.only("pk", "check_report").iterator(chunk_size=2000):
            hits = (entry.check_report or {}).get("guardrail_hits", [])
            entry.hit_phrases = sorted({hit["phrase"].casefold() for hit in hits})
            batch.append(entry)
        model.objects.bulk_update(batch, ["hit_phrases"], batch_size=2000)
    _settle(schema_editor)


def join_again(apps, schema_editor):
    for name in ENTRIES:
        model = apps.get_model("stories", name)
        batch = []
        for entry in model.objects.only("pk", *FIELDS).iterator(chunk_size=2000):
            for field in FIELDS:
                values = getattr(entry, field)
                setattr(entry, f"{field}_flat", f",{','.join(values)}," if values else "")
            batch.append(entry)
        model.objects.bulk_update(batch, [f"{f}_flat" for f in FIELDS], batch_size=2000)
    _settle(schema_editor)


def recount(apps, schema_editor):
    # The one place a migration uses today's code (0006 did before): the recount reads the
    # lists as this migration leaves them. When the recount or those columns change shape,
    # freeze this one as it stands and recount in the new migration.
    from stories.rollups import rebuild

    rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("plumbline", "0003_guardrail_phrase_measured_folded"),
        ("stories", "0013_client_search_trigram"),
    ]

    operations = [
        *(
            migrations.RenameField(model_name=name, old_name=field, new_name=f"{field}_flat")
            for name in ENTRIES
            for field in FIELDS
        ),
        *(
            migrations.AddField(
                model_name=name,
                name=field,
                field=stories.models.entries.TermList(blank=True, default=list, editable=False),
            )
            for name in ENTRIES
            for field in FIELDS
        ),
        migrations.RunPython(carry_over, join_again),
        *(
            migrations.RemoveField(model_name=name, name=f"{field}_flat")
            for name in ENTRIES
            for field in FIELDS
        ),
        *(
            migrations.AlterField(
                model_name=name,
                name="key",
                field=models.CharField(blank=True, max_length=360),
            )
            for name in ("companyrollup", "conversationrollup")
        ),
        migrations.RunPython(recount, migrations.RunPython.noop),
        migrations.CreateModel(
            name="RecheckFailure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reason", models.TextField()),
                ("failed_at", models.DateTimeField(auto_now_add=True)),
                (
                    "conversation",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="stories.conversation",
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="failures",
                        to="stories.recheckrun",
                    ),
                ),
                (
                    "story",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="stories.story",
                    ),
                ),
            ],
            options={
                "ordering": ["pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("story__isnull", False), ("conversation__isnull", True)),
                            models.Q(("story__isnull", True), ("conversation__isnull", False)),
                            _connector="OR",
                        ),
                        name="recheck_failure_of_exactly_one_entry",
                    ),
                    models.UniqueConstraint(
                        fields=("run", "story"), name="recheck_failure_story_once"
                    ),
                    models.UniqueConstraint(
                        fields=("run", "conversation"), name="recheck_failure_conversation_once"
                    ),
                ],
            },
        ),
    ]
