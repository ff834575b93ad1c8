"""The task worker: its heartbeat as /healthz reports it, and a real database outage under
a running worker (a PostgreSQL cluster of the test's own, stopped and started again)."""

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from plumbline.models import WorkerHeartbeat
from plumbline.worker import FORGET_AFTER, STALE_AFTER, Heartbeat

REPO = Path(__file__).resolve().parents[2]


def _beat(ago: timedelta, worker_id="w1") -> None:
    moment = timezone.now() - ago
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, host="box", pid=1, started_at=moment, beat_at=moment
    )


@pytest.mark.django_db
class TestHealthz:
    def test_a_worker_that_beat_lately_is_ok(self, client):
        _beat(timedelta(seconds=3))
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok", "worker": "ok"}

    def test_a_stale_worker_gives_503(self, client):
        _beat(STALE_AFTER + timedelta(seconds=1))
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "error", "database": "ok", "worker": "stale"}

    def test_one_live_worker_of_several_is_enough(self, client):
        _beat(timedelta(hours=5), worker_id="gone")
        _beat(timedelta(seconds=1), worker_id="here")
        assert client.get("/healthz").json()["worker"] == "ok"

    def test_a_site_that_never_ran_a_worker_says_so(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["worker"] == "never seen"

    @override_settings(PLUMBLINE_REQUIRE_WORKER=True)
    def test_a_site_that_requires_a_worker_fails_without_one(self, client):
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "error", "database": "ok", "worker": "never seen"}


@pytest.mark.django_db
class TestHeartbeat:
    def test_a_beat_records_the_worker_then_moves_on(self):
        heartbeat = Heartbeat("w1")
        heartbeat.beat()
        first = WorkerHeartbeat.objects.get()
        assert (first.worker_id, first.pid) == ("w1", os.getpid())
        heartbeat.beat()
        again = WorkerHeartbeat.objects.get()
        assert again.beat_at > first.beat_at
        assert again.started_at == first.started_at

    def test_a_starting_worker_forgets_long_gone_ones(self):
        _beat(FORGET_AFTER + timedelta(hours=1), worker_id="gone")
        _beat(timedelta(hours=1), worker_id="stopped")
        heartbeat = Heartbeat("new")
        heartbeat.forget_gone()
        heartbeat.beat()
        assert sorted(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == [
            "new",
            "stopped",
        ]


# --- A database outage under a running worker ------------------------------------------------


def _postgres_bindir() -> Path | None:
    """Where initdb and pg_ctl are: Debian's newest /usr/lib/postgresql/N/bin, or the PATH."""

    def major(path: str) -> int:
        return int(Path(path).parent.parent.name) if Path(path).parent.parent.name.isdigit() else 0

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=major)
    initdb = found[-1] if found else shutil.which("initdb")
    return Path(initdb).parent if initdb and (Path(initdb).parent / "pg_ctl").exists() else None


def _postgres_user() -> list[str] | None:
    """The prefix that runs PostgreSQL's programs: none, or `runuser -u postgres` as root
    (initdb refuses root); None when root has no postgres account to run them as."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    return ["runuser", "-u", "postgres", "--"]


BINDIR, AS_POSTGRES = _postgres_bindir(), _postgres_user()


class Cluster:
    """A PostgreSQL cluster in a directory of its own, on a free port, with trust sign-in."""

    def __init__(self, root: Path):
        self.root = root
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _pg(self, program: str, *arguments: str) -> None:
        command = [*AS_POSTGRES, str(BINDIR / program), *arguments]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def create(self) -> None:
        data = str(self.root / "data")
        self._pg("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg(
            "pg_ctl", "start", "-w", "-t", "30", "-D", str(self.root / "data"),
            "-l", str(self.root / "postgres.log"), "-o", options,
        )  # fmt: skip

    def stop(self) -> None:
        self._pg("pg_ctl", "stop", "-w", "-t", "30", "-m", "fast", "-D", str(self.root / "data"))


MIGRATE_FOR_THE_WORKER = """
from django.core.management import call_command
for app in ("django_tasks_database", "plumbline"):
    call_command("migrate", app, verbosity=0)
"""
# Run in `manage.py shell` against the cluster: wait for a task to finish, up to 20 s.
WAIT_FOR = """
import time
from django.tasks import TaskResultStatus
from tests.plumbline.worker_tasks import echo, query_for

def outcome(result, until=(TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED)):
    deadline = time.monotonic() + 20
    while result.status not in until and time.monotonic() < deadline:
        time.sleep(0.1)
        result.refresh()
    return result.status.name
"""


@pytest.mark.skipif(BINDIR is None, reason="needs PostgreSQL's initdb and pg_ctl")
@pytest.mark.skipif(AS_POSTGRES is None, reason="as root, needs a postgres account for initdb")
def test_the_worker_outlives_a_database_restart():
    root = Path(tempfile.mkdtemp(prefix="plumbline-outage-"))
    if AS_POSTGRES:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(root)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "plumbline.settings",  # the real task backend, not the tests'
        "DATABASE_URL": cluster.url,
        "DJANGO_SECRET_KEY": "tests-only-not-a-secret",
        "DJANGO_DEBUG": "false",
    }

    def django(*arguments: str) -> list[str]:
        """Run a manage.py command against the cluster: the words it printed."""
        command = [sys.executable, "manage.py", *arguments]
        done = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=90
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    worker = None
    log = root / "worker.log"
    try:
        cluster.create()
        cluster.start()
        # Only what a worker needs: its tasks' table and the heartbeats' (with what they need).
        django("shell", "--no-imports", "-c", MIGRATE_FOR_THE_WORKER)
        with log.open("w") as output:
            worker = subprocess.Popen(
                [sys.executable, "manage.py", "run_worker", "--interval=0.2", "--no-startup-delay"],
                cwd=REPO,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        before, running, long_task = django(
            "shell",
            "--no-imports",
            "-c",
            WAIT_FOR + "print(outcome(echo.enqueue('before')))\n"
            "long = query_for.enqueue(60)\n"
            "print(outcome(long, until=(TaskResultStatus.RUNNING,)), long.id)",
        )
        assert (before, running) == ("SUCCESSFUL", "RUNNING"), log.read_text()

        cluster.stop()
        time.sleep(1.5)  # the worker meets the outage, and waits
        assert worker.poll() is None, log.read_text()
        back = timezone.now()
        cluster.start()

        after, interrupted, beat_since = django(
            "shell",
            "--no-imports",
            "-c",
            WAIT_FOR + "print(outcome(echo.enqueue('after')))\n"
            "from django_tasks_db.models import DBTaskResult\n"
            f"print(DBTaskResult.objects.get(id='{long_task}').status)\n"
            "from plumbline.models import WorkerHeartbeat\n"
            "from django.utils.dateparse import parse_datetime\n"
            "def beat_since():\n"
            "    return WorkerHeartbeat.objects.filter(\n"
            f"        beat_at__gt=parse_datetime('{back.isoformat()}')).exists()\n"
            "deadline = time.monotonic() + 15\n"
            "while not beat_since() and time.monotonic() < deadline:\n"
            "    time.sleep(0.2)\n"
            "print(beat_since())",
        )
        output = log.read_text()
        assert after == "SUCCESSFUL", output
        assert interrupted == "FAILED", output  # its outcome was lost with the connection
        assert beat_since == "True", output
        assert "The database went away" in output
        assert "The database is back" in output
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        with contextlib.suppress(subprocess.CalledProcessError):
            cluster.stop()  # unless it never started, or stopped already
        shutil.rmtree(root, ignore_errors=True)
