from django.db import migrations, models


def carry_over(apps, schema_editor):
    """The dashboard's one number becomes the "figures" generation."""
    old = apps.get_model("stories", "DashboardGeneration")
    new = apps.get_model("stories", "Generation")
    number = old.objects.filter(pk=1).values_list("number", flat=True).first() or 0
    new.objects.create(name="figures", number=number)


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0007_list_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="Generation",
            fields=[
                ("name", models.CharField(max_length=20, primary_key=True, serialize=False)),
                ("number", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.DeleteModel(name="DashboardGeneration"),
    ]
