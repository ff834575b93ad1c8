"""The People list's filters."""

import django_filters
from django.db.models import Q
from django.http import QueryDict

from teams.models import Team

ACTIVE, DEACTIVATED, EVERYONE = "active", "inactive", "all"


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="search", max_length=100)
    team = django_filters.ModelChoiceFilter(
        label="Team",
        field_name="memberships__team",
        queryset=Team.objects.all(),
        empty_label="Any team",
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=[(ACTIVE, "Active"), (DEACTIVATED, "Deactivated"), (EVERYONE, "Everyone")],
        empty_label=None,
        method="by_status",
    )

    def __init__(self, data=None, *args, **kwargs):
        # Deactivated people only when asked for: a missing or tampered status means active.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if data.get("status") not in {ACTIVE, DEACTIVATED, EVERYONE}:
            data["status"] = ACTIVE
        super().__init__(data, *args, **kwargs)

    def search(self, people, name, value):
        return people.filter(
            Q(username__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(email__icontains=value)
        )

    def by_status(self, people, name, value):
        return people if value == EVERYONE else people.filter(is_active=value == ACTIVE)
