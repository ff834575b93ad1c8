"""`{% load story_markdown %}{{ story.body|markdown }}` — sanitized HTML from Markdown."""

from django import template
from django.utils.safestring import SafeString

from stories.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(value) -> SafeString:
    # Always re-sanitized, even if `value` arrives already marked safe: safety comes from
    # render_markdown's output, never from the input.
    return render_markdown(str(value) if value is not None else "")
