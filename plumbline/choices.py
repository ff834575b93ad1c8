"""The database's own check that a field holds one of its TextChoices, for every app's
models (a form or the admin is not the only way in)."""

from django.db import models


def one_of(field: str, choices: type[models.TextChoices], *, name: str, blank: bool = False):
    """A named CheckConstraint: `field` holds one of `choices` (or "", with `blank`)."""
    values = ["", *choices.values] if blank else choices.values
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": values}), name=name)
