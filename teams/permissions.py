"""The vocabulary of access: who is in which team, with which role, and who leads whom.

Every app decides about its own objects in its own permissions.py using only these
functions. They answer from one query per request: a user's memberships (and, for a lead,
the members of the teams they lead) are read once and kept on the user object for the
rest of the request.
"""

from dataclasses import dataclass
from functools import cache, wraps

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Case, OuterRef, StringAgg, Subquery, TextField, Value, When
from django.db.models.functions import Cast
from django.http import Http404

from teams.models import Membership, Team, User

MARKETING = Team.Function.MARKETING
SALES = Team.Function.SALES
MANAGEMENT = Team.Function.MANAGEMENT


@dataclass(frozen=True)
class Standing:
    """Where a user stands: their teams, the functions of those teams, the teams they lead
    and everyone in those (the lead included)."""

    team_ids: frozenset[int]
    functions: frozenset[str]
    led_team_ids: frozenset[int]
    led_functions: frozenset[str]
    led_member_ids: frozenset[int]


_NOBODY = Standing(frozenset(), frozenset(), frozenset(), frozenset(), frozenset())
# Stands for the user's id while the query is compiled (see _standing_query).
_SOMEONE = -1


@cache
def _standing_query() -> tuple[str, tuple]:
    """The SQL of a user's memberships, each row (team, function, role, members): members
    are the team's user ids joined by commas, read for the teams the user leads only.

    Built and compiled once: every request runs it, and the ORM's work on it cost more than
    the database's answer. No ORDER BY: the default ordering would join the users too.
    """
    members = (
        Membership.objects.filter(team_id=OuterRef("team_id"))
        .order_by()
        .values("team_id")
        .annotate(ids=StringAgg(Cast("user_id", TextField()), Value(",")))
        .values("ids")
    )
    rows = (
        Membership.objects.filter(user_id=_SOMEONE)
        .order_by()
        .values_list(
            "team_id",
            "team__function",
            "role",
            Case(
                When(role=Membership.Role.LEAD, then=Subquery(members)),
                default=Value(""),
                output_field=TextField(),
            ),
        )
    )
    sql, params = rows.query.sql_with_params()
    if params.count(_SOMEONE) != 1:
        raise AssertionError(f"the standing query's parameters are ambiguous: {params}")
    return sql, params


def standing(user) -> Standing:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NOBODY
    cached = getattr(user, "_standing", None)
    if cached is None:
        sql, params = _standing_query()
        with connection.cursor() as cursor:
            cursor.execute(sql, [user.pk if p == _SOMEONE else p for p in params])
            rows = cursor.fetchall()
        led = [row for row in rows if row[2] == Membership.Role.LEAD]
        cached = Standing(
            team_ids=frozenset(team for team, _, _, _ in rows),
            functions=frozenset(function for _, function, _, _ in rows),
            led_team_ids=frozenset(team for team, _, _, _ in led),
            led_functions=frozenset(function for _, function, _, _ in led),
            led_member_ids=frozenset(
                int(member) for *_, members in led for member in (members or "").split(",")
            ),
        )
        user._standing = cached
    return cached


def forget_standing(user) -> None:
    """Call after changing someone's memberships within the same request."""
    user.__dict__.pop("_standing", None)


def is_admin(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def is_manager(user) -> bool:
    """Managers (members of a management team) and admins."""
    return is_admin(user) or MANAGEMENT in standing(user).functions


def is_marketing(user) -> bool:
    return MARKETING in standing(user).functions


def is_sales(user) -> bool:
    return SALES in standing(user).functions


def is_lead(user, function: str | None = None) -> bool:
    """Leads any team, or a team of the given function."""
    led = standing(user).led_functions
    return bool(led) if function is None else function in led


def has_team(user) -> bool:
    return bool(standing(user).team_ids)


def leads(lead, member: User) -> bool:
    """True when `lead` leads a team that `member` belongs to."""
    led = standing(lead).led_team_ids
    return bool(led) and bool(led & standing(member).team_ids)


def led_member_ids(lead) -> frozenset[int]:
    """Everyone in the teams `lead` leads, the lead included (read with their standing)."""
    return standing(lead).led_member_ids


def may_manage_people(user) -> bool:
    return is_admin(user)


def role_label(user) -> str:
    """A short description of where someone stands, for the navigation bar."""
    if is_admin(user):
        return "Admin"
    if is_manager(user):
        return "Manager"
    parts = []
    for function, name in ((MARKETING, "Marketing"), (SALES, "Sales")):
        if function in standing(user).functions:
            parts.append(f"{name} lead" if is_lead(user, function) else name)
    return " · ".join(parts) or "No team yet"


def require(predicate, *, hide: bool = False):
    """View decorator: 403 unless predicate(user) holds; 404 with hide=True, for pages whose
    very existence is not the user's business. Use the app's own predicates."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not predicate(request.user):
                raise Http404 if hide else PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
