"""bin/backup-roundtrip (docs/backups.md): the demo company dumped, restored into a database
of its own and compared table by table, which the script then drops."""

import os
import subprocess
from importlib import import_module
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection

from stories.models import Conversation, TcoTopic
from teams.models import Team, User

SCRIPT = Path(__file__).resolve().parent.parent / "bin" / "backup-roundtrip"
SCRATCH = f"plumbline_C_roundtrip_{os.getpid()}"

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="pg_dump and pg_restore back up PostgreSQL; run with DATABASE_URL=postgres://…",
    ),
    pytest.mark.django_db(transaction=True),  # pg_dump sees only what is committed
]


def _url(name: str) -> str:
    """The test database's server, naming the database `name`."""
    db = connection.settings_dict
    login = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{login}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"


def _run(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPT), *arguments], capture_output=True, text=True, timeout=120, check=False
    )


def _exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone()[0] == 1


@pytest.fixture
def scratch():
    """The throwaway database's name; dropped here should the script leave it behind."""
    yield SCRATCH
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{SCRATCH}"')


@pytest.fixture
def demo(settings):
    User.objects.all().delete()  # the demo company alone, not beside the tests' cast
    Team.objects.all().delete()
    settings.DEBUG = True  # seed_demo refuses to run without
    if not TcoTopic.objects.exists():  # a live-server test before this one emptied the tables
        topics = import_module("stories.migrations.0003_default_tco_topics").TOPICS
        TcoTopic.objects.bulk_create(
            TcoTopic(key=key, label=label, position=n) for n, (key, label) in enumerate(topics, 1)
        )
    call_command("seed_demo")
    assert Conversation.objects.count() >= 50


def test_the_demo_company_comes_back_whole(demo, scratch):
    done = _run(_url(connection.settings_dict["NAME"]), scratch)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"restored it into {scratch}" in done.stdout
    assert "Every table has the same number of rows" in done.stdout
    tables = int(done.stdout.split(" tables, ")[0].rsplit(" ", 1)[1])
    assert tables > 30  # the app's tables, Django's and the task queue's
    assert not _exists(scratch)


def test_it_never_overwrites_a_database(scratch):
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{scratch}"')
    done = _run(_url(connection.settings_dict["NAME"]), scratch)
    assert done.returncode == 2
    assert f"The database {scratch} exists already" in done.stderr
    assert _exists(scratch)


def test_it_wants_a_postgresql_url():
    done = _run("sqlite:///db.sqlite3")
    assert done.returncode == 2
    assert "Give a PostgreSQL DATABASE_URL" in done.stderr
