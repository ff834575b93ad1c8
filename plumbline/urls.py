"""The project's URL root: the only place that includes every app's URLs.

The plumb line's own pages are listed here too, since this package is both the project
and the plumb line.
"""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView, redirect_to_login
from django.urls import include, path
from django.views.decorators.http import require_safe

from plumbline import views
from stories.urls import home_patterns
from teams.forms import SignInForm


@login_not_required
@require_safe
def admin_login(request):
    """One sign-in page for everyone, throttled by axes: the admin's goes there too."""
    return redirect_to_login(request.GET.get("next", "/admin/"))


plumb_line_patterns = [
    path("", views.current, name="current"),
    path("history/", views.history, name="history"),
    path("compare/", views.compare, name="compare"),
    path("versions/<int:number>/", views.version_detail, name="version_detail"),
    path("versions/<int:number>/export.json", views.version_export, name="version_export"),
    path("import/", views.version_import, name="version_import"),
    path("check/", views.check_text, name="check"),
    path("how-the-score-works/", views.score_help, name="score_help"),
    path("draft/", views.draft, name="draft"),
    path("draft/start/", views.draft_start, name="draft_start"),
    path("draft/statement/", views.draft_edit, name="draft_edit"),
    path("draft/publish/", views.draft_publish, name="draft_publish"),
    path("draft/discard/", views.draft_discard, name="draft_discard"),
]
for kind in ("pillar", "guardrail"):
    plumb_line_patterns += [
        path(f"draft/{kind}s/new/", views.part_edit, {"kind": kind}, name=f"{kind}_create"),
        path(f"draft/{kind}s/<int:pk>/", views.part_edit, {"kind": kind}, name=f"{kind}_edit"),
        path(
            f"draft/{kind}s/<int:pk>/delete/",
            views.part_delete,
            {"kind": kind},
            name=f"{kind}_delete",
        ),
        path(f"draft/{kind}s/<int:pk>/move/", views.part_move, {"kind": kind}, name=f"{kind}_move"),
    ]

# The site's own error pages (JSON under /api/), and a 503 while the database is away.
handler400 = "plumbline.errors.bad_request"
handler403 = "plumbline.errors.permission_denied"
handler404 = "plumbline.errors.page_not_found"
handler500 = "plumbline.errors.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", LoginView.as_view(authentication_form=SignInForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("people/", include("teams.urls")),
    path("plumb-line/", include((plumb_line_patterns, "plumbline"))),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("", include("stories.urls")),
    path("", include(home_patterns)),
]
