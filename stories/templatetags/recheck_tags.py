"""The re-check of a plumb-line version, for the plumb line's own pages.

plumbline/ never imports stories/, so its pages load this tag to name a version's re-check.
"""

from django import template

from stories.models import RecheckRun
from stories.permissions import may_follow_rechecks

register = template.Library()


@register.inclusion_tag("stories/_recheck_link.html", takes_context=True)
def recheck_link(context, version):
    """A link to the version's re-check with its progress, for those who follow re-checks."""
    run = None
    if version and not version.is_draft and may_follow_rechecks(context["request"].user):
        run = RecheckRun.objects.filter(version=version).first()
    return {"run": run, "version": version}
