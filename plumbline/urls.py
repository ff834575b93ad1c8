"""The project's URL root: the only place that includes every app's URLs."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path

from plumbline import views


@login_not_required
def admin_login(request):
    """One sign-in page for everyone, throttled by axes: the admin's goes there too."""
    return redirect_to_login(request.GET.get("next", "/admin/"))


urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("people/", include("teams.urls")),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("", include("stories.urls")),
]
