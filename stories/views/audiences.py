from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from stories.forms import AudienceForm
from stories.models import Audience
from stories.permissions import may_manage_audiences, may_write_stories
from teams.permissions import require


@require_safe
@require(may_write_stories)
def audience_list(request):
    audiences = Audience.objects.annotate(story_count=Count("stories")).order_by("name")
    return render(
        request,
        "stories/audience_list.html",
        {"audiences": audiences, "may_manage": may_manage_audiences(request.user)},
    )


@require(may_manage_audiences)
def audience_edit(request, pk=None):
    audience = get_object_or_404(Audience, pk=pk) if pk else Audience()
    form = AudienceForm(request.POST or None, instance=audience)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Audience “{audience}” saved.")
        return redirect("stories:audience_list")
    return render(request, "stories/audience_form.html", {"form": form, "audience": audience})
