"""Load benchmark: the main pages under gunicorn and production settings, against a floor.

Starts gunicorn on 127.0.0.1 with bench.settings (the app plus a "floor" page: the
session, one indexed query and the base layout), signs in as the right demo role for each
page, drives each page with wrk and prints req/s, p50 and p99 next to the floor's.
Targets: every page at least 50 % of the floor's req/s (the dashboard 25 %) and a p99 at
most 3x the floor's. Needs PostgreSQL with the demo people (seed_demo) and Debian's wrk.

Run: DATABASE_URL=postgres://... .venv/bin/python bench/load.py [--duration 10]
    [--connections 8] [--workers 3] [--port 8765] [--rounds 1] [--only NAME ...]
"""

import argparse
import http.cookiejar
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "plumbline-demo"
WARMUP_S = 2
TIMEOUT_S = 30  # gunicorn's default worker timeout: a slower request fails in production too
FLOOR_SHARE, DASHBOARD_SHARE, P99_FACTOR = 0.50, 0.25, 3.0
FILLER_TEXT = """we met the plant manager on site and walked through the numbers for the coming
year the team asked about the roof the loads at night the contract terms and how the
monitoring works they want a clear answer before the board meets in spring"""
FILLER = FILLER_TEXT.split()


@dataclass
class Page:
    name: str
    user: str
    path: str
    share: float = FLOOR_SHARE  # the req/s target, as a share of the floor's
    body: str | None = None  # a form-encoded POST body; GET when None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect (to the sign-in page, say) must show up as a failure, not be followed."""

    def redirect_request(self, *args, **kwargs):
        return None


def fail(message: str) -> None:
    print(f"load.py: {message}", file=sys.stderr)
    sys.exit(2)


