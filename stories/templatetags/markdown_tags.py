"""`{{ text|markdown }}`: user-written Markdown as sanitized HTML (stories/markdown.py), for
texts shown in a loop, such as the comments of every verdict on a page."""

from django import template

from stories.markdown import render_markdown

register = template.Library()

register.filter("markdown", render_markdown)
