from django.shortcuts import render

from teams.permissions import is_admin, is_manager, is_marketing, is_sales


def home(request):
    """My work. Short for now: who I am and where my work will appear."""
    user = request.user
    context = {
        "memberships": user.memberships.select_related("team").order_by("team__name"),
        "is_marketing": is_marketing(user),
        "is_sales": is_sales(user),
        "is_manager": is_manager(user),
        "is_admin": is_admin(user),
    }
    return render(request, "stories/home.html", context)
