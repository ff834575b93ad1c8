"""Benchmark for the dashboard's figures when they are not cached: what a change costs.

The dashboard page keeps each person's figures in the cache until something they count
changes (see docs/performance.md); the first view after a change computes them again.
This script times that computation, the whole of stories.views.dashboard._compute, for the
people whose scopes differ (a manager sees everything, a sales lead their teams, a rep
themselves, marketing the company's averages), over the default 90 days, a year, and a
year narrowed to one sales team. It reads the database DATABASE_URL names (or the default
SQLite file), which should hold seed_demo's people, and prints the median and the slowest
of --runs runs, with the number of queries.

Run: .venv/bin/python bench/bench_dashboard.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plumbline.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from plumbline.models import PlumbLineVersion  # noqa: E402
from stories.dashboard import DashboardFilters  # noqa: E402
from stories.models import Conversation  # noqa: E402
from stories.views.dashboard import _compute  # noqa: E402
from teams.models import Team, User  # noqa: E402

PEOPLE = ("manager", "sales_lead", "rep", "marketer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    users = {u.username: u for u in User.objects.filter(username__in=PEOPLE)}
    if set(users) != set(PEOPLE):
        sys.exit("bench_dashboard.py: run manage.py seed_demo first (the demo people sign in)")
    version = PlumbLineVersion.objects.current()
    default = DashboardFilters.default()
    year = DashboardFilters(since=default.until - timedelta(days=365), until=default.until)
    team = Team.objects.filter(function=Team.Function.SALES).order_by("pk").first()
    ranges = {
        "90 days": default,
        "a year": year,
        "a year, one team": DashboardFilters(year.since, year.until, team),
    }
    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}, "
        f"{Conversation.objects.count():,} conversations"
    )
    print(f"{'person':12} {'range':18} {'queries':>7} {'median ms':>10} {'max ms':>8}")
    for username in PEOPLE:
        for label, filters in ranges.items():
            times = []
            for _ in range(args.runs):
                user = User.objects.get(pk=users[username].pk)  # no per-request caches
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    _compute(user, filters, version)
                    times.append((time.perf_counter() - start) * 1000)
            print(
                f"{username:12} {label:18} {len(queries):7} "
                f"{statistics.median(times):10.1f} {max(times):8.1f}"
            )


if __name__ == "__main__":
    main()