def production_env(static_root: str) -> dict[str, str]:
    """Production defaults, except what a loopback benchmark cannot or must not have."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_HTTPS": "false",  # no TLS on loopback; HTTPS would redirect every request
        "AXES_ENABLED": "false",  # we sign in many times, from one address
        "WHITENOISE_USE_FINDERS": "false",  # collectstatic runs first, as in production
        "BENCH_STATIC_ROOT": static_root,
        "DJANGO_LOG_LEVEL": "WARNING",
    }


@contextmanager
def django_in_process(prefix: str):
    """Django set up in this process with production settings and its static files
    collected into a temporary folder: for benchmarks that call pages through the test
    client rather than over HTTP."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        os.environ.update(production_env(str(Path(tmp) / "static")))
        os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
        collectstatic = [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"]
        subprocess.run(collectstatic, cwd=ROOT, check=True, timeout=300)
        import django

        django.setup()
        yield


def live_check_body(version) -> str:
    """About 300 words with the plumb line's phrases and guardrail terms mixed in."""
    rng = random.Random(20240601)
    phrases = [p for pillar in version.pillars.all() for p in pillar.key_phrases]
    phrases += [guardrail.phrase for guardrail in version.guardrails.all()]
    words: list[str] = []
    while len(words) < 300:
        use_phrase = phrases and rng.random() < 0.08  # ~25 phrases and terms per text
        words += rng.choice(phrases).split() if use_phrase else [rng.choice(FILLER)]
    fields = [("version", version.number), ("title", "Spring visit"), ("summary", "Notes")]
    fields += [("body", " ".join(words)), ("offer", "")]
    fields += [("pillars", pillar.pk) for pillar in version.pillars.all()[:2]]
    return urllib.parse.urlencode(fields)


def pick_pages() -> list[Page]:
    """Concrete, representative ids from the database this run is pointed at."""
    from django.db.models import Count

    from plumbline.models import PlumbLineVersion
    from stories.models import Conversation, Story
    from teams.models import Team, User

    needed = {"rep", "sales_lead", "manager", "marketer"}
    users = {u.username: u for u in User.objects.filter(username__in=needed, is_active=True)}
    if set(users) != needed:
        fail(f"demo people missing: {sorted(needed - set(users))}; run manage.py seed_demo")
    rep = users["rep"]
    published = Story.objects.filter(status=Story.Status.PUBLISHED)
    story = published.annotate(uses=Count("conversations")).order_by("-uses", "pk").first()
    mine = Conversation.objects.filter(rep=rep)
    conversation = mine.order_by("-occurred_at", "-pk").first()
    # The client rep has talked to most: the longest timeline rep can open.
    client = mine.values("client_id").annotate(n=Count("id")).order_by("-n", "client_id").first()
    team = Team.objects.filter(memberships__user=rep, function=Team.Function.SALES).first()
    version = PlumbLineVersion.objects.filter(is_current=True).first()
    if not (story and conversation and client and team and version):
        fail("need a published story, a current plumb line and conversations of rep")
    today = date.today()
    since = today - timedelta(days=365)
    filtered = urllib.parse.urlencode({"since": since, "until": today, "team": team.pk})
    dash = DASHBOARD_SHARE
    return [
        Page("floor", "rep", "/bench/floor/"),
        Page("library", "marketer", "/stories/"),
        # A search for a word no story holds: without an index it reads every story.
        Page("library-search", "marketer", "/stories/?q=zeppelin"),
        Page("story", "rep", f"/stories/{story.pk}/"),
        Page("conversations-rep", "rep", "/conversations/"),
        Page("conversations-sales_lead", "sales_lead", "/conversations/"),
        Page("conversations-manager", "manager", "/conversations/"),
        Page("conversation", "rep", f"/conversations/{conversation.pk}/"),
        Page("client", "rep", f"/clients/{client['client_id']}/"),
        Page("review-queue", "manager", "/review/"),
        Page("dashboard", "manager", "/dashboard/", share=dash),
        Page("dashboard-filtered", "manager", f"/dashboard/?{filtered}", share=dash),
        Page("live-check", "marketer", "/stories/check/", body=live_check_body(version)),
    ]


def fetch(opener, url: str, data: str | None = None, headers=None) -> tuple[int, str]:
    """One request, redirects not followed: (status, body)."""
    request = urllib.request.Request(url, data and data.encode(), headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def sign_in(base: str, username: str) -> tuple[str, str]:
    """POST the real sign-in form; returns the session id and the (rotated) CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    _, form = fetch(opener, f"{base}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    data = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token and token[1]}
    status, _ = fetch(opener, f"{base}/accounts/login/", urllib.parse.urlencode(data))
    cookies = {cookie.name: cookie.value for cookie in jar}
    if status != 302 or "sessionid" not in cookies:  # 302 to the home page: signed in
        fail(f"signing in as {username} failed ({status})")
    return cookies["sessionid"], cookies["csrftoken"]


def status_of(base: str, page: Page, session: tuple[str, str]) -> int:
    sessionid, csrf = session
    headers = {"Cookie": f"sessionid={sessionid}; csrftoken={csrf}", "X-CSRFToken": csrf}
    if page.body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    opener = urllib.request.build_opener(NoRedirect)
    return fetch(opener, base + page.path, page.body, headers)[0]


def wrk(base: str, page: Page, session: tuple[str, str], seconds: int, connections: int, tmp):
    """One wrk run; one thread is plenty for a few hundred req/s and leaves CPU to gunicorn."""
    sessionid, csrf = session
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["--timeout", f"{TIMEOUT_S}s"]
    command += ["-H", f"Cookie: sessionid={sessionid}; csrftoken={csrf}"]
    if page.body:  # urlencoded text holds no quotes or backslashes: safe in a Lua string
        script = Path(tmp) / f"{page.name}.lua"
        script.write_text(
            f'wrk.method = "POST"\nwrk.body = "{page.body}"\n'
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
            f'wrk.headers["X-CSRFToken"] = "{csrf}"\nwrk.headers["HX-Request"] = "true"\n'
        )
        command += ["-s", str(script)]
    command.append(base + page.path)
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode != 0:
        fail(f"wrk failed on {page.name}: {result.stderr.strip()}")
    return parse(result.stdout)


def drain(base: str, row: dict) -> None:
    """Let the requests still queued when wrk stopped finish before the next run.

    Once a probe gets through the queue, every one of them has started, and each ends
    within the longest latency seen (or the worker timeout, if none completed).
    """
    for _ in range(4):
        try:
            fetch(urllib.request.build_opener(), f"{base}/healthz")
            break
        except OSError:  # timed out behind slow requests: try again
            pass
    time.sleep(min(TIMEOUT_S, row["max"] / 1000) if row["requests"] else TIMEOUT_S)


def parse(output: str) -> dict:
    def first(pattern, default=None):
        found = re.search(pattern, output, re.MULTILINE)
        return found.group(1) if found else default

    def ms(value: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

    sockets = [int(n) for n in re.findall(r"\d+", first(r"Socket errors: (.*)$", "0 0 0 0"))]
    return {
        "rps": float(first(r"Requests/sec:\s+([\d.]+)")),
        "p50": ms(first(r"^\s+50%\s+(\S+)")),
        "p99": ms(first(r"^\s+99%\s+(\S+)")),
        "max": ms(first(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)")),
        "requests": int(first(r"(\d+) requests in")),
        # 4xx and 5xx; wrk counts 3xx as fine, so status_of checks each page before and after
        "errors": int(first(r"Non-2xx or 3xx responses:\s+(\d+)", "0")) + sum(sockets[:3]),
        "timeouts": sockets[3],  # slower than TIMEOUT_S; not in the latency figures
    }


def wait_healthy(base: str, server: subprocess.Popen, log_path: Path) -> None:
    opener = urllib.request.build_opener()
    for _ in range(150):  # 30 s
        if server.poll() is not None:
            fail(f"gunicorn exited:\n{log_path.read_text()[-2000:]}")
        try:
            if fetch(opener, f"{base}/healthz")[0] == 200:
                return
        except OSError:  # not listening yet
            pass
        time.sleep(0.2)
    fail(f"/healthz did not answer within 30 s:\n{log_path.read_text()[-2000:]}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()  # gunicorn stops its workers gracefully on SIGTERM
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def measure(args, pages: list[Page], tmp: str) -> dict[str, dict]:
    """Start gunicorn, sign in, check every page answers 200, then load each one in turn."""
    from teams.models import Session

    log_path = Path(tmp) / "gunicorn.log"
    base = f"http://127.0.0.1:{args.port}"
    sessions: dict[str, tuple[str, str]] = {}
    rows: dict[str, list[dict]] = {}
    command = [sys.executable, "-m", "gunicorn", "plumbline.wsgi:application", "--chdir", ROOT]
    command += ["--workers", str(args.workers), "--worker-class", "sync"]
    command += ["--bind", f"127.0.0.1:{args.port}"]
    with log_path.open("w") as log:
        # Its own session: Ctrl+C reaches only us, and the finally block stops it cleanly.
        server = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
        try:
            wait_healthy(base, server, log_path)
            for user in sorted({page.user for page in pages}):
                sessions[user] = sign_in(base, user)
            for page in pages:  # a benchmark of error pages is worthless
                status = status_of(base, page, sessions[page.user])
                if status != 200:
                    fail(f"{page.name} ({page.path} as {page.user}) answered {status}")
            # On a shared machine one page can land on a busy moment: with --rounds, every
            # page runs once per round and keeps its best round. The floor runs once more
            # at the end; how much its runs differ tells how quiet the machine was.
            for page in [page for _ in range(args.rounds) for page in pages] + pages[:1]:
                print(f"  {page.name} as {page.user} ...", file=sys.stderr, flush=True)
                session = sessions[page.user]
                drain(base, wrk(base, page, session, WARMUP_S, args.connections, tmp))
                row = wrk(base, page, session, args.duration, args.connections, tmp)
                drain(base, row)
                row["errors"] += status_of(base, page, session) != 200  # still fine after?
                rows.setdefault(page.name, []).append(row)
        finally:
            stop(server)
            Session.objects.filter(session_key__in=[s for s, _ in sessions.values()]).delete()
    results = {}
    for name, runs in rows.items():
        best = max(runs, key=lambda row: row["rps"])
        total = {key: sum(row[key] for row in runs) for key in ("errors", "timeouts", "requests")}
        results[name] = best | total | {"runs": [row["rps"] for row in runs]}
    if any(row["errors"] for row in results.values()):
        print(f"gunicorn's log ends:\n{log_path.read_text()[-3000:]}", file=sys.stderr)
    return results


def report(args, pages: list[Page], results: dict[str, dict]) -> None:
    floor = results["floor"]
    print(
        f"gunicorn: {args.workers} sync workers; wrk: 1 thread, {args.connections} connections, "
        f"{args.duration} s per page after {WARMUP_S} s warm-up, best of {args.rounds} round(s)"
    )
    header = f"{'page':<26}{'user':<12}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
    print(header + f"{'req/s÷floor':>13}{'p99÷floor':>11}  meets targets")
    failed = 0
    for page in pages:
        row, misses = results[page.name], []
        done = row["requests"] > 0  # when nothing completed, wrk's latencies read 0
        if row["rps"] < page.share * floor["rps"]:
            misses.append(f"req/s < {page.share:.0%}")
        if not done:
            misses.append(f"none completed in {args.duration} s")
        elif row["p99"] > P99_FACTOR * floor["p99"]:
            misses.append(f"p99 > {P99_FACTOR:g}x")
        if row["timeouts"]:
            misses.append(f"{row['timeouts']} took > {TIMEOUT_S} s")
        meets = "no: " + ", ".join(misses) if misses else "yes"
        if page.name == "floor":
            meets = "(reference)"
        if row["errors"]:
            meets = f"ERRORS ({row['errors']} of {row['requests']})"
        failed += page.name != "floor" and meets != "yes"
        p50, p99 = (f"{row[key]:.1f}" if done else "-" for key in ("p50", "p99"))
        p99x = f"{row['p99'] / floor['p99']:.1f}x" if done else "-"
        print(
            f"{page.name:<26}{page.user:<12}{row['rps']:>8.1f}{p50:>9}{p99:>9}"
            f"{row['rps'] / floor['rps']:>12.0%}{p99x:>11}  {meets}"
        )
    print(
        f"targets: req/s >= {FLOOR_SHARE:.0%} of the floor's ({DASHBOARD_SHARE:.0%} for the "
        f"dashboard), p99 <= {P99_FACTOR:g}x the floor's"
    )
    print(f"{len(pages) - 1 - failed} of {len(pages) - 1} pages meet the targets")
    floors = floor["runs"]
    print(f"floor runs, the last after every page: {', '.join(f'{n:.0f}' for n in floors)} req/s")
    if min(floors) < 0.85 * max(floors):
        print("WARNING: the floor's runs differ by more than 15 %: something else used the CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--rounds", type=int, default=1, help="runs per page; best is kept")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these pages (and the floor)")
    args = parser.parse_args()
    # A plain `kill` must also reach the finally blocks that stop gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not (1 <= args.duration <= 600 and 1 <= args.connections <= 256 and 1 <= args.rounds <= 5):
        fail("--duration must be 1-600 s, --connections 1-256 and --rounds 1-5")
    if not shutil.which("wrk"):
        fail("wrk is not installed; on Debian/Ubuntu: sudo apt-get install -y wrk")
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        fail("set DATABASE_URL to PostgreSQL: this measures production settings, not SQLite")
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:
            fail(f"something already listens on 127.0.0.1:{args.port}; choose another --port")

    with tempfile.TemporaryDirectory(prefix="plumbline-load-") as tmp:
        os.environ.update(production_env(str(Path(tmp) / "static")))
        import django

        django.setup()
        from django.db import connection

        from stories.models import Client, Conversation, Story

        if connection.vendor != "postgresql":
            fail("refusing to run on anything but PostgreSQL")
        pages = pick_pages()
        names = [page.name for page in pages]
        if set(args.only or []) - set(names):
            fail(f"unknown page in --only; choose from {', '.join(names)}")
        if args.only:
            pages = [page for page in pages if page.name == "floor" or page.name in args.only]
        database = connection.settings_dict["NAME"]
        print(f"dataset: {database}, {Story.objects.count():,} stories, ", end="")
        print(f"{Conversation.objects.count():,} conversations, {Client.objects.count():,} clients")
        connection.close()  # our own connection stays out of the server's way
        load = os.getloadavg()[0]
        print(f"machine: {os.cpu_count()} CPUs for gunicorn, PostgreSQL and wrk; load {load:.2f}")
        if load > 0.5:
            print("WARNING: the machine is already busy; figures will be low and noisy")
        collectstatic = [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"]
        subprocess.run(collectstatic, cwd=ROOT, check=True, timeout=300)
        results = measure(args, pages, tmp)
        connection.close()
    report(args, pages, results)
    if any(row["errors"] for row in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
