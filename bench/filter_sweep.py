"""The filtered lists' worst cases: every single filter and the most common pairs, timed.

Serves each filtered list page through Django's test client with production settings
(bench/load.py's), as the person who sees the most rows (a manager sees all the
conversations and the whole review queue), and prints each URL's median, p99 and worst
time over --requests requests after one warm-up request. The target is a p99 of at most
TARGET_MS for every row; the script exits 1 when a row misses it.

Run: DATABASE_URL=postgres://... .venv/bin/python bench/filter_sweep.py [--requests 30]
    [--only conversations|library|queue|clients]
"""

import argparse
import os
import statistics
import sys
import time
import urllib.parse
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402 — bench/load.py: its settings

TARGET_MS = 150


def sweeps() -> dict[str, list[tuple[str, str, dict]]]:
    """list name → (who, path, filters) rows, with values read from the database: the
    busiest rep and client, a pillar and topic of the current plumb line, the last 90 days."""
    from django.db.models import Count

    from plumbline.models import PlumbLineVersion
    from stories.models import Audience, Client, Conversation, Story, TcoTopic
    from teams.models import Team, User

    version = PlumbLineVersion.objects.filter(is_current=True).first()
    if version is None:
        load.fail("no current plumb line: run manage.py seed_demo")
    pillar = version.pillars.order_by("position").first().key
    rep_id = (Conversation.objects.values("rep_id").annotate(n=Count("id")).order_by("-n").first())[
        "rep_id"
    ]
    client_id = (
        Conversation.objects.values("client_id").annotate(n=Count("id")).order_by("-n").first()
    )["client_id"]
    author_id = Story.objects.values("author_id").annotate(n=Count("id")).order_by("-n").first()
    topic = TcoTopic.objects.order_by("position").first().key
    audience = Audience.objects.order_by("pk").first()
    team = Team.objects.filter(function=Team.Function.SALES).order_by("pk").first()
    today = date.today()
    period = {"since": (today - timedelta(days=90)).isoformat(), "until": today.isoformat()}
    rep, client = str(rep_id), str(client_id)
    conversations = [
        {"client": client},
        {"rep": rep},
        {"channel": "call"},
        {"pillar": pillar},
        {"band": "off_message"},
        {"tco": topic},
        {"since": period["since"]},
        {"until": (today - timedelta(days=700)).isoformat()},
        {"scope": "mine"},
        # The most common pairs.
        {"rep": rep, **period},
        {"pillar": pillar, "band": "off_message"},
        {"channel": "meeting", **period},
        {"tco": topic, **period},
        {"client": client, **period},
        {"rep": rep, "pillar": pillar},
        {"band": "needs_attention", **period},
        {"pillar": pillar, "tco": topic},
        {"rep": rep, "band": "off_message"},
        {"channel": "call", "band": "off_message"},
    ]
    library = [
        {"q": "zeppelin"},
        {"audience": str(audience.pk)} if audience else {},
        {"channel": "web"},
        {"pillar": pillar},
        {"status": "published"},
        {"band": "off_message"},
        {"author": str(author_id["author_id"])} if author_id else {},
        {"sort": "score"},
        {"pillar": pillar, "band": "off_message"},
        {"channel": "web", "sort": "score"},
    ]
    queue = [
        {"kind": "conversation"},
        {"kind": "story"},
        {"team": str(team.pk)} if team else {},
        {"person": rep},
        {"pillar": pillar},
        {"band": "off_message"},
        {"since": period["since"]},
        {"person": rep, **period},
        {"pillar": pillar, "band": "off_message"},
        {"kind": "conversation", **period},
    ]
    clients = [{"q": "zeppelin"}, {"q": Client.objects.order_by("pk").first().name[:4]}]
    if User.objects.filter(username__in=["manager", "marketer"]).count() != 2:
        load.fail("demo people missing: run manage.py seed_demo")
    return {
        "conversations": [("manager", "/conversations/", f) for f in conversations],
        "library": [("marketer", "/stories/", f) for f in library if f],
        "queue": [("manager", "/review/", f) for f in queue if f],
        "clients": [("manager", "/clients/", f) for f in clients],
    }


def measure(args) -> int:
    from django.test import Client

    from teams.models import User

    browsers = {}
    missed = 0
    print(f"{'list':<14} {'filters':<58} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for name, rows in sweeps().items():
        if args.only and name not in args.only:
            continue
        for who, path, filters in rows:
            if who not in browsers:
                browsers[who] = Client()
                browsers[who].force_login(User.objects.get(username=who))
            url = f"{path}?{urllib.parse.urlencode(filters)}"
            browser = browsers[who]
            if browser.get(url).status_code != 200:
                load.fail(f"{url} did not answer 200 to {who}")
            times = []
            for _ in range(args.requests):
                start = time.perf_counter()
                browser.get(url)
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            p99 = times[min(len(times) - 1, round(len(times) * 0.99) - 1)]
            flag = "" if p99 <= TARGET_MS else "  over"
            missed += bool(flag)
            shown = urllib.parse.unquote(urllib.parse.urlencode(filters))[:58]
            print(
                f"{name:<14} {shown:<58} {statistics.median(times):7.1f} {p99:7.1f}"
                f" {times[-1]:7.1f}{flag}"
            )
    print(f"\n{missed} row(s) over the target of p99 <= {TARGET_MS} ms")
    return 1 if missed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per row")
    parser.add_argument(
        "--only", nargs="+", choices=["conversations", "library", "queue", "clients"]
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        load.fail("set DATABASE_URL to PostgreSQL")
    with load.django_in_process("plumbline-sweep-"):
        sys.exit(measure(args))


if __name__ == "__main__":
    main()
