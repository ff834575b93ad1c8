"""Drop the conversation's own indexes on client and rep.

Three composite indexes begin with those columns (conversation_client_when,
conversation_rep_when, conversation_rep_client) and serve every lookup the single-column
ones did, the PROTECT checks on deleting a client or a person included. At 1 M
conversations each single-column index took 8 to 10 MB and was written on every insert.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0011_story_search_trigram"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="conversation",
            name="client",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="conversations",
                to="stories.client",
            ),
        ),
        migrations.AlterField(
            model_name="conversation",
            name="rep",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="conversations",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
