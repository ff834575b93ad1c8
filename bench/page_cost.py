"""Each page's CPU per request next to the floor's: a steadier measure than req/s.

bench/load.py gives the figures the targets are about, but on a shared machine req/s
moves by a third between runs. This script serves the same pages (bench/load.py's, with
the same production settings and ids) one request at a time through Django's test client
and reads the CPU time of this process plus that of its PostgreSQL backend
(/proc/<pid>/stat). Each page is measured in --rounds rounds of --requests requests,
each round next to a round of the floor, and the median of the rounds' floor÷page ratios
is printed: the share of the floor's req/s the page would reach if the CPU were all that
limited it. Their ratios follow load.py's within a few points (docs/performance.md).

Run: DATABASE_URL=postgres://... .venv/bin/python bench/page_cost.py
    [--requests 60] [--rounds 7] [--only NAME ...]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402 — bench/load.py: its pages, settings and targets

TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float:
    """Seconds of CPU the PostgreSQL backend with this pid has used (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60, help="requests per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these pages")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        load.fail("set DATABASE_URL to PostgreSQL (the backend's CPU is read from /proc)")
    with load.django_in_process("plumbline-cost-"):
        measure(args)


def measure(args) -> None:
    from django.db import connection
    from django.test import Client

    from teams.models import User

    pages = load.pick_pages()
    names = [page.name for page in pages]
    if set(args.only or []) - set(names):
        load.fail(f"unknown page in --only; choose from {', '.join(names)}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [pid] = cursor.fetchone()
    clients = {}

    def requester(page):
        if page.user not in clients:
            clients[page.user] = Client()
            clients[page.user].force_login(User.objects.get(username=page.user))
        client = clients[page.user]
        headers = {"HX-Request": "true"}
        form = "application/x-www-form-urlencoded"

        def request():
            if page.body:
                response = client.post(page.path, page.body, content_type=form, headers=headers)
            else:
                response = client.get(page.path)
            if (status := response.status_code) != 200:
                load.fail(f"{page.name} ({page.path} as {page.user}) answered {status}")

        for _ in range(5):  # warm up: templates, caches, connections
            request()
        return request

    def cost(request) -> float:
        """Milliseconds of CPU per request, this process and its database backend."""
        started, backend = time.process_time(), backend_cpu(pid)
        for _ in range(args.requests):
            request()
        spent = time.process_time() - started + backend_cpu(pid) - backend
        return spent / args.requests * 1000

    floor = requester(pages[0])
    print(f"{args.rounds} rounds of {args.requests} requests, each next to a round of the floor")
    print(f"{'page':<26}{'floor ms':>9}{'page ms':>9}{'floor÷page':>12}  (lowest, highest)")
    for page in pages[1:]:
        if args.only and page.name not in args.only:
            continue
        request = requester(page)
        rounds = [(cost(floor), cost(request)) for _ in range(args.rounds)]
        shares = [floor_ms / page_ms for floor_ms, page_ms in rounds]
        print(
            f"{page.name:<26}{statistics.median(f for f, _ in rounds):>9.2f}"
            f"{statistics.median(p for _, p in rounds):>9.2f}{statistics.median(shares):>11.0%}"
            f"  ({min(shares):.0%}, {max(shares):.0%})",
            flush=True,
        )


if __name__ == "__main__":
    main()
