"""The site's own pages for requests it cannot serve: 400 for input that is not text, 403,
404, 500, and 503 while the database does not answer; JSON (`{"detail": ...}`) for paths
under /api/. None says more than what happened: the reason stays in the log.

The 400, 500 and 503 render without the request's context processors, which read the
session and so the database: the 503 is shown because the database is away, a 400 may be
for a cookie the session cannot be looked up with, and a 500 may come from anywhere. So
they show no navigation, only the way home. The 403 and 404 are Django's own views
rendering 403.html and 404.html, with the menu.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseServerError, JsonResponse
from django.middleware.csp import get_nonce
from django.template.loader import render_to_string
from django.utils.csp import CONTEXT_KEY as CSP_NONCE
from django.views import defaults

API_PREFIX = "/api/"
# Long enough for a database restart or a failover, short enough that nobody waits on us.
RETRY_AFTER_SECONDS = 30
MALFORMED = "Something in what your browser sent could not be read."
UNAVAILABLE = "Plumbline cannot reach its database just now. Try again in a minute."
API_DETAILS = {403: "You may not do this.", 404: "Not found.", 500: "Server error."}


def _for_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _page(request, template: str, context: dict) -> str:
    return render_to_string(template, {**context, CSP_NONCE: get_nonce(request)})


def bad_request_response(request, message: str) -> HttpResponse:
    """400, saying in `message` what was wrong and how to put it right."""
    if _for_api(request):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponseBadRequest(_page(request, "400.html", {"message": message}))


def unavailable_response(request) -> HttpResponse:
    """503 with Retry-After: the database does not answer."""
    if _for_api(request):
        response = JsonResponse({"detail": UNAVAILABLE}, status=503)
    else:
        response = HttpResponse(_page(request, "503.html", {}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def bad_request(request, exception):
    """handler400: Django's own 400s (too many fields, a disallowed host) look like ours."""
    return bad_request_response(request, MALFORMED)


def permission_denied(request, exception):
    """handler403: Django's page (403.html); JSON under /api/."""
    if _for_api(request):
        return JsonResponse({"detail": API_DETAILS[403]}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    """handler404: Django's page (404.html); JSON under /api/."""
    if _for_api(request):
        return JsonResponse({"detail": API_DETAILS[404]}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: a database that does not answer is a 503, anything else Django's 500.

    Not a middleware's process_exception: Django turns an exception into this handler's
    response wherever it is raised, in a middleware too, and during an outage the first
    query is the session's, read in LoginRequiredMiddleware before any view runs.
    """
    if isinstance(sys.exception(), OperationalError | InterfaceError):
        return unavailable_response(request)
    if _for_api(request):
        return JsonResponse({"detail": API_DETAILS[500]}, status=500)
    return HttpResponseServerError(_page(request, "500.html", {}))
