from django.shortcuts import render
from django.views.decorators.http import require_safe

from stories.models import Conversation, Notification, Review, Story
from stories.permissions import may_write_stories
from teams.permissions import is_admin, is_manager, is_marketing, is_sales


@require_safe
def home(request):
    """My work: my drafts, what is waiting for review, my stories past their review-by date."""
    user = request.user
    mine = Story.objects.filter(author=user).order_by("-updated_at")
    context = {
        "memberships": user.memberships.select_related("team").order_by("team__name"),
        "is_marketing": is_marketing(user),
        "is_sales": is_sales(user),
        "is_manager": is_manager(user),
        "is_admin": is_admin(user),
    }
    if may_write_stories(user):
        context.update(
            drafts=list(mine.filter(status=Story.Status.DRAFT)[:10]),
            in_review=list(mine.filter(status=Story.Status.IN_REVIEW)[:10]),
            stale=list(mine.stale().order_by("review_by")[:10]),
        )
    if is_sales(user):
        context["recent_conversations"] = list(
            Conversation.objects.filter(rep=user)
            .select_related("client")
            .order_by("-occurred_at")[:5]
        )
    context["notifications"] = list(
        Notification.objects.filter(user=user, read_at__isnull=True)[:10]
    )
    context["feedback"] = list(
        (
            Review.objects.filter(story__author=user)
            | Review.objects.filter(conversation__rep=user)
        ).select_related("reviewer", "story", "conversation__client")[:5]
    )
    return render(request, "stories/home.html", context)
