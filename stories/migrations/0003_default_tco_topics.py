"""The total-cost-of-ownership topics every company starts with; admins can add more."""

from django.db import migrations

TOPICS = [
    ("price", "Price"),
    ("delivery", "Delivery"),
    ("installation", "Installation"),
    ("warranty", "Warranty"),
    ("support", "Support"),
    ("training", "Training"),
    ("financing", "Financing"),
    ("upgrades", "Upgrades"),
    ("disposal", "Disposal"),
]


def add_topics(apps, schema_editor):
    TcoTopic = apps.get_model("stories", "TcoTopic")
    for position, (key, label) in enumerate(TOPICS, start=1):
        TcoTopic.objects.get_or_create(key=key, defaults={"label": label, "position": position})


def remove_topics(apps, schema_editor):
    apps.get_model("stories", "TcoTopic").objects.filter(key__in=[k for k, _ in TOPICS]).delete()


class Migration(migrations.Migration):
    dependencies = [("stories", "0002_tcotopic_client_contact_conversation_and_more")]
    operations = [migrations.RunPython(add_topics, remove_topics)]
