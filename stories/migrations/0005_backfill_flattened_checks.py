"""Fill the new flattened check fields of entries checked before they existed."""

from django.db import migrations


def flatten(values):
    unique = sorted(set(values))
    return f",{','.join(unique)}," if unique else ""


def backfill(apps, schema_editor):
    for name in ("Story", "Conversation"):
        model = apps.get_model("stories", name)
        batch = []
        for entry in model.objects.filter(checked_version__isnull=True).iterator(chunk_size=500):
            report = entry.check_report or {}
            entry.checked_version_id = entry.plumbline_version_id
            entry.told_keys = flatten(report.get("pillars", {}).get("evidence", {}))
            entry.hit_phrases = flatten(
                hit["phrase"].casefold() for hit in report.get("guardrail_hits", [])
            )
            batch.append(entry)
            if len(batch) == 500:
                model.objects.bulk_update(batch, ["checked_version", "told_keys", "hit_phrases"])
                batch = []
        model.objects.bulk_update(batch, ["checked_version", "told_keys", "hit_phrases"])


class Migration(migrations.Migration):
    dependencies = [("stories", "0004_conversation_checked_version_and_more")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
