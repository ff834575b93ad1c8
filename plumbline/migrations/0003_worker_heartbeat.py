from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("plumbline", "0002_freeze_published_versions")]

    operations = [
        migrations.CreateModel(
            name="WorkerHeartbeat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("worker_id", models.CharField(max_length=64, unique=True)),
                ("host", models.CharField(max_length=255)),
                ("pid", models.PositiveIntegerField()),
                ("started_at", models.DateTimeField()),
                ("beat_at", models.DateTimeField()),
            ],
            options={"indexes": [models.Index(fields=["beat_at"], name="worker_latest_beat")]},
        ),
    ]
