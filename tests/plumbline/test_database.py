"""How the app talks to PostgreSQL: prepared statements (plumbline/settings.py)."""

import pytest
from django.conf import settings
from django.db import connection

from teams.models import User
from tests.plumbline.test_security import run_manage

POSTGRES_URL = "postgres://plumbline@127.0.0.1:5432/plumbline"
READ_OPTIONS = (
    "from django.conf import settings; "
    "options = settings.DATABASES['default'].get('OPTIONS', {}); "
    "print(options.get('server_side_binding'), options.get('prepare_threshold'))"
)


def options_with(**env) -> str:
    result = run_manage("shell", "--no-imports", "-c", READ_OPTIONS, DJANGO_SECRET_KEY="x", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_postgres_prepares_statements_by_default():
    assert options_with(DATABASE_URL=POSTGRES_URL) == "True 5"


def test_a_threshold_of_zero_turns_them_off():
    assert options_with(DATABASE_URL=POSTGRES_URL, DJANGO_PG_PREPARE_THRESHOLD="0") == "None None"


def test_sqlite_has_no_such_options():
    assert options_with() == "None None"


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="prepared statements are PostgreSQL's; CI's PostgreSQL pass runs this",
)
def test_a_query_run_again_and_again_is_prepared():
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    for _ in range(threshold + 1):
        list(User.objects.filter(username="someone-prepared"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%someone-prepared%"],
        )
        assert cursor.fetchone() == (0,)  # the value is not part of the statement
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "teams_user" WHERE "teams_user"."username" = $1%'],
        )
        assert cursor.fetchone()[0] >= 1
