from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.urls import reverse

from plumbline.choices import one_of


class User(AbstractUser):
    """A person who signs in. What they may do follows from their team memberships."""

    class Meta:
        ordering = ["first_name", "last_name", "username"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_from(self.first_name, self.last_name, self.username)

    @staticmethod
    def name_from(first_name: str, last_name: str, username: str) -> str:
        """The name people see: first and last name, or the username for someone without.
        Also for rows read as values, where building a User for each would cost more."""
        return f"{first_name} {last_name}".strip() or username

    def get_absolute_url(self):
        return reverse("teams:person_detail", args=[self.pk])


# Choices live at module level so that the models' Meta constraints can take their
# values (a nested class cannot see its model's namespace); use them as Model.Name.
class TeamFunction(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"
    MANAGEMENT = "management", "Management"


class Team(models.Model):
    Function = TeamFunction

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    function = models.CharField(max_length=20, choices=Function.choices)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="teams"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            one_of("function", TeamFunction, name="team_function_valid"),
        ]

    def __str__(self):
        return self.name


class MembershipRole(models.TextChoices):
    MEMBER = "member", "Member"
    LEAD = "lead", "Lead"


class Membership(models.Model):
    Role = MembershipRole

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_once_per_team"),
            one_of("role", MembershipRole, name="membership_role_valid"),
        ]
        indexes = [
            # "who leads this team" and "which teams does this lead run", on every access check.
            models.Index(fields=["team", "role"], name="membership_team_role"),
        ]

    def __str__(self):
        return f"{self.user} — {self.team} ({self.get_role_display()})"


class Session(AbstractBaseSession):
    """A browser session that knows its user, so all of a person's sessions can be ended."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )

    class Meta:
        indexes = [
            # Session.objects.filter(user=...).delete() when a person is deactivated.
            models.Index(fields=["user"], name="session_user"),
        ]

    @classmethod
    def get_session_store_class(cls):
        from teams.session_store import SessionStore

        return SessionStore
