"""The vocabulary of access: who is in which team, with which role, and who leads whom.

Every app decides about its own objects in its own permissions.py using only these
functions. They answer from one query per request: a user's memberships (and, for a lead,
the members of the teams they lead) are read once and kept on the user object for the
rest of the request.
"""

from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Q
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


def standing(user) -> Standing:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NOBODY
    cached = getattr(user, "_standing", None)
    if cached is None:
        led_teams = Membership.objects.filter(user_id=user.pk, role=Membership.Role.LEAD)
        # The user's memberships and everyone in the teams they lead, in one query. No ORDER
        # BY: the default ordering would join the users too.
        rows = list(
            Membership.objects.filter(Q(user_id=user.pk) | Q(team__in=led_teams.values("team")))
            .order_by()
            .values_list("user_id", "team_id", "team__function", "role", named=True)
        )
        mine = [row for row in rows if row.user_id == user.pk]
        led = [row for row in mine if row.role == Membership.Role.LEAD]
        led_team_ids = frozenset(row.team_id for row in led)
        cached = Standing(
            team_ids=frozenset(row.team_id for row in mine),
            functions=frozenset(row.team__function for row in mine),
            led_team_ids=led_team_ids,
            led_functions=frozenset(row.team__function for row in led),
            led_member_ids=frozenset(row.user_id for row in rows if row.team_id in led_team_ids),
        )
        user._standing = cached
    return cached


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
