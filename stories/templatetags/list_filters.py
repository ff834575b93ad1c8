"""`{% load list_filters %}`: a list page's filter fields built in Python; dates for list
rows (`|day`, `|day_and_time`, see stories.list_rows).

Django's widget templates render every option through a template of its own; a list page's
filters with a few hundred people in a select spent more time there than in the page's
queries, and an {% include %} per field still cost a list page a tenth of its time. The
markup is what a template would write, escaped with the standard library's html.escape
(which Django's own escape wraps).
"""

from html import escape

from django import template
from django.utils.safestring import mark_safe

from stories.list_rows import day, day_and_time

register = template.Library()


@register.simple_tag
def filter_field(field, width: str = "col-6 col-md-2") -> str:
    """One filter: its label, its <select> or <input>, and its errors, in a grid column."""
    id_ = escape(field.auto_id)
    errors = field.errors
    invalid = " is-invalid" if errors else ""
    described = f' aria-invalid="true" aria-describedby="{id_}_error"' if errors else ""
    name = escape(field.html_name)
    input_type = field.field.widget.input_type
    if input_type == "select":
        control = (
            f'<select class="form-select{invalid}" name="{name}" id="{id_}"{described}>'
            f"{options(field)}</select>"
        )
    else:
        max_length = getattr(field.field, "max_length", None)
        length = f' maxlength="{max_length}"' if max_length else ""
        control = (
            f'<input class="form-control{invalid}" type="{escape(input_type)}" name="{name}" '
            f'id="{id_}" value="{escape(input_value(field))}"{length}{described}>'
        )
    error = (
        f'<div class="invalid-feedback" id="{id_}_error">{escape(" ".join(errors))}</div>'
        if errors
        else ""
    )
    return mark_safe(  # noqa: S308 — every value above is escaped or is our own markup
        f'<div class="{escape(width)}">\n  <label class="form-label" for="{id_}">'
        f"{escape(str(field.label))}</label>\n  {control}{error}\n</div>"
    )


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


def input_value(field) -> str:
    """An <input>'s value as its widget writes it: a date as 2026-02-03, not as shown."""
    value = field.field.widget.format_value(field.value())
    return "" if value is None else str(value)


register.filter("day", day)
register.filter("day_and_time", day_and_time)
