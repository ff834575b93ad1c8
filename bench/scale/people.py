"""People for the dataset: sales, marketing and management teams, and the plumb line."""

import itertools
import re

from django.contrib.auth.hashers import make_password

from bench.scale.bulk import explicit_timestamps
from bench.scale.draws import DAY
from bench.scale.options import ScaleError
from bench.scale.vocabulary import FIRST_NAMES, LAST_NAMES, MARKETING_CRAFTS, SALES_REGIONS
from plumbline.demo import seed_plumbline
from plumbline.models import PlumbLineVersion
from teams.models import Membership, Team, User

PASSWORD = "plumbline-scale"


class People:
    """Seeder's people and plumb line (the state it shares is described in seeder.py)."""

    def people(self) -> None:
        """Sales, marketing and management teams; people already there are kept as they are."""
        rng, timeline = self.rng, self.timeline
        teams = team_plan(self.o.users)
        width = max(4, len(str(self.o.users)))
        numbers = {prefix: itertools.count(1) for *_, prefix in teams}
        plan = []  # (username, team index, role): the first of a sales or marketing team leads
        for index, (_, _, function, size, prefix) in enumerate(teams):
            for member in range(size):
                lead = member == 0 and function != Team.Function.MANAGEMENT
                role = Membership.Role.LEAD if lead else Membership.Role.MEMBER
                plan.append((f"scale-{prefix}-{next(numbers[prefix]):0{width}d}", index, role))
        team_rows = [
            Team.objects.get_or_create(slug=slug, defaults={"name": name, "function": function})[0]
            for name, slug, function, _, _ in teams
        ]
        usernames = [username for username, _, _ in plan]
        existing = set(
            User.objects.filter(username__in=usernames).values_list("username", flat=True)
        )
        password = make_password(PASSWORD)  # once: hashing is slow on purpose
        new = [
            User(
                username=username,
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                email=f"{username}@scale.example",
                password=password,
                date_joined=timeline.at(timeline.start - rng.uniform(30, 1500) * DAY),
            )
            for username in usernames
            if username not in existing
        ]
        User.objects.bulk_create(new, batch_size=self.o.batch)
        self.count("users", len(new))
        users = User.objects.in_bulk(usernames, field_name="username")
        members = set(
            Membership.objects.filter(team__in=team_rows).values_list("user_id", "team_id")
        )
        missing = [
            Membership(user=users[name], team=team_rows[index], role=role)
            for name, index, role in plan
            if (users[name].pk, team_rows[index].pk) not in members
        ]
        for membership in missing:
            membership.joined_at = membership.user.date_joined
        with explicit_timestamps(Membership):
            Membership.objects.bulk_create(missing, batch_size=self.o.batch)
        self.count("memberships", len(missing))
        self.sellers, self.marketers, self.managers, self.leads = [], [], [], []
        groups = {
            Team.Function.SALES: self.sellers,
            Team.Function.MARKETING: self.marketers,
            Team.Function.MANAGEMENT: self.managers,
        }
        for name, index, role in plan:
            function = teams[index][2]
            groups[function].append(users[name])
            if function == Team.Function.MARKETING and role == Membership.Role.LEAD:
                self.leads.append(users[name])  # who publishes stories

    def current_version(self) -> PlumbLineVersion:
        version = PlumbLineVersion.objects.current()
        if version is not None:
            return version
        if PlumbLineVersion.objects.exists():
            raise ScaleError("No plumb-line version is current: publish one first.")
        version = seed_plumbline(manager=self.managers[0])
        self.write(f"Created the demo plumb line: version {version.number} is current.")
        return version


def team_plan(users: int) -> list[tuple[str, str, str, int, str]]:
    """(name, slug, function, size, username prefix) of every team, for `users` people."""
    managers = max(1, round(users * 0.05))
    marketers = max(1, round(users * 0.15))
    sellers = users - managers - marketers
    if sellers < 1:
        raise ScaleError("--users must be at least 3: sales, marketing and management.")
    teams = []
    for kind, function, count, size, names, prefix in (
        ("Sales", Team.Function.SALES, sellers, 40, SALES_REGIONS, "rep"),
        ("Marketing", Team.Function.MARKETING, marketers, 25, MARKETING_CRAFTS, "marketer"),
    ):
        for index, members in enumerate(_split(count, max(1, round(count / size)))):
            label = names[index % len(names)]
            if index >= len(names):
                label += f" {index // len(names) + 1}"
            name = f"{kind} {label}"
            slug = "scale-" + re.sub(r"[^a-z0-9]+", "-", name.lower())
            teams.append((f"{name} (scale)", slug, function, members, prefix))
    teams.append(
        ("Leadership (scale)", "scale-leadership", Team.Function.MANAGEMENT, managers, "manager")
    )
    return teams


def _split(total: int, parts: int) -> list[int]:
    """`total` people in `parts` teams of nearly equal size."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]
