"""The demo company's people and teams. Creating them twice changes nothing."""

from django.db import transaction

from teams.models import Membership, Team, User

DEMO_PASSWORD = "plumbline-demo"  # noqa: S105 — printed by `make run`, demo data only

TEAMS = [
    ("Brand & Content", "brand-content", Team.Function.MARKETING),
    ("Field Sales North", "field-sales-north", Team.Function.SALES),
    ("Field Sales South", "field-sales-south", Team.Function.SALES),
    ("Leadership", "leadership", Team.Function.MANAGEMENT),
]

# username, first name, last name, team slug, role
PEOPLE = [
    ("marketer", "Maya", "Okafor", "brand-content", Membership.Role.MEMBER),
    ("marketing_lead", "Lena", "Fischer", "brand-content", Membership.Role.LEAD),
    ("rep", "Ravi", "Menon", "field-sales-north", Membership.Role.MEMBER),
    ("sales_lead", "Sofia", "Lindqvist", "field-sales-north", Membership.Role.LEAD),
    ("rep2", "Rosa", "Alvarez", "field-sales-south", Membership.Role.MEMBER),
    ("rep3", "Tomás", "Novak", "field-sales-north", Membership.Role.MEMBER),
    ("rep4", "Priya", "Shah", "field-sales-south", Membership.Role.MEMBER),
    ("manager", "Marcus", "Webb", "leadership", Membership.Role.MEMBER),
]


@transaction.atomic
def seed_people() -> dict[str, User]:
    teams = {}
    for name, slug, function in TEAMS:
        teams[slug], _ = Team.objects.get_or_create(
            slug=slug, defaults={"name": name, "function": function}
        )
    people = {}
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={
            "first_name": "Ada",
            "last_name": "Admin",
            "email": "admin@tidewell.example",
            "is_staff": True,
            "is_superuser": True,
        },
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
    people["admin"] = admin
    for username, first, last, slug, role in PEOPLE:
        person, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@tidewell.example",
            },
        )
        if created:
            person.set_password(DEMO_PASSWORD)
            person.save(update_fields=["password"])
            Membership.objects.create(user=person, team=teams[slug], role=role)
        people[username] = person
    return people
