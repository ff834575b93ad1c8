"""`{% load list_filters %}`: a filter select's <option>s built in Python; dates for list rows
(`|day`, `|day_and_time`, see stories.list_rows).

Django's widget templates render every option through a template of its own; a list page's
filters with a few hundred people in a select spent more time there than in the page's
queries. The markup is the same, escaped with the standard library's html.escape (which
Django's own escape wraps).
"""

from html import escape

from django import template
from django.utils.safestring import mark_safe

from stories.list_rows import day, day_and_time

register = template.Library()


@register.simple_tag
def options(field) -> str:
    """The <option>s of a bound select field, the submitted (or initial) value selected: its
    `offered` (value, label) pairs if the form set them (stories.forms._offer), else its
    widget's choices."""
    current = field.value()
    current = "" if current is None else str(current)
    parts = []
    choices = getattr(field.field, "offered", None) or field.field.widget.choices
    for value, label in choices:
        value = "" if value is None else str(value)
        selected = " selected" if value == current else ""
        parts.append(f'<option value="{escape(value)}"{selected}>{escape(str(label))}</option>')
    return mark_safe("".join(parts))  # noqa: S308 — every value and label is escaped above


register.filter("day", day)
register.filter("day_and_time", day_and_time)
